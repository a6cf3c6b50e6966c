"""The ``service`` and ``metrics`` sections: who the service is and what it exposes."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator, model_validator

from .types import LabelName, Labels, LogicalName, Matchers, MetricName, ScrapeIntervalField, ServiceName, SpecModel, Url
from .units import Duration


class Links(SpecModel):
    """Where the on-call finds more: Grafana, the runbook site, the Grafana folder."""

    grafana: Url | None = Field(None, description="Grafana base URL; alerts link to their panel under it.")
    runbooks: Url | None = Field(None, description="Base URL where the generated runbook page is published.")
    folder: str = Field("", description="Grafana folder title for the dashboard (provisioning).")


class Service(SpecModel):
    """Identity of the service; `selector` is added to every query the compiler writes."""

    name: ServiceName = Field(description="Short name; becomes the `service` label and part of every generated name.")
    title: str | None = Field(None, description="Human title for dashboards and runbooks (default: name).")
    description: str = ""
    team: str | None = Field(None, description="Owning team; becomes the `team` label on every alert.")
    labels: Labels = Field(default_factory=dict, description="Extra labels put on every alert and recording rule.")
    selector: Matchers = Field(default_factory=dict, description="Label matchers on every series of this service, e.g. {job: sigil-dna} or {job: [api, worker]}.")
    scrape_interval: ScrapeIntervalField = Field(Duration.parse("15s"), description="How often Prometheus scrapes the service.")
    links: Links = Field(default_factory=Links)


MetricType = Literal["counter", "gauge", "histogram", "native_histogram"]
Unit = Literal["seconds", "bytes", "percent", "ratio", "none"]
UnitAlias = Literal["s", "second", "sec", "byte", "B", "%"]
_UNIT_ALIASES: dict[str, Unit] = {"s": "seconds", "second": "seconds", "sec": "seconds", "byte": "bytes", "B": "bytes", "%": "percent"}


def _unit(value: object) -> object:
    return _UNIT_ALIASES.get(value, value) if isinstance(value, str) else value


def _state_value(value: object) -> object:
    # YAML map keys like `0:` arrive as ints; `"0":` as text. Both mean gauge value 0.
    if isinstance(value, str) and value.strip().lstrip("-").isdecimal():  # not isdigit: int("²") fails
        return int(value)
    return value


StateValue = Annotated[int, BeforeValidator(_state_value), WithJsonSchema({"type": ["integer", "string"]})]


class Metric(SpecModel):
    """One entry of the metrics catalog: a logical name for what Prometheus scrapes.

    A *derived* entry (``{from: requests, where: {code: {regex: "5.."}}}``) names another entry
    narrowed by matchers, so ``errors_5xx`` is written once and used everywhere; after validation
    it carries its base's name, type, unit, labels and buckets (``Spec`` resolves it).
    """

    name: MetricName | None = Field(None, description="The metric name as exposed, without _bucket/_count/_sum suffixes.")
    type: MetricType | None = Field(None, description="counter (whatever its name: many exporters omit _total), gauge, histogram or native_histogram.")
    from_: LogicalName | None = Field(None, alias="from", description="Derived metric: the catalog entry it narrows with `where`.")
    where: Matchers = Field(default_factory=dict, description="Derived metric: label matchers added to every query of it.")
    help: str = Field("", description="What the metric measures; shown in panel descriptions.")
    unit: Annotated[Unit, BeforeValidator(_unit, json_schema_input_type=Unit | UnitAlias)] = Field("none", description="seconds, bytes, percent, ratio or none (s and B are accepted).")
    labels: list[LabelName] = Field(default_factory=list, description="Label names worth grouping by (dashboard variables, `by:`).")
    buckets: list[float] | None = Field(None, description="Classic histogram bucket boundaries; latency thresholds must be one of them.")
    states: dict[StateValue, str] | None = Field(None, description="For state gauges: value -> state name, e.g. {0: closed, 1: open}.")

    @field_validator("buckets")
    @classmethod
    def _buckets_increase(cls, buckets: list[float] | None) -> list[float] | None:
        if buckets is not None:
            if not buckets:
                raise ValueError("buckets is empty (list the bucket boundaries, e.g. [0.1, 0.5, 1])")
            if not all(math.isfinite(b) for b in buckets):
                raise ValueError("buckets must be finite numbers (drop .inf: Prometheus adds the +Inf bucket itself)")
            if buckets[0] < 0:
                raise ValueError(f"bucket {buckets[0]!r} is negative (sigil-monitoring supports histograms of non-negative "
                                 "observations such as durations and sizes; start the buckets at 0 or above)")
            if sorted(set(buckets)) != buckets:
                raise ValueError("buckets must be strictly increasing (sort them and drop repeats)")
        return buckets

    @model_validator(mode="after")
    def _fits_type(self) -> Metric:
        if self.from_ is not None:
            extra = [k for k in ("name", "type", "buckets", "states") if getattr(self, k) is not None] + (["labels"] if self.labels else [])
            if extra:
                raise ValueError(f"a derived metric takes from, where, help and unit, not {', '.join(extra)} (they come from '{self.from_}')")
            return self
        if self.where:
            raise ValueError("where is only for derived metrics (add from: <metric key> to narrow that metric)")
        if self.type is None:
            raise ValueError("the metric has no 'type' (add type:, it is required)")
        if self.name is None:
            raise ValueError("the metric has no 'name' (add the metric name as exposed, e.g. name: http_requests_total)")
        if self.buckets is not None and self.type != "histogram":
            raise ValueError(f"buckets are only for classic histograms, not {self.type} (remove buckets or set type: histogram)")
        if self.states is not None and self.type != "gauge":
            raise ValueError(f"states are only for gauges, not {self.type} (remove states or set type: gauge)")
        if self.states is not None and len(set(self.states.values())) != len(self.states):
            raise ValueError("two values share one state name (give every state its own name)")
        return self

    @property
    def bucket_bounds(self) -> list[Decimal]:
        return [Decimal(repr(b)) for b in self.buckets or []]
