"""End to end on VictoriaMetrics: spec -> victoriametrics + alertmanager targets -> real
victoria-metrics (samples pushed through /api/v1/import/prometheus) -> real vmalert evaluating
the compiled rules -> real Alertmanager with the compiled config -> a webhook capture server.

A threshold alert (DatabaseDown on a gauge) and an SLO page-tier burn alert (a 1d SLO, whose
fastest windows are 2m/1m) fire, reach Alertmanager and resolve. The burn alert is built on
recording rules, which vmalert writes back asynchronously: it lags about two evaluation rounds
behind the threshold alert, so the waits are bounded generously and the elapsed times printed.
The burn resolves because healthy traffic swamps the errors in both windows (a large jump of the
request counter), which is what a real recovery under load looks like to a ratio.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import pytest
from servers import require_binary
from vm_processes import VICTORIA_METRICS_NAMES, VMALERT_NAMES, VictoriaMetricsProcess, VmalertProcess

from sigil_monitoring import compile_spec, parse_spec, write_bundle
from sigil_monitoring.live.net import ALERTMANAGER_NAMES, poll_until
from sigil_monitoring.live.processes import AlertmanagerProcess
from sigil_monitoring.live.sinks import CapturedRequest, CaptureServer

WAIT = 45.0  # seconds, per step; the whole run takes ~16 s here
FAST = {"group_wait": "1s", "group_interval": "1s", "repeat_interval": "1h"}


def _spec(sink_url: str) -> str:
    doc = {
        "apiVersion": "sigil-monitoring/v1",
        "service": {"name": "vm-e2e", "selector": {"job": "vm-e2e"}, "scrape_interval": "1s"},
        "metrics": {
            "requests": {"name": "vme_requests_total", "type": "counter"},
            "errors": {"name": "vme_errors_total", "type": "counter"},
            "db_up": {"name": "vme_db_up", "type": "gauge"},
        },
        "slos": {
            "availability": {
                "objective": "99%",
                "window": "1d",
                "sli": {"bad": "errors", "total": "requests"},
                "alerting": {"page": {"for": "1s"}, "ticket": {"enabled": False}},
            }
        },
        "alerts": {
            "DatabaseDown": {
                "when": {"value": "db_up", "below": 1},
                "for": "1s",
                "severity": "critical",
                "summary": "The database does not answer.",
            }
        },
        "routing": {
            "receivers": {"sink": {"webhook": {"url": sink_url}}},
            "routes": [{"severity": "critical", "to": "sink"}],
            "timing": {"critical": FAST},
        },
        "targets": {"victoriametrics": {}, "alertmanager": {}},
    }
    return json.dumps(doc)


class Pusher(threading.Thread):
    """Pushes the service's series to VictoriaMetrics twice a second, like a scrape would."""

    def __init__(self, vm: VictoriaMetricsProcess) -> None:
        super().__init__(daemon=True)
        self.vm, self.lock, self.stopped = vm, threading.Lock(), threading.Event()
        self.requests, self.errors, self.db_up, self.failing = 0.0, 0.0, 1.0, False
        self.pushed = 0

    def set(self, **changes: object) -> None:
        with self.lock:
            for key, value in changes.items():
                setattr(self, key, value)

    def recover(self, extra_requests: float) -> None:
        """The database is back and errors stop; a burst of good requests swamps the old errors."""
        with self.lock:
            self.db_up, self.failing, self.requests = 1.0, False, self.requests + extra_requests

    def run(self) -> None:
        while not self.stopped.is_set():
            with self.lock:
                self.requests += 20
                self.errors += 10 if self.failing else 0
                text = (
                    f'vme_requests_total{{job="vm-e2e"}} {self.requests}\n'
                    f'vme_errors_total{{job="vm-e2e"}} {self.errors}\nvme_db_up{{job="vm-e2e"}} {self.db_up}\n'
                )
            self.vm.push(text)
            self.pushed += 1
            self.stopped.wait(0.5)


def _notified(status: str, alert: str):
    def match(r: CapturedRequest) -> bool:
        body = r.json if isinstance(r.json, dict) else {}
        return any(
            a.get("status") == status and a.get("labels", {}).get("alertname") == alert for a in body.get("alerts", [])
        )

    return match


@pytest.mark.e2e
def test_a_threshold_and_a_burn_alert_fire_reach_alertmanager_and_resolve_on_victoriametrics(tmp_path: Path):
    vm_bin, vmalert_bin = require_binary(VICTORIA_METRICS_NAMES), require_binary(VMALERT_NAMES)
    am_bin = require_binary(ALERTMANAGER_NAMES)
    start = time.monotonic()

    def mark(what: str) -> None:
        print(f"{time.monotonic() - start:6.1f}s  {what}")

    with CaptureServer() as sink:
        bundle = compile_spec(parse_spec(_spec(sink.url("/hook")), "vm-e2e.yaml"))
        assert not [p for p in bundle if "/prometheus/" in p], "the spec chose victoriametrics, not prometheus"
        write_bundle(bundle, tmp_path / "out")
        rules = sorted((tmp_path / "out" / "vm-e2e" / "victoriametrics").glob("*.rules.yml"))
        assert [p.name for p in rules] == ["alerts.rules.yml", "recording.rules.yml", "slo-availability.rules.yml"]
        with (
            VictoriaMetricsProcess(binary_path=vm_bin) as vm,
            AlertmanagerProcess(tmp_path / "out" / "alertmanager" / "alertmanager.yml", binary_path=am_bin) as am,
        ):
            pusher = Pusher(vm)
            pusher.start()
            try:
                mark("victoria-metrics and Alertmanager ready")
                poll_until(lambda: vm.query('vme_db_up{job="vm-e2e"} == 1'), WAIT, "the first pushed samples")
                mark("pushed samples visible")
                with VmalertProcess(
                    rules, datasource_url=vm.base_url, notifier_url=am.base_url, binary_path=vmalert_bin
                ) as vmalert:
                    mark("vmalert ready")
                    poll_until(
                        lambda: vm.query('slo:sli_error:ratio_rate1m{service="vm-e2e"}'),
                        WAIT,
                        "vmalert to write the SLI recording rules back",
                    )
                    firing = [a["labels"]["alertname"] for a in vmalert.alerts() if a.get("state") == "firing"]
                    assert not firing, f"a healthy service must not alert: {firing}"
                    mark("recording rules written; nothing fires")

                    pusher.set(db_up=0.0, failing=True)
                    down = sink.wait_for(_notified("firing", "DatabaseDown"), timeout=WAIT)[0].json
                    mark("Alertmanager notified: DatabaseDown firing")
                    burn = sink.wait_for(_notified("firing", "AvailabilityFastBurn"), timeout=WAIT)[0].json
                    mark("Alertmanager notified: AvailabilityFastBurn firing")
                    labels = next(a["labels"] for a in down["alerts"] if a["labels"]["alertname"] == "DatabaseDown")
                    assert (labels["service"], labels["severity"], labels["job"]) == ("vm-e2e", "critical", "vm-e2e")
                    assert "alertgroup" in labels  # vmalert's own label: the alert came through vmalert
                    burn_labels = next(
                        a["labels"] for a in burn["alerts"] if a["labels"]["alertname"] == "AvailabilityFastBurn"
                    )
                    assert (burn_labels["slo"], burn_labels["burn_tier"]) == ("availability", "page")

                    pusher.recover(10_000_000)
                    sink.wait_for(_notified("resolved", "DatabaseDown"), timeout=WAIT)
                    mark("Alertmanager notified: DatabaseDown resolved")
                    sink.wait_for(_notified("resolved", "AvailabilityFastBurn"), timeout=WAIT)
                    mark("Alertmanager notified: AvailabilityFastBurn resolved")
            finally:
                pusher.stopped.set()
                pusher.join(timeout=5)


def _replay(vmalert: str, vm: VictoriaMetricsProcess, rules: list[Path], start: int, end: int, *extra: str) -> None:
    iso = "%Y-%m-%dT%H:%M:%SZ"
    result = subprocess.run(
        [
            vmalert,
            *(f"-rule={p}" for p in rules),
            f"-datasource.url={vm.base_url}",
            f"-remoteWrite.url={vm.base_url}",
            f"-replay.timeFrom={time.strftime(iso, time.gmtime(start))}",
            f"-replay.timeTo={time.strftime(iso, time.gmtime(end))}",
            "-evaluationInterval=1m",
            "-replay.disableProgressBar",
            "-loggerLevel=WARN",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def _alert_states(vm: VictoriaMetricsProcess) -> set[str]:
    vm.push("")  # flush what vmalert wrote
    return {s["metric"]["alertstate"] for s in vm.query('last_over_time(ALERTS{alertname="DatabaseDown"}[2h])')}


@pytest.mark.e2e
def test_replaying_history_needs_a_query_step_equal_to_the_evaluation_interval(tmp_path: Path):
    """vmalert's replay mode over pushed history: with -datasource.queryStep equal to the 1m
    evaluation interval DatabaseDown (for: 2m) is recorded firing; with the 5m default it is only
    ever recorded pending, because each step skips past the `for` window."""
    vm_bin, vmalert_bin = require_binary(VICTORIA_METRICS_NAMES), require_binary(VMALERT_NAMES)
    doc = json.loads(_spec("http://127.0.0.1:9/hook"))
    doc["alerts"]["DatabaseDown"]["for"] = "2m"
    bundle = compile_spec(parse_spec(json.dumps(doc), "vm-e2e.yaml"))
    rules = tmp_path / "alerts.rules.yml"
    rules.write_bytes(bundle["vm-e2e/victoriametrics/alerts.rules.yml"])
    start = int(time.time()) // 60 * 60 - 3600  # an hour ago: 10 minutes up, then 10 minutes down
    history = "".join(f'vme_db_up{{job="vm-e2e"}} {1 if i < 40 else 0} {(start + 15 * i) * 1000}\n' for i in range(80))
    with VictoriaMetricsProcess(binary_path=vm_bin) as vm:
        vm.push(history)
        _replay(vmalert_bin, vm, [rules], start, start + 1200)
        assert _alert_states(vm) == {"pending"}  # the 5m default step: never firing
    with VictoriaMetricsProcess(binary_path=vm_bin) as vm:
        vm.push(history)
        _replay(vmalert_bin, vm, [rules], start, start + 1200, "-datasource.queryStep=1m")
        assert _alert_states(vm) == {"pending", "firing"}
