"""The spec's ``routing`` section -> the IR's ``Routing``: receivers as closed integrations,
routes with their severity matcher and timing, time intervals, all named by ``conventions``.

Part of ``build.build_service``; the spec was checked by the loader, so a failure here is a bug.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import conventions as names
from .. import defaults
from ..values.matchers import equal
from ..values.units import Duration
from .given import given
from .model import Email, Integration, Opsgenie, PagerDuty, Receiver, Route, Routing, Slack, TimeInterval, Webhook

if TYPE_CHECKING:
    from ..spec.alerts import Severity
    from ..spec.document import Spec
    from ..spec.routing import Receiver as SpecReceiver


def _integration(receiver: SpecReceiver) -> Integration:
    """The spec's receiver shape (which one of its kind keys is given) as its kind."""
    r = receiver
    if r.slack is not None:
        return Slack(r.slack.channel, r.slack.api_url_file, r.slack.mention, r.slack.send_resolved)
    if r.pagerduty is not None:
        return PagerDuty(r.pagerduty.routing_key_file, r.pagerduty.url, r.pagerduty.send_resolved)
    if r.webhook is not None:
        return Webhook(r.webhook.url, r.webhook.credentials_file, r.webhook.send_resolved)
    if r.email is not None:
        e = r.email
        return Email(e.to, e.from_, e.smarthost, e.auth_username, e.auth_password_file, e.require_tls, e.send_resolved)
    o = given(r.opsgenie, f"receiver {r.kind}")
    return Opsgenie(o.api_key_file, o.api_url, o.team, o.send_resolved)


def _span(text: str) -> tuple[str, str]:
    """ "09:00-17:00" -> ("09:00", "17:00"); the spec's pattern allows exactly one dash."""
    start, _, end = text.partition("-")
    return start, end


def grouping_labels(spec: Spec) -> tuple[str, ...]:
    """The labels that split this service's SLOs (``group_by``) and alerts (``by``), first seen
    first: Alertmanager groups by them too, so each group is its own notification."""
    found: list[str] = []
    for slo in spec.slos.values():
        found += slo.group_by
    for alert in spec.enabled_alerts.values():
        for _, ref in alert.when.refs():
            found += ref.by
    return tuple(dict.fromkeys(found))


def routing_of(spec: Spec) -> Routing | None:
    routing = spec.routing
    if routing is None:
        return None
    svc = spec.service.name
    receivers = tuple(
        Receiver(names.receiver_name(svc, key), key, _integration(r)) for key, r in routing.receivers.items()
    )

    def timing_of(severity: Severity | None) -> dict[str, Duration]:
        timing = dict(defaults.NOTIFY_TIMING[severity or "warning"])
        override = routing.timing.get(severity or "warning")
        if override is not None:
            timing.update({k: getattr(override, k) for k in timing if getattr(override, k) is not None})
        return timing

    # Split SLOs and alerts notify per group (/cart and /checkout burns are two notifications), so
    # their labels join every group_by, the spec's and each route's own.
    split = grouping_labels(spec)

    def group_by(labels: list[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*labels, *split]))

    routes = []
    for route in routing.routes:
        severity = route.severity
        timing = timing_of(severity)
        timing.update({k: getattr(route, k) for k in timing if getattr(route, k) is not None})
        matchers = (equal(names.SEVERITY_LABEL, severity),) if severity else ()
        routes.append(
            Route(
                matchers=matchers + tuple(route.match.values()),
                receivers=tuple(names.receiver_name(svc, t) for t in route.to),
                continue_=route.continue_,
                mute_when=tuple(names.time_interval_name(svc, m) for m in route.mute_when),
                active_when=tuple(names.time_interval_name(svc, m) for m in route.active_when),
                group_wait=timing["group_wait"],
                group_interval=timing["group_interval"],
                repeat_interval=timing["repeat_interval"],
                group_by=group_by(route.group_by) if route.group_by is not None else None,
            )
        )
    intervals = tuple(
        TimeInterval(
            names.time_interval_name(svc, key),
            tuple(t.weekdays),
            tuple(_span(x) for x in t.times),
            t.location,
            tuple(t.days_of_month),
            tuple(t.months),
            tuple(t.years),
        )
        for key, t in routing.mute.items()
    )
    default = names.receiver_name(svc, routing.default or next(iter(routing.receivers)))
    fallback = timing_of(None)
    return Routing(
        receivers,
        tuple(routes),
        default,
        group_by(routing.group_by),
        intervals,
        routing.inhibit,
        names.receiver_name(svc, routing.catch_all) if routing.catch_all is not None else None,
        fallback["group_wait"],
        fallback["group_interval"],
        fallback["repeat_interval"],
    )
