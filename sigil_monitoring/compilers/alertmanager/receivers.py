"""Receivers of the internal model -> Alertmanager receivers (Slack, PagerDuty Events v2, webhook).

Secrets are referenced by file only (``api_url_file``, ``routing_key_file``,
``http_config.authorization.credentials_file``): the config names where the secret lives and never
holds it. Alertmanager 0.25 rejects webhook ``url_file`` and ``msteams_configs``, so we emit
neither (https://prometheus.io/docs/alerting/0.25/configuration/#receiver).
"""

from __future__ import annotations

from ...escape import template_literal, template_text
from ...ir.model import Receiver as IrReceiver
from .config import (
    Authorization,
    EmailConfig,
    HttpConfig,
    Link,
    OpsgenieConfig,
    PagerDutyConfig,
    Receiver,
    Responder,
    SlackConfig,
    WebhookConfig,
)
from .templates import call

CLIENT = "sigil-monitoring"


def receiver(r: IrReceiver) -> Receiver:
    """One Alertmanager receiver with exactly the integration the spec gave."""
    if r.kind == "slack":
        return Receiver(r.name, slack_configs=(_slack(r),))
    if r.kind == "pagerduty":
        return Receiver(r.name, pagerduty_configs=(_pagerduty(r),))
    if r.kind == "webhook":
        return Receiver(r.name, webhook_configs=(_webhook(r),))
    if r.kind == "email":
        return Receiver(r.name, email_configs=(_email(r),))
    if r.kind == "opsgenie":
        return Receiver(r.name, opsgenie_configs=(_opsgenie(r),))
    raise ValueError(f"unknown receiver kind {r.kind!r}: a bug in sigil-monitoring")


def _slack(r: IrReceiver) -> SlackConfig:
    body = call("slack.text")
    if r.mention:
        # The mention (e.g. @here) goes only on firing critical notifications; link_names lets
        # Slack turn @here/@channel/@user into real mentions.
        body = (
            f'{{{{ if and (eq .Status "firing") (eq .CommonLabels.severity "critical") }}}}'
            f"{template_literal(r.mention)} {{{{ end }}}}{body}"
        )
    return SlackConfig(
        send_resolved=r.send_resolved,
        api_url_file=_required(r.secret_file, r.name),
        channel=template_text(_required(r.channel, r.name)),
        title=call("title"),
        title_link=call("dashboard_url"),
        text=body,
        color=call("slack.color"),
        fallback=call("title"),
        link_names=True if r.mention else None,
    )


def _pagerduty(r: IrReceiver) -> PagerDutyConfig:
    return PagerDutyConfig(
        send_resolved=r.send_resolved,
        routing_key_file=_required(r.secret_file, r.name),
        url=r.url,
        description=call("pagerduty.description"),
        severity=call("pagerduty.severity"),
        client=CLIENT,
        component="{{ .CommonLabels.service }}",
        group="{{ .CommonLabels.slo }}",
        class_="{{ .CommonLabels.alertname }}",
        links=(Link(call("runbook_url"), "Runbook"), Link(call("dashboard_url"), "Dashboard")),
        # Alertmanager adds its own firing/resolved/num_* details to these.
        details={
            "summary": "{{ .CommonAnnotations.summary }}",
            "description": "{{ .CommonAnnotations.description }}",
            "runbook_url": call("runbook_url"),
            "dashboard_url": call("dashboard_url"),
            "alerts": call("alert_lines"),
        },
    )


def _webhook(r: IrReceiver) -> WebhookConfig:
    auth = HttpConfig(Authorization(r.secret_file)) if r.secret_file else None
    return WebhookConfig(send_resolved=r.send_resolved, url=_required(r.url, r.name), http_config=auth)


def _email(r: IrReceiver) -> EmailConfig:
    # The body is Alertmanager's own HTML mail; the subject and plain-text part are ours.
    return EmailConfig(
        send_resolved=r.send_resolved,
        to=_required(r.email_to, r.name),
        from_=_required(r.email_from, r.name),
        smarthost=r.smarthost,
        auth_username=r.auth_username,
        auth_password_file=r.secret_file,
        require_tls=None if r.require_tls else False,
        headers={"Subject": call("title")},
        text=call("alert_lines"),
    )


def _opsgenie(r: IrReceiver) -> OpsgenieConfig:
    return OpsgenieConfig(
        send_resolved=r.send_resolved,
        api_key_file=_required(r.secret_file, r.name),
        api_url=r.url,
        message=call("title"),
        description=call("alert_lines"),
        source=CLIENT,
        priority=call("opsgenie.priority"),
        responders=(Responder(r.team),) if r.team else (),
        details={"runbook_url": call("runbook_url"), "dashboard_url": call("dashboard_url")},
    )


def _required(value: str | None, name: str) -> str:
    if not value:
        raise ValueError(f"receiver {name} lacks a field the spec requires: a bug in sigil-monitoring")
    return value
