"""The Alertmanager target's routes, receivers and inhibitions of one service, as an
AlertmanagerConfig (monitoring.coreos.com/v1alpha1).

The typed Alertmanager config the Alertmanager target builds is translated field by field, so
both targets route alike. Differences the CRD imposes
(https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1alpha1.AlertmanagerConfig):

- secrets are ``SecretKeySelector``s (``{name, key}``) in the object's namespace instead of files:
  one Secret per service (``targets.kubernetes.secret``, default ``<service>-alertmanager``), the key
  being the base name of the spec's secret file, so the Secret is made from those files with
  ``kubectl create secret generic NAME --from-file=FILE...``;
- matchers are ``{name, value, matchType}`` objects; receiver names are the spec's (the operator
  prefixes them with namespace and object name);
- the operator adds a ``namespace="<object namespace>"`` matcher to the top route, so alerts
  must carry that ``namespace`` label (docs/engines.md);
- time intervals have no ``location`` (refused in ``engines.problems`` unless UTC);
- templates cannot be loaded from an AlertmanagerConfig: they ship as a ConfigMap for the
  Alertmanager resource's ``alertmanagerConfiguration.templates``.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from ... import conventions as names
from ...ir.model import Routing, Service
from ..alertmanager import inhibit, routes, templates, weekdays
from ..alertmanager.config import PagerDutyConfig, Receiver, Route, SlackConfig, WebhookConfig
from ..alertmanager.receivers import receiver
from ..matcher_strings import parse
from .options import options

API_VERSION = "monitoring.coreos.com/v1alpha1"
TEMPLATES_CONFIGMAP = "sigil-monitoring-templates"


def secret_name(service: Service) -> str:
    return options(service).secret or names.kubernetes_secret_name(service.name)


def secret_key(path: str) -> str:
    """``/etc/alertmanager/secrets/slack-url`` -> ``slack-url``: the key ``--from-file`` gives it."""
    return PurePosixPath(path).name


def _matcher(text: str) -> dict[str, str]:
    label, op, value = parse(text)
    return {"name": label, "value": value, "matchType": op}


def alertmanager_config(service: Service, routing: Routing, metadata: dict[str, Any]) -> dict[str, Any]:
    local = {r.name: r.spec_name for r in routing.receivers}
    spec: dict[str, Any] = {
        "route": _route(routes.service_route(service, routing), local),
        "receivers": [_receiver(receiver(r), local, secret_name(service)) for r in routing.receivers],
    }
    rules = inhibit.rules(service)
    if rules:
        spec["inhibitRules"] = [
            {
                "sourceMatch": [_matcher(m) for m in r.source_matchers],
                "targetMatch": [_matcher(m) for m in r.target_matchers],
                "equal": list(r.equal),
            }
            for r in rules
        ]
    if routing.time_intervals:
        spec["muteTimeIntervals"] = [
            {
                "name": t.name,
                "timeIntervals": [
                    _drop_empty(
                        {
                            "weekdays": list(weekdays(t.weekdays)),
                            "times": [{"startTime": a, "endTime": b} for a, b in t.times],
                        }
                    )
                ],
            }
            for t in routing.time_intervals
        ]
    return {"apiVersion": API_VERSION, "kind": "AlertmanagerConfig", "metadata": metadata, "spec": spec}


def _drop_empty(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if v not in (None, [], {}, ())}


def _route(route: Route, local: dict[str, str]) -> dict[str, Any]:
    return _drop_empty(
        {
            "receiver": local[route.receiver] if route.receiver else None,
            "matchers": [_matcher(m) for m in route.matchers],
            "groupBy": list(route.group_by),
            "continue": route.continue_,
            "groupWait": str(route.group_wait) if route.group_wait else None,
            "groupInterval": str(route.group_interval) if route.group_interval else None,
            "repeatInterval": str(route.repeat_interval) if route.repeat_interval else None,
            "muteTimeIntervals": list(route.mute_time_intervals),
            "activeTimeIntervals": list(route.active_time_intervals),
            "routes": [_route(r, local) for r in route.routes],
        }
    )


def _secret(name: str, path: str) -> dict[str, str]:
    return {"name": name, "key": secret_key(path)}


def _receiver(r: Receiver, local: dict[str, str], secret: str) -> dict[str, Any]:
    out: dict[str, Any] = {"name": local[r.name]}
    if r.slack_configs:
        out["slackConfigs"] = [_slack(c, secret) for c in r.slack_configs]
    if r.pagerduty_configs:
        out["pagerdutyConfigs"] = [_pagerduty(c, secret) for c in r.pagerduty_configs]
    if r.webhook_configs:
        out["webhookConfigs"] = [_webhook(c, secret) for c in r.webhook_configs]
    return out


def _slack(c: SlackConfig, secret: str) -> dict[str, Any]:
    return _drop_empty(
        {
            "sendResolved": c.send_resolved,
            "apiURL": _secret(secret, c.api_url_file),
            "channel": c.channel,
            "title": c.title,
            "titleLink": c.title_link,
            "text": c.text,
            "color": c.color,
            "fallback": c.fallback,
            "linkNames": c.link_names,
        }
    )


def _pagerduty(c: PagerDutyConfig, secret: str) -> dict[str, Any]:
    return _drop_empty(
        {
            "sendResolved": c.send_resolved,
            "routingKey": _secret(secret, c.routing_key_file),
            "url": c.url,
            "description": c.description,
            "severity": c.severity,
            "client": c.client,
            "component": c.component,
            "group": c.group,
            "class": c.class_,
            "pagerDutyLinkConfigs": [{"href": link.href, "alt": link.text} for link in c.links],
            "details": [{"key": k, "value": v} for k, v in (c.details or {}).items()],
        }
    )


def _webhook(c: WebhookConfig, secret: str) -> dict[str, Any]:
    out: dict[str, Any] = {"sendResolved": c.send_resolved, "url": c.url}
    if c.http_config is not None:
        auth = c.http_config.authorization
        out["httpConfig"] = {
            "authorization": {"type": auth.type, "credentials": _secret(secret, auth.credentials_file)}
        }
    return out


def templates_configmap(namespace: str) -> dict[str, Any]:
    """The notification templates every generated receiver calls, for the Alertmanager resource."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": TEMPLATES_CONFIGMAP, "namespace": namespace},
        "data": {names.TEMPLATE_FILE: templates.file_text()},
    }
