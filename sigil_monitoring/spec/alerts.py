"""The ``alerts`` section: threshold alerts on catalog metrics, PromQL only as an escape hatch."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator, model_validator

from . import checks, rules
from .behaviour import AlertBehaviour, ConditionBehaviour
from .refs import Ref
from .service import Unit
from .types import Annotations, DurationOrZeroField, ForField, Labels, SpecModel, ThresholdField

Severity = Literal["critical", "warning", "info"]
InhibitTarget = Literal["symptoms", "slos"]


Inhibits = Annotated[
    list[InhibitTarget],
    BeforeValidator(checks.inhibit_list),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "boolean"},
                {"type": "array", "items": {"enum": ["symptoms", "slos"]}, "uniqueItems": True},
            ]
        }
    ),
]


class RatioOf(SpecModel):
    bad: Ref
    total: Ref


class Condition(ConditionBehaviour, SpecModel):
    """When the alert fires. Exactly one kind: quantile, rate, ratio, state, value, absent or promql."""

    quantile: float | None = Field(
        None, gt=0, lt=1, description="Quantile of histogram `of`, e.g. 0.95 (0.0001 to 0.999999)."
    )
    of: Ref | None = Field(
        None,
        description="Histogram of a quantile condition; or the gauge a value condition is a share of (value / of).",
    )
    rate: Ref | None = Field(None, description="Counter whose per-second rate is compared.")
    ratio: RatioOf | None = Field(None, description="bad/total counters whose ratio is compared.")
    state: Ref | None = Field(None, description="State gauge (with states in the catalog).")
    is_: str | None = Field(None, alias="is", description="State name the gauge must be in.")
    value: Ref | None = Field(None, description="Gauge whose value is compared.")
    absent: Ref | None = Field(None, description="Metric that must be present.")
    promql: str | None = Field(
        None, description="Raw PromQL alert condition (escape hatch); with above/below, compared to the threshold."
    )
    unit: Unit | None = Field(
        None,
        description="Unit of a promql condition's value (seconds, bytes, percent, ratio): thresholds and the description follow it.",
    )
    above: ThresholdField | None = None
    below: ThresholdField | None = None

    _estimable = field_validator("quantile")(rules.quantile_estimable)
    _one_kind = model_validator(mode="after")(rules.condition_one_kind)


class TestSeries(SpecModel):
    """One input series of a promtool test, in promtool's own notation."""

    series: str = Field(description="Series notation, e.g. 'pg_up{job=\"postgres\"}'.")
    values: str = Field(description="promtool expanding notation, e.g. 0x30 or 0+10x30.")


class AlertTest(SpecModel):
    """Inputs for the generated test of a promql alert (no input can be derived from raw PromQL)."""

    firing: list[TestSeries] = Field(default_factory=list, description="Series under which the alert must fire.")
    quiet: list[TestSeries] = Field(default_factory=list, description="Series under which it must stay quiet.")
    labels: Labels = Field(default_factory=dict, description="Labels of the series the expression returns when firing.")
    value: float | None = Field(
        None, description="The expression's value when firing (needed when the texts show $value)."
    )


class Alert(AlertBehaviour, SpecModel):
    """A threshold alert. The name is CamelCase and becomes `alertname`."""

    when: Condition
    for_: ForField | None = Field(
        None,
        alias="for",
        description="How long the condition must hold (default: 5m; 0s fires at the first evaluation, except for absent).",
    )
    keep_firing_for: DurationOrZeroField | None = Field(
        None, description="Keep firing this long after the condition stops holding (Prometheus 2.42+)."
    )
    severity: Severity = "warning"
    summary: str | None = Field(
        None, description="One static line, shown as written (braces included); default derived from the condition."
    )
    description: str | None = Field(
        None, description="Longer text; a Prometheus template: may use {{ $value }} and {{ $labels.x }}."
    )
    runbook: str = Field("", description="What the on-call should do; becomes this alert's runbook section.")
    labels: Labels = Field(default_factory=dict)
    annotations: Annotations = Field(
        default_factory=dict,
        description="Extra annotations (Prometheus templates allowed); not summary, description, runbook_url, dashboard_url.",
    )
    inhibits: Inhibits = Field(
        default_factory=list,
        description=(
            "While firing, silence this service's other alerts: true (or [symptoms]) silences its warning and info alerts; "
            "[symptoms, slos] also silences its SLO burn alerts (one outage, one page)."
        ),
    )

    panel: str | None = Field(
        None,
        description="Title of the dashboard panel that shows this alert (dashboard_url opens it; it draws the threshold).",
    )
    test: AlertTest | None = Field(None, description="promql alerts: input series for the generated promtool test.")

    _template_parses = field_validator("description")(rules.template_parses)
