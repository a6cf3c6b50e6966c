"""A Grafana dashboard as ``adopt`` reads it: rows of panels, each with its PromQL queries.

Both wire formats read into the same records: the classic JSON of Grafana 8-11 (``panels`` with
``row`` panels, a collapsed row holding its own ``panels``; the pre-Grafana-5 ``rows`` list; the
``{"dashboard": ...}`` wrapper of the HTTP API and of exports) and the v2 resource
(``dashboard.grafana.app/v2*``: ``spec.elements`` placed by ``spec.layout``, a ``GridLayout`` or
a ``RowsLayout`` of them). What a panel shows beyond its queries is kept only where the spec can
say it (title, description, unit, value mappings of a state timeline).

>>> board = read_dashboard(json.dumps({"title": "API", "panels": [
...     {"type": "row", "title": "Traffic"},
...     {"type": "timeseries", "title": "Requests",
...      "targets": [{"expr": "sum(rate(http_requests_total[5m]))", "legendFormat": "rps"}]}]}))
>>> [(row.title, [p.title for p in row.panels]) for row in board.rows]
[('Traffic', ['Requests'])]
>>> board.rows[0].panels[0].queries
(Query(expr='sum(rate(http_requests_total[5m]))', legend='rps'),)
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

from ..errors import Diagnostic, SpecError

# Panels placed before the first row of a classic dashboard: the spec puts every panel in a row.
FIRST_ROW = "Overview"


class Query(msgspec.Struct, frozen=True):
    expr: str
    legend: str = ""


class SourcePanel(msgspec.Struct, frozen=True):
    title: str
    viz: str  # Grafana's panel type: timeseries, stat, heatmap, state-timeline, text...
    queries: tuple[Query, ...]
    description: str = ""
    unit: str = ""
    states: dict[str, str] = {}  # value -> text, from the panel's value mappings
    text: str = ""  # a text panel's content
    skipped: str = ""  # why the panel cannot be carried at all, when it cannot


class SourceRow(msgspec.Struct, frozen=True):
    title: str
    collapsed: bool
    panels: tuple[SourcePanel, ...]


class Variable(msgspec.Struct, frozen=True):
    name: str
    query: str  # a query variable's query (label_values(...)), "" for the others
    kind: str


class SourceDashboard(msgspec.Struct, frozen=True):
    title: str
    uid: str
    tags: tuple[str, ...]
    variables: tuple[Variable, ...]
    rows: tuple[SourceRow, ...]
    format: str  # classic or v2


def read_dashboard(text: str, display: str = "<dashboard>") -> SourceDashboard:
    """The dashboard in ``text`` (JSON), or a ``SpecError`` saying why it is not one."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(
            [Diagnostic(display, exc.lineno, exc.colno, f"not JSON: {exc.msg} (give a dashboard's JSON model)")]
        ) from None
    if isinstance(doc, dict) and isinstance(doc.get("dashboard"), dict):
        doc = doc["dashboard"]  # the HTTP API's and Grafana's export wrapper
    if isinstance(doc, dict) and str(doc.get("apiVersion", "")).startswith("dashboard.grafana.app/"):
        return _v2(doc, display)
    if isinstance(doc, dict) and (isinstance(doc.get("panels"), list) or isinstance(doc.get("rows"), list)):
        return _classic(doc)
    raise SpecError(
        [
            Diagnostic(
                display,
                1,
                1,
                "not a Grafana dashboard: no 'panels' or 'rows' list, and no dashboard.grafana.app apiVersion "
                "(export the dashboard as JSON from Grafana: Share > Export)",
            )
        ]
    )


def _classic(doc: dict[str, Any]) -> SourceDashboard:
    rows: list[SourceRow] = []
    if isinstance(doc.get("rows"), list):  # Grafana 4 and older: rows holding panels
        for row in doc["rows"]:
            panels = tuple(_classic_panel(p) for p in _dicts(row.get("panels")))
            title = str(row.get("title") or FIRST_ROW)
            rows.append(SourceRow(title, bool(row.get("collapse")), panels))
    current: list[SourcePanel] = []
    title, collapsed = FIRST_ROW, False
    for panel in sorted(_dicts(doc.get("panels")), key=_grid_order):
        if panel.get("type") == "row":
            if current:
                rows.append(SourceRow(title, collapsed, tuple(current)))
            title, collapsed = str(panel.get("title") or "Row"), bool(panel.get("collapsed"))
            current = [_classic_panel(p) for p in sorted(_dicts(panel.get("panels")), key=_grid_order)]
        else:
            current.append(_classic_panel(panel))
    if current:
        rows.append(SourceRow(title, collapsed, tuple(current)))
    variables = tuple(_variable(v) for v in _dicts((doc.get("templating") or {}).get("list")))
    return SourceDashboard(
        str(doc.get("title") or ""),
        str(doc.get("uid") or ""),
        _strings(doc.get("tags")),
        variables,
        tuple(rows),
        "classic",
    )


def _grid_order(panel: dict[str, Any]) -> tuple[int, int]:
    """Panels in the order Grafana shows them: top to bottom, then left to right."""
    pos = panel.get("gridPos") or {}
    return (int(pos.get("y", 0) or 0), int(pos.get("x", 0) or 0))


def _classic_panel(panel: dict[str, Any]) -> SourcePanel:
    viz = str(panel.get("type") or "graph")
    title = str(panel.get("title") or "")
    defaults = (panel.get("fieldConfig") or {}).get("defaults") or {}
    unit = str(defaults.get("unit") or panel.get("format") or "")
    if "libraryPanel" in panel and not panel.get("targets"):
        return SourcePanel(title, viz, (), skipped="a library panel: its queries live in Grafana, not in this file")
    queries = _queries(panel.get("targets"))
    content = str((panel.get("options") or {}).get("content") or panel.get("content") or "")
    return SourcePanel(
        title,
        viz,
        queries,
        str(panel.get("description") or ""),
        unit,
        _states(defaults.get("mappings") or panel.get("valueMaps")),
        content if viz == "text" else "",
        "" if queries or viz == "text" else _no_query(panel.get("targets")),
    )


def _queries(targets: Any) -> tuple[Query, ...]:
    return tuple(
        Query(str(t["expr"]), str(t.get("legendFormat") or ""))
        for t in _dicts(targets)
        if isinstance(t.get("expr"), str) and t["expr"].strip() and not t.get("hide")
    )


def _no_query(targets: Any) -> str:
    if any(isinstance(t.get("expr"), str) and t.get("hide") for t in _dicts(targets)):
        return "every query is hidden"
    if _dicts(targets):
        return "no PromQL query (another data source's query)"
    return "no query"


def _states(mappings: Any) -> dict[str, str]:
    """value -> text from Grafana 8+ value mappings (``{"type": "value", "options": {...}}``)."""
    states: dict[str, str] = {}
    for mapping in _dicts(mappings):
        options = mapping.get("options")
        if mapping.get("type") == "value" and isinstance(options, dict):
            for value, shown in options.items():
                if isinstance(shown, dict) and shown.get("text"):
                    states[str(value)] = str(shown["text"])
    return states


def _variable(var: dict[str, Any]) -> Variable:
    query = var.get("query")
    if isinstance(query, dict):
        query = query.get("query") or ""
    return Variable(str(var.get("name") or ""), str(query or ""), str(var.get("type") or ""))


def _v2(doc: dict[str, Any], display: str) -> SourceDashboard:
    spec = doc.get("spec")
    if not isinstance(spec, dict) or not isinstance(spec.get("elements"), dict):
        raise SpecError([Diagnostic(display, 1, 1, "a v2 dashboard without spec.elements (export it again)")])
    elements = spec["elements"]
    layout = spec.get("layout") or {}
    rows: list[SourceRow] = []
    if layout.get("kind") == "RowsLayout":
        for row in _dicts((layout.get("spec") or {}).get("rows")):
            row_spec = row.get("spec") or {}
            panels = tuple(_v2_panel(elements.get(name) or {}) for name in _grid_names(row_spec.get("layout") or {}))
            rows.append(SourceRow(str(row_spec.get("title") or "Row"), bool(row_spec.get("collapse")), panels))
    else:
        names = _grid_names(layout) or list(elements)
        rows.append(SourceRow(FIRST_ROW, False, tuple(_v2_panel(elements.get(name) or {}) for name in names)))
    variables = tuple(
        Variable(
            str((v.get("spec") or {}).get("name") or ""),
            _v2_variable_query(v.get("spec") or {}),
            "query" if v.get("kind") == "QueryVariable" else str(v.get("kind") or ""),
        )
        for v in _dicts(spec.get("variables"))
    )
    metadata = doc.get("metadata") or {}
    return SourceDashboard(
        str(spec.get("title") or ""),
        str(metadata.get("name") or ""),
        _strings(spec.get("tags")),
        variables,
        tuple(rows),
        "v2",
    )


def _v2_variable_query(spec: dict[str, Any]) -> str:
    query = spec.get("query")
    if isinstance(query, dict):  # v2: {kind: DataQuery, spec: {query: ...}}
        inner = query.get("spec") or {}
        return str(inner.get("query") or inner.get("expr") or spec.get("definition") or "")
    return str(query or spec.get("definition") or "")


def _grid_names(layout: dict[str, Any]) -> list[str]:
    items = [i.get("spec") or {} for i in _dicts((layout.get("spec") or {}).get("items"))]
    items.sort(key=lambda i: (int(i.get("y", 0) or 0), int(i.get("x", 0) or 0)))
    return [str((i.get("element") or {}).get("name") or "") for i in items]


def _v2_panel(element: dict[str, Any]) -> SourcePanel:
    spec = element.get("spec") or {}
    title = str(spec.get("title") or "")
    if element.get("kind") == "LibraryPanel":
        return SourcePanel(
            title, "library", (), skipped="a library panel: its queries live in Grafana, not in this file"
        )
    viz_config = spec.get("vizConfig") or {}
    viz = str(viz_config.get("group") or viz_config.get("kind") or "timeseries")
    defaults = (((viz_config.get("spec") or {}).get("fieldConfig")) or {}).get("defaults") or {}
    queries = _queries(
        [
            {**((q.get("spec") or {}).get("query") or {}).get("spec", {}), "hide": (q.get("spec") or {}).get("hidden")}
            for q in _dicts((((spec.get("data") or {}).get("spec")) or {}).get("queries"))
        ]
    )
    options = (viz_config.get("spec") or {}).get("options") or {}
    return SourcePanel(
        title,
        viz,
        queries,
        str(spec.get("description") or ""),
        str(defaults.get("unit") or ""),
        _states(defaults.get("mappings")),
        str(options.get("content") or "") if viz == "text" else "",
        "" if queries or viz == "text" else "no PromQL query",
    )


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()
