"""Every receiver option of the spec language reaches the drill's capture sinks as a real
Alertmanager sends it, and is read back and attributed to the right receiver; a receiver whose
sink fails is named with the reason Alertmanager gave.

The first test gives a real Alertmanager the drill-mode config of one spec per receiver option
(all compiled into one config, as the drill does) and posts each spec's alert to its API: fast,
and it checks the payloads option by option. The second drills real specs end to end: the
documented Slack `mention: "@here"` beside PagerDuty (issue 19: it was "reached: none"), every
receiver kind at once, and a service whose Slack sink answers 500 and whose mail server refuses
the recipient.
"""

from __future__ import annotations

import datetime
import re
import time
from pathlib import Path

import pytest
from servers import require_binary

from sigil_monitoring import load_spec
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.live.delivery import failure_reasons, why_not
from sigil_monitoring.live.drill import _write, run_drill
from sigil_monitoring.live.drill_mode import drill_model
from sigil_monitoring.live.net import ALERTMANAGER_NAMES, PROMETHEUS_NAMES
from sigil_monitoring.live.notifications import Notification, notifications
from sigil_monitoring.live.processes import AlertmanagerProcess
from sigil_monitoring.live.report import render
from sigil_monitoring.live.sinks import CaptureServer

SPEC = """
apiVersion: sigil-monitoring/v1
service: {{name: {name}, selector: {{job: {name}}}}}
metrics:
  up: {{name: {metric}_up, type: gauge, help: Up.}}
alerts:
  {alert}:
    when: {{value: up, below: 1}}
    for: 1m
    severity: {severity}
routing:
  receivers:
    {receivers}
"""

# Option spec -> (receiver YAML, the alert's severity). One service per option.
OPTIONS: dict[str, tuple[str, str]] = {
    "slack-mention": ('chat: {slack: {channel: "#ops", api_url_file: /s/slack, mention: "@here"}}', "critical"),
    "slack-warning": ('chat: {slack: {channel: "#ops", api_url_file: /s/slack, mention: "@here"}}', "warning"),
    "slack-user": ('chat: {slack: {channel: "@dana", api_url_file: /s/slack, send_resolved: false}}', "info"),
    "pd-critical": (
        "pager: {pagerduty: {routing_key_file: /s/pd, url: 'https://events.eu.pagerduty.com/v2/enqueue'}}",
        "critical",
    ),
    "pd-warning": ("pager: {pagerduty: {routing_key_file: /s/pd}}", "warning"),
    "hook-token": ('hook: {webhook: {url: "https://hooks.example.com/x", credentials_file: /s/hook}}', "warning"),
    "hook-plain": ('hook: {webhook: {url: "https://hooks.example.com/y"}}', "info"),
    "mail-auth": (
        "dba: {email: {to: 'dba@example.com, ops@example.com', from: am@example.com, smarthost: 'smtp.example.com:587',"
        " auth_username: am, auth_password_file: /s/smtp}}",
        "critical",
    ),
    "mail-plain": (
        "dba: {email: {to: dba@example.com, from: am@example.com, smarthost: 'smtp.example.com:25',"
        " require_tls: false}}",
        "info",
    ),
    "genie-team": (
        "ops: {opsgenie: {api_key_file: /s/og, api_url: 'https://api.eu.opsgenie.com/', team: storefront}}",
        "critical",
    ),
    "genie-plain": ("ops: {opsgenie: {api_key_file: /s/og}}", "warning"),
}


def _alert(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-")) + "Down"


def _spec(tmp_path: Path, name: str, receivers: str, severity: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        SPEC.format(
            name=name, metric=name.replace("-", "_"), alert=_alert(name), severity=severity, receivers=receivers
        )
    )
    return path


def _post(am: AlertmanagerProcess, name: str, severity: str, ends: bool) -> None:
    now = datetime.datetime.now(datetime.UTC)
    alert = {
        "labels": {"alertname": _alert(name), "service": name, "severity": severity},
        "annotations": {
            "summary": f"{name} is down",
            "runbook_url": f"https://r/{name}",
            "dashboard_url": f"https://d/{name}",
        },
        "startsAt": (now - datetime.timedelta(seconds=10)).isoformat(),
    }
    if ends:
        alert["endsAt"] = now.isoformat()
    am.post_alerts([alert])


def _wait(sink: CaptureServer, count: int, status: str, timeout: float = 30.0) -> list[Notification]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [n for n in notifications(sink.requests) if n.status == status]
        if len({n.receiver for n in found}) >= count:
            return found
        time.sleep(0.2)
    return [n for n in notifications(sink.requests) if n.status == status]


@pytest.mark.e2e
def test_every_receiver_option_reaches_its_sink_as_alertmanager_sends_it(tmp_path: Path):
    require_binary(ALERTMANAGER_NAMES)
    specs = [load_spec(_spec(tmp_path, name, rx, severity)) for name, (rx, severity) in OPTIONS.items()]
    with CaptureServer() as sink:
        model = drill_model(build_model(specs), sink.base_url, tmp_path / "secrets", sink.smtp)
        _, config = _write(model, tmp_path, sink.base_url)
        with AlertmanagerProcess(config) as am:
            for name, (_, severity) in OPTIONS.items():
                _post(am, name, severity, ends=False)
            firing = {n.receiver.split("/")[0]: n for n in _wait(sink, len(OPTIONS), "firing")}
            for name, (_, severity) in OPTIONS.items():
                _post(am, name, severity, ends=True)
            resolved = {n.receiver.split("/")[0] for n in _wait(sink, len(OPTIONS) - 1, "resolved")}
    assert set(firing) == set(OPTIONS), f"no notification for {set(OPTIONS) - set(firing)}"
    for name, n in firing.items():  # attributed to the spec's own receiver, naming its alert, with its links
        assert n.receiver.startswith(f"{name}/") and n.alerts == (_alert(name),), n
        assert n.mentions(f"https://r/{name}") and (n.kind in ("opsgenie", "email") or n.mentions(f"https://d/{name}"))
    o = {name: n.options for name, n in firing.items()}
    # Slack: channel, the mention on firing critical only (with link_names), a user as channel.
    assert o["slack-mention"]["channel"] == "#ops" and o["slack-mention"]["text"].startswith("@here *SlackMentionDown*")
    assert o["slack-mention"]["link_names"] == "true" and o["slack-mention"]["color"] == "danger"
    assert o["slack-warning"]["text"].startswith("*SlackWarningDown*") and o["slack-warning"]["color"] == "warning"
    assert o["slack-user"]["channel"] == "@dana" and o["slack-user"]["title"] == "[FIRING:1] SlackUserDown slack-user"
    # PagerDuty: severity from the label, links to runbook and dashboard.
    assert o["pd-critical"]["severity"] == "critical" and o["pd-warning"]["severity"] == "warning"
    assert o["pd-critical"]["links"] == "https://r/pd-critical, https://d/pd-critical"
    assert {"summary", "description", "runbook_url", "dashboard_url", "alerts"} <= set(
        o["pd-warning"]["details"].split(", ")
    )
    # Webhook: the bearer token from credentials_file, none without it.
    assert (
        o["hook-token"]["authorization"] == "Bearer drill-webhook-credentials"
        and "authorization" not in o["hook-plain"]
    )
    # Email: envelope and headers from the spec, the title as subject, SMTP AUTH when configured.
    assert o["mail-auth"]["envelope_to"] == "dba@example.com, ops@example.com" and o["mail-auth"]["auth"] == "PLAIN"
    assert (
        o["mail-auth"]["from"] == "am@example.com" and o["mail-auth"]["subject"] == "[FIRING:1] MailAuthDown mail-auth"
    )
    assert o["mail-plain"]["to"] == "dba@example.com" and o["mail-plain"]["auth"] == ""
    # Opsgenie: priority from severity, the team as responder.
    assert o["genie-team"]["priority"] == "P1" and o["genie-team"]["responders"] == "storefront"
    assert o["genie-plain"]["priority"] == "P3" and o["genie-plain"]["responders"] == ""
    assert {"runbook_url", "dashboard_url"} <= set(o["genie-plain"]["details"].split(", "))
    # Resolved notifications come to every receiver but the one with send_resolved: false.
    assert resolved == set(OPTIONS) - {"slack-user"}


@pytest.mark.e2e
def test_a_receiver_that_got_nothing_is_named_from_alertmanagers_log_else_its_failure_counter(tmp_path: Path):
    require_binary(ALERTMANAGER_NAMES)
    spec = load_spec(_spec(tmp_path, "refused", 'hook: {webhook: {url: "https://hooks.example.com/z"}}', "critical"))
    missing = {"refused/hook": "webhook"}
    with CaptureServer(fail={"/webhook/refused/": 400}) as sink:
        model = drill_model(build_model([spec]), sink.base_url, tmp_path / "secrets", sink.smtp)
        _, config = _write(model, tmp_path, sink.base_url)
        with AlertmanagerProcess(config) as am:
            since = time.time() - 1
            _post(am, "refused", "critical", ends=False)
            deadline = time.monotonic() + 30
            while not failure_reasons(am.log(), missing, since, final_only=True) and time.monotonic() < deadline:
                time.sleep(0.2)
            from_log = why_not(am.log(), am.base_url, missing, since)
            from_counter = why_not("", am.base_url, missing, since)  # as if the log had nothing
            never_tried = why_not("", am.base_url, {"refused/pager": "opsgenie"}, since)
        requests = sink.requests
    assert requests and notifications(requests) == []  # what a sink refused was not delivered
    assert from_log["refused/hook"].startswith("webhook[0]: unexpected status code 400: http://127.0.0.1:")
    assert from_log["refused/hook"].endswith("(Alertmanager gave up)")
    counter = r'alertmanager_notifications_failed_total\{integration="webhook"\} is [1-9]\d* \(no log line names it\)'
    assert re.fullmatch(counter, from_counter["refused/hook"]), from_counter
    assert never_tried["refused/pager"].startswith("Alertmanager reported no failure")


RECEIVERS = {
    "oncall": "{pagerduty: {routing_key_file: /s/pd}}",
    "team": '{slack: {channel: "#alerts", api_url_file: /s/slack, mention: "@here"}}',
    "dba": '{email: {to: dba@example.com, from: am@example.com, smarthost: "smtp.example.com:587"}}',
    "ops": "{opsgenie: {api_key_file: /s/og, team: storefront}}",
    "hook": '{webhook: {url: "https://hooks.example.com/x", credentials_file: /s/hook, send_resolved: false}}',
}


def _critical_to_all(name: str, alert: str, receivers: list[str]) -> str:
    """A spec whose critical alert goes to each of ``receivers`` (keys of RECEIVERS)."""
    listed = "\n    ".join(f"{r}: {RECEIVERS[r]}" for r in receivers)
    routes = f"\n  routes:\n    - {{severity: critical, to: [{', '.join(receivers)}]}}"
    return SPEC.format(name=name, metric=name, alert=alert, severity="critical", receivers=listed + routes)


@pytest.mark.e2e
def test_a_drill_reaches_every_receiver_kind_and_names_the_failed_ones_with_alertmanagers_reason(tmp_path: Path):
    require_binary(PROMETHEUS_NAMES), require_binary(ALERTMANAGER_NAMES)
    (tmp_path / "mention.yaml").write_text(_critical_to_all("mention", "DatabaseDown", list(RECEIVERS)))
    (tmp_path / "failing.yaml").write_text(_critical_to_all("failing", "QueueDown", ["oncall", "team", "dba"]))
    specs = [load_spec(tmp_path / "mention.yaml"), load_spec(tmp_path / "failing.yaml")]
    with CaptureServer(fail={"/slack/failing/": 500, "/email/failing/": 550}) as sink:
        result = run_drill(specs, progress=print, sink=sink)
    print(render(result, "text"))
    runs = {r.service: r for r in result.runs}
    ok, bad = runs["mention"], runs["failing"]
    assert ok.passed, ok.verdict  # issue 19: the Slack mention beside PagerDuty was "reached: none"
    assert ok.receivers_reached == [f"mention/{r}" for r in ("dba", "hook", "oncall", "ops", "team")]
    assert not bad.passed and bad.receivers_reached == ["failing/oncall"]
    reasons = {f.receiver: f.reason for f in bad.receiver_failures}
    assert set(reasons) == {"failing/team", "failing/dba"}
    assert reasons["failing/team"].startswith("slack[0]: ") and "unexpected status code 500" in reasons["failing/team"]
    assert reasons["failing/dba"].startswith("email[0]: ") and "550 5.7.1" in reasons["failing/dba"]
    assert "Alertmanager gave up" in reasons["failing/team"]
    report = render(result, "html")
    assert "failing/team got nothing" in report and "unexpected status code 500" in report
    assert result.verdict.startswith("FAILED: 1 of 2 alerts passed, 1 failed")
