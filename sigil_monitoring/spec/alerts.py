"""The ``alerts`` section: threshold alerts on catalog metrics, PromQL only as an escape hatch."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from .refs import Ref
from ..gotemplate import problem as template_problem
from .types import ForField, Labels, SpecModel, ThresholdField

Severity = Literal["critical", "warning", "info"]

CONDITION_KINDS = {
    "quantile": "{quantile: 0.95, of: encode_latency, above: 1s}",
    "rate": "{rate: errors, above: 1/min}",
    "ratio": "{ratio: {bad: errors, total: encodes}, above: 5%}",
    "state": "{state: circuit, is: open}",
    "value": "{value: disk_free, below: 10GiB}",
    "absent": "{absent: encodes}",
    "promql": "{promql: 'up{job=\"x\"} == 0'}",
}


class RatioOf(SpecModel):
    bad: Ref
    total: Ref


class Condition(SpecModel):
    """When the alert fires. Exactly one kind: quantile, rate, ratio, state, value, absent or promql."""

    quantile: float | None = Field(None, gt=0, lt=1, description="Quantile of histogram `of`, e.g. 0.95 (0.0001 to 0.999999).")
    of: Ref | None = Field(None, description="Histogram for a quantile condition.")
    rate: Ref | None = Field(None, description="Counter whose per-second rate is compared.")
    ratio: RatioOf | None = Field(None, description="bad/total counters whose ratio is compared.")
    state: Ref | None = Field(None, description="State gauge (with states in the catalog).")
    is_: str | None = Field(None, alias="is", description="State name the gauge must be in.")
    value: Ref | None = Field(None, description="Gauge whose value is compared.")
    absent: Ref | None = Field(None, description="Metric that must be present.")
    promql: str | None = Field(None, description="Raw PromQL alert condition (escape hatch).")
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
        if (self.of is not None) != (kind == "quantile"):
            raise ValueError("quantile and of go together (e.g. {quantile: 0.95, of: encode_latency, above: 1s})")
        if (self.is_ is not None) != (kind == "state"):
            raise ValueError("state and is go together (e.g. {state: circuit, is: open})")
        has_comparison = self.above is not None or self.below is not None
        if self.above is not None and self.below is not None:
            raise ValueError("when: has both above and below (give one; write two alerts for a band)")
        if kind in ("quantile", "rate", "ratio", "value") and not has_comparison:
            raise ValueError(f"a {kind} condition needs above or below (e.g. {CONDITION_KINDS[kind]})")
        if kind in ("state", "absent", "promql") and has_comparison:
            raise ValueError(f"a {kind} condition takes no above/below (remove it)")
        return self

    def refs(self) -> list[tuple[str, Ref]]:
        found = [(k, getattr(self, k)) for k in ("of", "rate", "state", "value", "absent") if getattr(self, k) is not None]
        if self.ratio is not None:
            found += [("ratio.bad", self.ratio.bad), ("ratio.total", self.ratio.total)]
        return found


class Alert(SpecModel):
    """A threshold alert. The name is CamelCase and becomes `alertname`."""

    when: Condition
    for_: ForField | None = Field(None, alias="for", description="How long the condition must hold (default: 5m; 0 for absent is not allowed).")
    severity: Severity = "warning"
    summary: str | None = Field(None, description="One static line, shown as written (braces included); default derived from the condition.")
    description: str | None = Field(None, description="Longer text; a Prometheus template: may use {{ $value }} and {{ $labels.x }}.")
    runbook: str = Field("", description="What the on-call should do; becomes this alert's runbook section.")
    labels: Labels = Field(default_factory=dict)
    inhibits: bool = Field(False, description="When firing, silence this service's other warning alerts (e.g. service down).")

    @field_validator("description")
    @classmethod
    def _template_parses(cls, description: str | None) -> str | None:
        if description is not None and (problem := template_problem(description)):
            raise ValueError(f"description is not a valid Prometheus template: {problem} "
                             "(close every {{ with }}, and write {{ \"{{\" }} for literal braces)")
        return description
