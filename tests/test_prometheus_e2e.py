"""End to end: the compiled sigil-dna rules loaded into a real Prometheus fire DatabaseDown.

A test copy of the spec shortens DatabaseDown's ``for`` to 2s; scrape and evaluation run every
second. Prometheus 2.42 scrapes first about 5.5 s after start, so the wait is bounded at 30 s.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO
from servers import MetricsServer, require_binary

from sigil_monitoring import load_spec
from sigil_monitoring.compilers import compiler
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.live.net import PROMETHEUS_NAMES, poll_until
from sigil_monitoring.live.processes import PrometheusProcess


@pytest.mark.e2e
def test_database_down_fires_in_real_prometheus_when_the_db_up_gauge_drops_to_zero(tmp_path: Path):
    require_binary(PROMETHEUS_NAMES)
    text = (REPO / "specs" / "sigil-dna.yaml").read_text()
    old = "summary: The DNA store database does not answer."
    assert text.count("for: 2m\n    severity: critical\n    " + old) == 1
    spec_path = tmp_path / "sigil-dna.yaml"
    spec_path.write_text(
        text.replace("for: 2m\n    severity: critical\n    " + old, "for: 2s\n    severity: critical\n    " + old)
    )
    rule_files = []
    for artifact in compiler("prometheus")(build_model([load_spec(spec_path)])):
        if artifact.path.endswith(".rules.yml"):
            path = tmp_path / artifact.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(artifact.render())
            rule_files.append(path)

    with (
        MetricsServer({'dnastore_db_up{job="sigil-dna"}': 1}) as metrics,
        PrometheusProcess(rule_files=rule_files, scrape_targets={"sigil-dna": [metrics.target]}) as prom,
    ):
        poll_until(lambda: prom.query('dnastore_db_up{job="sigil-dna"} == 1'), 30, "the first scrape")
        assert not [a for a in prom.alerts() if a["labels"]["alertname"] == "DatabaseDown"]
        metrics.set('dnastore_db_up{job="sigil-dna"}', 0)

        def firing():
            return [a for a in prom.alerts() if a["labels"]["alertname"] == "DatabaseDown" and a["state"] == "firing"]

        alert = poll_until(firing, 20, "DatabaseDown to fire")[0]
    assert alert["labels"] == {
        "alertname": "DatabaseDown",
        "instance": metrics.target,
        "job": "sigil-dna",
        "service": "sigil-dna",
        "severity": "critical",
        "team": "sigil",
    }
    assert alert["annotations"]["summary"] == "The DNA store database does not answer."
    assert alert["annotations"]["description"] == (
        "The DNA store database does not answer. Current value: 0 (threshold 1). "
        f"Service sigil-dna, instance {metrics.target}."
    )
    assert alert["annotations"]["runbook_url"] == "https://runbooks.example.com/sigil-dna#databasedown"
