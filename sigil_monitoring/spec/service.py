"""The ``service`` and ``metrics`` sections: who the service is and what it exposes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator, model_validator

from . import checks, rules
from .behaviour import MetricBehaviour
from .types import (
    LabelName,
    Labels,
    LogicalName,
    Matchers,
    MetricName,
    ScrapeIntervalField,
    ServiceName,
    SpecModel,
    Url,
)
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
    selector: Matchers = Field(
        default_factory=dict,
        description="Label matchers on every series of this service, e.g. {job: sigil-dna} or {job: [api, worker]}.",
    )
    scrape_interval: ScrapeIntervalField = Field(
        Duration.parse("15s"), description="How often Prometheus scrapes the service."
    )
    links: Links = Field(default_factory=Links)


MetricType = Literal["counter", "gauge", "histogram", "native_histogram"]
Unit = Literal["seconds", "bytes", "percent", "ratio", "none"]
UnitAlias = Literal["s", "second", "sec", "byte", "B", "%"]
StateValue = Annotated[int, BeforeValidator(checks.state_value), WithJsonSchema({"type": ["integer", "string"]})]


class Metric(MetricBehaviour, SpecModel):
    """One entry of the metrics catalog: a logical name for what Prometheus scrapes.

    A *derived* entry (``{from: requests, where: {code: {regex: "5.."}}}``) names another entry
    narrowed by matchers, so ``errors_5xx`` is written once and used everywhere; after validation
    it carries its base's name, type, unit, labels and buckets (``Spec`` resolves it).
    """

    name: MetricName | None = Field(
        None, description="The metric name as exposed, without _bucket/_count/_sum suffixes."
    )
    type: MetricType | None = Field(
        None,
        description="counter (whatever its name: many exporters omit _total), gauge, histogram or native_histogram.",
    )
    from_: LogicalName | None = Field(
        None, alias="from", description="Derived metric: the catalog entry it narrows with `where`."
    )
    where: Matchers = Field(
        default_factory=dict, description="Derived metric: label matchers added to every query of it."
    )
    help: str = Field("", description="What the metric measures; shown in panel descriptions.")
    unit: Annotated[Unit, BeforeValidator(checks.unit, json_schema_input_type=Unit | UnitAlias)] = Field(
        "none", description="seconds, bytes, percent, ratio or none (s and B are accepted)."
    )
    labels: list[LabelName] = Field(
        default_factory=list, description="Label names worth grouping by (dashboard variables, `by:`)."
    )
    buckets: list[float] | None = Field(
        None, description="Classic histogram bucket boundaries; latency thresholds must be one of them."
    )
    states: dict[StateValue, str] | None = Field(
        None, description="For state gauges: value -> state name, e.g. {0: closed, 1: open}."
    )

    _buckets_increase = field_validator("buckets")(rules.buckets_increase)
    _fits_type = model_validator(mode="after")(rules.metric_fits_type)
