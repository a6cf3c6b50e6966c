"""The ``slos`` section: objectives, their indicators and how they alert."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from .refs import Ref
from .types import Annotations, DurationField, DurationOrZeroField, ForField, LabelName, Labels, LogicalName, ObjectiveField, SloWindowField, SpecModel, ThresholdField, unique
from .units import Duration

SLI_KINDS = ("ratio (bad or good, with total)", "latency with below", "up", "error_ratio")


class Sli(SpecModel):
    """What counts as a bad event. Exactly one kind:

    - ratio: ``bad`` (or ``good``) events over ``total`` events, both counters;
    - latency: requests of histogram ``latency`` slower than ``below`` are bad;
    - up: the fraction of time the 0/1 gauge ``up`` is 0 is bad;
    - error_ratio: raw PromQL for the error ratio, with ``$window`` where the range goes.
    """

    bad: Ref | None = Field(None, description="Counter of bad events (ratio SLI).")
    good: Ref | None = Field(None, description="Counter of good events (ratio SLI), instead of bad.")
    total: Ref | None = Field(None, description="Counter of all events (ratio SLI).")
    latency: Ref | None = Field(None, description="Histogram of request durations (latency SLI).")
    below: ThresholdField | None = Field(None, description="Latency threshold; must be a bucket boundary when buckets are declared.")
    up: Ref | None = Field(None, description="Gauge that is 1 when healthy and 0 when not (availability SLI).")
    error_ratio: str | None = Field(None, description="Raw PromQL giving the error ratio (0..1); write $window for the range.")

    @model_validator(mode="after")
    def _one_kind(self) -> Sli:
        kinds = [k for k, present in (
            ("ratio", self.bad is not None or self.good is not None or self.total is not None),
            ("latency", self.latency is not None or self.below is not None),
            ("up", self.up is not None),
            ("error_ratio", self.error_ratio is not None),
        ) if present]
        if len(kinds) != 1:
            found = " and ".join(kinds) if kinds else "nothing"
            raise ValueError(f"the SLI names {found} (give exactly one kind: {', '.join(SLI_KINDS)})")
        if kinds == ["ratio"]:
            if self.total is None or (self.bad is None) == (self.good is None):
                raise ValueError("a ratio SLI needs total and exactly one of bad or good (e.g. bad: errors, total: requests)")
        if kinds == ["latency"] and (self.latency is None or self.below is None):
            raise ValueError("a latency SLI needs both latency and below (e.g. latency: encode_latency, below: 1s)")
        if self.error_ratio is not None and "$window" not in self.error_ratio:
            raise ValueError("error_ratio has no $window (write the range as [$window], e.g. rate(x[$window]))")
        return self

    @property
    def kind(self) -> Literal["ratio", "latency", "up", "error_ratio"]:
        if self.total is not None:
            return "ratio"
        if self.latency is not None:
            return "latency"
        if self.up is not None:
            return "up"
        return "error_ratio"

    def refs(self) -> list[tuple[str, Ref]]:
        return [(name, ref) for name in ("bad", "good", "total", "latency", "up") if (ref := getattr(self, name)) is not None]


class BurnTier(SpecModel):
    """One alerting tier of the multi-window multi-burn-rate scheme."""

    enabled: bool = True
    severity: Literal["critical", "warning", "info"] | None = Field(None, description="Default: critical for page, warning for ticket.")
    for_: ForField | None = Field(None, alias="for", description="How long both windows must burn before firing (default: 2m page, 1h ticket; 0s fires at once).")
    keep_firing_for: DurationOrZeroField | None = Field(None, description="Keep firing this long after the burn stops (Prometheus 2.42+).")
    labels: Labels = Field(default_factory=dict, description="Extra labels on this tier's alert (over alerting.labels).")
    annotations: Annotations = Field(default_factory=dict, description="Extra annotations on this tier's alert (over the SLO's annotations).")
    summary: str | None = Field(None, description="Static summary of this tier's alert (default: the SLO's summary, or one derived from the tier).")
    description: str | None = Field(None, description="Templated description of this tier's alert (default: the window pairs and the error ratio).")
    runbook: str = Field("", description="What to do for this tier; added to the SLO's runbook text in this tier's runbook section.")


class SloAlerting(SpecModel):
    page: BurnTier = Field(default_factory=BurnTier, description="Fast burn: 1h/5m at 2 % and 6h/30m at 5 % of the budget (30d).")
    ticket: BurnTier = Field(default_factory=BurnTier, description="Slow burn: 1d/2h and 3d/6h at 10 % of the budget (30d).")
    labels: Labels = Field(default_factory=dict, description="Extra labels on this SLO's alerts.")
    annotations: Annotations = Field(default_factory=dict, description="Extra annotations on this SLO's alerts.")


class Slo(SpecModel):
    """A service level objective over a rolling window."""

    objective: ObjectiveField = Field(description="Target percentage of good events, e.g. 99.9%.")
    window: SloWindowField = Field(Duration.parse("30d"), description="Rolling SLO window.")
    description: str = Field("", description="What the SLO measures; starts each burn alert's description and runbook section.")
    summary: str | None = Field(None, description="Static summary of both burn alerts (a tier's own summary wins).")
    runbook: str = Field("", description="What to do when the budget burns; in both burn sections of the runbook.")
    sli: Sli
    group_by: Annotated[list[LabelName], unique("group_by label")] = Field(default_factory=list, description="Labels that split the SLO (one budget per value).")
    alerting: SloAlerting = Field(default_factory=SloAlerting)


__all__ = ["Slo", "Sli", "BurnTier", "SloAlerting", "LogicalName"]
