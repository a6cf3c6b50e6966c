"""Which panels the dashboard has, where they stand on the grid, and their ids.

Panel ids are assigned here, not in the Grafana compiler, because alerts link to their panel
(``dashboard_url``) and the Prometheus compiler must use the very same ids.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from .. import defaults
from ..records import Record, field, replace
from .model import Panel, Row, Series

if TYPE_CHECKING:  # the spec objects may be the generated plain classes: no pydantic at run time
    from ..spec import dashboard as spec_dashboard
    from ..spec.document import Spec
    from ..spec.refs import MetricRef

# Resolves a spec reference to a catalog series (build._Context.series).
SeriesOf = Callable[["MetricRef"], Series]


class PanelDraft(Record, frozen=False):
    """A panel before it has a place on the grid."""

    kind: str
    title: str
    description: str = ""
    series: Series | None = None
    total: Series | None = None
    quantiles: tuple[Decimal, ...] = ()
    slo: str | None = None
    text: str | None = None
    width: int | None = None
    height: int | None = None
    metric_key: str | None = None
    promql: str | None = None
    unit: str | None = None
    legend: str | None = None
    display: str = "timeseries"
    limits: tuple[Decimal | None, Decimal | None] = (None, None)


class RowDraft(Record, frozen=False):
    title: str
    collapsed: bool = False
    panels: list[PanelDraft] = field(default_factory=list)


def human(key: str) -> str:
    """``encode_latency`` -> ``Encode latency``."""
    text = key.replace("_", " ").replace("-", " ")
    return text[:1].upper() + text[1:]


_TITLES = {
    "heatmap": "{} heatmap",
    "percentiles": "{} percentiles",
    "histogram": "{} distribution",
    "rate": "{} per second",
    "error_ratio": "{} ratio",
    "timeline": "{} state",
    "stat": "{}",
    "gauge": "{}",
}


def slo_drafts(name: str) -> list[PanelDraft]:
    """An SLO panel in the spec is three Grafana panels: SLI vs objective, budget left, burn rate."""
    return [
        PanelDraft("slo_sli", f"SLO {name}: error ratio vs budget", slo=name),
        PanelDraft("slo_budget", f"SLO {name}: error budget left", slo=name),
        PanelDraft("slo_burn", f"SLO {name}: burn rate", slo=name),
    ]


def drafts_from_spec(spec: Spec, series_of: SeriesOf) -> list[RowDraft]:
    """Rows as the spec writes them, or a default dashboard from the catalog and SLOs."""
    if spec.dashboard.rows is None:
        return default_rows(spec, series_of)
    rows = []
    for row in spec.dashboard.rows:
        drafts: list[PanelDraft] = []
        for panel in row.panels:
            drafts.extend(_draft(panel, series_of))
        rows.append(RowDraft(row.title, row.collapsed, drafts))
    return rows


def panel_titles(spec: Spec) -> list[str]:
    """The title of every panel the dashboard will have, in order (titles do not depend on series)."""

    def no_series(ref: MetricRef) -> Series:
        return None  # type: ignore[return-value]

    return [d.title for row in drafts_from_spec(spec, no_series) for d in row.panels]


def _draft(panel: spec_dashboard.Panel, series_of: SeriesOf) -> list[PanelDraft]:
    kind = panel.kind
    if kind == "slo":
        return slo_drafts(panel.slo or "")
    if kind == "text":
        return [
            PanelDraft(
                "text",
                panel.title or "Notes",
                panel.description or "",
                text=panel.text,
                width=panel.width,
                height=panel.height,
            )
        ]
    limits = (_decimal(panel.min), _decimal(panel.max))
    if kind == "promql":
        return [
            PanelDraft(
                "promql",
                panel.title or "Query",
                panel.description or "",
                promql=panel.promql,
                unit=panel.unit or "none",
                legend=panel.legend,
                display=panel.display,
                limits=limits,
                width=panel.width,
                height=panel.height,
            )
        ]
    ref = getattr(panel, kind)
    series = series_of(ref)
    of = panel.of
    title = panel.title or _TITLES[kind].format(
        human(ref.metric) + (f" of {human(of.metric).lower()}" if of is not None else "")
    )
    total = panel.total if panel.total is not None else of
    return [
        PanelDraft(
            kind,
            title,
            panel.description or "",
            series=series,
            total=series_of(total) if total is not None else None,
            quantiles=tuple(Decimal(repr(q)) for q in panel.quantiles) if kind == "percentiles" else (),
            width=panel.width,
            height=panel.height,
            metric_key=ref.metric,
            limits=limits,
        )
    ]


def _decimal(value: float | None) -> Decimal | None:
    return Decimal(repr(value)) if value is not None else None


def default_rows(spec: Spec, series_of: SeriesOf) -> list[RowDraft]:
    from ..spec.refs import MetricRef

    rows = [RowDraft("SLOs", panels=[d for name in spec.slos for d in slo_drafts(name)])]
    latency, distributions, rates, states, gauges = (
        RowDraft(t) for t in ("Latency", "Distributions", "Rates", "State", "Gauges")
    )
    for key, metric in spec.metrics.items():
        if metric.from_ is not None:
            continue  # its base metric's panels show it
        ref = MetricRef(metric=key, by=list(metric.labels))
        series = series_of(ref)
        name = human(key)
        if metric.type in ("histogram", "native_histogram"):
            if metric.unit == "seconds":
                latency.panels += [
                    PanelDraft("heatmap", f"{name} heatmap", series=series, metric_key=key),
                    PanelDraft(
                        "percentiles",
                        f"{name} percentiles",
                        series=series,
                        quantiles=defaults.DEFAULT_QUANTILES,
                        metric_key=key,
                    ),
                ]
            else:
                distributions.panels.append(
                    PanelDraft("histogram", f"{name} distribution", series=series, metric_key=key)
                )
        elif metric.type == "counter":
            rates.panels.append(PanelDraft("rate", f"{name} per second", series=series, metric_key=key))
        elif metric.states:
            states.panels.append(PanelDraft("timeline", f"{name} state", series=series, metric_key=key))
        else:
            gauges.panels.append(PanelDraft("stat", name, series=series, metric_key=key))
    return [r for r in (*rows, latency, distributions, rates, states, gauges) if r.panels]


def layout(rows: list[RowDraft]) -> tuple[Row, ...]:
    """Place panels left to right on the 24-column grid, wrapping lines; ids in reading order."""
    next_id, y, out = 1, 0, []
    for row in rows:
        row_id, row_y = next_id, y
        next_id += 1
        y += 1
        x, line_height, placed = 0, 0, []
        for draft in row.panels:
            w0, h0 = defaults.PANEL_SIZE[
                "promql_stat" if draft.kind == "promql" and draft.display == "stat" else draft.kind
            ]
            w, h = draft.width or w0, draft.height or h0
            if x + w > defaults.GRID_COLUMNS:
                x, y, line_height = 0, y + line_height, 0
            placed.append(
                Panel(
                    id=next_id,
                    kind=draft.kind,
                    title=draft.title,
                    description=draft.description,
                    x=x,
                    y=y,
                    w=w,
                    h=h,
                    series=draft.series,
                    total=draft.total,
                    quantiles=draft.quantiles,
                    slo=draft.slo,
                    text=draft.text,
                    promql=draft.promql,
                    unit=draft.unit,
                    legend=draft.legend,
                    display=draft.display,
                    limits=draft.limits,
                )
            )
            next_id += 1
            x += w
            line_height = max(line_height, h)
        y += line_height
        out.append(Row(row_id, row.title, row_y, row.collapsed, tuple(placed)))
    return tuple(out)


# Which panel kinds show an alert best, most telling first.
ALERT_PANEL_KINDS = {
    "quantile": ("percentiles", "heatmap"),
    "rate": ("rate", "error_ratio", "stat"),
    "ratio": ("error_ratio", "rate"),
    "state": ("timeline", "stat"),
    "value": ("stat", "gauge", "timeline"),
    "gauge_ratio": ("gauge", "stat"),
    "absent": ("rate", "stat", "gauge", "timeline", "percentiles", "heatmap", "histogram", "error_ratio"),
}


class _PanelIndex(Record):
    """The first panel of each (kind, metric), of each SLO, and of each ratio denominator."""

    by_kind: dict[tuple[str, str], Panel]
    by_slo: dict[str, Panel]
    by_total: dict[str, Panel]
    by_share: dict[tuple[str, str, str], Panel]  # (kind, metric, denominator): stat/gauge panels with of

    @classmethod
    def of(cls, rows: tuple[Row, ...]) -> _PanelIndex:
        by_kind: dict[tuple[str, str], Panel] = {}
        by_slo: dict[str, Panel] = {}
        by_total: dict[str, Panel] = {}
        by_share: dict[tuple[str, str, str], Panel] = {}
        for panel in (p for row in rows for p in row.panels):
            if panel.kind == "slo_burn" and panel.slo is not None:
                by_slo.setdefault(panel.slo, panel)
            if panel.series is not None:
                by_kind.setdefault((panel.kind, panel.series.metric.key), panel)
            if panel.total is not None:
                by_total.setdefault(panel.total.metric.key, panel)
                if panel.series is not None:
                    by_share.setdefault((panel.kind, panel.series.metric.key, panel.total.metric.key), panel)
        return cls(by_kind, by_slo, by_total, by_share)


# One service's rows are asked once per alert and SLO: index them once. Rows are immutable tuples
# of frozen panels, so the index of the very same object (``is``) is always still right.
_last_index: list[tuple[tuple[Row, ...], _PanelIndex]] = []


def _index(rows: tuple[Row, ...]) -> _PanelIndex:
    if not _last_index or _last_index[0][0] is not rows:
        _last_index[:] = [(rows, _PanelIndex.of(rows))]
    return _last_index[0][1]


def panel_for(
    rows: tuple[Row, ...], alert_kind: str, metric_key: str | None, slo: str | None = None, total_key: str | None = None
) -> Panel | None:
    """The panel an alert (or an SLO's burn alerts) links to: the first panel of the best kind showing its metric
    (for a share, ``gauge_ratio``, of its metric over ``total_key``).

    >>> from sigil_monitoring.ir.model import Metric
    >>> def series(key): return Series(Metric(key, key, "counter", "none", "", (), None, None), ())
    >>> rate = Panel(1, "rate", "Requests", "", 0, 0, 12, 8, series=series("req"))
    >>> ratio = Panel(2, "error_ratio", "Errors", "", 12, 0, 12, 8, series=series("err"), total=series("req"))
    >>> rows = (Row(100, "Traffic", 0, False, (rate, ratio)),)
    >>> panel_for(rows, "ratio", "req").id, panel_for(rows, "absent", "req").id
    (1, 1)
    >>> panel_for(rows, "absent", "err").id, panel_for(rows, "value", "req")
    (2, None)
    """
    index = _index(rows)
    if slo is not None:
        return index.by_slo.get(slo)
    for kind in ALERT_PANEL_KINDS.get(alert_kind, ()):
        if alert_kind == "gauge_ratio":
            found = (
                index.by_share.get((kind, metric_key, total_key))
                if metric_key is not None and total_key is not None
                else None
            )
        else:
            found = index.by_kind.get((kind, metric_key)) if metric_key is not None else None
        if found is not None:
            return found
    if alert_kind == "absent" and metric_key is not None:
        # A metric shown only as the denominator of a ratio still tells whether it is reported.
        return index.by_total.get(metric_key)
    return None


def with_alerts(
    rows: tuple[Row, ...], annotate: dict[int, tuple[tuple[str, ...], tuple[Decimal, ...]]]
) -> tuple[Row, ...]:
    """Attach alert names and thresholds to the panels that show them."""
    return tuple(
        replace(
            row,
            panels=tuple(
                replace(p, alerts=annotate[p.id][0], thresholds=annotate[p.id][1]) if p.id in annotate else p
                for p in row.panels
            ),
        )
        for row in rows
    )
