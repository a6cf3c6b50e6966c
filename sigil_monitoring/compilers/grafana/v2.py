"""The classic dashboard model -> the ``dashboard.grafana.app/v2`` resource, same panels and ids.

v2 keeps panels in ``elements`` (by name) and places them through the layout: a ``RowsLayout``
whose rows each hold a ``GridLayout`` with positions relative to the row. Panel options and
field config are carried over unchanged. Stable in Grafana 13 (12.x serves v2beta1 behind toggles).
"""

from __future__ import annotations

from ... import conventions as names
from ...ir.model import Service
from .model import Dashboard, Panel, RowPanel, Variable
from .v2_model import (
    AnnotationSpec,
    DashboardSpec,
    DataLink,
    DataQuery,
    GridItemSpec,
    Kind,
    PanelQuerySpec,
    PanelSpec,
    QueryGroupSpec,
    Resource,
    RowSpec,
    TimeSettings,
    VersionedKind,
)

_SORT = {0: "disabled", 1: "alphabeticalAsc"}


def _query(target_json: dict[str, object]) -> DataQuery:
    spec = {k: v for k, v in target_json.items() if k not in ("refId", "datasource")}
    return DataQuery(spec=spec)


def panel(p: Panel) -> Kind:
    queries = tuple(
        Kind(kind="PanelQuery", spec=PanelQuerySpec(query=_query(t.to_json()), ref_id=t.ref_id)) for t in p.targets
    )
    options = p.options if isinstance(p.options, dict) else p.options.to_json()
    return Kind(
        kind="Panel",
        spec=PanelSpec(
            id=p.id,
            title=p.title,
            description=p.description,
            links=tuple(DataLink(title=link.title, url=link.url or "") for link in p.links),
            data=Kind(kind="QueryGroup", spec=QueryGroupSpec(queries=queries)),
            viz_config=VersionedKind(
                kind="VizConfig", group=p.type, spec={"options": options, "fieldConfig": p.field_config.to_json()}
            ),
        ),
    )


def _grid(children: tuple[Panel, ...], top: int) -> Kind:
    items = tuple(
        Kind(
            kind="GridLayoutItem",
            spec=GridItemSpec(
                x=c.grid_pos.x,
                y=c.grid_pos.y - top,
                width=c.grid_pos.w,
                height=c.grid_pos.h,
                element={"kind": "ElementReference", "name": names.v2_element_name(c.id)},
            ),
        )
        for c in children
    )
    return Kind(kind="GridLayout", spec={"items": [i.to_json() for i in items]})


def _rows(dash: Dashboard) -> list[tuple[RowPanel, tuple[Panel, ...]]]:
    rows: list[tuple[RowPanel, list[Panel]]] = []
    for item in dash.panels:
        if isinstance(item, RowPanel):
            rows.append((item, list(item.panels)))
        else:
            rows[-1][1].append(item)
    return [(row, tuple(children)) for row, children in rows]


def _variable(v: Variable) -> Kind:
    common = {
        "name": v.name,
        "label": v.label,
        "hide": "dontHide",
        "skipUrlSync": False,
        "regex": "",
        "multi": v.multi,
        "includeAll": v.include_all,
        "allowCustomValue": True,
        "options": [],
    }
    if v.type == "datasource":
        return Kind(
            kind="DatasourceVariable",
            spec={
                **common,
                "pluginId": "prometheus",
                "refresh": "onDashboardLoad",
                "current": {"text": "default", "value": "default"},
            },
        )
    query = DataQuery(spec={"query": v.query, "refId": "PrometheusVariableQueryEditor-VariableQuery", "qryType": 1})
    return Kind(
        kind="QueryVariable",
        spec={
            **common,
            "query": query.to_json(),
            "definition": v.definition,
            "refresh": "onTimeRangeChanged",
            "sort": _SORT.get(v.sort or 0, "alphabeticalAsc"),
            "allValue": v.all_value,
            "current": {"text": ["All"], "value": ["$__all"]},
        },
    )


def build(service: Service, dash: Dashboard) -> Resource:
    """The v2 resource of a classic dashboard built for ``service``."""
    rows = _rows(dash)
    elements = {names.v2_element_name(c.id): panel(c) for _, children in rows for c in children}
    layout = Kind(
        kind="RowsLayout",
        spec={
            "rows": [
                Kind(
                    kind="RowsLayoutRow",
                    spec=RowSpec(title=row.title, collapse=row.collapsed, layout=_grid(children, row.grid_pos.y + 1)),
                ).to_json()
                for row, children in rows
            ]
        },
    )
    annotations = tuple(
        Kind(
            kind="AnnotationQuery",
            spec=AnnotationSpec(
                name=a.name,
                enable=a.enable,
                hide=a.hide,
                icon_color=a.icon_color,
                built_in=bool(a.built_in) or None,
                query=DataQuery(
                    group=a.datasource.type,
                    datasource={"name": a.datasource.uid},
                    spec={
                        "expr": a.expr,
                        "step": a.step,
                        "titleFormat": a.title_format,
                        "textFormat": a.text_format,
                        "tagKeys": a.tag_keys,
                    }
                    if a.expr
                    else (a.target or {}),
                ),
            ),
        )
        for a in dash.annotations["list"]
    )
    spec = DashboardSpec(
        title=dash.title,
        description=dash.description,
        tags=dash.tags,
        elements=elements,
        layout=layout,
        variables=tuple(_variable(v) for v in dash.templating["list"]),
        annotations=annotations,
        links=dash.links,
        time_settings=TimeSettings(from_=dash.time.from_, to=dash.time.to, auto_refresh=dash.refresh),
    )
    return Resource(metadata={"name": dash.uid}, spec=spec)
