"""The drill-mode model: the compiled model with time scaled down and receivers pointed at sinks.

A drill must show in seconds what production shows in minutes or hours, without patching the
emitted text: it maps the internal model (``ir.model``) to another internal model, and the usual
compilers render that one. What changes, and nothing else:

- scrape and evaluation every second, rate windows of five seconds (four scrapes and one spare),
  an alert's own range (``over: 3h``) included: time is scaled as a whole, as burn windows are,
  so the drill proves that the rule fires and routes; that the range holds on sparse events (a
  suite failing once an hour) is the generated promtool test's to prove, in real time;
- every ``for:`` capped at two seconds;
- burn windows mapped, in policy order, onto 10 s / 20 s / 30 s / 40 s long windows with 4-7 s
  short ones (a tier with more pairs of its own continues the ladder: 50 s / 8 s, ...); the burn
  *factors* and the error budget stay as compiled, so a fast burn still has to burn fast enough
  for the page tier and a slow one only trips the ticket tier;
- notification timing 1 s group wait and interval; mute/active time intervals dropped;
- a service without ``routing`` gets one webhook receiver, ``drill``, so its alerts arrive too;
- ``keep_firing_for`` capped like ``for:``;
- each receiver keeps its kind and every option (Slack channel and mention, PagerDuty severity and
  links, email addresses, Opsgenie team...), and only where it delivers changes: Slack's URL file,
  PagerDuty's ``url``, Opsgenie's ``api_url`` and a webhook's ``url`` point at the local capture
  sink, an email's ``smarthost`` at the sink's SMTP listener for that receiver (``require_tls``
  off: a drill has no certificate), and its secret files are fresh files in the drill's temp dir.

>>> from sigil_monitoring import load_spec
>>> from sigil_monitoring.ir.build import build_model
>>> model = build_model([load_spec("specs/sigil-dna.yaml")])
>>> drill = drill_model(model, sink_url="http://127.0.0.1:9", secrets_dir="/tmp/x").services[0]
>>> str(drill.rate_window), str(drill.alerts[0].for_), [str(w.long) for w in drill.slos[0].alerts[0].windows]
('5s', '2s', ['10s', '20s'])
>>> drill.routing.receivers[1].integration.api_url_file
'/tmp/x/sigil-dna-team.secret'
>>> from sigil_monitoring.ir.model import Email, Receiver
>>> dba = Receiver("svc/dba", "dba", Email("dba@example.com", "am@example.com", "smtp.example.com:587"))
>>> smtp = {"/email/svc/dba": "127.0.0.1:2525"}.__getitem__  # sink path -> its SMTP listener
>>> moved = _receiver(dba, "http://127.0.0.1:9", Path("/s"), smtp).integration
>>> moved.to, moved.smarthost, moved.require_tls
('dba@example.com', '127.0.0.1:2525', False)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import assert_never

import msgspec
from msgspec.structs import replace

from ..conventions import receiver_name
from ..defaults import BURN_WINDOWS
from ..ir.model import (
    BurnWindow,
    Email,
    Integration,
    Model,
    Opsgenie,
    PagerDuty,
    Receiver,
    Routing,
    Service,
    Slack,
    Slo,
    Webhook,
)
from ..values.units import Duration

SCRAPE = Duration.parse("1s")
RATE_WINDOW = Duration.parse("5s")
MAX_FOR = Duration.parse("2s")
NOTIFY = Duration.parse("1s")
REPEAT = Duration.parse("1h")
# Long and short drill windows for the n-th burn window policy (defaults.BURN_WINDOWS order); a
# tier with more pairs of its own (alerting.<tier>.windows) continues the ladder (``drill_window``).
BURN_LONG = tuple(Duration.parse(f"{10 * (i + 1)}s") for i in range(len(BURN_WINDOWS)))
BURN_SHORT = tuple(Duration.parse(f"{4 + i}s") for i in range(len(BURN_WINDOWS)))
DRILL_RECEIVER = "drill"
PAGERDUTY_TEST_KEY = "drill0routing0key0not0a0secret"

SCALING_NOTE = (
    "Drill mode scales time: scrape and rule evaluation every 1s, rate windows 5s (an alert's own `over:` "
    "range too), every `for:` "
    "capped at 2s, burn windows 10s-40s long and 4s-7s short (10s and 1s more for each further pair; "
    "burn factors and budgets unchanged), "
    "notifications after 1s, mute intervals off; receivers keep their options and deliver to local capture "
    "sinks (email over SMTP without TLS; a service without routing gets a webhook receiver named drill)."
)
Smtp = Callable[[str], str]  # a receiver's sink path -> host:port of an SMTP listener recording it
NO_SMTP = "127.0.0.1:25"  # smarthost when no SMTP sink is given (a model that is only rendered)


class SecretFile(msgspec.Struct, frozen=True):
    """A file the drill writes before Alertmanager starts: a receiver's secret, pointing at a sink."""

    path: str
    content: str


def integration_kind(integration: Integration) -> str:
    """The integration's name in the spec (``slack``), which names its sink path."""
    match integration:
        case Slack():
            return "slack"
        case PagerDuty():
            return "pagerduty"
        case Webhook():
            return "webhook"
        case Email():
            return "email"
        case Opsgenie():
            return "opsgenie"
        case _:
            assert_never(integration)


def receiver_path(receiver: Receiver) -> str:
    """The sink path a receiver's notifications arrive at: ``/<kind>/<receiver name>``."""
    return f"/{integration_kind(receiver.integration)}/{receiver.name}"


def _capped(duration: Duration | None) -> Duration | None:
    return min(duration, MAX_FOR) if duration is not None else None


def drill_window(index: int) -> tuple[Duration, Duration]:
    """The n-th (long, short) drill window: 10 s / 4 s, 20 s / 5 s, ... (the short always below
    the long and above the 5 s rate window's four scrapes).

    >>> [(str(long), str(short)) for long, short in map(drill_window, (0, 3, 5))]
    [('10s', '4s'), ('40s', '7s'), ('1m', '9s')]
    """
    if index < len(BURN_LONG):
        return BURN_LONG[index], BURN_SHORT[index]
    return Duration.parse(f"{10 * (index + 1)}s"), Duration.parse(f"{4 + index}s")


def _window(window: BurnWindow, index: int) -> BurnWindow:
    long, short = drill_window(index)
    return BurnWindow(window.tier, long, short, window.factor, window.budget_consumed)


def _slo(slo: Slo) -> Slo:
    # Burn windows keep their policy order (page pairs first), so the n-th window of the SLO is the
    # n-th policy; a disabled tier leaves its windows out of `alerts` but not of the ladder index.
    # A page tier with more pairs of its own than the policy's pushes the ticket tier up the ladder,
    # so no two pairs of an SLO share drill windows.
    offset = {tier: next(i for i, p in enumerate(BURN_WINDOWS) if p.tier == tier) for tier in ("page", "ticket")}
    pages = max((len(b.windows) for b in slo.alerts if b.tier == "page"), default=0)
    offset["ticket"] = max(offset["ticket"], pages)
    alerts = []
    for burn in slo.alerts:
        windows = tuple(_window(w, offset[burn.tier] + i) for i, w in enumerate(burn.windows))
        alerts.append(
            replace(burn, windows=windows, for_=min(burn.for_, MAX_FOR), keep_firing_for=_capped(burn.keep_firing_for))
        )
    drill_windows = {d for b in alerts for w in b.windows for d in (w.long, w.short)}
    return replace(slo, alerts=tuple(alerts), windows=tuple(sorted(drill_windows | {slo.window})))


def _receiver(receiver: Receiver, sink_url: str, secrets: Path, smtp: Smtp | None = None) -> Receiver:
    url = sink_url.rstrip("/") + receiver_path(receiver)
    secret = str(secrets / (receiver.name.replace("/", "-") + ".secret"))
    match receiver.integration:
        case Slack() as slack:
            moved: Integration = replace(slack, api_url_file=secret)
        case PagerDuty() as pagerduty:
            moved = replace(pagerduty, routing_key_file=secret, url=url)
        case Webhook(credentials_file=credentials) as webhook:
            moved = replace(webhook, url=url, credentials_file=secret if credentials else None)
        case Email(auth_username=user) as email:
            host = smtp(receiver_path(receiver)) if smtp else NO_SMTP
            moved = replace(email, smarthost=host, require_tls=False, auth_password_file=secret if user else None)
        case Opsgenie() as opsgenie:
            # Alertmanager appends v2/alerts (and v2/alerts/<alias>/close) to api_url.
            moved = replace(opsgenie, api_key_file=secret, api_url=url + "/")
        case _:
            assert_never(receiver.integration)
    return replace(receiver, integration=moved)


def secret_file(receiver: Receiver, sink_url: str) -> SecretFile | None:
    """What a drill receiver's secret file holds: Slack's webhook URL, a fake PagerDuty or Opsgenie
    key, a webhook's bearer token, an SMTP password; None when it has no secret file. Written
    without a final newline: Alertmanager 0.25 sends the Opsgenie key file's bytes as they are."""
    match receiver.integration:
        case Slack(api_url_file=path):
            return SecretFile(path, sink_url.rstrip("/") + receiver_path(receiver))
        case PagerDuty(routing_key_file=path):
            return SecretFile(path, PAGERDUTY_TEST_KEY)
        case Webhook(credentials_file=str() as path):
            return SecretFile(path, "drill-webhook-credentials")
        case Email(auth_password_file=str() as path):
            return SecretFile(path, "drill-smtp-password")
        case Opsgenie(api_key_file=path):
            return SecretFile(path, "drill-opsgenie-key")
        case Webhook() | Email():
            return None  # no credentials
        case _:
            assert_never(receiver.integration)


def secret_files(model: Model, sink_url: str) -> tuple[SecretFile, ...]:
    """The secret file of every drill receiver that has one."""
    found = (secret_file(r, sink_url) for s in model.services for r in (s.routing.receivers if s.routing else ()))
    return tuple(f for f in found if f is not None)


def _routing(routing: Routing, sink_url: str, secrets: Path, smtp: Smtp | None) -> Routing:
    routes = tuple(
        replace(r, mute_when=(), active_when=(), group_wait=NOTIFY, group_interval=NOTIFY, repeat_interval=REPEAT)
        for r in routing.routes
    )
    return replace(
        routing,
        receivers=tuple(_receiver(r, sink_url, secrets, smtp) for r in routing.receivers),
        routes=routes,
        time_intervals=(),
        group_wait=NOTIFY,
        group_interval=NOTIFY,
        repeat_interval=REPEAT,
    )


def _own_routing(service: Service) -> Routing:
    """Routing for a service whose spec has none: everything to one webhook, no inhibition."""
    name = receiver_name(service.name, DRILL_RECEIVER)
    webhook = Receiver(name, DRILL_RECEIVER, Webhook("unset"))
    return Routing(receivers=(webhook,), routes=(), default=name, group_by=(), time_intervals=(), inhibit=False)


def _service(service: Service, sink_url: str, secrets: Path, smtp: Smtp | None) -> Service:
    routing = service.routing or _own_routing(service)
    alerts = tuple(
        replace(a, for_=min(a.for_, MAX_FOR), rate_window=RATE_WINDOW, keep_firing_for=_capped(a.keep_firing_for))
        for a in service.alerts
    )
    return replace(
        service,
        scrape_interval=SCRAPE,
        rate_window=RATE_WINDOW,
        alerts=alerts,
        slos=tuple(_slo(s) for s in service.slos),
        routing=_routing(routing, sink_url, secrets, smtp),
    )


def drill_model(model: Model, sink_url: str, secrets_dir: str | Path, smtp: Smtp | None = None) -> Model:
    """``model`` in drill time, its receivers sending to ``sink_url`` (email to ``smtp(path)``)
    with secrets in ``secrets_dir``."""
    secrets = Path(secrets_dir)
    return Model(tuple(_service(s, sink_url, secrets, smtp) for s in model.services))
