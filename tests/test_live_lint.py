"""lint --prometheus-url against a real Prometheus scraping the simulator with sigil-dna's compiled
rules loaded: with dnastore_db_up missing and operation="encode" never exported, exactly those two
faults and what depends on them are reported at their spec lines; once the simulator exports
everything, lint finds nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO
from servers import require_binary

from sigil_monitoring import compile_spec, load_spec, write_bundle
from sigil_monitoring.cli import main
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.live.lint import lint
from sigil_monitoring.live.net import PROMETHEUS_NAMES, poll_until
from sigil_monitoring.live.processes import PrometheusProcess
from sigil_monitoring.live.simulator import Simulator

SPEC = REPO / "specs" / "sigil-dna.yaml"
ENCODE = (("job", "sigil-dna"), ("operation", "encode"))
ELSEWHERE = (("job", "sigil-dna"), ("operation", "encoding"))


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.strip().startswith(needle))


@pytest.mark.e2e
def test_lint_reports_a_missing_metric_and_a_missing_label_value_at_their_lines_and_nothing_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    binary = require_binary(PROMETHEUS_NAMES)
    spec = load_spec(SPEC)
    write_bundle(compile_spec(spec), tmp_path / "build")
    rules = sorted((tmp_path / "build" / "sigil-dna" / "prometheus").glob("*.rules.yml"))
    sim = Simulator(build_model([spec]).services)
    db_up = [s for s in sim.series if s.metric.name == "dnastore_db_up"]
    errors = [s for s in sim.series if s.labels == ENCODE]
    assert db_up and errors
    sim.change(db_up, lambda b: setattr(b, "present", False))
    for s in errors:
        s.labels = ELSEWHERE
    with (
        sim.serve() as endpoint,
        PrometheusProcess(
            rule_files=rules, scrape_targets={"sigil-dna": [endpoint.target]}, interval="1s", binary_path=binary
        ) as prom,
    ):
        poll_until(
            lambda: (
                prom.query("service:sigil_encode_total:rate5m")
                and prom.query('slo:sli_error:ratio_rate3d{slo="encode-latency"}')
            ),
            40,
            "rules evaluated on scraped data",
        )
        findings = lint([spec], prom.base_url)
        text = SPEC.read_text()
        by_line = {(f.line, f.message) for f in findings}
        assert (_line_of(text, "db_up:"), 'metric dnastore_db_up not found for {job="sigil-dna"}') in by_line
        assert (
            _line_of(text, "errors:"),
            'no series has operation="encode" on sigil_error_total (the spec pins it)',
        ) in by_line
        # Everything else reported is a consequence of those two, never a false alarm.
        unexplained = [
            f.message
            for f in findings
            if "dnastore_db_up" not in f.message
            and 'operation="encode"' not in f.message
            and "encode-availability" not in f.message
            and "Encode error ratio" not in f.message
        ]
        assert unexplained == []
        assert any(f.message.startswith("alert DatabaseDown reads series that do not exist") for f in findings)
        assert any(f.message.startswith("panel 'Db up' query returns no data: selects nothing") for f in findings)

        assert main(["lint", str(SPEC), "--prometheus-url", prom.base_url, "--format", "github"]) == 1
        out = capsys.readouterr().out.splitlines()
        assert len(out) == len(findings) and all(
            line.startswith(f"::error file={findings[0].file},line=") for line in out
        )

        sim.restore(db_up)
        for s in errors:
            s.labels = ENCODE
        poll_until(
            lambda: (
                prom.query('slo:sli_error:ratio_rate5m{slo="encode-availability"}') and prom.query("dnastore_db_up")
            ),
            40,
            "the fixed series to be scraped and recorded",
        )
        assert lint([spec], prom.base_url) == []
        assert main(["lint", str(SPEC), "--prometheus-url", prom.base_url, "--format", "json"]) == 0
        assert json.loads(capsys.readouterr().out) == {"findings": []}
