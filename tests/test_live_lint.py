"""lint --prometheus-url against a real Prometheus scraping the simulator with sigil-dna's compiled
rules loaded: with dnastore_db_up missing and operation="encode" never exported, exactly those two
faults and what depends on them are reported at their spec lines; once the simulator exports
everything, lint finds nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO
from servers import MetricsServer, require_binary

from sigil_monitoring import compile_spec, load_spec, write_bundle
from sigil_monitoring.cli import main
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.live.lint import lint
from sigil_monitoring.live.net import PROMETHEUS_NAMES, poll_until
from sigil_monitoring.live.processes import PrometheusProcess
from sigil_monitoring.live.simulator import Simulator
from sigil_monitoring.remote.http import Budget

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
                # each rule group evaluates on its own tick: under load the availability group
                # may not yet have run on two scrapes when the others have
                and prom.query('slo:sli_error:denominator_rate5m{slo="encode-availability"}')
            ),
            40,
            "rules evaluated on scraped data",
        )
        findings = lint([spec], prom.base_url, Budget(30))
        text = SPEC.read_text()
        by_line = {(f.line, f.message) for f in findings}
        assert (_line_of(text, "db_up:"), 'metric dnastore_db_up not found for {job="sigil-dna"}') in by_line
        assert (
            _line_of(text, "errors:"),
            'no series has operation="encode" on sigil_error_total (the spec pins it)',
        ) in by_line
        # One finding per root cause, listing what it empties; the rules are loaded, so nothing asks.
        assert len(findings) == 2, findings
        db, encode = findings
        assert db.affects == ("alert DatabaseDown", "panel 'Db up'")
        assert "alert EncodeAvailabilityFastBurn" in encode.affects and "panel 'Encode error ratio'" in encode.affects
        assert db.text() == (
            f"specs/sigil-dna.yaml:{_line_of(text, 'db_up:')}:3: finding: metric dnastore_db_up not found for "
            """{job="sigil-dna"}; affects alert DatabaseDown, panel 'Db up'"""
        )
        assert not any("loaded" in f.message for f in findings)

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
        assert lint([spec], prom.base_url, Budget(30)) == []
        assert main(["lint", str(SPEC), "--prometheus-url", prom.base_url, "--format", "json"]) == 0
        assert json.loads(capsys.readouterr().out) == {"findings": []}


LATENCY_SPEC = """\
apiVersion: sigil-monitoring/v1
service:
  name: api
  selector: {job: api}
metrics:
  latency:
    name: api_request_duration_seconds
    type: histogram
    buckets: [0.5, 1, 2.5]
slos:
  fast:
    objective: 99%
    sli: {latency: latency, below: 1s}
"""


@pytest.mark.e2e
def test_a_missing_threshold_bucket_and_unloaded_rules_are_each_one_finding_from_valid_queries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    """The service's histogram has no bucket at the SLO's 1 s threshold (the spec declares one the
    code does not have), and Prometheus has none of the compiled rules: the bucket check is a valid
    query whose finding names the bounds that exist; what reads a recording rule is put down to the
    rules not being loaded, once."""
    binary = require_binary(PROMETHEUS_NAMES)
    path = tmp_path / "api.yaml"
    path.write_text(LATENCY_SPEC)
    spec = load_spec(path)
    series = {'api_request_duration_seconds_bucket{le="0.5"}': 3, 'api_request_duration_seconds_bucket{le="2.5"}': 9}
    series |= {'api_request_duration_seconds_bucket{le="+Inf"}': 10, "api_request_duration_seconds_count": 10}
    with (
        MetricsServer({**series, "api_request_duration_seconds_sum": 7.5}) as target,
        PrometheusProcess(scrape_targets={"api": [target.target]}, interval="1s", binary_path=binary) as prom,
    ):
        poll_until(lambda: prom.query('rate(api_request_duration_seconds_count{job="api"}[5m])'), 40, "two scrapes")
        findings = lint([spec], prom.base_url, Budget(30))
        bucket, unloaded = findings
        assert (bucket.line, bucket.message) == (
            6,
            "histogram api_request_duration_seconds has no bucket at le=1, the threshold SLO fast uses (its "
            "buckets: 0.5, 2.5); add a 1 bucket to the histogram where the service defines it, or use one of "
            "these bounds as the threshold",
        )
        assert bucket.affects and all(a.startswith("recording rule slo:") for a in bucket.affects)
        assert unloaded.message.startswith("this Prometheus has not loaded the compiled recording rules (service_le:")
        assert unloaded.message.endswith(
            "); add the rule files compile wrote to rule_files in prometheus.yml and reload it"
        )
        assert {"alert FastFastBurn", "alert FastSlowBurn", "panel 'SLO fast: burn rate'"} <= set(unloaded.affects)

        monkeypatch.setenv("PROMETHEUS_URL", prom.base_url)
        capsys.readouterr()
        assert main(["lint", str(path)]) == 1
        out = capsys.readouterr().out.splitlines()
        assert out == [f.text() for f in findings] and len(out) == 2
