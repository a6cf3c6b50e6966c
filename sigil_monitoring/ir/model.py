"""The validated internal model: what every compiler consumes.

Defaults are applied, catalog references resolved to ``Series``, names and panel ids assigned.
Everything is a frozen dataclass of tuples, so compilers cannot change it and iteration order is
the order of the spec.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from ..burn_rates import BurnWindow as BurnWindow  # defined beside its maths, which validate imports alone
from ..matchers import Matcher
from ..records import Record, field
from ..spec.units import Duration, Threshold

if TYPE_CHECKING:
    from ..spec.targets import Targets

Matchers = tuple[Matcher, ...]


def _default_targets() -> Targets:
    # Every target's default options; a plain struct, so no pydantic.
    from ..spec.targets import Targets

    return Targets()


class Metric(Record):
    key: str  # logical name in the catalog
    name: str  # Prometheus metric name
    type: str  # counter | gauge | histogram | native_histogram
    unit: str  # seconds | bytes | percent | ratio | none
    help: str
    labels: tuple[str, ...]
    buckets: tuple[Decimal, ...] | None
    states: tuple[tuple[int, str], ...] | None  # (value, state name), by value


class Series(Record):
    """A catalog metric narrowed by the service selector and ``where``; ``by`` labels kept."""

    metric: Metric
    matchers: Matchers  # service selector first, then `where`, in spec order
    by: tuple[str, ...] = ()
    narrowed: Matchers = ()  # the matchers beyond the service selector (a derived metric's and `where`)

    @property
    def shown(self) -> str:
        """How texts name the series: the metric with the matchers that narrow it, as PromQL
        writes them (``http_requests_total{code=~"5.."}``); the service selector is left out."""
        parts = ",".join(m.text() for m in self.narrowed)
        return f"{self.metric.name}{{{parts}}}" if parts else self.metric.name


class BurnAlert(Record):
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


class Slo(Record):
    name: str
    objective: Decimal  # percent, e.g. 99.9
    error_budget: Decimal  # ratio, 1 - objective/100, exact
    window: Duration
    description: str
    kind: str  # ratio | latency | up | error_ratio
    bad: Series | None  # ratio SLI with bad events
    good: Series | None  # ratio SLI with good events
    total: Series | None
    latency: Series | None
    below: Decimal | None  # latency threshold in seconds
    below_text: str | None  # the bucket boundary as Prometheus prints it, e.g. "1" or "0.25"
    up: Series | None
    error_ratio: str | None  # raw PromQL with $window
    group_by: tuple[str, ...]
    labels: tuple[tuple[str, str], ...]  # extra alert labels
    alerts: tuple[BurnAlert, ...]  # enabled tiers only
    windows: tuple[Duration, ...]  # every distinct window the SLI is recorded over, sorted
    runbook: str = ""  # what to do when the budget burns (both tiers' runbook sections)


class Alert(Record):
    name: str
    kind: str  # quantile | rate | ratio | state | value | gauge_ratio | absent | promql
    series: Series | None  # the metric the condition is on (bad events for ratio, the part for gauge_ratio)
    total: Series | None  # ratio and gauge_ratio: the denominator
    quantile: Decimal | None
    state: tuple[int, str] | None  # (value, name) for state alerts
    op: str | None  # ">" or "<"
    threshold: Threshold | None
    promql: str | None
    rate_window: Duration  # range for rate()/increase() in the condition
    for_: Duration
    severity: str
    summary: str
    description: str
    runbook: str
    labels: tuple[tuple[str, str], ...]  # every label the alert carries, sorted
    inhibits: bool
    panel_id: int | None
    runbook_url: str
    dashboard_url: str
    unit: str = "none"  # of the compared value: the metric's, ratio for ratios, the promql condition's
    test: PromqlTest | None = None  # promql alerts: the spec's test inputs
    keep_firing_for: Duration | None = None
    annotations: tuple[tuple[str, str], ...] = ()  # extra annotations, sorted
    inhibits_slos: bool = False  # while firing, also silence the service's SLO burn alerts


class PromqlTest(Record):
    """The spec's inputs for a promql alert's test: (series, values) pairs, expected labels and value."""

    firing: tuple[tuple[str, str], ...]
    quiet: tuple[tuple[str, str], ...]
    labels: tuple[tuple[str, str], ...]
    value: float | None


class Panel(Record):
    id: int
    kind: str  # heatmap | percentiles | histogram | rate | error_ratio | timeline | stat | gauge | promql | text | slo_sli | slo_budget | slo_burn
    title: str
    description: str
    x: int
    y: int
    w: int
    h: int
    series: Series | None = None
    total: Series | None = None
    quantiles: tuple[Decimal, ...] = ()
    slo: str | None = None
    text: str | None = None
    thresholds: tuple[Decimal, ...] = ()  # alert thresholds to draw, in the metric's unit
    alerts: tuple[str, ...] = ()  # alert names this panel explains (for links to runbook)
    promql: str | None = None  # promql panels: the query as written
    unit: str | None = None  # promql panels: the unit of its values
    legend: str | None = None  # promql panels: legend format
    display: str = "timeseries"  # promql panels: timeseries or stat
    limits: tuple[Decimal | None, Decimal | None] = (None, None)  # stat/gauge axis min and max


class Row(Record):
    id: int
    title: str
    y: int
    collapsed: bool
    panels: tuple[Panel, ...]


class Dashboard(Record):
    uid: str
    title: str
    tags: tuple[str, ...]
    time: Duration
    refresh: Duration
    variables: tuple[str, ...]  # label names offered as filters
    grafana_version: int
    formats: tuple[str, ...]
    rows: tuple[Row, ...]
    url: str | None  # absolute URL when the service links to Grafana
    folder: str

    def panels(self) -> tuple[Panel, ...]:
        return tuple(p for row in self.rows for p in row.panels)


class Receiver(Record):
    name: str  # unique across services (conventions.receiver_name)
    spec_name: str
    kind: str  # slack | pagerduty | webhook | email | opsgenie
    channel: str | None = None
    secret_file: str | None = (
        None  # api_url_file / routing_key_file / credentials_file / auth_password_file / api_key_file
    )
    url: str | None = None
    send_resolved: bool = True
    mention: str | None = None
    email_to: str | None = None
    email_from: str | None = None
    smarthost: str | None = None
    auth_username: str | None = None
    require_tls: bool = True
    team: str | None = None  # Opsgenie responder team


class Route(Record):
    matchers: Matchers  # severity first, then the spec's match
    receivers: tuple[str, ...]  # unique receiver names
    continue_: bool
    mute_when: tuple[str, ...]  # unique time interval names
    active_when: tuple[str, ...]
    group_wait: Duration
    group_interval: Duration
    repeat_interval: Duration
    group_by: tuple[str, ...] | None = None  # None: inherit the service's group_by


class TimeInterval(Record):
    name: str
    weekdays: tuple[str, ...]
    times: tuple[tuple[str, str], ...]
    location: str
    days_of_month: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    years: tuple[str, ...] = ()


class Routing(Record):
    receivers: tuple[Receiver, ...]
    routes: tuple[Route, ...]
    default: str
    group_by: tuple[str, ...]
    time_intervals: tuple[TimeInterval, ...]
    inhibit: bool
    # Timing of alerts no route matches (they go to `default`): the warning timing, as for routes
    # without a severity.
    group_wait: Duration | None = None
    group_interval: Duration | None = None
    repeat_interval: Duration | None = None


class Service(Record):
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
    targets: Targets = field(
        default_factory=_default_targets
    )  # the spec's (frozen) section: what to compile, engine options


class Model(Record):
    """Everything one compile run sees: one or more services."""

    services: tuple[Service, ...] = field(default_factory=tuple)
