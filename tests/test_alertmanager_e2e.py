"""The compiled Alertmanager config in the real Alertmanager: alerts posted to its API reach Slack and
PagerDuty (two capture servers), inhibited alerts reach no one, resolved notifications follow.

The spec variant points the Slack secret file at one capture server and PagerDuty's ``url`` at the
other, and shortens group_wait/group_interval to 1s through ``routing.timing``; alerts posted
straight to /api/v2/alerts then notify in about a second. A second, small spec with an SLO split
by ``group_by: [operation]`` shows that a page-tier burn alert silences the ticket of its own
operation only.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from servers import require_binary
from test_alertmanager import model_of, spec_dict, write

from sigil_monitoring import conventions as names
from sigil_monitoring.compilers.alertmanager import routing_table
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.ir.model import Service, Slo
from sigil_monitoring.live.net import ALERTMANAGER_NAMES, poll_until
from sigil_monitoring.live.processes import AlertmanagerProcess
from sigil_monitoring.live.sinks import CapturedRequest, CaptureServer
from sigil_monitoring.spec.yaml_io import load as load_yaml

FAST = {"group_wait": "1s", "group_interval": "1s", "repeat_interval": "1h"}
ROUTING_KEY = "e2e0routing0key0not0a0secret0000"


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _alerts(service: Service, names: list[str], resolved: bool = False) -> list[dict[str, Any]]:
    """API alerts with the labels and annotations the Prometheus target gives these alerts."""
    labels = {labels["alertname"]: labels for labels in routing_table.alert_labels(service)}
    notes: dict[str, dict[str, str]] = {
        a.name: {
            "summary": a.summary,
            "description": a.description,
            "runbook_url": a.runbook_url,
            "dashboard_url": a.dashboard_url,
        }
        for a in service.alerts
    }
    for slo in service.slos:
        for b in slo.alerts:
            notes[b.name] = {
                "summary": f"SLO {slo.name} burns its error budget.",
                "runbook_url": b.runbook_url,
                "dashboard_url": b.dashboard_url,
            }
    now = _now()
    return [
        {
            "labels": labels[n],
            "annotations": notes[n],
            "startsAt": now,
            **({"endsAt": now} if resolved else {}),
            "generatorURL": "http://prometheus.invalid/graph",
        }
        for n in names
    ]


def _slack_title(r: CapturedRequest) -> str:
    return str(r.json["attachments"][0]["title"]) if isinstance(r.json, dict) and r.json.get("attachments") else ""


def _pd(r: CapturedRequest, action: str, alert: str = "") -> bool:
    body = r.json if isinstance(r.json, dict) else {}
    return body.get("event_action") == action and alert in str((body.get("payload") or {}).get("summary", ""))


@pytest.mark.e2e
def test_a_real_alertmanager_pages_critical_slacks_warning_inhibits_symptoms_and_sends_resolved(tmp_path):
    binary = require_binary(ALERTMANAGER_NAMES)
    with CaptureServer() as slack, CaptureServer() as pagerduty:
        (tmp_path / "slack-url").write_text(
            slack.url("/services/T0/B0/e2e") + "\n"
        )  # a trailing newline, as editors write
        (tmp_path / "pd-key").write_text(ROUTING_KEY + "\n")
        model = model_of(
            spec_dict(
                receivers={
                    "oncall": {
                        "pagerduty": {"routing_key_file": str(tmp_path / "pd-key"), "url": pagerduty.url("/v2/enqueue")}
                    },
                    "team": {"slack": {"channel": "#sigil-alerts", "api_url_file": str(tmp_path / "slack-url")}},
                },
                timing={"critical": FAST, "warning": FAST, "info": FAST},
            )
        )
        service = model.services[0]
        with AlertmanagerProcess(write(model, tmp_path / "out"), binary_path=binary) as am:
            # 1. critical -> PagerDuty, warning -> Slack, each with runbook and dashboard links.
            am.post_alerts(_alerts(service, ["CircuitBreakerOpen", "ErrorRateHigh"]))
            page = pagerduty.wait_for(lambda r: _pd(r, "trigger", "CircuitBreakerOpen"), timeout=10)[0].json
            assert page["routing_key"] == ROUTING_KEY
            assert page["payload"]["severity"] == "critical"
            breaker = service.alerts[2]
            assert {link["text"]: link["href"] for link in page["links"]} == {
                "Runbook": breaker.runbook_url,
                "Dashboard": breaker.dashboard_url,
            }
            assert page["payload"]["custom_details"]["runbook_url"] == breaker.runbook_url
            message = slack.wait_for(lambda r: "ErrorRateHigh" in _slack_title(r), timeout=10)[0].json
            attachment = message["attachments"][0]
            errors = service.alerts[1]
            assert message["channel"] == "#sigil-alerts" and attachment["color"] == "warning"
            assert f"<{errors.runbook_url}|Runbook>" in attachment["text"]
            assert f"<{errors.dashboard_url}|Dashboard>" in attachment["text"]

            # 2. resolving both sends resolved notifications to the same places.
            am.post_alerts(_alerts(service, ["CircuitBreakerOpen", "ErrorRateHigh"], resolved=True))
            pagerduty.wait_for(lambda r: _pd(r, "resolve", ""), timeout=10)
            done = slack.wait_for(lambda r: _slack_title(r).startswith("[RESOLVED]"), timeout=10)[0].json
            assert done["attachments"][0]["color"] == "good"

            # 3. DatabaseDown (inhibits: true) silences the warning DiskAlmostFull; a page-tier burn
            # alert silences the ticket tier of its SLO.
            am.post_alerts(
                _alerts(service, ["DatabaseDown", "DiskAlmostFull", "EncodeLatencyFastBurn", "EncodeLatencySlowBurn"])
            )
            pagerduty.wait_for(lambda r: _pd(r, "trigger", "DatabaseDown"), timeout=10)
            pagerduty.wait_for(lambda r: _pd(r, "trigger", "EncodeLatencyFastBurn"), timeout=10)

            def suppressed() -> set[str]:
                return {
                    a["labels"]["alertname"]
                    for a in am.alerts()
                    if a["status"]["state"] == "suppressed" and a["status"]["inhibitedBy"]
                }

            assert poll_until(lambda: suppressed() >= {"DiskAlmostFull", "EncodeLatencySlowBurn"}, 10, "inhibition")
            # Their groups would have flushed within group_wait (1s); give them twice that, then look.
            time.sleep(2.5)
            titles = [_slack_title(r) for r in slack.requests]
            assert not [t for t in titles if "DiskAlmostFull" in t or "SlowBurn" in t], titles
            summaries = [str((r.json.get("payload") or {}).get("summary")) for r in pagerduty.requests]
            assert not [s for s in summaries if "DiskAlmostFull" in s or "SlowBurn" in s], summaries
            # Criticals also post to #sigil-alerts (every alert is visible there); PagerDuty got no warning.
            assert [t for t in titles if "CircuitBreakerOpen" in t] and [t for t in titles if "DatabaseDown" in t]
            assert not [s for s in summaries if "ErrorRateHigh" in s], summaries


GROUPED_SPEC = """apiVersion: sigil-monitoring/v1
service:
  name: grouped
  selector: {{job: grouped}}
metrics:
  requests: {{name: grouped_requests_total, type: counter, labels: [operation]}}
  errors: {{name: grouped_errors_total, type: counter, labels: [operation]}}
slos:
  ops-availability:
    objective: 99%
    sli: {{bad: errors, total: requests}}
    group_by: [operation]
routing:
  receivers:
    team:
      slack: {{channel: "#grouped", api_url_file: {url_file}}}
  default: team
  timing: {{critical: {fast}, warning: {fast}, info: {fast}}}
"""


def _burn_alerts(out: Path, service: Service, slo: Slo, group: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Tier -> the API alert Prometheus would send for ``slo``'s burn alert of that tier in ``group``:
    the compiled rule's labels plus the SLO's ``group_by`` labels, which the alert keeps from its
    ``sum by (...)`` recording rules. Annotations with templates (expanded by Prometheus) are left out."""
    rules = {
        rule["alert"]: rule
        for group_doc in load_yaml((out / names.rules_path(service.name, names.slo_concern(slo.name))).read_text())[
            "groups"
        ]
        for rule in group_doc["rules"]
        if "alert" in rule
    }
    assert set(group) == set(slo.group_by)
    now = _now()
    out_alerts = {}
    for burn in slo.alerts:
        rule = rules[names.slo_alert_name(slo.name, burn.tier)]
        out_alerts[burn.tier] = {
            "labels": {**rule["labels"], **group, "alertname": rule["alert"]},
            "annotations": {k: v for k, v in rule["annotations"].items() if "{{" not in v},
            "startsAt": now,
            "generatorURL": "http://prometheus.invalid/graph",
        }
    return out_alerts


@pytest.mark.e2e
def test_a_page_burn_alert_silences_the_ticket_of_its_own_group_only_in_a_real_alertmanager(tmp_path):
    from sigil_monitoring import compile_spec, parse_spec, write_bundle

    binary = require_binary(ALERTMANAGER_NAMES)
    with CaptureServer() as slack:
        (tmp_path / "slack-url").write_text(slack.url("/services/T0/B0/grouped") + "\n")
        fast = "{" + ", ".join(f"{k}: {v}" for k, v in FAST.items()) + "}"
        spec = parse_spec(GROUPED_SPEC.format(url_file=tmp_path / "slack-url", fast=fast), "grouped.yaml")
        write_bundle(compile_spec(spec), tmp_path / "out")
        service = build_model([spec]).services[0]
        slo = service.slos[0]
        (label,) = slo.group_by
        a = _burn_alerts(tmp_path / "out", service, slo, {label: "a"})
        b = _burn_alerts(tmp_path / "out", service, slo, {label: "b"})
        page_a, ticket_a, ticket_b = a["page"], a["ticket"], b["ticket"]
        slow = ticket_a["labels"]["alertname"]

        with AlertmanagerProcess(tmp_path / "out" / names.ALERTMANAGER_CONFIG_PATH, binary_path=binary) as am:
            # The page first, so it is an inhibitor before either ticket arrives.
            am.post_alerts([page_a])
            poll_until(lambda: [x for x in am.alerts() if x["labels"] == page_a["labels"]], 5, "the page alert")
            am.post_alerts([ticket_a, ticket_b])

            def by_operation() -> dict[str, dict[str, Any]]:
                return {x["labels"][label]: x for x in am.alerts() if x["labels"]["alertname"] == slow}

            tickets = poll_until(
                lambda: (t := by_operation()).keys() == {"a", "b"} and t["a"]["status"]["inhibitedBy"] and t,
                5,
                "the ticket for a to be inhibited",
            )
            page_fingerprint = next(x["fingerprint"] for x in am.alerts() if x["labels"] == page_a["labels"])
            assert tickets["a"]["status"]["state"] == "suppressed"
            assert tickets["a"]["status"]["inhibitedBy"] == [page_fingerprint]
            assert tickets["b"]["status"]["state"] == "active" and not tickets["b"]["status"]["inhibitedBy"]

            # Both tickets share a notification group (alertname, service, slo): the one message for
            # it must hold exactly one firing alert, b (a broken rule gives FIRING:2, or no message).
            slack.wait_for(lambda r: page_a["labels"]["alertname"] in _slack_title(r), timeout=5)
            (ticket,) = slack.wait_for(lambda r: slow in _slack_title(r), timeout=5)
            assert _slack_title(ticket).startswith("[FIRING:1] "), ticket.json
            assert ticket.json["attachments"][0]["text"].count(f"*{slow}*") == 1, ticket.json
