"""Every example's rules in one real Prometheus, scraping its exporter's /metrics as served.

Two Prometheus servers run side by side on 127.0.0.1: one scrapes every fixture in its normal
state, one in its incident state (plus a closed port in each job, so ``up`` alerts have a dead
target). Each starts with the last 15 minutes of its fixtures backfilled (promtool tsdb
create-blocks-from openmetrics), because rules rate over 5 minutes and more and a fresh server
would see a fraction of every rate for minutes. In the normal one every rule is healthy, every
recorded series exists, ``lint`` finds nothing (every panel query and rule returns data) and no
alert is pending or firing; in the incident one every alert of every example (threshold and SLO
burn alerts alike) becomes pending or firing. Scrape and evaluation run every second.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES
from exporter_fixtures import ExporterFixture
from servers import require_binary

from sigil_monitoring import compile_specs, load_spec
from sigil_monitoring.conventions import SERVICE_LABEL
from sigil_monitoring.live.lint import lint
from sigil_monitoring.live.net import PROMETHEUS_NAMES, free_port, poll_until
from sigil_monitoring.live.processes import PrometheusProcess
from sigil_monitoring.remote.budget import Budget


def _job(spec: Any) -> str:
    return spec.service.selector["job"].value


def _rules(prom: PrometheusProcess) -> list[dict[str, Any]]:
    return [rule for group in prom._api("/api/v1/rules")["groups"] for rule in group["rules"]]


@pytest.mark.e2e
def test_every_example_rule_is_healthy_records_exist_and_every_alert_can_be_driven_to_fire(tmp_path: Path):
    require_binary(PROMETHEUS_NAMES)
    specs = [load_spec(p) for p in EXAMPLES]
    bundle = compile_specs(specs)
    rule_files = []
    for path, data in bundle.items():
        if path.endswith(".rules.yml"):
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_bytes(data)
            rule_files.append(tmp_path / path)
    dead = f"127.0.0.1:{free_port()}"  # nothing listens: its `up` is 0
    now = time.time()
    origin = now - 3600

    with contextlib.ExitStack() as stack:

        def server(state: str, extra: list[str]) -> PrometheusProcess:
            fixtures = {p.stem: stack.enter_context(ExporterFixture(p.stem, state, origin)) for p in EXAMPLES}
            prom = PrometheusProcess(
                rule_files=rule_files,
                scrape_targets={
                    _job(s): [fixtures[p.stem].target, *extra] for p, s in zip(EXAMPLES, specs, strict=True)
                },
            )
            openmetrics = prom.workdir / "history.om"
            openmetrics.write_text(
                "".join(
                    fixtures[p.stem].history(_job(s), now - 900, now - 5).removesuffix("# EOF\n")
                    for p, s in zip(EXAMPLES, specs, strict=True)
                )
                + "# EOF\n"
            )
            made = subprocess.run(
                [
                    require_binary("promtool"),
                    "tsdb",
                    "create-blocks-from",
                    "openmetrics",
                    str(openmetrics),
                    str(prom.workdir / "data"),
                ],
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert made.returncode == 0, made.stdout + made.stderr
            return stack.enter_context(prom)

        calm = server("normal", [])
        burning = server("incident", [dead])

        def all_evaluated(prom: PrometheusProcess) -> list[dict[str, Any]] | None:
            rules = _rules(prom)
            return rules if rules and all(r["health"] != "unknown" for r in rules) else None

        # Backfilled history answers rule queries at once, but `up` exists only after the first
        # scrape, and Prometheus hands new targets to its scrapers ~5 s after start (its discovery
        # manager batches updates): wait for a scrape of every job in both servers.
        jobs = sorted({_job(s) for s in specs})

        def unscraped(prom: PrometheusProcess) -> list[str]:
            return [job for job in jobs if not prom.query(f'up{{job="{job}"}}')]

        for prom in (calm, burning):
            poll_until(lambda prom=prom: not unscraped(prom), 40, "a first scrape of every job")
        rules = poll_until(lambda: all_evaluated(calm), 40, "every rule to be evaluated")
        assert [(r["name"], r["lastError"]) for r in rules if r["health"] != "ok"] == []

        records = sorted({(r["name"], r["labels"][SERVICE_LABEL]) for r in rules if r["type"] == "recording"})
        assert len(records) > 50

        def missing() -> list[tuple[str, str]] | None:
            gone = [(name, svc) for name, svc in records if not calm.query(f'{name}{{{SERVICE_LABEL}="{svc}"}}')]
            return gone or None

        gone: list[tuple[str, str]] = []
        with contextlib.suppress(AssertionError):
            poll_until(lambda: not missing(), 30, "every recorded series")
        gone = missing() or []
        assert gone == [], f"recording rules with no series on normal traffic: {gone}"
        # lint --prometheus-url: every catalog metric with its type and labels, every pinned label
        # value, a bucket at every latency threshold, and every rule and panel query returns data.
        assert [f.text() for f in lint(specs, calm.base_url, Budget(60))] == []
        assert [a["labels"]["alertname"] for a in calm.alerts()] == [], "normal traffic raises nothing"

        alert_names = {r["name"] for r in _rules(burning) if r["type"] == "alerting"}
        assert len(alert_names) >= sum(len(s.alerts) for s in specs)

        def quiet() -> set[str] | None:
            active = {a["labels"]["alertname"] for a in burning.alerts()}
            return (alert_names - active) or None

        with contextlib.suppress(AssertionError):
            poll_until(lambda: not quiet(), 60, "every alert to be pending or firing")
        assert quiet() is None, f"alerts the incident did not drive: {sorted(quiet() or ())}"
