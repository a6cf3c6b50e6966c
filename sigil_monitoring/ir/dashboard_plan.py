"""Which panels the dashboard has, where they stand on the grid, and their ids.

Panel ids are assigned here, not in the Grafana compiler, because alerts link to their panel
(``dashboard_url``) and the Prometheus compiler must use the very same ids.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, assert_never

import msgspec
from msgspec import Struct
from msgspec.structs import replace

from .. import defaults
from ..values.units import DURATION_UNITS
from .dashboard import (
    ErrorRatioPanel,
    GaugePanel,
    HeatmapPanel,
    HistogramPanel,
    Panel,
    PanelContent,
    PercentilesPanel,
    PromqlPanel,
    RatePanel,
    Row,
    SloBudgetPanel,
    SloBurnPanel,
    SloSliPanel,
    StatPanel,
    TextPanel,
    TimelinePanel,
    panel_series,
)
from .model import (
    AbsentCondition,
    Condition,
    GaugeRatioCondition,
    PromqlCondition,
    QuantileCondition,
    RateCondition,
    RatioCondition,
    Series,
    StateCondition,
    ValueCondition,
    condition_series,
)

if TYPE_CHECKING:  # the spec objects may be the generated plain classes: no pydantic at run time
    from ..spec import dashboard as spec_dashboard
    from ..spec.document import Spec
    from ..spec.refs import MetricRef

# Resolves a spec reference to a catalog series (build._Context.series).
SeriesOf = Callable[["MetricRef"], Series]


class PanelDraft(Struct, frozen=True):
    """A panel before it has a place on the grid."""

    title: str
    content: PanelContent
    description: str = ""
    width: int | None = None
    height: int | None = None


class RowDraft(Struct):
    title: str
    collapsed: bool = False
    panels: list[PanelDraft] = msgspec.field(default_factory=list)


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
        PanelDraft(f"SLO {name}: error ratio vs budget", SloSliPanel(name)),
        PanelDraft(f"SLO {name}: error budget left", SloBudgetPanel(name)),
        PanelDraft(f"SLO {name}: burn rate", SloBurnPanel(name)),
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
        # Only the drafts' titles are read, and no title depends on its series: None stands in.
        return None  # type: ignore[return-value]

    return [d.title for row in drafts_from_spec(spec, no_series) for d in row.panels]


def _draft(panel: spec_dashboard.Panel, series_of: SeriesOf) -> list[PanelDraft]:
    """The spec's panel shape (which one of its kind keys is given) as its kind."""
    kind = panel.kind
    if kind == "slo":
        return slo_drafts(panel.slo or "")
    size = {"width": panel.width, "height": panel.height}
    if kind == "text":
        return [PanelDraft(panel.title or "Notes", TextPanel(panel.text or ""), panel.description or "", **size)]
    limits = (_decimal(panel.min), _decimal(panel.max))
    if kind == "promql":
        content: PanelContent = PromqlPanel(
            panel.promql or "", panel.unit or "none", panel.legend, panel.display, limits
        )
        return [PanelDraft(panel.title or "Query", content, panel.description or "", **size)]
    ref = getattr(panel, kind)
    series = series_of(ref)
    of = panel.of
    title = panel.title or (_TITLES[kind] if panel.per is None else f"{{}} per {panel.per}").format(
        human(ref.metric) + (f" of {human(of.metric).lower()}" if of is not None else "")
    )
    match kind:
        case "heatmap":
            content = HeatmapPanel(series)
        case "percentiles":
            content = PercentilesPanel(series, tuple(Decimal(repr(q)) for q in panel.quantiles))
        case "histogram":
            content = HistogramPanel(series)
        case "rate":
            content = RatePanel(series, panel.per)
        case "error_ratio":
            content = ErrorRatioPanel(series, series_of(_total(panel)))
        case "timeline":
            content = TimelinePanel(series)
        case "stat":
            content = StatPanel(series, series_of(of) if of is not None else None, limits)
        case _:
            content = GaugePanel(series, series_of(of) if of is not None else None, limits)
    return [PanelDraft(title, content, panel.description or "", **size)]


def _total(panel: spec_dashboard.Panel) -> MetricRef:
    """An error_ratio panel's denominator (the spec's rules require it)."""
    if panel.total is None:
        raise ValueError(f"error_ratio panel {panel.title!r} has no total after validation: a bug in sigil-monitoring")
    return panel.total


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
            if metric.unit in DURATION_UNITS:
                latency.panels += [
                    PanelDraft(f"{name} heatmap", HeatmapPanel(series)),
                    PanelDraft(f"{name} percentiles", PercentilesPanel(series, defaults.DEFAULT_QUANTILES)),
                ]
            else:
                distributions.panels.append(PanelDraft(f"{name} distribution", HistogramPanel(series)))
        elif metric.type == "counter":
            rates.panels.append(PanelDraft(f"{name} per second", RatePanel(series)))
        elif metric.states:
            states.panels.append(PanelDraft(f"{name} state", TimelinePanel(series)))
        else:
            gauges.panels.append(PanelDraft(name, StatPanel(series)))
    return [r for r in (*rows, latency, distributions, rates, states, gauges) if r.panels]


def layout(rows: list[RowDraft]) -> tuple[Row, ...]:
    """Place panels left to right on the 24-column grid, wrapping lines; ids in reading order.

    A line that does not reach the right edge is filled: its panels without a ``width`` of their
    own share the free columns (the last one takes the remainder), so no row is left half empty
    (three stats of 6 become three of 8; a stat alone on its line spans the row).
    """
    next_id, y, out = 1, 0, []
    for row in rows:
        row_id, row_y = next_id, y
        next_id += 1
        y += 1
        lines: list[list[tuple[PanelDraft, int, int]]] = [[]]
        x = 0
        for draft in row.panels:
            content = draft.content
            w0, h0 = defaults.PANEL_SIZE[
                "promql_stat" if isinstance(content, PromqlPanel) and content.display == "stat" else content.kind
            ]
            w, h = draft.width or w0, draft.height or h0
            if x + w > defaults.GRID_COLUMNS and lines[-1]:
                lines.append([])
                x = 0
            lines[-1].append((draft, w, h))
            x += w
        placed = []
        for line in lines:
            x, line_height = 0, 0
            for draft, w, h in _filled(line):
                placed.append(
                    Panel(
                        id=next_id,
                        title=draft.title,
                        description=draft.description,
                        x=x,
                        y=y,
                        w=w,
                        h=h,
                        content=draft.content,
                    )
                )
                next_id += 1
                x += w
                line_height = max(line_height, h)
            y += line_height
        out.append(Row(row_id, row.title, row_y, row.collapsed, tuple(placed)))
    return tuple(out)


def _filled(line: list[tuple[PanelDraft, int, int]]) -> list[tuple[PanelDraft, int, int]]:
    """The line's panels with the free columns shared among those without a width of their own.

    >>> free, fixed = PanelDraft("stat", content=None), PanelDraft("fixed", content=None, width=6)
    >>> [w for _, w, _ in _filled([(free, 6, 4), (free, 6, 4), (free, 6, 4)])]
    [8, 8, 8]
    >>> [w for _, w, _ in _filled([(fixed, 6, 4), (free, 12, 8), (free, 3, 8)])]
    [6, 13, 5]
    """
    free = defaults.GRID_COLUMNS - sum(w for _, w, _ in line)
    stretchy = [i for i, (draft, _, _) in enumerate(line) if draft.width is None]
    if free <= 0 or not stretchy:
        return line
    share, rest = divmod(free, len(stretchy))
    out = list(line)
    for n, i in enumerate(stretchy):
        draft, w, h = out[i]
        out[i] = (draft, w + share + (rest if n == len(stretchy) - 1 else 0), h)
    return out


def _showing(condition: Condition) -> tuple[type[PanelContent], ...]:
    """Which panel kinds show an alert best, most telling first."""
    match condition:
        case QuantileCondition():
            return (PercentilesPanel, HeatmapPanel)
        case RateCondition():
            return (RatePanel, ErrorRatioPanel, StatPanel)
        case RatioCondition():
            return (ErrorRatioPanel, RatePanel)
        case StateCondition():
            return (TimelinePanel, StatPanel)
        case ValueCondition():
            return (StatPanel, GaugePanel, TimelinePanel)
        case GaugeRatioCondition():
            return (GaugePanel, StatPanel)
        case AbsentCondition():
            return (
                RatePanel,
                StatPanel,
                GaugePanel,
                TimelinePanel,
                PercentilesPanel,
                HeatmapPanel,
                HistogramPanel,
                ErrorRatioPanel,
            )
        case PromqlCondition():
            return ()
        case _:
            assert_never(condition)


_Kind = type[PanelContent]


class _PanelIndex(Struct, frozen=True):
    """The first panel of each (kind, metric), of each SLO, and of each ratio denominator."""

    by_kind: dict[tuple[_Kind, str], Panel]
    by_slo: dict[str, Panel]
    by_total: dict[str, Panel]
    by_share: dict[tuple[_Kind, str, str], Panel]  # (kind, metric, denominator): stat/gauge panels with of

    @classmethod
    def of(cls, rows: tuple[Row, ...]) -> _PanelIndex:
        by_kind: dict[tuple[_Kind, str], Panel] = {}
        by_slo: dict[str, Panel] = {}
        by_total: dict[str, Panel] = {}
        by_share: dict[tuple[_Kind, str, str], Panel] = {}
        for panel in (p for row in rows for p in row.panels):
            content, kind = panel.content, type(panel.content)
            if isinstance(content, SloBurnPanel):
                by_slo.setdefault(content.slo, panel)
            shown = panel_series(content)
            if shown:
                by_kind.setdefault((kind, shown[0].metric.key), panel)
            if len(shown) == 2:
                by_total.setdefault(shown[1].metric.key, panel)
                by_share.setdefault((kind, shown[0].metric.key, shown[1].metric.key), panel)
        return cls(by_kind, by_slo, by_total, by_share)


# One service's rows are asked once per alert and SLO: index them once. Rows are immutable tuples
# of frozen panels, so the index of the very same object (``is``) is always still right.
_last_index: list[tuple[tuple[Row, ...], _PanelIndex]] = []


def _index(rows: tuple[Row, ...]) -> _PanelIndex:
    if not _last_index or _last_index[0][0] is not rows:
        _last_index[:] = [(rows, _PanelIndex.of(rows))]
    return _last_index[0][1]


def panel_for_slo(rows: tuple[Row, ...], slo: str) -> Panel | None:
    """The panel an SLO's burn alerts link to: its burn rate panel."""
    return _index(rows).by_slo.get(slo)


def panel_for_alert(rows: tuple[Row, ...], condition: Condition) -> Panel | None:
    """The panel an alert links to: the first panel of the best kind showing its metric (for a
    share, ``gauge_ratio``, of its metric over the whole).

    >>> from sigil_monitoring.ir.model import Comparison, Metric
    >>> from sigil_monitoring.values.units import parse_threshold
    >>> def series(key): return Series(Metric(key, key, "counter", "none", "", (), None, None), ())
    >>> def panel(id, content): return Panel(id=id, title="", description="", x=0, y=0, w=12, h=8, content=content)
    >>> rate, ratio = panel(1, RatePanel(series("req"))), panel(2, ErrorRatioPanel(series("err"), series("req")))
    >>> rows = (Row(100, "Traffic", 0, False, (rate, ratio)),)
    >>> over = Comparison(">", parse_threshold("1"))
    >>> panel_for_alert(rows, RatioCondition(series("req"), series("all"), over)).id
    1
    >>> [panel_for_alert(rows, AbsentCondition(series(key))).id for key in ("req", "err")]
    [1, 2]
    >>> panel_for_alert(rows, ValueCondition(series("req"), over)) is None
    True
    """
    index = _index(rows)
    shown = condition_series(condition)
    if not shown:
        return None
    metric_key = shown[0].metric.key
    for kind in _showing(condition):
        if isinstance(condition, GaugeRatioCondition):
            found = index.by_share.get((kind, metric_key, shown[1].metric.key))
        else:
            found = index.by_kind.get((kind, metric_key))
        if found is not None:
            return found
    if isinstance(condition, AbsentCondition):
        # A metric shown only as the denominator of a ratio still tells whether it is reported.
        return index.by_total.get(metric_key)
    return None


def plots_compared_value(condition: Condition, panel: Panel) -> bool:
    """Whether ``panel``, which an alert of ``condition`` links to, plots the very value the
    alert compares, so that its threshold line belongs on it. A ratio alert shown on its bad
    counter's rate panel (events per second) or a rate alert on an error-ratio panel (a share)
    links there, but its threshold is in the other unit: 5 % drawn on requests per second.

    >>> from sigil_monitoring.ir.model import Comparison, Metric
    >>> from sigil_monitoring.values.units import parse_threshold
    >>> def series(key): return Series(Metric(key, key, "counter", "none", "", (), None, None), ())
    >>> def panel(content): return Panel(id=1, title="", description="", x=0, y=0, w=12, h=8, content=content)
    >>> over = Comparison(">", parse_threshold("5%"))
    >>> ratio = RatioCondition(series("err"), series("req"), over)
    >>> rate_panel, ratio_panel = panel(RatePanel(series("err"))), panel(ErrorRatioPanel(series("err"), series("req")))
    >>> plots_compared_value(ratio, rate_panel), plots_compared_value(ratio, ratio_panel)
    (False, True)
    """
    match condition:
        case RatioCondition():
            return isinstance(panel.content, ErrorRatioPanel)
        case RateCondition():
            return not isinstance(panel.content, ErrorRatioPanel)
        case (
            QuantileCondition()
            | StateCondition()
            | ValueCondition()
            | GaugeRatioCondition()
            | AbsentCondition()
            | PromqlCondition()
        ):
            return True
        case _:
            assert_never(condition)


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
