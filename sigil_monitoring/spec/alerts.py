"""The ``alerts`` section: threshold alerts on catalog metrics, PromQL only as an escape hatch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

from msgspec import field

from . import rules
from .rules import CONDITION_KINDS
from .struct import FieldRules, ModelRules, SpecStruct

if TYPE_CHECKING:
    from pydantic import Field

    from .refs import MetricRef
    from .types import (
        Annotations,
        DurationOrZeroField,
        ForField,
        Inhibits,
        Labels,
        RateRangeField,
        Ref,
        ThresholdField,
        UnitField,
    )

Severity = Literal["critical", "warning", "info"]
InhibitTarget = Literal["symptoms", "slos"]


class RatioOf(SpecStruct, frozen=True, kw_only=True):
    bad: Ref
    total: Ref


class Condition(SpecStruct, frozen=True, kw_only=True):
    """When the alert fires. Exactly one kind: quantile, rate, ratio, state, value, absent or promql."""

    quantile: Annotated[
        float | None, Field(gt=0, lt=1, description="Quantile of histogram `of`, e.g. 0.95 (0.0001 to 0.999999).")
    ] = None
    of: Annotated[
        Ref | None,
        Field(
            description="Histogram of a quantile condition; or the gauge a value condition is a share of (value / of)."
        ),
    ] = None
    rate: Annotated[Ref | None, Field(description="Counter whose per-second rate is compared.")] = None
    ratio: Annotated[RatioOf | None, Field(description="bad/total counters whose ratio is compared.")] = None
    state: Annotated[Ref | None, Field(description="State gauge (with states in the catalog).")] = None
    is_: Annotated[str | None, Field(description="State name the gauge must be in.")] = field(default=None, name="is")
    value: Annotated[Ref | None, Field(description="Gauge whose value is compared.")] = None
    absent: Annotated[Ref | None, Field(description="Metric that must be present.")] = None
    promql: Annotated[
        str | None,
        Field(description="Raw PromQL alert condition (escape hatch); with above/below, compared to the threshold."),
    ] = None
    unit: Annotated[
        UnitField | None,
        Field(
            description="Unit of a promql condition's value (seconds, milliseconds, bytes, percent, ratio): "
            "thresholds and the description follow it."
        ),
    ] = None
    above: ThresholdField | None = None
    below: ThresholdField | None = None
    over: Annotated[
        RateRangeField | None,
        Field(
            description="rate and ratio conditions: the range of the rate (default: the service's rate window, 5m "
            "or four scrape intervals; at least that, in whole scrape intervals). For events that come a few times "
            "an hour or a day (test suites, batch jobs), "
            "e.g. {rate: test_failures, over: 3h, above: 0.5/h}: a 5m rate of an hourly counter is 0 most of the hour."
        ),
    ] = None

    field_rules: ClassVar[FieldRules] = {"quantile": (rules.quantile_estimable,)}
    model_rules: ClassVar[ModelRules] = (rules.condition_one_kind,)

    @property
    def kind(self) -> str:
        for kind in CONDITION_KINDS:
            if getattr(self, kind) is not None:
                return kind
        raise AssertionError("validated condition has a kind")

    @property
    def is_gauge_ratio(self) -> bool:
        """``{value: used, of: limit}``: the gauge as a share of another gauge."""
        return self.value is not None and self.of is not None

    def refs(self) -> list[tuple[str, MetricRef]]:
        found = [
            ("of", self.of),
            ("rate", self.rate),
            ("state", self.state),
            ("value", self.value),
            ("absent", self.absent),
        ]
        refs = [(name, ref) for name, ref in found if ref is not None]
        if self.ratio is not None:
            refs += [("ratio.bad", self.ratio.bad), ("ratio.total", self.ratio.total)]
        return refs


class TestSeries(SpecStruct, frozen=True, kw_only=True):
    """One input series of a promtool test, in promtool's own notation."""

    series: Annotated[str, Field(description="Series notation, e.g. 'pg_up{job=\"postgres\"}'.")]
    values: Annotated[str, Field(description="promtool expanding notation, e.g. 0x30 or 0+10x30.")]


class AlertTest(SpecStruct, frozen=True, kw_only=True):
    """Inputs for the generated test of a promql alert (no input can be derived from raw PromQL)."""

    firing: Annotated[list[TestSeries], Field(description="Series under which the alert must fire.")] = field(
        default_factory=list
    )
    quiet: Annotated[list[TestSeries], Field(description="Series under which it must stay quiet.")] = field(
        default_factory=list
    )
    labels: Annotated[Labels, Field(description="Labels of the series the expression returns when firing.")] = field(
        default_factory=dict
    )
    value: Annotated[
        float | None, Field(description="The expression's value when firing (needed when the texts show $value).")
    ] = None


class Alert(SpecStruct, frozen=True, kw_only=True):
    """A threshold alert. The name is CamelCase and becomes `alertname`."""

    when: Condition
    enabled: Annotated[
        bool,
        Field(
            description="false: the alert is compiled nowhere (rules, tests, runbook, dashboard, drill) but its "
            "fields are still checked; `diff` reports it as removed (disabled)."
        ),
    ] = True
    for_: Annotated[
        ForField | None,
        Field(
            description="How long the condition must hold (default: 5m; 0s fires at the first evaluation, except for "
            "absent)."
        ),
    ] = field(default=None, name="for")
    keep_firing_for: Annotated[
        DurationOrZeroField | None,
        Field(description="Keep firing this long after the condition stops holding (Prometheus 2.42+)."),
    ] = None
    severity: Severity = "warning"
    summary: Annotated[
        str | None,
        Field(description="One static line, shown as written (braces included); default derived from the condition."),
    ] = None
    description: Annotated[
        str | None, Field(description="Longer text; a Prometheus template: may use {{ $value }} and {{ $labels.x }}.")
    ] = None
    runbook: Annotated[str, Field(description="What the on-call should do; becomes this alert's runbook section.")] = ""
    labels: Labels = field(default_factory=dict)
    annotations: Annotated[
        Annotations,
        Field(
            description="Extra annotations (Prometheus templates allowed); not summary, description, runbook_url, "
            "dashboard_url."
        ),
    ] = field(default_factory=dict)
    inhibits: Annotated[
        Inhibits,
        Field(
            description="While firing, silence this service's other alerts: true (or [symptoms]) silences its "
            "warning and info alerts; [symptoms, slos] also silences its SLO burn alerts (one outage, one page)."
        ),
    ] = field(default_factory=list)

    panel: Annotated[
        str | None,
        Field(
            description="Title of the dashboard panel that shows this alert (dashboard_url opens it; it draws the "
            "threshold)."
        ),
    ] = None
    test: Annotated[
        AlertTest | None, Field(description="promql alerts: input series for the generated promtool test.")
    ] = None

    field_rules: ClassVar[FieldRules] = {"description": (rules.template_parses,)}

    @property
    def inhibit_targets(self) -> frozenset[str]:
        """What this alert silences: ``symptoms`` and/or ``slos``."""
        return frozenset(self.inhibits)
