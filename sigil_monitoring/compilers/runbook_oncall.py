"""The on-call part of the runbook: who is paged where, what silences what, how to act.

Receivers come from the routing table (``alertmanager.routing_table``), which the test suite checks
against the compiled route tree with ``amtool config routes test``, so the page says what the
deployed Alertmanager does. Shell commands quote every value with ``shlex.quote``; text that comes
from the spec reaches Markdown through ``cell`` or ``code``.

>>> cell("a | b\\nc")
'a \\\\| b c'
>>> code("x`y")
'``x`y``'
"""

from __future__ import annotations

import shlex
from decimal import Decimal
from typing import assert_never

import msgspec

from .. import conventions as names
from ..escape import code_span
from ..ir.model import Email, Opsgenie, PagerDuty, Receiver, Route, Routing, Service, Slack, Slo, TimeInterval, Webhook
from ..values.units import format_decimal
from .alertmanager.routing_table import alert_labels, matched_routes

SEVERITIES = ("critical", "warning", "info")
SILENCE_DURATION = "2h"


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")


def code(text: str) -> str:
    """Inline code that survives any run of backticks in the text (``escape.code_span``)."""
    return code_span(text)


def _receiver(r: Receiver) -> str:
    match r.integration:
        case PagerDuty(routing_key_file=key_file):
            return f"PagerDuty {code(r.spec_name)} (page; routing key in {code(key_file)})"
        case Slack(channel=channel, mention=mention):
            mentions = f", mentions {code(mention)} on critical" if mention else ""
            return f"Slack {code(channel)}{mentions}"
        # The page names the other kinds as webhooks, by the URL they post to.
        case Webhook(url=url):
            return f"webhook {code(url)}"
        case Opsgenie(api_url=url):
            return f"webhook {code(url or '?')}"
        case Email():
            return f"webhook {code('?')}"
        case _:
            assert_never(r.integration)


def _window(t: TimeInterval) -> str:
    days = ", ".join(d.replace(":", "–") for d in t.weekdays) or "every day"
    times = ", ".join(f"{a}–{b}" for a, b in t.times) or "all day"
    return f"{days}, {times} ({t.location or 'UTC'})"


def _delivery(routing: Routing, routes: tuple[Route, ...]) -> tuple[list[str], list[str], str]:
    """(receiver names, quiet-hour phrases, repeat interval) for an alert that takes ``routes``."""
    receivers = [r for route in routes for r in route.receivers] or [routing.default]
    quiet = [f"muted during {names_}" for route in routes if (names_ := ", ".join(route.mute_when))]
    quiet += [f"only during {names_}" for route in routes if (names_ := ", ".join(route.active_when))]
    repeat = routes[0].repeat_interval if routes else routing.repeat_interval
    return list(dict.fromkeys(receivers)), list(dict.fromkeys(quiet)), str(repeat) if repeat else ""


def paged(service: Service, labels: dict[str, str], index: AlertIndex) -> str:
    """One line: where an alert with these labels goes, and when it stays quiet.

    The line depends on the routes the alert takes only: each set of routes is worded once per
    ``index`` (the service's; a page of 2,500 alerts has a handful).
    """
    routing = service.routing
    if routing is None:
        return f"no routing in the spec: Alertmanager's fallback receiver {code(names.FALLBACK_RECEIVER)} (nobody)"
    routes = matched_routes(routing, labels)
    key = tuple(map(id, routes))  # the routes are the service's, alive as long as the index
    line = index.paged_lines.get(key)
    if line is None:
        line = index.paged_lines[key] = _paged(routing, routes)
    return line


def _paged(routing: Routing, routes: tuple[Route, ...]) -> str:
    by_name = {r.name: r for r in routing.receivers}
    receivers, quiet, repeat = _delivery(routing, routes)
    where = "; ".join(_receiver(by_name[r]) if r in by_name else code(r) for r in receivers)
    extra = (f"; {', '.join(quiet)}" if quiet else "") + (f"; repeated every {repeat} while firing" if repeat else "")
    return where + extra


def _matcher(label: str, value: str) -> str:
    """One amtool matcher argument, ``'label="value"'``, quoted for the shell."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return shlex.quote(f'{label}="{escaped}"')


# The runbook's silence commands, defined once: the runbook prints them and ``fire-test
# --check-silence`` runs exactly this text (``live/silence_proof.py``), so what on-call is told to
# type is what was proven to hold back a notification and to let the next one through.
AMTOOL_AT = 'amtool silence {verb} --alertmanager.url="$ALERTMANAGER_URL"'
SILENCE_ID = "SILENCE_ID"  # the placeholder on-call replaces with the ID `silence add` printed


def silence_command(service: Service, alert: str | None) -> str:
    """``amtool silence add`` with the matchers that select exactly this alert (or the whole service)."""
    return (
        _SILENCE_ADD
        + (_matcher("alertname", alert) + " " if alert else "")
        + _matcher(names.SERVICE_LABEL, service.name)
    )


_SILENCE_ADD = (
    AMTOOL_AT.format(verb="add") + ' --author="$USER" '
    f"--duration={SILENCE_DURATION} --comment={shlex.quote('on-call: investigating')} "
)


def silence_query_command(service: Service) -> str:
    """``amtool silence query`` listing the silences of the service (their IDs first)."""
    return AMTOOL_AT.format(verb="query") + " " + _matcher(names.SERVICE_LABEL, service.name)


def silence_expire_command() -> str:
    """``amtool silence expire`` of one silence; on-call puts its ID in place of ``SILENCE_ID``."""
    return AMTOOL_AT.format(verb="expire") + f" {SILENCE_ID}"


class AlertIndex(msgspec.Struct, frozen=True):
    """The per-alert lookups of a service's runbook, made once per service.

    Every alert section asks for its labels, the alerts that inhibit it and its SLO's page
    alerts; scanning the service for each made the runbook quadratic (at 1,000 SLOs it was a
    third of the compile, at 10,000 it would dominate).
    """

    labels: dict[str, dict[str, str]]  # alertname -> the labels the Prometheus target gives it
    inhibitors: tuple[str, ...]  # alerts with ``inhibits``: while one fires, warnings are silenced
    inhibiting: frozenset[str]  # the same, for membership
    pages: dict[str, tuple[str, ...]]  # SLO name -> its page-tier burn alerts
    # ``paged``'s line for each set of routes (by their ids), filled as the page asks.
    paged_lines: dict[tuple[int, ...], str] = msgspec.field(default_factory=dict)

    @classmethod
    def of(cls, service: Service) -> AlertIndex:
        """The index of ``service``; the runbook and the onboarding page of one compile share it
        (services are frozen: the very same object, ``is``, has the very same index)."""
        if _last_index and _last_index[0][0] is service:
            return _last_index[0][1]
        inhibitors = tuple(a.name for a in service.alerts if a.inhibits)
        index = cls(
            labels={lab["alertname"]: lab for lab in alert_labels(service)},
            inhibitors=inhibitors,
            inhibiting=frozenset(inhibitors),
            pages={s.name: tuple(b.name for b in s.alerts if b.tier == "page") for s in service.slos},
        )
        _last_index[:] = [(service, index)]
        return index


_last_index: list[tuple[Service, AlertIndex]] = []  # the last service's, as grafana.dashboard.build keeps


def silenced_by(service: Service, alert: str, index: AlertIndex | None = None) -> list[str]:
    """The alerts whose firing silences ``alert`` (the inhibition rules, in words)."""
    routing = service.routing
    if routing is None or not routing.inhibit:
        return []
    index = index or AlertIndex.of(service)
    labels = index.labels[alert]
    # A warning or info alert is silenced by every inhibiting alert, unless it inhibits too.
    quiet = labels.get(names.SEVERITY_LABEL) in ("warning", "info") and alert not in index.inhibiting
    out = list(index.inhibitors) if quiet else []
    if labels.get(names.BURN_TIER_LABEL) == "ticket":
        out += index.pages[labels[names.SLO_LABEL]]
    return out


def section(service: Service) -> list[str]:
    """``## On-call``: routing by severity, quiet hours, inhibitions, ack/resolve, silences, SLO policy."""
    lines = ["## On-call", ""]
    routing = service.routing
    if routing is None:
        lines += [
            "This spec has no `routing` section: its alerts reach Alertmanager's fallback receiver, "
            "which notifies nobody. Add receivers and routes to the spec.",
            "",
        ]
    else:
        lines += ["### Who gets paged where", "", "| Severity | Goes to |", "| --- | --- |"]
        common, index = dict(service.labels), AlertIndex.of(service)
        for severity in SEVERITIES:
            where = paged(service, {**common, names.SEVERITY_LABEL: severity}, index)
            lines.append(f"| {severity} | {cell(where)} |")
        lines += [
            "",
            "Routes that match other labels (an SLO, an alert name) are applied per alert: each alert "
            "section below says where that alert goes.",
            "",
        ]
        if routing.time_intervals:
            lines += ["### Quiet hours", ""]
            lines += [f"- {code(t.name)}: {_window(t)}" for t in routing.time_intervals]
            lines.append("")
        lines += ["### Inhibitions", ""] + _inhibitions(service) + [""]
    lines += acting(service)
    lines += _slo_policy(service)
    return lines


def _inhibitions(service: Service) -> list[str]:
    routing = service.routing
    if routing is None or not routing.inhibit:
        return ["Inhibition is off (`routing.inhibit: false`): every alert notifies on its own."]
    out = ["- A critical alert silences the warning alert of the same name in this service."]
    for slo in service.slos:
        pages = [b.name for b in slo.alerts if b.tier == "page"]
        tickets = [b.name for b in slo.alerts if b.tier == "ticket"]
        if pages and tickets:
            group = f" and the same {', '.join(code(g) for g in slo.group_by)}" if slo.group_by else ""
            out.append(f"- While {', '.join(pages)} fires, {', '.join(tickets)} is silenced (same SLO{group}).")
    for alert in service.alerts:
        if alert.inhibits:
            out.append(
                f"- While {alert.name} fires, every warning and info alert of this service is silenced: "
                "fix it first, the rest are its symptoms."
            )
    return out


def acting(service: Service) -> list[str]:
    """``### Acknowledge and resolve`` and ``### Silence an alert`` (the runbook's and the onboarding page's)."""
    kinds = {type(r.integration) for r in service.routing.receivers} if service.routing else set()
    lines = ["### Acknowledge and resolve", ""]
    if PagerDuty in kinds:
        lines.append(
            "- PagerDuty: acknowledge the incident in PagerDuty (app, web or the email/SMS links) to stop "
            "escalation; it resolves itself when Alertmanager sends the resolved notification."
        )
    if Slack in kinds:
        lines.append(
            '- Slack: reply in the alert\'s thread with who is on it; a green "RESOLVED" message follows '
            "when the alert clears."
        )
    lines += [
        "- An alert resolves when its condition is false again; nothing has to be closed by hand. "
        "If it cannot be fixed now, silence it (below) and say why in the comment.",
        "",
        "### Silence an alert",
        "",
    ]
    alerts = [labels["alertname"] for labels in alert_labels(service)]
    if alerts:
        lines += [
            "One alert of this service, for two hours (each alert section has its own command):",
            "",
            "```sh",
            silence_command(service, alerts[0]),
            "```",
            "",
        ]
    lines += [
        "The whole service, e.g. during maintenance, and how to lift silences again:",
        "",
        "```sh",
        silence_command(service, None),
        silence_query_command(service),
        silence_expire_command(),
        "```",
        "",
    ]
    return lines


def _budget_minutes(slo: Slo) -> Decimal:
    return (Decimal(slo.window.ms) / 60000 * slo.error_budget).quantize(Decimal("0.1")).normalize()


def _slo_policy(service: Service) -> list[str]:
    if not service.slos:
        return []
    lines = [
        "### SLO policy",
        "",
        "**Page** means: the budget burns so fast it is gone within days, act now, at any hour. "
        "**Ticket** means: it burns steadily; fix it within the working week.",
        "",
        "| SLO | Objective | Window | Budget | Page | Ticket |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for slo in service.slos:
        tiers = {}
        for tier in ("page", "ticket"):
            burns = [b for b in slo.alerts if b.tier == tier]
            windows = [w for b in burns for w in b.windows]
            tiers[tier] = (
                "; ".join(
                    f"{format_decimal(w.budget_consumed * 100)} % of the budget within {w.long} ({w.factor}×)"
                    for w in windows
                )
                or "off"
            )
        lines.append(
            f"| {slo.name} | {format_decimal(slo.objective)} % | {slo.window} | "
            f"{format_decimal(slo.error_budget * 100)} % = {format_decimal(_budget_minutes(slo))} min "
            f"per {slo.window} | "
            f"{tiers['page']} | {tiers['ticket']} |"
        )
    return lines + [""]


def operations(service: Service) -> list[str]:
    """``## Dashboard, deploy and rollback`` and ``## Drill``: the commands with this service's values."""
    spec = shlex.quote(service.source)
    grafana = shlex.quote(service.grafana_url) if service.grafana_url else '"$GRAFANA_URL"'
    at = f"--grafana-url {grafana}"
    dashboard = names.dashboard_path(service.name, "classic")
    lines = ["## Dashboard, deploy and rollback", ""]
    # A spec that extends templates is one of a fleet, compiled with its folder (output/fleet_guard.py).
    if service.dashboard.url:
        lines += [f"Dashboard: <{service.dashboard.url}>", ""]
    lines += [
        f"Import by hand: Grafana → Dashboards → New → Import, upload `{dashboard}` from the output folder "
        "(`build/` unless compile was given `--out`). Through the API "
        "(the token comes from `$GRAFANA_ADMIN_TOKEN` or `--token-file`; it is never printed):",
        "",
        "```sh",
        f"sigil-monitoring push {spec} {at} --dry-run      # what would change, changes nothing",
        f"sigil-monitoring push {spec} {at}                # refuses if someone changed it in Grafana",
        f"sigil-monitoring history {spec} {at}             # versions: who, when, message",
        f"sigil-monitoring rollback {spec} {at} --previous # restore the version before the current one",
        f"sigil-monitoring rollback {spec} {at} --to-file old.json --dry-run  # any dashboard file, e.g. the "
        "one this replaced",
        "```",
        "",
        "`--to-file` restores a dashboard JSON file (classic or v2) under its own uid; add `--retire` to delete "
        "this dashboard afterwards, or `--as-ours` to put the file under this dashboard's uid so links keep "
        "working. A refused push names who changed the dashboard in Grafana and shows the difference; put their "
        "change into the spec, or push again with `--force`. To turn one alert off now, set `enabled: false` on "
        "it (or on an SLO's `page`/`ticket` tier) in the spec, then compile and deploy: it leaves every rule "
        "file, test and this runbook, and `diff` lists it as disabled. To roll back alerts and routing too, "
        f"undo the last change of the spec{' or of a template it extends' if service.templates else ''} in git "
        "(see what that changes first), then compile again what the output folder was compiled from "
        "(`compile` without specs: every spec of a fleet, not this one alone) and deploy its rules and "
        "Alertmanager config as every release does.",
        "",
        "```sh",
        f"commit=$(git log -1 --format=%H -- {' '.join(shlex.quote(p) for p in (service.source, *service.templates))})",
        f'sigil-monitoring diff {spec} --against "$commit~1"',
        'git revert --no-edit "$commit"',
        "sigil-monitoring compile --out build/   # the specs build/ was compiled from, again",
        "```",
        "",
        "## Drill",
        "",
        "Rehearse before you need it: run a drill of this service's alerts and check that each one reaches "
        "the receivers listed above:",
        "",
        "```sh",
        f"sigil-monitoring drill {spec}",
        "```",
        "",
        "See `sigil-monitoring drill --help` for what it runs and its options.",
        "",
    ]
    return lines
