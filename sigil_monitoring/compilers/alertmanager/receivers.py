"""Receivers of the internal model -> Alertmanager receivers (Slack, PagerDuty Events v2, webhook).

Secrets are referenced by file only (``api_url_file``, ``routing_key_file``,
``http_config.authorization.credentials_file``): the config names where the secret lives and never
holds it. Alertmanager 0.25 rejects webhook ``url_file`` and ``msteams_configs``, so we emit
neither (https://prometheus.io/docs/alerting/0.25/configuration/#receiver).
"""

from __future__ import annotations

from typing import assert_never

from ...escape import template_literal, template_text
from ...ir.model import Email, Opsgenie, PagerDuty, Slack, Webhook
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
    match r.integration:
        case Slack() as slack:
            return Receiver(r.name, slack_configs=(_slack(slack),))
        case PagerDuty() as pagerduty:
            return Receiver(r.name, pagerduty_configs=(_pagerduty(pagerduty),))
        case Webhook() as webhook:
            return Receiver(r.name, webhook_configs=(_webhook(webhook),))
        case Email() as email:
            return Receiver(r.name, email_configs=(_email(email),))
        case Opsgenie() as opsgenie:
            return Receiver(r.name, opsgenie_configs=(_opsgenie(opsgenie),))
        case _:
            assert_never(r.integration)


def _slack(r: Slack) -> SlackConfig:
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
        api_url_file=r.api_url_file,
        channel=template_text(r.channel),
        title=call("title"),
        title_link=call("dashboard_url"),
        text=body,
        color=call("slack.color"),
        fallback=call("title"),
        link_names=True if r.mention else None,
    )


def _pagerduty(r: PagerDuty) -> PagerDutyConfig:
    return PagerDutyConfig(
        send_resolved=r.send_resolved,
        routing_key_file=r.routing_key_file,
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


def _webhook(r: Webhook) -> WebhookConfig:
    auth = HttpConfig(Authorization(r.credentials_file)) if r.credentials_file else None
    return WebhookConfig(send_resolved=r.send_resolved, url=r.url, http_config=auth)


def _email(r: Email) -> EmailConfig:
    # The body is Alertmanager's own HTML mail; the subject and plain-text part are ours.
    return EmailConfig(
        send_resolved=r.send_resolved,
        to=r.to,
        from_=r.from_,
        smarthost=r.smarthost,
        auth_username=r.auth_username,
        auth_password_file=r.auth_password_file,
        require_tls=None if r.require_tls else False,
        headers={"Subject": call("title")},
        text=call("alert_lines"),
    )


def _opsgenie(r: Opsgenie) -> OpsgenieConfig:
    return OpsgenieConfig(
        send_resolved=r.send_resolved,
        api_key_file=r.api_key_file,
        api_url=r.api_url,
        message=call("title"),
        description=call("alert_lines"),
        source=CLIENT,
        priority=call("opsgenie.priority"),
        responders=(Responder(r.team),) if r.team else (),
        details={"runbook_url": call("runbook_url"), "dashboard_url": call("dashboard_url")},
    )
