"""The ``slos`` section: objectives, their indicators and how they alert."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from msgspec import field

from ..values.units import Duration
from .rules import listed
from .struct import ModelRules, SpecStruct

if TYPE_CHECKING:
    from pydantic import Field

    from ..values.burn_rates import BurnWindow
    from .refs import MetricRef
    from .types import (
        Annotations,
        BudgetShareField,
        BurnFactorField,
        DurationField,
        DurationOrZeroField,
        ForField,
        LabelName,
        Labels,
        ObjectiveField,
        Ref,
        SloWindowField,
        ThresholdField,
        unique,
    )


# The SLI kinds as the one-kind rule names them; the rule sits beside the class it checks, so a new
# SLI kind is written in this module alone on the spec side (docs/architecture.md, "Adding an SLI kind").
SLI_KINDS = (
    "ratio (bad or good, with total)",
    "latency with below",
    "up",
    "error_ratio",
    "query ratio (bad_query or good_query, with total_query)",
)
# The raw PromQL fields of a query ratio SLI, each written with $window where the range goes.
SLI_QUERY_FIELDS = ("bad_query", "good_query", "total_query")


def sli_one_kind(self: Any) -> Any:
    kinds = [
        k
        for k, present in (
            ("ratio", self.bad is not None or self.good is not None or self.total is not None),
            ("latency", self.latency is not None or self.below is not None),
            ("up", self.up is not None),
            ("error_ratio", self.error_ratio is not None),
            ("query_ratio", any(getattr(self, name) is not None for name in SLI_QUERY_FIELDS)),
        )
        if present
    ]
    if len(kinds) != 1:
        raise ValueError(f"the SLI names {listed(kinds, 'nothing')} (give exactly one kind: {', '.join(SLI_KINDS)})")
    if kinds == ["ratio"]:
        if self.total is None or (self.bad is None) == (self.good is None):
            raise ValueError(
                "a ratio SLI needs total and exactly one of bad or good (e.g. bad: errors, total: requests)"
            )
    if kinds == ["latency"] and (self.latency is None or self.below is None):
        raise ValueError("a latency SLI needs both latency and below (e.g. latency: encode_latency, below: 1s)")
    if kinds == ["query_ratio"] and (self.total_query is None or (self.bad_query is None) == (self.good_query is None)):
        raise ValueError(
            "a query ratio SLI needs total_query and exactly one of bad_query or good_query "
            '(e.g. bad_query: sum(rate(http_requests_total{code=~"5.."}[$window])), '
            "total_query: sum(rate(http_requests_total[$window])))"
        )
    for name in ("error_ratio", *SLI_QUERY_FIELDS):
        text = getattr(self, name)
        if text is not None and "$window" not in text:
            raise ValueError(f"{name} has no $window (write the range as [$window], e.g. rate(x[$window]))")
    return self


class Sli(SpecStruct, frozen=True, kw_only=True):
    """What counts as a bad event. Exactly one kind:

    - ratio: ``bad`` (or ``good``) events over ``total`` events, each a counter or a classic
      histogram (its ``_count``: the observations are the events);
    - latency: requests of histogram ``latency`` slower than ``below`` are bad;
    - up: the fraction of time the 0/1 gauge ``up`` is 0 is bad;
    - error_ratio: raw PromQL for the error ratio, with ``$window`` where the range goes;
    - query ratio: raw PromQL for the bad (or good) events per second, ``bad_query`` (or
      ``good_query``), over ``total_query``, all events per second, each with ``$window``.
    """

    bad: Annotated[
        Ref | None, Field(description="Counter (or classic histogram: its _count) of bad events (ratio SLI).")
    ] = None
    good: Annotated[
        Ref | None,
        Field(description="Counter (or classic histogram: its _count) of good events (ratio SLI), instead of bad."),
    ] = None
    total: Annotated[
        Ref | None, Field(description="Counter (or classic histogram: its _count) of all events (ratio SLI).")
    ] = None
    latency: Annotated[Ref | None, Field(description="Histogram of request durations (latency SLI).")] = None
    below: Annotated[
        ThresholdField | None,
        Field(description="Latency threshold; must be a bucket boundary when buckets are declared."),
    ] = None
    up: Annotated[Ref | None, Field(description="Gauge that is 1 when healthy and 0 when not (availability SLI).")] = (
        None
    )
    error_ratio: Annotated[
        str | None, Field(description="Raw PromQL giving the error ratio (0..1); write $window for the range.")
    ] = None

    bad_query: Annotated[
        str | None,
        Field(description="Raw PromQL: bad events per second (query ratio SLI); write $window for the range."),
    ] = None
    good_query: Annotated[
        str | None,
        Field(description="Raw PromQL: good events per second (query ratio SLI), instead of bad_query."),
    ] = None
    total_query: Annotated[
        str | None,
        Field(description="Raw PromQL: all events per second (query ratio SLI); write $window for the range."),
    ] = None

    model_rules: ClassVar[ModelRules] = (sli_one_kind,)

    @property
    def kind(self) -> str:
        if self.total_query is not None:
            return "query_ratio"
        if self.total is not None:
            return "ratio"
        if self.latency is not None:
            return "latency"
        if self.up is not None:
            return "up"
        return "error_ratio"

    def refs(self) -> list[tuple[str, MetricRef]]:
        found = [
            ("bad", self.bad),
            ("good", self.good),
            ("total", self.total),
            ("latency", self.latency),
            ("up", self.up),
        ]
        return [(name, ref) for name, ref in found if ref is not None]


def pair_one_threshold(self: Any) -> Any:
    if (self.factor is None) == (self.budget is None):
        raise ValueError(
            "a burn window pair needs exactly one of factor or budget "
            "(e.g. {long: 1h, short: 5m, factor: 14.4} or {long: 1h, budget: 2%})"
        )
    return self


class BurnWindowPair(SpecStruct, frozen=True, kw_only=True):
    """One window pair of a tier: it burns when the error ratio over both windows exceeds
    ``factor`` x the error budget. ``budget`` gives the factor as the share of the whole budget
    the long window consumes: factor = budget x SLO window / long."""

    long: Annotated[DurationField, Field(description="Long window, at most the SLO window (e.g. 1h).")]
    short: Annotated[
        DurationField | None,
        Field(description="Short window, below long; it stops the alert soon after the burn does (default: long/12)."),
    ] = None
    factor: Annotated[
        BurnFactorField | None, Field(description="Burn rate: how many times the sustainable rate (e.g. 14.4).")
    ] = None
    budget: Annotated[
        BudgetShareField | None,
        Field(description="Share of the whole error budget consumed within long, instead of factor (e.g. 2%)."),
    ] = None

    model_rules: ClassVar[ModelRules] = (pair_one_threshold,)


class BurnTier(SpecStruct, frozen=True, kw_only=True):
    """One alerting tier of the multi-window multi-burn-rate scheme."""

    enabled: bool = True
    windows: Annotated[
        Annotated[list[BurnWindowPair], Field(min_length=1)] | None,
        Field(
            description="This tier's own window pairs, instead of the defaults scaled to the SLO window "
            "(e.g. [{long: 1h, short: 5m, factor: 14.4}, {long: 6h, short: 30m, factor: 6}])."
        ),
    ] = None
    severity: Annotated[
        Literal["critical", "warning", "info"] | None,
        Field(description="Default: critical for page, warning for ticket."),
    ] = None
    for_: Annotated[
        ForField | None,
        Field(
            description="How long both windows must burn before firing (default: 2m page, 1h ticket; 0s fires at once)."
        ),
    ] = field(default=None, name="for")
    keep_firing_for: Annotated[
        DurationOrZeroField | None, Field(description="Keep firing this long after the burn stops (Prometheus 2.42+).")
    ] = None
    labels: Annotated[Labels, Field(description="Extra labels on this tier's alert (over alerting.labels).")] = field(
        default_factory=dict
    )
    annotations: Annotated[
        Annotations, Field(description="Extra annotations on this tier's alert (over the SLO's annotations).")
    ] = field(default_factory=dict)
    summary: Annotated[
        str | None,
        Field(
            description="Static summary of this tier's alert "
            "(default: the SLO's summary, or one derived from the tier)."
        ),
    ] = None
    description: Annotated[
        str | None,
        Field(
            description="Templated description of this tier's alert (default: the window pairs and the error ratio)."
        ),
    ] = None
    runbook: Annotated[
        str,
        Field(description="What to do for this tier; added to the SLO's runbook text in this tier's runbook section."),
    ] = ""


class SloAlerting(SpecStruct, frozen=True, kw_only=True):
    page: Annotated[BurnTier, Field(description="Fast burn: 1h/5m at 2 % and 6h/30m at 5 % of the budget (30d).")] = (
        field(default_factory=BurnTier)
    )
    ticket: Annotated[BurnTier, Field(description="Slow burn: 1d/2h and 3d/6h at 10 % of the budget (30d).")] = field(
        default_factory=BurnTier
    )
    labels: Annotated[Labels, Field(description="Extra labels on this SLO's alerts.")] = field(default_factory=dict)
    annotations: Annotated[Annotations, Field(description="Extra annotations on this SLO's alerts.")] = field(
        default_factory=dict
    )


class Slo(SpecStruct, frozen=True, kw_only=True):
    """A service level objective over a rolling window."""

    objective: Annotated[ObjectiveField, Field(description="Target percentage of good events, e.g. 99.9%.")]
    window: Annotated[SloWindowField, Field(description="Rolling SLO window.")] = Duration.parse("30d")
    description: Annotated[
        str, Field(description="What the SLO measures; starts each burn alert's description and runbook section.")
    ] = ""
    summary: Annotated[
        str | None, Field(description="Static summary of both burn alerts (a tier's own summary wins).")
    ] = None
    runbook: Annotated[
        str, Field(description="What to do when the budget burns; in both burn sections of the runbook.")
    ] = ""
    sli: Sli
    group_by: Annotated[
        Annotated[list[LabelName], unique("group_by label")],
        Field(description="Labels that split the SLO (one budget per value)."),
    ] = field(default_factory=list)
    alerting: SloAlerting = field(default_factory=SloAlerting)

    def tier_windows(self, tier: str, scrape_interval: Duration) -> tuple[BurnWindow, ...]:
        """The tier's window pairs: its own (``alerting.<tier>.windows``), else the defaults scaled
        to the SLO window; pairs that cannot fire included (the checks and the IR decide)."""
        from ..values.burn_rates import burn_windows, own_window

        own = getattr(self.alerting, tier).windows
        if own is None:
            return tuple(w for w in burn_windows(self.window, scrape_interval) if w.tier == tier)
        return tuple(
            own_window(
                tier,
                self.window,
                scrape_interval,
                pair.long,
                pair.short,
                pair.factor,
                pair.budget / 100 if pair.budget is not None else None,
            )
            for pair in own
        )


__all__ = ["Slo", "Sli", "BurnTier", "BurnWindowPair", "SloAlerting"]
