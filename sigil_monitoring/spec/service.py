"""The ``service`` and ``metrics`` sections: who the service is and what it exposes."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

from msgspec import field

from ..values.units import Duration
from . import rules
from .struct import FieldRules, ModelRules, SpecStruct

if TYPE_CHECKING:
    from pydantic import Field

    from .types import (
        GrafanaFolder,
        LabelName,
        Labels,
        LogicalName,
        Matchers,
        MetricName,
        ScrapeIntervalField,
        ServiceName,
        StateValue,
        UnitField,
        Url,
    )


class Links(SpecStruct, frozen=True, kw_only=True):
    """Where the on-call finds more: Grafana, the runbook site, the Grafana folder."""

    grafana: Annotated[Url | None, Field(description="Grafana base URL; alerts link to their panel under it.")] = None
    runbooks: Annotated[Url | None, Field(description="Base URL where the generated runbook page is published.")] = None
    folder: Annotated[
        GrafanaFolder,
        Field(description="Grafana folder title for the dashboard (provisioning; empty: the root folder)."),
    ] = ""


class Service(SpecStruct, frozen=True, kw_only=True):
    """Identity of the service; `selector` is added to every query the compiler writes."""

    name: Annotated[
        ServiceName, Field(description="Short name; becomes the `service` label and part of every generated name.")
    ]
    title: Annotated[str | None, Field(description="Human title for dashboards and runbooks (default: name).")] = None
    description: str = ""
    team: Annotated[str | None, Field(description="Owning team; becomes the `team` label on every alert.")] = None
    labels: Annotated[Labels, Field(description="Extra labels put on every alert and recording rule.")] = field(
        default_factory=dict
    )
    selector: Annotated[
        Matchers,
        Field(
            description="Label matchers on every series of this service, e.g. {job: sigil-dna} or {job: [api, worker]}."
        ),
    ] = field(default_factory=dict)
    scrape_interval: Annotated[ScrapeIntervalField, Field(description="How often Prometheus scrapes the service.")] = (
        Duration.parse("15s")
    )
    links: Links = field(default_factory=Links)


MetricType = Literal["counter", "gauge", "histogram", "native_histogram"]
Unit = Literal["seconds", "milliseconds", "bytes", "percent", "ratio", "none"]


class Metric(SpecStruct, frozen=True, kw_only=True):
    """One entry of the metrics catalog: a logical name for what Prometheus scrapes.

    A *derived* entry (``{from: requests, where: {code: {regex: "5.."}}}``) names another entry
    narrowed by matchers, so ``errors_5xx`` is written once and used everywhere; after validation
    it carries its base's name, type, unit, labels and buckets (``Spec`` resolves it).
    """

    name: Annotated[
        MetricName | None, Field(description="The metric name as exposed, without _bucket/_count/_sum suffixes.")
    ] = None
    type: Annotated[
        MetricType | None,
        Field(
            description="counter (whatever its name: many exporters omit _total), gauge, histogram or native_histogram."
        ),
    ] = None
    from_: Annotated[
        LogicalName | None, Field(description="Derived metric: the catalog entry it narrows with `where`.")
    ] = field(default=None, name="from")
    where: Annotated[Matchers, Field(description="Derived metric: label matchers added to every query of it.")] = field(
        default_factory=dict
    )
    help: Annotated[str, Field(description="What the metric measures; shown in panel descriptions.")] = ""
    unit: Annotated[
        UnitField,
        Field(
            description=(
                "seconds, milliseconds, bytes, percent, ratio or none (s, ms and B are accepted); durations "
                "compared with a metric in milliseconds are converted to them."
            )
        ),
    ] = "none"
    labels: Annotated[
        list[LabelName], Field(description="Label names worth grouping by (dashboard variables, `by:`).")
    ] = field(default_factory=list)
    buckets: Annotated[
        list[float] | None,
        Field(description="Classic histogram bucket boundaries; latency thresholds must be one of them."),
    ] = None
    states: Annotated[
        dict[StateValue, str] | None,
        Field(description="For state gauges: value -> state name, e.g. {0: closed, 1: open}."),
    ] = None

    field_rules: ClassVar[FieldRules] = {"buckets": (rules.buckets_increase,)}
    model_rules: ClassVar[ModelRules] = (rules.metric_fits_type,)

    @property
    def bucket_bounds(self) -> list[Decimal]:
        return [Decimal(repr(b)) for b in self.buckets or []]
