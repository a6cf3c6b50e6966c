"""The Alertmanager target's receivers, routes and time intervals as Grafana contact points,
notification policies and mute timings (provisioning format, ``apiVersion: 1``).

Translated from the typed Alertmanager config, so Grafana notifies as Alertmanager would:

- contact points, one per spec receiver (Slack ``url``/``recipient``, PagerDuty
  ``integrationKey``, webhook with a bearer token); secrets stay files, referenced as
  ``$__file{/path}``, which Grafana expands when it reads provisioning files;
- one policy tree for all services (Grafana keeps one per organisation, as Alertmanager keeps one
  config): the root goes to ``root_contact_point`` (Grafana's ``grafana-default-email`` by
  default), one subtree per service matched on ``service``;
- the notification templates of the Alertmanager target, which the contact points call (Grafana
  gives templates Alertmanager's notification data);
- no inhibition rules: Grafana-managed alerting has none, so a spec that inhibits is refused for
  this target (``engines.problems``).
"""

from __future__ import annotations

from typing import Any

from ...ir.model import Model
from ..alertmanager import routes, templates, weekdays
from ..alertmanager.config import PagerDutyConfig, Receiver, Route, SlackConfig, WebhookConfig
from ..alertmanager.receivers import receiver
from ..matcher_strings import parse
from .interpolation import escape_values
from .rules import managed_uid

TEMPLATE_NAME = "sigil-monitoring"


def file_reference(path: str) -> str:
    """``$__file{/path}``: Grafana reads the secret from the file when it provisions."""
    return "$__file{" + path + "}"


def contact_point(r: Receiver) -> dict[str, Any]:
    integrations = [
        *(_slack(c) for c in r.slack_configs),
        *(_pagerduty(c) for c in r.pagerduty_configs),
        *(_webhook(c) for c in r.webhook_configs),
    ]
    # Settings are expanded by Grafana: a literal $ is escaped, the $__file{} references are not.
    return {
        "orgId": 1,
        "name": r.name,
        "receivers": [
            {
                "uid": managed_uid(r.name, str(i)),
                "type": kind,
                "settings": _escaped(settings),
                "disableResolveMessage": not resolved,
            }
            for i, (kind, settings, resolved) in enumerate(integrations)
        ],
    }


def _escaped(settings: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v if isinstance(v, str) and v.startswith("$__file{") else escape_values({k: v})[k]
        for k, v in settings.items()
    }


def _slack(c: SlackConfig) -> tuple[str, dict[str, Any], bool]:
    return (
        "slack",
        {"url": file_reference(c.api_url_file), "recipient": c.channel, "title": c.title, "text": c.text},
        c.send_resolved,
    )


def _pagerduty(c: PagerDutyConfig) -> tuple[str, dict[str, Any], bool]:
    settings: dict[str, Any] = {
        "integrationKey": file_reference(c.routing_key_file),
        "severity": c.severity,
        "class": c.class_,
        "component": c.component,
        "group": c.group,
        "summary": c.description,
        "client": c.client,
        "details": dict(c.details or {}),
    }
    if c.url:
        settings["url"] = c.url
    return "pagerduty", settings, c.send_resolved


def _webhook(c: WebhookConfig) -> tuple[str, dict[str, Any], bool]:
    settings: dict[str, Any] = {"url": c.url, "httpMethod": "POST"}
    if c.http_config is not None:
        settings |= {
            "authorization_scheme": c.http_config.authorization.type,
            "authorization_credentials": file_reference(c.http_config.authorization.credentials_file),
        }
    return "webhook", settings, c.send_resolved


def policy(route: Route) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if route.receiver:
        out["receiver"] = route.receiver
    if route.matchers:
        out["object_matchers"] = [list(parse(m)) for m in route.matchers]
    for key in ("group_by", "mute_time_intervals", "active_time_intervals"):
        if getattr(route, key):
            out[key] = list(getattr(route, key))
    if route.continue_:
        out["continue"] = True
    for key in ("group_wait", "group_interval", "repeat_interval"):
        if getattr(route, key) is not None:
            out[key] = str(getattr(route, key))
    if route.routes:
        out["routes"] = [policy(r) for r in route.routes]
    return out


def document(model: Model, root_contact_point: str) -> dict[str, Any] | None:
    """Contact points, the policy tree, mute timings and templates, or None without routing."""
    routed = [s for s in model.services if s.routing is not None]
    if not routed:
        return None
    root = routes.root(Model(tuple(routed)))
    tree = {"orgId": 1, **policy(root), "receiver": root_contact_point}
    routings = [s.routing for s in routed if s.routing is not None]
    doc: dict[str, Any] = {
        "apiVersion": 1,
        "contactPoints": [contact_point(receiver(r)) for routing in routings for r in routing.receivers],
        "policies": [tree],
        "templates": [{"orgId": 1, "name": TEMPLATE_NAME, "template": templates.file_text()}],
    }
    mutes = [
        {
            "orgId": 1,
            "name": t.name,
            "time_intervals": [
                {
                    k: v
                    for k, v in {
                        "weekdays": list(weekdays(t.weekdays)),
                        "times": [{"start_time": a, "end_time": b} for a, b in t.times],
                        "location": t.location,
                    }.items()
                    if v
                }
            ],
        }
        for routing in routings
        for t in routing.time_intervals
    ]
    if mutes:
        doc["muteTimes"] = mutes
    return doc
