"""The drill-mode model: the compiled model with time scaled down and receivers pointed at sinks.

A drill must show in seconds what production shows in minutes or hours, without patching the
emitted text: it maps the internal model (``ir.model``) to another internal model, and the usual
compilers render that one. What changes, and nothing else:

- scrape and evaluation every second, rate windows of five seconds (four scrapes and one spare);
- every ``for:`` capped at two seconds;
- burn windows mapped, in policy order, onto 10 s / 20 s / 30 s / 40 s long windows with 4-7 s
  short ones; the burn *factors* and the error budget stay as compiled, so a fast burn still
  has to burn fast enough for the page tier and a slow one only trips the ticket tier;
- notification timing 1 s group wait and interval; mute/active time intervals dropped;
- a service without ``routing`` gets one webhook receiver, ``drill``, so its alerts arrive too;
  email and Opsgenie receivers deliver as webhooks under their own names (no SMTP or Opsgenie API
  in a drill);
- ``keep_firing_for`` capped like ``for:``;
- each receiver's URL (Slack's URL file, PagerDuty's and webhook's ``url``) points at a local
  capture sink, and its secret files are fresh files in the drill's temp dir.

>>> from sigil_monitoring import load_spec
>>> from sigil_monitoring.ir.build import build_model
>>> model = build_model([load_spec("specs/sigil-dna.yaml")])
>>> drill = drill_model(model, sink_url="http://127.0.0.1:9", secrets_dir="/tmp/x").services[0]
>>> str(drill.rate_window), str(drill.alerts[0].for_), [str(w.long) for w in drill.slos[0].alerts[0].windows]
('5s', '2s', ['10s', '20s'])
>>> drill.routing.receivers[1].secret_file
'/tmp/x/sigil-dna-team.secret'
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from ..conventions import receiver_name
from ..defaults import BURN_WINDOWS
from ..ir.model import BurnWindow, Model, Receiver, Routing, Service, Slo
from ..records import replace  # the IR objects are records, not dataclasses
from ..spec.units import Duration

SCRAPE = Duration.parse("1s")
RATE_WINDOW = Duration.parse("5s")
MAX_FOR = Duration.parse("2s")
NOTIFY = Duration.parse("1s")
REPEAT = Duration.parse("1h")
# Long and short drill windows for the n-th burn window policy (defaults.BURN_WINDOWS order).
BURN_LONG = tuple(Duration.parse(f"{10 * (i + 1)}s") for i in range(len(BURN_WINDOWS)))
BURN_SHORT = tuple(Duration.parse(f"{4 + i}s") for i in range(len(BURN_WINDOWS)))
DRILL_RECEIVER = "drill"
PAGERDUTY_TEST_KEY = "drill0routing0key0not0a0secret"

SCALING_NOTE = (
    "Drill mode scales time: scrape and rule evaluation every 1s, rate windows 5s, every `for:` "
    "capped at 2s, burn windows 10s-40s long and 4s-7s short (burn factors and budgets unchanged), "
    "notifications after 1s, mute intervals off; receivers point at local capture sinks (a service "
    "without routing gets a webhook receiver named drill; email and Opsgenie receivers deliver as webhooks)."
)


class SecretFile(msgspec.Struct, frozen=True):
    """A file the drill writes before Alertmanager starts: a receiver's secret, pointing at a sink."""

    path: str
    content: str


def receiver_path(receiver: Receiver) -> str:
    """The sink path a receiver's notifications arrive at: ``/<kind>/<receiver name>``."""
    return f"/{receiver.kind}/{receiver.name}"


def _capped(duration: Duration | None) -> Duration | None:
    return min(duration, MAX_FOR) if duration is not None else None


def _window(window: BurnWindow, index: int) -> BurnWindow:
    return msgspec.structs.replace(window, long=BURN_LONG[index], short=BURN_SHORT[index])


def _slo(slo: Slo) -> Slo:
    # Burn windows keep their policy order (page pairs first), so the n-th window of the SLO is the
    # n-th policy; a disabled tier leaves its windows out of `alerts` but not of the ladder index.
    offset = {tier: next(i for i, p in enumerate(BURN_WINDOWS) if p.tier == tier) for tier in ("page", "ticket")}
    alerts = []
    for burn in slo.alerts:
        windows = tuple(_window(w, offset[burn.tier] + i) for i, w in enumerate(burn.windows))
        alerts.append(
            replace(burn, windows=windows, for_=min(burn.for_, MAX_FOR), keep_firing_for=_capped(burn.keep_firing_for))
        )
    drill_windows = {d for b in alerts for w in b.windows for d in (w.long, w.short)}
    return replace(slo, alerts=tuple(alerts), windows=tuple(sorted(drill_windows | {slo.window})))


def _receiver(receiver: Receiver, sink_url: str, secrets: Path) -> Receiver:
    if receiver.kind in ("email", "opsgenie"):
        # No SMTP server or Opsgenie API in a drill: the receiver keeps its name (routing, grouping
        # and inhibition are unchanged) and delivers as a webhook, whose payload names the alerts.
        receiver = Receiver(
            name=receiver.name,
            spec_name=receiver.spec_name,
            kind="webhook",
            url="unset",
            send_resolved=receiver.send_resolved,
        )
    url = sink_url.rstrip("/") + receiver_path(receiver)
    secret = str(secrets / (receiver.name.replace("/", "-") + ".secret"))
    if receiver.kind == "slack":
        return replace(receiver, secret_file=secret)
    if receiver.kind == "pagerduty":
        return replace(receiver, secret_file=secret, url=url)
    return replace(receiver, url=url, secret_file=secret if receiver.secret_file else None)


def secret_files(model: Model, sink_url: str) -> tuple[SecretFile, ...]:
    """What each drill receiver's secret file holds: Slack's webhook URL, a fake PagerDuty key."""
    out = []
    for service in model.services:
        for r in service.routing.receivers if service.routing else ():
            if r.secret_file is None:
                continue
            content = {"slack": sink_url.rstrip("/") + receiver_path(r), "pagerduty": PAGERDUTY_TEST_KEY}.get(
                r.kind, "drill-webhook-credentials"
            )
            out.append(SecretFile(r.secret_file, content + "\n"))
    return tuple(out)


def _routing(routing: Routing, sink_url: str, secrets: Path) -> Routing:
    routes = tuple(
        replace(r, mute_when=(), active_when=(), group_wait=NOTIFY, group_interval=NOTIFY, repeat_interval=REPEAT)
        for r in routing.routes
    )
    return replace(
        routing,
        receivers=tuple(_receiver(r, sink_url, secrets) for r in routing.receivers),
        routes=routes,
        time_intervals=(),
        group_wait=NOTIFY,
        group_interval=NOTIFY,
        repeat_interval=REPEAT,
    )


def _own_routing(service: Service) -> Routing:
    """Routing for a service whose spec has none: everything to one webhook, no inhibition."""
    name = receiver_name(service.name, DRILL_RECEIVER)
    webhook = Receiver(name=name, spec_name=DRILL_RECEIVER, kind="webhook", url="unset")
    return Routing(receivers=(webhook,), routes=(), default=name, group_by=(), time_intervals=(), inhibit=False)


def _service(service: Service, sink_url: str, secrets: Path) -> Service:
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
        routing=_routing(routing, sink_url, secrets),
    )


def drill_model(model: Model, sink_url: str, secrets_dir: str | Path) -> Model:
    """``model`` in drill time, its receivers sending to ``sink_url`` with secrets in ``secrets_dir``."""
    secrets = Path(secrets_dir)
    return Model(tuple(_service(s, sink_url, secrets) for s in model.services))
