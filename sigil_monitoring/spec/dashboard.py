"""The ``dashboard`` section: rows of panels by kind, all optional."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .refs import Ref
from .service import Unit
from .types import DurationField, LabelName, SpecModel
from .units import Duration

PANEL_KINDS = ("heatmap", "percentiles", "histogram", "rate", "error_ratio", "timeline", "stat", "gauge", "promql", "slo", "text")


class Panel(SpecModel):
    """One panel. Exactly one kind key names what it shows, e.g. ``{heatmap: encode_latency}``."""

    heatmap: Ref | None = Field(None, description="Latency heatmap of a histogram.")
    percentiles: Ref | None = Field(None, description="p50/p95/p99 of a histogram over time.")
    histogram: Ref | None = Field(None, description="Distribution of a histogram's observations.")
    rate: Ref | None = Field(None, description="Per-second rate of a counter, split by `by`.")
    error_ratio: Ref | None = Field(None, description="Ratio of a counter to the SLO/total counter given in `total`.")
    timeline: Ref | None = Field(None, description="State timeline of a state gauge.")
    stat: Ref | None = Field(None, description="Current value of a gauge or counter rate.")
    gauge: Ref | None = Field(None, description="Current value on a dial.")
    slo: str | None = Field(None, description="SLO name: SLI vs objective, budget remaining and burn rates.")
    text: str | None = Field(None, description="Markdown text.")
    promql: str | None = Field(None, description="Raw PromQL (escape hatch); Grafana variables such as $__rate_interval may be used.")
    total: Ref | None = Field(None, description="Denominator for error_ratio panels.")
    of: Ref | None = Field(None, description="stat/gauge panels: show the gauge as a share of this gauge (value / of, 0-100 %).")
    unit: Unit | None = Field(None, description="promql panels: unit of the values (seconds, bytes, percent, ratio, none).")
    legend: str | None = Field(None, description="promql panels: legend format, e.g. '{{instance}}'.")
    display: Literal["timeseries", "stat"] = Field("timeseries", description="promql panels: a time series or a stat.")
    min: float | None = Field(None, description="stat/gauge/promql panels: the axis minimum (default: from the data, 0 for shares).")
    max: float | None = Field(None, description="stat/gauge/promql panels: the axis maximum (default: from the data, 100 % for shares).")
    title: str | None = None
    description: str | None = None
    quantiles: list[float] = Field(default_factory=lambda: [0.5, 0.95, 0.99], description="For percentiles panels.")
    width: int | None = Field(None, ge=1, le=24, description="Grid columns (of 24); default by kind.")
    height: int | None = Field(None, ge=1, le=40)

    @property
    def kind(self) -> str:
        return next(k for k in PANEL_KINDS if getattr(self, k) is not None)

    @model_validator(mode="after")
    def _one_kind(self) -> Panel:
        kinds = [k for k in PANEL_KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            found = " and ".join(kinds) if kinds else "no kind"
            raise ValueError(f"the panel has {found} (give exactly one of {', '.join(PANEL_KINDS)}, e.g. {{heatmap: encode_latency}})")
        if self.total is not None and kinds[0] != "error_ratio":
            raise ValueError("total is only for error_ratio panels (remove it)")
        if kinds[0] == "error_ratio" and self.total is None:
            raise ValueError("an error_ratio panel needs total (e.g. {error_ratio: errors, total: encodes})")
        if self.of is not None and kinds[0] not in ("stat", "gauge"):
            raise ValueError("of is only for stat and gauge panels (e.g. {gauge: connections, of: max_connections})")
        for key in ("unit", "legend"):
            if getattr(self, key) is not None and kinds[0] != "promql":
                raise ValueError(f"{key} is only for promql panels; catalog metrics have theirs in metrics: (remove it)")
        if "display" in self.model_fields_set and kinds[0] != "promql":
            raise ValueError("display is only for promql panels (remove it)")
        if (self.min is not None or self.max is not None) and kinds[0] not in ("stat", "gauge", "promql"):
            raise ValueError("min and max are for stat, gauge and promql panels (remove them)")
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError("min must be below max (swap them)")
        if any(not 0 < q < 1 for q in self.quantiles):
            raise ValueError("quantiles must lie between 0 and 1 (e.g. [0.5, 0.95, 0.99])")
        return self

    def refs(self) -> list[tuple[str, Ref]]:
        names = ("heatmap", "percentiles", "histogram", "rate", "error_ratio", "timeline", "stat", "gauge", "total", "of")
        return [(n, r) for n in names if (r := getattr(self, n)) is not None]


class Row(SpecModel):
    title: str
    collapsed: bool = False
    panels: list[Panel] = Field(min_length=1)


DashboardFormat = Literal["classic", "v2"]


def _classic_only() -> list[DashboardFormat]:
    return ["classic"]


class Dashboard(SpecModel):
    """Dashboard settings; omit `rows` to get one generated from the catalog and SLOs."""

    title: str | None = Field(None, description="Default: the service title.")
    uid: str | None = Field(None, pattern=r"^[a-zA-Z0-9_-]{1,40}$", description="Stable Grafana uid (default from the service name).")
    tags: list[str] = Field(default_factory=list)
    time: DurationField = Field(Duration.parse("6h"), description="Default time range (now-<time> to now).")
    refresh: DurationField = Field(Duration.parse("1m"))
    variables: list[LabelName] = Field(default_factory=list, description="Label names to offer as dashboard filters (default: catalog labels).")
    grafana_version: Literal[8, 9, 10, 11, 12, 13] = Field(12, description="Oldest Grafana the classic JSON must load in; 8 emits the legacy heatmap.")
    formats: list[DashboardFormat] = Field(default_factory=_classic_only, description="classic JSON, the Grafana 12/13 v2 resource, or both.")
    rows: list[Row] | None = None
