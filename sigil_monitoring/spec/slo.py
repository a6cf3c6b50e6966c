"""The ``slos`` section: objectives, their indicators and how they alert."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from . import rules
from .behaviour import SliBehaviour
from .refs import Ref
from .types import (
    Annotations,
    DurationOrZeroField,
    ForField,
    LabelName,
    Labels,
    LogicalName,
    ObjectiveField,
    SloWindowField,
    SpecModel,
    ThresholdField,
    unique,
)
from .units import Duration


class Sli(SliBehaviour, SpecModel):
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
    below: ThresholdField | None = Field(
        None, description="Latency threshold; must be a bucket boundary when buckets are declared."
    )
    up: Ref | None = Field(None, description="Gauge that is 1 when healthy and 0 when not (availability SLI).")
    error_ratio: str | None = Field(
        None, description="Raw PromQL giving the error ratio (0..1); write $window for the range."
    )

    _one_kind = model_validator(mode="after")(rules.sli_one_kind)


class BurnTier(SpecModel):
    """One alerting tier of the multi-window multi-burn-rate scheme."""

    enabled: bool = True
    severity: Literal["critical", "warning", "info"] | None = Field(
        None, description="Default: critical for page, warning for ticket."
    )
    for_: ForField | None = Field(
        None,
        alias="for",
        description="How long both windows must burn before firing (default: 2m page, 1h ticket; 0s fires at once).",
    )
    keep_firing_for: DurationOrZeroField | None = Field(
        None, description="Keep firing this long after the burn stops (Prometheus 2.42+)."
    )
    labels: Labels = Field(
        default_factory=dict, description="Extra labels on this tier's alert (over alerting.labels)."
    )
    annotations: Annotations = Field(
        default_factory=dict, description="Extra annotations on this tier's alert (over the SLO's annotations)."
    )
    summary: str | None = Field(
        None,
        description="Static summary of this tier's alert (default: the SLO's summary, or one derived from the tier).",
    )
    description: str | None = Field(
        None, description="Templated description of this tier's alert (default: the window pairs and the error ratio)."
    )
    runbook: str = Field(
        "", description="What to do for this tier; added to the SLO's runbook text in this tier's runbook section."
    )


class SloAlerting(SpecModel):
    page: BurnTier = Field(
        default_factory=BurnTier, description="Fast burn: 1h/5m at 2 % and 6h/30m at 5 % of the budget (30d)."
    )
    ticket: BurnTier = Field(
        default_factory=BurnTier, description="Slow burn: 1d/2h and 3d/6h at 10 % of the budget (30d)."
    )
    labels: Labels = Field(default_factory=dict, description="Extra labels on this SLO's alerts.")
    annotations: Annotations = Field(default_factory=dict, description="Extra annotations on this SLO's alerts.")


class Slo(SpecModel):
    """A service level objective over a rolling window."""

    objective: ObjectiveField = Field(description="Target percentage of good events, e.g. 99.9%.")
    window: SloWindowField = Field(Duration.parse("30d"), description="Rolling SLO window.")
    description: str = Field(
        "", description="What the SLO measures; starts each burn alert's description and runbook section."
    )
    summary: str | None = Field(None, description="Static summary of both burn alerts (a tier's own summary wins).")
    runbook: str = Field("", description="What to do when the budget burns; in both burn sections of the runbook.")
    sli: Sli
    group_by: Annotated[list[LabelName], unique("group_by label")] = Field(
        default_factory=list, description="Labels that split the SLO (one budget per value)."
    )
    alerting: SloAlerting = Field(default_factory=SloAlerting)


__all__ = ["Slo", "Sli", "BurnTier", "SloAlerting", "LogicalName"]
