"""The ``dashboard`` section: rows of panels by kind, all optional."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from . import rules
from .behaviour import PanelBehaviour
from .refs import Ref
from .service import Unit
from .types import DurationField, LabelName, SpecModel
from .units import Duration


class Panel(PanelBehaviour, SpecModel):
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
    promql: str | None = Field(
        None, description="Raw PromQL (escape hatch); Grafana variables such as $__rate_interval may be used."
    )
    total: Ref | None = Field(None, description="Denominator for error_ratio panels.")
    of: Ref | None = Field(
        None, description="stat/gauge panels: show the gauge as a share of this gauge (value / of, 0-100 %)."
    )
    unit: Unit | None = Field(
        None, description="promql panels: unit of the values (seconds, bytes, percent, ratio, none)."
    )
    legend: str | None = Field(None, description="promql panels: legend format, e.g. '{{instance}}'.")
    display: Literal["timeseries", "stat"] = Field("timeseries", description="promql panels: a time series or a stat.")
    min: float | None = Field(
        None, description="stat/gauge/promql panels: the axis minimum (default: from the data, 0 for shares)."
    )
    max: float | None = Field(
        None, description="stat/gauge/promql panels: the axis maximum (default: from the data, 100 % for shares)."
    )
    title: str | None = None
    description: str | None = None
    quantiles: list[float] = Field(default_factory=lambda: [0.5, 0.95, 0.99], description="For percentiles panels.")
    width: int | None = Field(None, ge=1, le=24, description="Grid columns (of 24); default by kind.")
    height: int | None = Field(None, ge=1, le=40)

    _one_kind = model_validator(mode="after")(rules.panel_one_kind)


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
    uid: str | None = Field(
        None, pattern=r"^[a-zA-Z0-9_-]{1,40}$", description="Stable Grafana uid (default from the service name)."
    )
    tags: list[str] = Field(default_factory=list)
    time: DurationField = Field(Duration.parse("6h"), description="Default time range (now-<time> to now).")
    refresh: DurationField = Field(Duration.parse("1m"))
    variables: list[LabelName] = Field(
        default_factory=list, description="Label names to offer as dashboard filters (default: catalog labels)."
    )
    grafana_version: Literal[8, 9, 10, 11, 12, 13] = Field(
        12, description="Oldest Grafana the classic JSON must load in; 8 emits the legacy heatmap."
    )
    formats: list[DashboardFormat] = Field(
        default_factory=_classic_only, description="classic JSON, the Grafana 12/13 v2 resource, or both."
    )
    rows: list[Row] | None = None
