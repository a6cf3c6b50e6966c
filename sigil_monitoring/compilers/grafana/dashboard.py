"""One service -> its classic dashboard: variables, annotations, links, rows with their panels.

Rows follow Grafana's layout rule (https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/create-dashboard/):
an expanded row has ``panels: []`` and its panels follow it in the top-level list; a collapsed
row keeps its panels inside ``row.panels``. Positions are the ir's, unchanged.
"""

# No `from __future__ import annotations` here: the function `annotations` below would rebind
# that name, and every annotation in this module is valid at runtime on Python 3.11 anyway.
from typing import assert_never

from ... import conventions as names
from ... import defaults
from ...ir.dashboard import (
    ErrorRatioPanel,
    GaugePanel,
    HeatmapPanel,
    HistogramPanel,
    PercentilesPanel,
    PromqlPanel,
    RatePanel,
    SloBudgetPanel,
    SloBurnPanel,
    SloSliPanel,
    StatPanel,
    TextPanel,
    TimelinePanel,
)
from ...ir.dashboard import Panel as IrPanel
from ...ir.model import Service
from . import panels, queries, slo_panels
from .context import DATASOURCE, Context
from .model import (
    Annotation,
    Dashboard,
    DatasourceRef,
    GridPos,
    Link,
    Panel,
    RowPanel,
    TimeRange,
    Variable,
    VariableOption,
)

GRAFANA_ANNOTATIONS = DatasourceRef(type="grafana", uid="-- Grafana --")


def variables(service: Service) -> tuple[Variable, ...]:
    """The datasource picker, then one multi-value filter per grouping label."""
    out = [
        Variable(
            type="datasource",
            name=names.datasource_variable(),
            label="Data source",
            query="prometheus",
            current=VariableOption(text="default", value="default"),
            hide=0,
            refresh=1,
        )
    ]
    for label in service.dashboard.variables:
        metric = next(m for m in service.metrics if label in m.labels)
        query = queries.label_values(metric.name, service.selector, label)
        out.append(
            Variable(
                type="query",
                name=label,
                label=label.replace("_", " ").capitalize(),
                datasource=DATASOURCE,
                query=query,
                definition=query,
                current=VariableOption(text=("All",), value=("$__all",)),
                refresh=2,
                sort=1,
                multi=True,
                include_all=True,
                all_value=".*",
            )
        )
    return tuple(out)


def annotations(service: Service) -> tuple[Annotation, ...]:
    """Grafana's own annotations and the firing alerts of this service (from Prometheus' ALERTS)."""
    return (
        Annotation(
            name="Annotations & Alerts",
            datasource=GRAFANA_ANNOTATIONS,
            icon_color="rgba(0, 211, 255, 1)",
            hide=True,
            built_in=1,
            type="dashboard",
            target={"limit": 100, "matchAny": False, "tags": [], "type": "dashboard"},
        ),
        Annotation(
            name="Firing alerts",
            datasource=DATASOURCE,
            icon_color="red",
            expr=queries.firing_alerts(service.name),
            step="1m",
            title_format="{{alertname}}",
            text_format="{{severity}}: {{alertname}}",
            tag_keys="alertname,severity",
            use_value_for_time=False,
        ),
    )


def links(service: Service) -> tuple[Link, ...]:
    out = []
    if service.runbooks_url:
        out.append(
            Link(title="Runbook", url=service.runbooks_url, icon="doc", tooltip=f"On-call runbook of {service.title}")
        )
    if service.dashboard.tags:
        out.append(
            Link(
                title="Related dashboards",
                type="dashboards",
                icon="external link",
                tags=service.dashboard.tags,
                as_dropdown=True,
                target_blank=False,
                include_vars=True,
                keep_time=True,
            )
        )
    return tuple(out)


def layout(ctx: Context) -> tuple[Panel | RowPanel, ...]:
    out: list[Panel | RowPanel] = []
    for row in ctx.service.dashboard.rows:
        children = tuple(build_panel(ctx, p) for p in row.panels)
        grid = GridPos(h=1, w=defaults.GRID_COLUMNS, x=0, y=row.y)
        out.append(
            RowPanel(
                id=row.id,
                title=row.title,
                collapsed=row.collapsed,
                grid_pos=grid,
                panels=children if row.collapsed else (),
            )
        )
        if not row.collapsed:
            out.extend(children)
    return tuple(out)


# The Grafana target and the onboarding page both read a service's classic dashboard in one
# compile: keep the last one built. Services are frozen, so the very same object (``is``) has the
# very same dashboard (at 10,000 SLOs, building it twice cost a tenth of the compile).
_last_built: list[tuple[Service, bool, Dashboard]] = []


def build(service: Service, current: bool = False) -> Dashboard:
    """The classic dashboard JSON model of ``service``; ``current`` ignores ``grafana_version``
    (the v2 resource exists only in Grafana 12+, so it never takes the Grafana 8 forms)."""
    if _last_built and _last_built[0][0] is service and _last_built[0][1] == current:
        return _last_built[0][2]
    built = _build(service, current)
    _last_built[:] = [(service, current, built)]
    return built


def _build(service: Service, current: bool) -> Dashboard:
    dash = service.dashboard
    legacy = dash.grafana_version < 9 and not current
    return Dashboard(
        uid=dash.uid,
        title=dash.title,
        description=service.description,
        tags=dash.tags,
        time=TimeRange(from_=f"now-{dash.time}"),
        refresh=str(dash.refresh),
        schema_version=defaults.GRAFANA8_SCHEMA_VERSION if legacy else defaults.DASHBOARD_SCHEMA_VERSION,
        panels=layout(Context(service, legacy)),
        templating={"list": variables(service)},
        annotations={"list": annotations(service)},
        links=links(service),
    )


def build_panel(ctx: Context, panel: IrPanel) -> Panel:
    """The Grafana panel for one ir panel (here, not in ``panels``: the SLO panels build on ``panels``)."""
    match panel.content:
        case HeatmapPanel(series=series):
            return panels.heatmap(ctx, panel, series)
        case PercentilesPanel() as shown:
            return panels.percentiles(ctx, panel, shown)
        case HistogramPanel(series=series):
            return panels.histogram(ctx, panel, series)
        case RatePanel(series=series):
            return panels.rate(ctx, panel, series)
        case ErrorRatioPanel(bad=bad, total=total):
            return panels.error_ratio(ctx, panel, bad, total)
        case TimelinePanel(series=series):
            return panels.timeline(ctx, panel, series)
        case TextPanel(text=content):
            return panels.text(ctx, panel, content)
        case PromqlPanel() as shown:
            return panels.raw_promql(ctx, panel, shown)
        case StatPanel() | GaugePanel() as shown:
            return panels.single_value(ctx, panel, shown)
        case SloSliPanel(slo=slo):
            return slo_panels.sli(ctx, panel, ctx.slo(slo))
        case SloBudgetPanel(slo=slo):
            return slo_panels.budget(ctx, panel, ctx.slo(slo))
        case SloBurnPanel(slo=slo):
            return slo_panels.burn(ctx, panel, ctx.slo(slo))
        case _:
            assert_never(panel.content)
