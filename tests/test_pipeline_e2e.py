"""The whole chain with real servers: spec -> compile_spec -> write_bundle -> real Prometheus
scraping a metrics server and evaluating the compiled rules -> real Alertmanager with the compiled
config -> PagerDuty and Slack capture servers.

A test variant of specs/sigil-dna.yaml shortens DatabaseDown's ``for`` (and DiskAlmostFull's, the
Slack-side control) to 2s, scrapes every second and sets group_wait/group_interval to 1s for
critical and warning. Timings seen here (REFERENCE.md): first scrape and Alertmanager discovery
~5.5 s after start, trigger -> POST ~5 s, clear -> resolved ~2 s; every wait is bounded and the
elapsed times are printed, so a failure shows where the chain stalled.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from servers import MetricsServer, require_binary

from sigil_monitoring import compile_spec, parse_spec, write_bundle
from sigil_monitoring.live.net import ALERTMANAGER_NAMES, PROMETHEUS_NAMES, http_json, poll_until
from sigil_monitoring.live.processes import AlertmanagerProcess, PrometheusProcess
from sigil_monitoring.live.sinks import CapturedRequest, CaptureServer
from sigil_monitoring.spec.yaml_io import load as load_yaml

FAST = {"group_wait": "1s", "group_interval": "1s", "repeat_interval": "1h"}
ROUTING_KEY = "pipeline0e2e0routing0key0not0secret"
WAIT = 40.0  # seconds; the whole chain takes ~17 s here
JOB = 'job="sigil-dna"'
DB_UP = f"dnastore_db_up{{{JOB}}}"
DISK_FREE = f"dnastore_disk_free_bytes{{{JOB}}}"


def _spec_text(pagerduty_url: str, key_file: Path, slack_url_file: Path) -> str:
    """sigil-dna.yaml with fast timings and the receivers pointed at the capture servers."""
    doc = load_yaml((REPO / "specs" / "sigil-dna.yaml").read_text())
    doc["service"]["scrape_interval"] = "1s"
    doc["alerts"]["DatabaseDown"]["for"] = "2s"
    # A warning that must reach Slack, so "Slack got no DatabaseDown" is not true of a dead channel.
    doc["alerts"]["DiskAlmostFull"]["for"] = "2s"
    routing = doc["routing"]
    routing["timing"] = {"critical": FAST, "warning": FAST}
    routing["receivers"]["oncall"]["pagerduty"] = {"routing_key_file": str(key_file), "url": pagerduty_url}
    routing["receivers"]["team"]["slack"]["api_url_file"] = str(slack_url_file)
    return json.dumps(doc)  # JSON is YAML; parse_spec reads it like the file


def _healthy_metrics() -> dict[str, float]:
    """The Sigil-DNA series a healthy service exposes: nothing fires while they hold."""
    series = {
        f"sigil_encode_total{{{JOB}}}": 1000,
        f"sigil_verify_total{{{JOB}}}": 500,
        f'sigil_error_total{{{JOB},operation="encode"}}': 0,
        f'sigil_error_total{{{JOB},operation="verify"}}': 0,
        f"dnastore_circuit_state{{{JOB}}}": 0,
        DISK_FREE: 500 * 2**30,
        DB_UP: 1,
        f"sigil_heavy_test_duration_seconds{{{JOB}}}": 120,
        f"sigil_encode_duration_seconds_count{{{JOB}}}": 1000,
        f"sigil_encode_duration_seconds_sum{{{JOB}}}": 100,
    }
    for le in ("0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"):
        series[f'sigil_encode_duration_seconds_bucket{{{JOB},le="{le}"}}'] = 1000
    return series


def _rule_annotations(rules_yaml: bytes, alert: str) -> dict[str, str]:
    for group in load_yaml(rules_yaml.decode())["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") == alert:
                return dict(rule["annotations"])
    raise AssertionError(f"{alert} is not in the compiled alerts.rules.yml")


def _pd(action: str, alert: str):
    def match(r: CapturedRequest) -> bool:
        body = r.json if isinstance(r.json, dict) else {}
        return body.get("event_action") == action and (body.get("payload") or {}).get("class") == alert

    return match


def _slack_title(r: CapturedRequest) -> str:
    return str(r.json["attachments"][0]["title"]) if isinstance(r.json, dict) and r.json.get("attachments") else ""


@pytest.mark.e2e
def test_a_database_outage_pages_pagerduty_with_the_compiled_links_posts_to_slack_and_resolves(tmp_path: Path):
    prometheus_bin, alertmanager_bin = require_binary(PROMETHEUS_NAMES), require_binary(ALERTMANAGER_NAMES)
    start = time.monotonic()

    def mark(what: str) -> None:  # pytest shows a failed test's stdout: these say where it stalled
        print(f"{time.monotonic() - start:6.1f}s  {what}")

    with CaptureServer() as pagerduty, CaptureServer() as slack, MetricsServer(_healthy_metrics()) as metrics:
        (tmp_path / "pd-key").write_text(ROUTING_KEY + "\n")
        (tmp_path / "slack-url").write_text(slack.url("/services/T0/B0/pipeline") + "\n")
        spec = parse_spec(
            _spec_text(pagerduty.url("/v2/enqueue"), tmp_path / "pd-key", tmp_path / "slack-url"), "sigil-dna.yaml"
        )
        bundle = compile_spec(spec)
        out = tmp_path / "build"
        write_bundle(bundle, out)
        database_down = _rule_annotations(bundle["sigil-dna/prometheus/alerts.rules.yml"], "DatabaseDown")
        rule_files = sorted((out / "sigil-dna" / "prometheus").glob("*.rules.yml"))
        assert len(rule_files) >= 2, rule_files  # alerts + recording (+ SLOs)
        mark(f"compiled {len(bundle)} files")

        config = out / "alertmanager" / "alertmanager.yml"  # its `templates:` are relative to it
        with (
            AlertmanagerProcess(config, binary_path=alertmanager_bin) as am,
            PrometheusProcess(
                rule_files=rule_files,
                scrape_targets={"sigil-dna": [metrics.target]},
                alertmanager_url=am.base_url,
                interval="1s",
                binary_path=prometheus_bin,
            ) as prom,
        ):
            mark("both servers ready")
            poll_until(lambda: prom.query(f"{DB_UP} == 1"), WAIT, "the first scrape")
            discovered = prom.base_url + "/api/v1/alertmanagers"
            poll_until(
                lambda: http_json("GET", discovered)["data"]["activeAlertmanagers"],
                WAIT,
                "Prometheus to discover the Alertmanager",
            )
            mark("scraped; Alertmanager discovered")
            # Pending is fine (EncodeMetricsAbsent evaluates before the first scrape); firing is not.
            firing = [a["labels"]["alertname"] for a in prom.alerts() if a["state"] == "firing"]
            assert not firing, f"a healthy service must not alert: {firing}"

            metrics.set(DB_UP, 0)
            metrics.set(DISK_FREE, 2 * 2**30)
            mark("db_up=0, disk_free=2GiB")
            trigger = pagerduty.wait_for(_pd("trigger", "DatabaseDown"), timeout=WAIT)[0].json
            mark("PagerDuty trigger for DatabaseDown")
            assert trigger["routing_key"] == ROUTING_KEY
            assert trigger["payload"]["severity"] == "critical"
            assert {link["text"]: link["href"] for link in trigger["links"]} == {
                "Runbook": database_down["runbook_url"],
                "Dashboard": database_down["dashboard_url"],
            }
            details: dict[str, Any] = trigger["payload"]["custom_details"]
            assert (details["runbook_url"], details["dashboard_url"]) == (
                database_down["runbook_url"],
                database_down["dashboard_url"],
            )

            metrics.set(DB_UP, 1)
            mark("db_up=1")
            resolve = pagerduty.wait_for(_pd("resolve", "DatabaseDown"), timeout=WAIT)[0].json
            mark("PagerDuty resolve for DatabaseDown")
            assert resolve["dedup_key"] == trigger["dedup_key"]
            # DiskAlmostFull (warning) went to Slack once DatabaseDown no longer inhibited it: the
            # Slack receiver works, so its silence about DatabaseDown is routing, not a dead channel.
            slack.wait_for(lambda r: "DiskAlmostFull" in _slack_title(r), timeout=WAIT)
            mark("Slack message for DiskAlmostFull")
            # The ticket: every alert is visible in #sigil-alerts, so the critical page is posted there too.
            slack.wait_for(lambda r: "DatabaseDown" in _slack_title(r), timeout=WAIT)
            mark("Slack message for DatabaseDown")
            pages = [(r.json or {}).get("payload", {}).get("class") for r in pagerduty.requests]
            assert set(pages) == {"DatabaseDown"}, f"PagerDuty must get DatabaseDown only: {pages}"
    mark("servers stopped")
