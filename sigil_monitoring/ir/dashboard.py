"""The dashboard in the IR: rows of panels, each a place on the grid and a kind of content.

Panel kinds are a closed union (``PanelContent``): each struct holds only what its kind shows,
and consumers ``match`` on the class and end with ``assert_never``. ``ir/dashboard_plan.py``
builds them from the spec and places them on the grid.
"""

from __future__ import annotations

from decimal import Decimal
from typing import assert_never

from msgspec import Struct

from ..values.units import Duration
from .series import Series

Limits = tuple[Decimal | None, Decimal | None]  # a stat/gauge/promql panel's axis min and max


class HeatmapPanel(Struct, frozen=True):
    series: Series
    kind = "heatmap"


class PercentilesPanel(Struct, frozen=True):
    series: Series
    quantiles: tuple[Decimal, ...]
    kind = "percentiles"


class HistogramPanel(Struct, frozen=True):
    series: Series
    kind = "histogram"


class RatePanel(Struct, frozen=True):
    series: Series
    per: Duration | None = None  # events per this window as bars; None: the per-second rate
    kind = "rate"


class ErrorRatioPanel(Struct, frozen=True):
    bad: Series
    total: Series
    kind = "error_ratio"


class TimelinePanel(Struct, frozen=True):
    series: Series
    kind = "timeline"


class StatPanel(Struct, frozen=True):
    series: Series
    of: Series | None = None  # shown as a share of this gauge
    limits: Limits = (None, None)
    kind = "stat"


class GaugePanel(Struct, frozen=True):
    series: Series
    of: Series | None = None  # shown as a share of this gauge
    limits: Limits = (None, None)
    kind = "gauge"


class PromqlPanel(Struct, frozen=True):
    promql: str  # the query as written
    unit: str  # of its values
    legend: str | None = None
    display: str = "timeseries"  # timeseries or stat
    limits: Limits = (None, None)
    kind = "promql"


class TextPanel(Struct, frozen=True):
    text: str
    kind = "text"


class SloSliPanel(Struct, frozen=True):
    slo: str
    kind = "slo_sli"


class SloBudgetPanel(Struct, frozen=True):
    slo: str
    kind = "slo_budget"


class SloBurnPanel(Struct, frozen=True):
    slo: str
    kind = "slo_burn"


# What a panel shows. ``kind``, a plain class attribute (not a field), is the spec's name for it
# and keys data tables only (defaults.PANEL_SIZE); code that acts on a panel matches on the class.
PanelContent = (
    HeatmapPanel
    | PercentilesPanel
    | HistogramPanel
    | RatePanel
    | ErrorRatioPanel
    | TimelinePanel
    | StatPanel
    | GaugePanel
    | PromqlPanel
    | TextPanel
    | SloSliPanel
    | SloBudgetPanel
    | SloBurnPanel
)


def panel_series(content: PanelContent) -> tuple[Series, ...]:
    """The catalog series a panel reads: the shown one first, then its denominator (if any)."""
    match content:
        case HeatmapPanel(series=s) | PercentilesPanel(series=s) | HistogramPanel(series=s):
            return (s,)
        case RatePanel(series=s) | TimelinePanel(series=s):
            return (s,)
        case ErrorRatioPanel(bad=bad, total=total):
            return (bad, total)
        case StatPanel(series=s, of=of) | GaugePanel(series=s, of=of):
            return (s,) if of is None else (s, of)
        case PromqlPanel() | TextPanel() | SloSliPanel() | SloBudgetPanel() | SloBurnPanel():
            return ()
        case _:
            assert_never(content)


class Panel(Struct, frozen=True, kw_only=True):
    """One panel: its place on the grid (shared by every kind) and what it shows."""

    id: int
    title: str
    description: str
    x: int
    y: int
    w: int
    h: int
    content: PanelContent
    thresholds: tuple[Decimal, ...] = ()  # alert thresholds to draw, in the metric's unit
    alerts: tuple[str, ...] = ()  # alert names this panel explains (for links to runbook)


class Row(Struct, frozen=True):
    id: int
    title: str
    y: int
    collapsed: bool
    panels: tuple[Panel, ...]


class Dashboard(Struct, frozen=True):
    uid: str
    title: str
    tags: tuple[str, ...]
    time: Duration
    refresh: Duration
    variables: tuple[str, ...]  # label names offered as filters
    grafana_version: int
    formats: tuple[str, ...]
    rows: tuple[Row, ...]
    url: str | None  # absolute URL when the service links to Grafana
    folder: str

    def panels(self) -> tuple[Panel, ...]:
        return tuple(p for row in self.rows for p in row.panels)
