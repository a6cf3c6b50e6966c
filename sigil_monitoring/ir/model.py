"""The validated internal model: what every compiler consumes.

Defaults are applied, catalog references resolved to ``Series``, names and panel ids assigned.
Everything is a frozen ``msgspec.Struct`` of tuples, so compilers cannot change it and iteration
order is the order of the spec. Every kind is a closed union of structs that hold only their own
fields (``Sli``, ``Condition``, ``Integration`` here, ``PanelContent`` in ``ir/dashboard.py``):
consumers ``match`` on the class and end with ``assert_never``, so mypy fails where a new kind is
not handled. Catalog series are in ``ir/series.py``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import assert_never

from msgspec import Struct, field

from ..values.burn_rates import BurnWindow as BurnWindow  # defined beside its maths, which validate imports alone
from ..values.units import Duration, Threshold
from .dashboard import Dashboard
from .options import TargetOptions
from .series import Matchers as Matchers
from .series import Metric as Metric
from .series import Series as Series


class BurnAlert(Struct, frozen=True):
    name: str
    tier: str
    severity: str
    for_: Duration
    windows: tuple[BurnWindow, ...]
    panel_id: int | None
    runbook_url: str
    dashboard_url: str
    keep_firing_for: Duration | None = None
    labels: tuple[tuple[str, str], ...] = ()  # the SLO's alerting.labels, then the tier's own, sorted
    annotations: tuple[tuple[str, str], ...] = ()  # extra annotations (SLO's, then the tier's), sorted
    summary: str | None = None  # the tier's or the SLO's static summary; None: derived
    description: str | None = None  # the tier's own templated description; None: derived
    runbook: str = ""  # the tier's own "what to do" (the SLO's is Slo.runbook)


class RatioSli(Struct, frozen=True):
    """Bad (or good) events over all events: ``{bad: errors, total: requests}``."""

    part: Series  # the bad events, or the good ones (``part_is_bad`` False)
    total: Series
    part_is_bad: bool


class LatencySli(Struct, frozen=True):
    """Requests slower than ``below`` over all requests, read from a histogram."""

    histogram: Series
    below: Decimal  # the threshold in seconds
    below_text: str  # the bucket boundary as Prometheus prints it, e.g. "1" or "0.25"


class UpSli(Struct, frozen=True):
    """The share of time the scraped targets were down (an ``up``-style 0/1 gauge)."""

    up: Series


class ErrorRatioSli(Struct, frozen=True):
    """The spec's own error-ratio PromQL, with ``$window`` where the range goes."""

    promql: str


class QueryRatioSli(Struct, frozen=True):
    """The spec's own PromQL for bad (or good) events per second over all events per second,
    each with ``$window``: ``{bad_query: ..., total_query: ...}``."""

    part: str  # the bad events' query, or the good ones' (``part_is_bad`` False)
    total: str
    part_is_bad: bool
    # The same SLI as series, when both queries are sum(rate(metric{...}[$window])) (ir/query_sli.py):
    # tests and the drill stage it as that ratio SLI. Otherwise None and ``unstaged`` says why.
    staged: RatioSli | None = None
    unstaged: str = ""


# One SLI kind per spec shape; the Prometheus SLI chain (compilers/prometheus/sli.py) is the only
# consumer that matches on it, everything else asks that module.
Sli = RatioSli | LatencySli | UpSli | ErrorRatioSli | QueryRatioSli


class Slo(Struct, frozen=True):
    name: str
    objective: Decimal  # percent, e.g. 99.9
    error_budget: Decimal  # ratio, 1 - objective/100, exact
    window: Duration
    description: str
    sli: Sli
    group_by: tuple[str, ...]
    labels: tuple[tuple[str, str], ...]  # extra alert labels
    alerts: tuple[BurnAlert, ...]  # enabled tiers only
    windows: tuple[Duration, ...]  # every distinct window the SLI is recorded over, sorted
    runbook: str = ""  # what to do when the budget burns (both tiers' runbook sections)


class Comparison(Struct, frozen=True):
    """``> 500ms``: how a condition's value is compared to the spec's threshold."""

    op: str  # ">" or "<"
    threshold: Threshold


class QuantileCondition(Struct, frozen=True):
    """A quantile of a histogram compared to a threshold: ``{quantile: 0.99, of: latency, above: 1s}``."""

    series: Series
    quantile: Decimal
    compare: Comparison


class RateCondition(Struct, frozen=True):
    """The per-second rate of a counter compared to a threshold."""

    series: Series
    compare: Comparison


class RatioCondition(Struct, frozen=True):
    """bad / total of two counters' rates compared to a threshold."""

    bad: Series
    total: Series
    compare: Comparison


class StateCondition(Struct, frozen=True):
    """A state gauge sits at one state."""

    series: Series
    state: tuple[int, str]  # (value, name)


class ValueCondition(Struct, frozen=True):
    """A gauge's value compared to a threshold."""

    series: Series
    compare: Comparison


class GaugeRatioCondition(Struct, frozen=True):
    """A gauge as a share of another (``{value: connections, of: max_connections}``) compared to a threshold."""

    part: Series
    whole: Series
    compare: Comparison


class AbsentCondition(Struct, frozen=True):
    """No series of the metric is reported."""

    series: Series


class PromqlTest(Struct, frozen=True):
    """The spec's inputs for a promql alert's test: (series, values) pairs, expected labels and value."""

    firing: tuple[tuple[str, str], ...]
    quiet: tuple[tuple[str, str], ...]
    labels: tuple[tuple[str, str], ...]
    value: float | None


class PromqlCondition(Struct, frozen=True):
    """The spec's own PromQL, alone (fires when it returns series) or compared to a threshold."""

    promql: str
    unit: str  # of the values it returns
    compare: Comparison | None = None
    test: PromqlTest | None = None  # the spec's test inputs


Condition = (
    QuantileCondition
    | RateCondition
    | RatioCondition
    | StateCondition
    | ValueCondition
    | GaugeRatioCondition
    | AbsentCondition
    | PromqlCondition
)


def comparison(condition: Condition) -> Comparison | None:
    """The threshold comparison of a condition; None for state, absent and a bare promql condition.

    >>> comparison(AbsentCondition(Series(Metric("up", "up", "gauge", "none", "", (), None, None), ()))) is None
    True
    """
    match condition:
        case (
            QuantileCondition(compare=compare)
            | RateCondition(compare=compare)
            | RatioCondition(compare=compare)
            | ValueCondition(compare=compare)
            | GaugeRatioCondition(compare=compare)
        ):
            return compare
        case PromqlCondition(compare=compare):
            return compare
        case StateCondition() | AbsentCondition():
            return None
        case _:
            assert_never(condition)


def condition_series(condition: Condition) -> tuple[Series, ...]:
    """The catalog series a condition reads, in the spec's order (none for raw PromQL)."""
    match condition:
        case (
            QuantileCondition(series=s)
            | RateCondition(series=s)
            | StateCondition(series=s)
            | ValueCondition(series=s)
            | AbsentCondition(series=s)
        ):
            return (s,)
        case RatioCondition(bad=bad, total=total):
            return (bad, total)
        case GaugeRatioCondition(part=part, whole=whole):
            return (part, whole)
        case PromqlCondition():
            return ()
        case _:
            assert_never(condition)


class Alert(Struct, frozen=True, kw_only=True):
    name: str
    condition: Condition
    rate_window: Duration  # range for rate()/increase() in the condition: the spec's `over`, or the service's
    for_: Duration
    severity: str
    summary: str  # static text: the spec's, or derived from the condition
    description: str | None  # the spec's own (a template); None: the target derives one
    runbook: str
    labels: tuple[tuple[str, str], ...]  # every label the alert carries, sorted
    inhibits: bool
    panel_id: int | None
    runbook_url: str
    dashboard_url: str
    keep_firing_for: Duration | None = None
    annotations: tuple[tuple[str, str], ...] = ()  # extra annotations, sorted
    inhibits_slos: bool = False  # while firing, also silence the service's SLO burn alerts


class Slack(Struct, frozen=True):
    channel: str
    api_url_file: str
    mention: str | None = None  # who is mentioned on critical alerts
    send_resolved: bool = True


class PagerDuty(Struct, frozen=True):
    routing_key_file: str
    url: str | None = None
    send_resolved: bool = True


class Webhook(Struct, frozen=True):
    url: str
    credentials_file: str | None = None
    send_resolved: bool = True


class Email(Struct, frozen=True):
    to: str
    from_: str
    smarthost: str | None = None
    auth_username: str | None = None
    auth_password_file: str | None = None
    require_tls: bool = True
    send_resolved: bool = True


class Opsgenie(Struct, frozen=True):
    api_key_file: str
    api_url: str | None = None
    team: str | None = None  # responder team
    send_resolved: bool = True


Integration = Slack | PagerDuty | Webhook | Email | Opsgenie


class Receiver(Struct, frozen=True):
    name: str  # unique across services (conventions.receiver_name)
    spec_name: str
    integration: Integration


class Route(Struct, frozen=True):
    matchers: Matchers  # severity first, then the spec's match
    receivers: tuple[str, ...]  # unique receiver names
    continue_: bool
    mute_when: tuple[str, ...]  # unique time interval names
    active_when: tuple[str, ...]
    group_wait: Duration
    group_interval: Duration
    repeat_interval: Duration
    group_by: tuple[str, ...] | None = None  # None: inherit the service's group_by


class TimeInterval(Struct, frozen=True):
    name: str
    weekdays: tuple[str, ...]
    times: tuple[tuple[str, str], ...]
    location: str
    days_of_month: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    years: tuple[str, ...] = ()


class Routing(Struct, frozen=True):
    receivers: tuple[Receiver, ...]
    routes: tuple[Route, ...]
    default: str
    group_by: tuple[str, ...]
    time_intervals: tuple[TimeInterval, ...]
    inhibit: bool
    catch_all: str | None = (
        None  # receiver of the alerts no service routes (Alertmanager's root), if this spec names one
    )
    # Timing of alerts no route matches (they go to `default`): the warning timing, as for routes
    # without a severity.
    group_wait: Duration | None = None
    group_interval: Duration | None = None
    repeat_interval: Duration | None = None


class Service(Struct, frozen=True):
    name: str
    title: str
    description: str
    team: str | None
    source: str  # spec path as shown to the user
    labels: tuple[tuple[str, str], ...]  # added to every rule and alert: service, team, spec labels
    selector: Matchers
    scrape_interval: Duration
    rate_window: Duration  # range of recorded rates (defaults.rate_window; the drill shortens it)
    grafana_url: str | None
    runbooks_url: str | None
    metrics: tuple[Metric, ...]
    slos: tuple[Slo, ...]
    alerts: tuple[Alert, ...]
    dashboard: Dashboard
    routing: Routing | None
    targets: TargetOptions = field(default_factory=TargetOptions)  # each target's options, as plain values
    templates: tuple[str, ...] = ()  # the templates the spec extends, as shown: a fleet's spec (runbook)


class Model(Struct, frozen=True):
    """Everything one compile run sees: one or more services."""

    services: tuple[Service, ...] = field(default_factory=tuple)
