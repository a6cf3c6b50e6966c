"""The ``alerts`` section: threshold alerts on catalog metrics, PromQL only as an escape hatch."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator, model_validator

from .refs import Ref
from ..gotemplate import problem as template_problem
from .service import Unit
from .types import Annotations, DurationField, DurationOrZeroField, ForField, Labels, SpecModel, ThresholdField

Severity = Literal["critical", "warning", "info"]
InhibitTarget = Literal["symptoms", "slos"]


def _inhibit_list(value: object) -> object:
    # `inhibits: true` (the first form of this option) means its first target: the symptoms.
    return (["symptoms"] if value else []) if isinstance(value, bool) else value


Inhibits = Annotated[list[InhibitTarget], BeforeValidator(_inhibit_list), WithJsonSchema({"anyOf": [
    {"type": "boolean"},
    {"type": "array", "items": {"enum": ["symptoms", "slos"]}, "uniqueItems": True},
]})]

CONDITION_KINDS = {
    "quantile": "{quantile: 0.95, of: encode_latency, above: 1s}",
    "rate": "{rate: errors, above: 1/min}",
    "ratio": "{ratio: {bad: errors, total: encodes}, above: 5%}",
    "state": "{state: circuit, is: open}",
    "value": "{value: disk_free, below: 10GiB} or {value: connections, of: max_connections, above: 90%}",
    "absent": "{absent: encodes}",
    "promql": "{promql: 'up{job=\"x\"} == 0'}",
}


class RatioOf(SpecModel):
    bad: Ref
    total: Ref


class Condition(SpecModel):
    """When the alert fires. Exactly one kind: quantile, rate, ratio, state, value, absent or promql."""

    quantile: float | None = Field(None, gt=0, lt=1, description="Quantile of histogram `of`, e.g. 0.95 (0.0001 to 0.999999).")
    of: Ref | None = Field(None, description="Histogram of a quantile condition; or the gauge a value condition is a share of (value / of).")
    rate: Ref | None = Field(None, description="Counter whose per-second rate is compared.")
    ratio: RatioOf | None = Field(None, description="bad/total counters whose ratio is compared.")
    state: Ref | None = Field(None, description="State gauge (with states in the catalog).")
    is_: str | None = Field(None, alias="is", description="State name the gauge must be in.")
    value: Ref | None = Field(None, description="Gauge whose value is compared.")
    absent: Ref | None = Field(None, description="Metric that must be present.")
    promql: str | None = Field(None, description="Raw PromQL alert condition (escape hatch); with above/below, compared to the threshold.")
    unit: Unit | None = Field(None, description="Unit of a promql condition's value (seconds, bytes, percent, ratio): thresholds and the description follow it.")
    above: ThresholdField | None = None
    below: ThresholdField | None = None

    @property
    def kind(self) -> str:
        for kind in ("quantile", "rate", "ratio", "state", "value", "absent", "promql"):
            if getattr(self, kind) is not None:
                return kind
        raise AssertionError("validated condition has a kind")

    @field_validator("quantile")
    @classmethod
    def _estimable(cls, quantile: float | None) -> float | None:
        # Quantiles past these are below float64's resolution of a bucket's share, and the
        # generated test could not tell firing from quiet.
        if quantile is not None and not 0.0001 <= quantile <= 0.999999:
            raise ValueError(f"quantile {quantile!r} is too close to 0 or 1 (give a quantile from 0.0001 to 0.999999, e.g. 0.99)")
        return quantile

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        kinds = [k for k in CONDITION_KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            found = " and ".join(kinds) if kinds else "no condition"
            examples = "; ".join(CONDITION_KINDS.values())
            raise ValueError(f"when: has {found} (give exactly one, e.g. {examples})")
        kind = kinds[0]
        if kind == "quantile" and self.of is None:
            raise ValueError("quantile and of go together (e.g. {quantile: 0.95, of: encode_latency, above: 1s})")
        if self.of is not None and kind not in ("quantile", "value"):
            raise ValueError("of is for quantile (of a histogram) and value (a share of another gauge) conditions (remove it)")
        if self.unit is not None and kind != "promql":
            raise ValueError("unit is only for promql conditions; a catalog metric has its unit in metrics: (remove it)")
        if (self.is_ is not None) != (kind == "state"):
            raise ValueError("state and is go together (e.g. {state: circuit, is: open})")
        has_comparison = self.above is not None or self.below is not None
        if self.above is not None and self.below is not None:
            raise ValueError("when: has both above and below (give one; write two alerts for a band)")
        if kind in ("quantile", "rate", "ratio", "value") and not has_comparison:
            raise ValueError(f"a {kind} condition needs above or below (e.g. {CONDITION_KINDS[kind]})")
        if kind in ("state", "absent") and has_comparison:
            raise ValueError(f"a {kind} condition takes no above/below (remove it)")
        return self

    @property
    def is_gauge_ratio(self) -> bool:
        """``{value: used, of: limit}``: the gauge as a share of another gauge."""
        return self.value is not None and self.of is not None

    def refs(self) -> list[tuple[str, Ref]]:
        found = [(k, getattr(self, k)) for k in ("of", "rate", "state", "value", "absent") if getattr(self, k) is not None]
        if self.ratio is not None:
            found += [("ratio.bad", self.ratio.bad), ("ratio.total", self.ratio.total)]
        return found


class TestSeries(SpecModel):
    """One input series of a promtool test, in promtool's own notation."""

    series: str = Field(description='Series notation, e.g. \'pg_up{job="postgres"}\'.')
    values: str = Field(description="promtool expanding notation, e.g. 0x30 or 0+10x30.")


class AlertTest(SpecModel):
    """Inputs for the generated test of a promql alert (no input can be derived from raw PromQL)."""

    firing: list[TestSeries] = Field(default_factory=list, description="Series under which the alert must fire.")
    quiet: list[TestSeries] = Field(default_factory=list, description="Series under which it must stay quiet.")
    labels: Labels = Field(default_factory=dict, description="Labels of the series the expression returns when firing.")
    value: float | None = Field(None, description="The expression's value when firing (needed when the texts show $value).")


class Alert(SpecModel):
    """A threshold alert. The name is CamelCase and becomes `alertname`."""

    when: Condition
    for_: ForField | None = Field(None, alias="for", description="How long the condition must hold (default: 5m; 0s fires at the first evaluation, except for absent).")
    keep_firing_for: DurationOrZeroField | None = Field(None, description="Keep firing this long after the condition stops holding (Prometheus 2.42+).")
    severity: Severity = "warning"
    summary: str | None = Field(None, description="One static line, shown as written (braces included); default derived from the condition.")
    description: str | None = Field(None, description="Longer text; a Prometheus template: may use {{ $value }} and {{ $labels.x }}.")
    runbook: str = Field("", description="What the on-call should do; becomes this alert's runbook section.")
    labels: Labels = Field(default_factory=dict)
    annotations: Annotations = Field(default_factory=dict, description="Extra annotations (Prometheus templates allowed); not summary, description, runbook_url, dashboard_url.")
    inhibits: Inhibits = Field(default_factory=list, description=(
        "While firing, silence this service's other alerts: true (or [symptoms]) silences its warning and info alerts; "
        "[symptoms, slos] also silences its SLO burn alerts (one outage, one page)."))

    panel: str | None = Field(None, description="Title of the dashboard panel that shows this alert (dashboard_url opens it; it draws the threshold).")
    test: AlertTest | None = Field(None, description="promql alerts: input series for the generated promtool test.")

    @property
    def inhibit_targets(self) -> frozenset[str]:
        """What this alert silences: ``symptoms`` and/or ``slos``."""
        return frozenset(self.inhibits)

    @field_validator("description")
    @classmethod
    def _template_parses(cls, description: str | None) -> str | None:
        if description is not None and (problem := template_problem(description)):
            raise ValueError(f"description is not a valid Prometheus template: {problem} "
                             "(close every {{ with }}, and write {{ \"{{\" }} for literal braces)")
        return description
