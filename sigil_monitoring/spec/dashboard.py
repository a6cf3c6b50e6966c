"""The ``dashboard`` section: rows of panels by kind, all optional."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

from msgspec import field

from ..values.units import Duration
from . import rules
from .rules import PANEL_KINDS
from .struct import ModelRules, SpecStruct

if TYPE_CHECKING:
    from pydantic import Field

    from .refs import MetricRef
    from .types import DurationField, LabelName, Ref, UnitField


class Panel(SpecStruct, frozen=True, kw_only=True):
    """One panel. Exactly one kind key names what it shows, e.g. ``{heatmap: encode_latency}``."""

    heatmap: Annotated[Ref | None, Field(description="Latency heatmap of a histogram.")] = None
    percentiles: Annotated[Ref | None, Field(description="p50/p95/p99 of a histogram over time.")] = None
    histogram: Annotated[Ref | None, Field(description="Distribution of a histogram's observations.")] = None
    rate: Annotated[Ref | None, Field(description="Per-second rate of a counter, split by `by`.")] = None
    error_ratio: Annotated[
        Ref | None, Field(description="Ratio of a counter to the SLO/total counter given in `total`.")
    ] = None
    timeline: Annotated[Ref | None, Field(description="State timeline of a state gauge.")] = None
    stat: Annotated[Ref | None, Field(description="Current value of a gauge or counter rate.")] = None
    gauge: Annotated[Ref | None, Field(description="Current value on a dial.")] = None
    slo: Annotated[str | None, Field(description="SLO name: SLI vs objective, budget remaining and burn rates.")] = None
    text: Annotated[str | None, Field(description="Markdown text.")] = None
    promql: Annotated[
        str | None,
        Field(description="Raw PromQL (escape hatch); Grafana variables such as $__rate_interval may be used."),
    ] = None
    total: Annotated[Ref | None, Field(description="Denominator for error_ratio panels.")] = None
    of: Annotated[
        Ref | None,
        Field(description="stat/gauge panels: show the gauge as a share of this gauge (value / of, 0-100 %)."),
    ] = None
    unit: Annotated[
        UnitField | None,
        Field(description="promql panels: unit of the values (seconds, milliseconds, bytes, percent, ratio, none)."),
    ] = None
    legend: Annotated[str | None, Field(description="promql panels: legend format, e.g. '{{instance}}'.")] = None
    display: Annotated[Literal["timeseries", "stat"], Field(description="promql panels: a time series or a stat.")] = (
        "timeseries"
    )
    min: Annotated[
        float | None,
        Field(description="stat/gauge/promql panels: the axis minimum (default: from the data, 0 for shares)."),
    ] = None
    max: Annotated[
        float | None,
        Field(description="stat/gauge/promql panels: the axis maximum (default: from the data, 100 % for shares)."),
    ] = None
    per: Annotated[
        DurationField | None,
        Field(
            description="rate panels: count the events per this window (e.g. 1h, 1d), drawn as one bar per window, "
            "instead of a per-second rate; for events that happen a few times an hour or a day (test suites, batch "
            "jobs), whose per-second rate shows as sparse spikes."
        ),
    ] = None
    title: str | None = None
    description: str | None = None
    quantiles: Annotated[list[float], Field(description="For percentiles panels.")] = field(
        default_factory=lambda: [0.5, 0.95, 0.99]
    )
    width: Annotated[int | None, Field(ge=1, le=24, description="Grid columns (of 24); default by kind.")] = None
    height: Annotated[int | None, Field(ge=1, le=40)] = None

    model_rules: ClassVar[ModelRules] = (rules.panel_one_kind,)

    @property
    def kind(self) -> str:
        return next(k for k in PANEL_KINDS if getattr(self, k) is not None)

    def refs(self) -> list[tuple[str, MetricRef]]:
        names = (
            "heatmap",
            "percentiles",
            "histogram",
            "rate",
            "error_ratio",
            "timeline",
            "stat",
            "gauge",
            "total",
            "of",
        )
        return [(n, r) for n in names if (r := getattr(self, n)) is not None]


class Row(SpecStruct, frozen=True, kw_only=True):
    title: str
    collapsed: bool = False
    panels: Annotated[list[Panel], Field(min_length=1)]


DashboardFormat = Literal["classic", "v2"]


def _classic_only() -> list[DashboardFormat]:
    return ["classic"]


class Dashboard(SpecStruct, frozen=True, kw_only=True):
    """Dashboard settings; omit `rows` to get one generated from the catalog and SLOs."""

    title: Annotated[str | None, Field(description="Default: the service title.")] = None
    uid: Annotated[
        str | None,
        Field(pattern=r"^[a-zA-Z0-9_-]{1,40}$", description="Stable Grafana uid (default from the service name)."),
    ] = None
    tags: list[str] = field(default_factory=list)
    time: Annotated[DurationField, Field(description="Default time range (now-<time> to now).")] = Duration.parse("6h")
    refresh: DurationField = Duration.parse("1m")
    variables: Annotated[
        list[LabelName], Field(description="Label names to offer as dashboard filters (default: catalog labels).")
    ] = field(default_factory=list)
    grafana_version: Annotated[
        Literal[8, 9, 10, 11, 12, 13],
        Field(description="Oldest Grafana the classic JSON must load in; 8 emits the legacy heatmap."),
    ] = 12
    formats: Annotated[
        list[DashboardFormat],
        Field(description="classic JSON, the Grafana 12/13 v2 resource, or both (default: [classic])."),
    ] = field(default_factory=_classic_only)
    rows: list[Row] | None = None
