"""The compiled Alertmanager config in the real Alertmanager: alerts posted to its API reach Slack and
PagerDuty (two capture servers), inhibited alerts reach no one, resolved notifications follow.

The spec variant points the Slack secret file at one capture server and PagerDuty's ``url`` at the
other, and shortens group_wait/group_interval to 1s through ``routing.timing``; alerts posted
straight to /api/v2/alerts then notify in about a second.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

import pytest
from processes import AlertmanagerProcess
from servers import ALERTMANAGER_NAMES, CaptureServer, CapturedRequest, poll_until, require_binary
from test_alertmanager import model_of, spec_dict, write

from sigil_monitoring.compilers.alertmanager import routing_table
from sigil_monitoring.ir.model import Service

FAST = {"group_wait": "1s", "group_interval": "1s", "repeat_interval": "1h"}
ROUTING_KEY = "e2e0routing0key0not0a0secret0000"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _alerts(service: Service, names: list[str], resolved: bool = False) -> list[dict[str, Any]]:
    """API alerts with the labels and annotations the Prometheus target gives these alerts."""
    labels = {labels["alertname"]: labels for labels in routing_table.alert_labels(service)}
    notes: dict[str, dict[str, str]] = {
        a.name: {"summary": a.summary, "description": a.description, "runbook_url": a.runbook_url,
                 "dashboard_url": a.dashboard_url} for a in service.alerts}
    for slo in service.slos:
        for b in slo.alerts:
            notes[b.name] = {"summary": f"SLO {slo.name} burns its error budget.", "runbook_url": b.runbook_url,
                             "dashboard_url": b.dashboard_url}
    now = _now()
    return [{"labels": labels[n], "annotations": notes[n], "startsAt": now, **({"endsAt": now} if resolved else {}),
             "generatorURL": "http://prometheus.invalid/graph"} for n in names]


def _slack_title(r: CapturedRequest) -> str:
    return str(r.json["attachments"][0]["title"]) if isinstance(r.json, dict) and r.json.get("attachments") else ""


def _pd(r: CapturedRequest, action: str, alert: str = "") -> bool:
    body = r.json if isinstance(r.json, dict) else {}
    return body.get("event_action") == action and alert in str((body.get("payload") or {}).get("summary", ""))


@pytest.mark.e2e
def test_a_real_alertmanager_pages_critical_slacks_warning_inhibits_symptoms_and_sends_resolved(tmp_path):
    binary = require_binary(ALERTMANAGER_NAMES)
    with CaptureServer() as slack, CaptureServer() as pagerduty:
        (tmp_path / "slack-url").write_text(slack.url("/services/T0/B0/e2e") + "\n")  # a trailing newline, as editors write
        (tmp_path / "pd-key").write_text(ROUTING_KEY + "\n")
        model = model_of(spec_dict(
            receivers={"oncall": {"pagerduty": {"routing_key_file": str(tmp_path / "pd-key"),
                                                "url": pagerduty.url("/v2/enqueue")}},
                       "team": {"slack": {"channel": "#sigil-alerts", "api_url_file": str(tmp_path / "slack-url")}}},
            timing={"critical": FAST, "warning": FAST, "info": FAST},
        ))
        service = model.services[0]
        with AlertmanagerProcess(write(model, tmp_path / "out"), binary_path=binary) as am:
            # 1. critical -> PagerDuty, warning -> Slack, each with runbook and dashboard links.
            am.post_alerts(_alerts(service, ["CircuitBreakerOpen", "ErrorRateHigh"]))
            page = pagerduty.wait_for(lambda r: _pd(r, "trigger", "CircuitBreakerOpen"), timeout=10)[0].json
            assert page["routing_key"] == ROUTING_KEY
            assert page["payload"]["severity"] == "critical"
            breaker = service.alerts[2]
            assert {link["text"]: link["href"] for link in page["links"]} == {
                "Runbook": breaker.runbook_url, "Dashboard": breaker.dashboard_url}
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
            am.post_alerts(_alerts(service, ["DatabaseDown", "DiskAlmostFull", "EncodeLatencyFastBurn",
                                             "EncodeLatencySlowBurn"]))
            pagerduty.wait_for(lambda r: _pd(r, "trigger", "DatabaseDown"), timeout=10)
            pagerduty.wait_for(lambda r: _pd(r, "trigger", "EncodeLatencyFastBurn"), timeout=10)

            def suppressed() -> set[str]:
                return {a["labels"]["alertname"] for a in am.alerts()
                        if a["status"]["state"] == "suppressed" and a["status"]["inhibitedBy"]}

            assert poll_until(lambda: suppressed() >= {"DiskAlmostFull", "EncodeLatencySlowBurn"}, 10, "inhibition")
            # Their groups would have flushed within group_wait (1s); give them twice that, then look.
            time.sleep(2.5)
            titles = [_slack_title(r) for r in slack.requests]
            assert not [t for t in titles if "DiskAlmostFull" in t or "SlowBurn" in t], titles
            summaries = [str((r.json.get("payload") or {}).get("summary")) for r in pagerduty.requests]
            assert not [s for s in summaries if "DiskAlmostFull" in s or "SlowBurn" in s], summaries
            # Nothing crossed over: Slack saw no page, PagerDuty no warning.
            assert not [t for t in titles if "CircuitBreakerOpen" in t or "DatabaseDown" in t], titles
            assert not [s for s in summaries if "ErrorRateHigh" in s], summaries

