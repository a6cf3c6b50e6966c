"""The test helpers in servers.py and processes.py work: capture server, real Alertmanager, real Prometheus."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from servers import MetricsServer, require_binary

from sigil_monitoring.live.net import ALERTMANAGER_NAMES, PROMETHEUS_NAMES, binary, free_port, http_json, poll_until
from sigil_monitoring.live.processes import AlertmanagerProcess, PrometheusProcess
from sigil_monitoring.live.sinks import CaptureServer


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_capture_server_records_posts_and_wait_for_times_out_with_details() -> None:
    with CaptureServer() as capture:
        assert http_json("POST", capture.url("/hook"), {"status": "firing"}) == {}
        got = capture.wait_for(lambda r: r.path == "/hook", timeout=2)
        assert len(got) == 1
        assert got[0].json == {"status": "firing"}
        assert got[0].headers["Content-Type"] == "application/json"
        started = time.monotonic()
        with pytest.raises(AssertionError, match=r"captured 1:\n  POST /hook \{'status': 'firing'\}"):
            capture.wait_for(lambda r: r.path == "/other", timeout=0.3)
        assert time.monotonic() - started < 2


def test_metrics_server_serves_the_current_values() -> None:
    with MetricsServer({'dnastore_db_up{job="x"}': 1}) as metrics:

        def read() -> str:
            return urlopen_text(metrics.url("/metrics"))

        assert read() == 'dnastore_db_up{job="x"} 1.0\n'
        metrics.set('dnastore_db_up{job="x"}', 0)
        metrics.set("weird", float("nan"))
        assert read() == 'dnastore_db_up{job="x"} 0.0\nweird NaN\n'
        metrics.remove("weird")
        assert read() == 'dnastore_db_up{job="x"} 0.0\n'
        assert metrics.scrapes == 3


def urlopen_text(url: str) -> str:
    import urllib.request

    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=5) as resp:
        return resp.read().decode()


def test_free_port_is_bindable() -> None:
    import socket

    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_require_binary_skips_locally_but_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    missing = ("sigil-no-such-binary-a", "sigil-no-such-binary-b")
    assert binary(missing) is None
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="sigil-no-such-binary-b"):
        require_binary(missing)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        require_binary(missing)
    assert require_binary("sh") == binary("sh")


def test_poll_until_is_bounded() -> None:
    started = time.monotonic()
    with pytest.raises(AssertionError, match="the impossible; last: 0"):
        poll_until(lambda: 0, timeout=0.3, what="the impossible")
    assert 0.3 <= time.monotonic() - started < 2


@pytest.mark.e2e
def test_alertmanager_delivers_firing_then_resolved_webhook(tmp_path: Path) -> None:
    require_binary(ALERTMANAGER_NAMES)
    with CaptureServer() as capture:
        config = tmp_path / "alertmanager.yml"
        config.write_text(
            json.dumps(
                {  # JSON is valid YAML
                    "route": {
                        "receiver": "capture",
                        "group_by": ["alertname"],
                        "group_wait": "1s",
                        "group_interval": "1s",
                        "repeat_interval": "1h",
                    },
                    "receivers": [
                        {"name": "capture", "webhook_configs": [{"url": capture.url("/hook"), "send_resolved": True}]}
                    ],
                }
            )
        )
        with AlertmanagerProcess(config) as am:
            start = datetime.now(UTC)
            alert = {
                "labels": {"alertname": "DnaStoreDown", "severity": "critical"},
                "annotations": {"summary": "DNA store is down"},
                "startsAt": _iso(start),
            }
            am.post_alerts([alert])
            assert [a["labels"]["alertname"] for a in am.alerts()] == ["DnaStoreDown"]
            firing = capture.wait_for(lambda r: r.json and r.json["status"] == "firing", timeout=15)
            payload = firing[0].json
            assert payload["receiver"] == "capture"
            assert payload["alerts"][0]["labels"]["severity"] == "critical"
            assert payload["externalURL"] == am.base_url

            am.post_alerts([{**alert, "endsAt": _iso(datetime.now(UTC) - timedelta(seconds=1))}])
            resolved = capture.wait_for(lambda r: r.json and r.json["status"] == "resolved", timeout=15)
            assert resolved[0].json["alerts"][0]["status"] == "resolved"
        assert am.proc is not None and am.proc.returncode is not None  # stopped and reaped
        assert not am.workdir.exists()


@pytest.mark.e2e
def test_prometheus_scrapes_metrics_server_and_answers_queries() -> None:
    require_binary(PROMETHEUS_NAMES)
    with (
        MetricsServer({'dnastore_db_up{job="dnastore"}': 1}) as metrics,
        PrometheusProcess(scrape_targets={"scrape": [metrics.target]}) as prom,
    ):
        up = poll_until(lambda: prom.query('up{job="scrape"}'), timeout=30, what="first scrape")
        assert up[0]["value"][1] == "1"
        # honor_labels keeps the exposed job label (else it would be exported_job).
        series = poll_until(lambda: prom.query("dnastore_db_up"), timeout=10, what="dnastore_db_up")
        assert series[0]["metric"]["job"] == "dnastore"
        assert series[0]["value"][1] == "1"
        metrics.set('dnastore_db_up{job="dnastore"}', 0)
        poll_until(lambda: prom.query("dnastore_db_up == 0"), timeout=10, what="the new value")
        assert prom.alerts() == []
    assert prom.proc is not None and prom.proc.returncode is not None


@pytest.mark.e2e
def test_failed_start_raises_with_the_log_and_cleans_up(tmp_path: Path) -> None:
    path = require_binary(ALERTMANAGER_NAMES)
    bad = tmp_path / "bad.yml"
    bad.write_text("route: [this is not a route\n")
    proc = AlertmanagerProcess(bad, binary_path=path, startup_timeout=10)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="alertmanager not ready") as info:
        with proc:
            pass
    assert time.monotonic() - started < 10  # an early exit is noticed, not waited out
    assert "yaml" in str(info.value).lower()  # the log explains why
    assert proc.proc is not None and proc.proc.returncode is not None
    assert not proc.workdir.exists()
