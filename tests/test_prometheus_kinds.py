"""Every SLI kind and alert kind the spec offers, compiled and run through promtool.

The spec below is the one place that uses good/total, up, native-histogram and raw error_ratio
SLIs, a grouped SLO, ratio/below/by/raw-PromQL alerts and extra service labels. Each of rate,
ratio and quantile alerts also comes with ``by``: the generated promtool test then expects the
``by`` label on the firing alert, so a condition that loses the label fails here.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from servers import require_binary

from sigil_monitoring import parse_spec
from sigil_monitoring.compilers import compiler
from sigil_monitoring.ir.build import build_model

KINDS = """apiVersion: sigil-monitoring/v1
service:
  name: kinds
  selector: {job: kinds}
  labels: {tier: "1"}
metrics:
  requests: {name: kinds_requests_total, type: counter, labels: [operation]}
  good: {name: kinds_good_total, type: counter, labels: [operation]}
  errors: {name: kinds_errors_total, type: counter, labels: [operation]}
  db_up: {name: kinds_db_up, type: gauge}
  native: {name: kinds_native_seconds, type: native_histogram, unit: seconds}
  latency: {name: kinds_latency_seconds, type: histogram, unit: seconds, buckets: [0.1, 0.25, 1], labels: [operation]}
slos:
  good-ratio:
    objective: 99.5%
    window: 28d
    sli: {good: good, total: requests}
    group_by: [operation]
    alerting:
      labels: {page_team: core}
  db-up:
    objective: 99%
    window: 7d
    sli: {up: db_up}
    alerting:
      ticket: {enabled: false}
  native-latency:
    objective: 99%
    sli: {latency: native, below: 250ms}
  raw:
    objective: 99.9%
    sli: {error_ratio: 'sum(rate(kinds_errors_total{job="kinds"}[$window])) /
      sum(rate(kinds_requests_total{job="kinds"}[$window]))'}
alerts:
  ErrorRatioHigh:
    when: {ratio: {bad: errors, total: requests}, above: 5%}
  LatencyTooGood:
    when: {quantile: 0.5, of: latency, below: 250ms}
    severity: info
  ByOperation:
    when: {rate: {metric: errors, by: [operation]}, above: 2/s}
    description: 'Operation {{ $labels.operation }} fails at {{ $value }}/s.'
  RawPromql:
    when: {promql: 'up{job="kinds"} == 0'}
  NativeSlow:
    when: {quantile: 0.9, of: native, above: 1s}
  RatioByOperation:
    when: {ratio: {bad: {metric: errors, by: [operation]}, total: requests}, above: 5%}
  RatioBothByOperation:
    when: {ratio: {bad: {metric: errors, by: [operation]}, total: {metric: requests, by: [operation]}}, above: 20%}
  RatioByJob:
    when: {ratio: {bad: errors, total: {metric: requests, by: [job]}}, above: 1%}
  SlowByOperation:
    when: {quantile: 0.95, of: {metric: latency, by: [operation]}, above: 250ms}
"""


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("kinds")
    for artifact in compiler("prometheus")(build_model([parse_spec(KINDS, "kinds.yaml")])):
        (root / artifact.path).parent.mkdir(parents=True, exist_ok=True)
        (root / artifact.path).write_bytes(artifact.render())
    return root / "kinds" / "prometheus"


def test_every_kind_passes_promtool_check_and_its_generated_tests(out):
    promtool = require_binary("promtool")
    rules = sorted(out.glob("*.rules.yml"))
    checked = subprocess.run(
        [promtool, "check", "rules", "--lint=all", "--lint-fatal", *map(str, rules)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tests = sorted(out.glob("tests/*.test.yml"))
    tested = subprocess.run([promtool, "test", "rules", *map(str, tests)], capture_output=True, text=True)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    # Raw PromQL alerts cannot be fed generically; every other alert has its test file.
    assert sorted(p.stem for p in tests) == sorted(
        f"{n}.test"
        for n in (
            "ByOperation",
            "DbUpFastBurn",
            "ErrorRatioHigh",
            "GoodRatioFastBurn",
            "GoodRatioSlowBurn",
            "LatencyTooGood",
            "NativeLatencyFastBurn",
            "NativeLatencySlowBurn",
            "RatioBothByOperation",
            "RatioByJob",
            "RatioByOperation",
            "RawFastBurn",
            "RawSlowBurn",
            "SlowByOperation",
            "recording",
        )
    )


def test_a_ratio_alert_with_by_on_either_side_divides_per_label_on_both_sides(out):
    rules = (out / "alerts.rules.yml").read_text()
    per_operation = (
        'sum by (operation) (service_operation:kinds_errors_total:rate5m{service=\\"kinds\\"}) / '
        'sum by (operation) (service_operation:kinds_requests_total:rate5m{service=\\"kinds\\"})'
    )
    assert rules.count(per_operation) == 2, rules  # by on bad only, and by on both sides
    assert "sum by (job) (rate(kinds_errors_total" in rules and "sum by (job) (rate(kinds_requests_total" in rules
    tests = {
        name: (out / "tests" / f"{name}.test.yml").read_text()
        for name in ("RatioByOperation", "RatioByJob", "SlowByOperation")
    }
    assert "operation: test\n" in tests["RatioByOperation"] and "operation: test\n" in tests["SlowByOperation"]
    assert "job: kinds\n" in tests["RatioByJob"]


def test_each_sli_kind_records_its_error_ratio_expression(out):
    assert (
        '1 - (sum by (operation) (rate(kinds_good_total{job=\\"kinds\\"}[5m])) / sum by (operation)'
        in (out / "slo-good-ratio.rules.yml").read_text()
    )
    assert '1 - avg (avg_over_time(kinds_db_up{job=\\"kinds\\"}[15m]))' in (out / "slo-db-up.rules.yml").read_text()
    assert (
        "1 - histogram_fraction(0, 0.25, sum (rate(kinds_native_seconds{"
        in (out / "slo-native-latency.rules.yml").read_text()
    )
    raw = (out / "slo-raw.rules.yml").read_text()
    assert "[$window]" not in raw and '[1h])) / sum(rate(kinds_requests_total{job=\\"kinds\\"}[1h]))' in raw


def test_a_grouped_slo_keeps_its_labels_into_the_alert_and_a_disabled_tier_has_no_rule(out):
    test = (out / "tests" / "GoodRatioFastBurn.test.yml").read_text()
    assert "operation: test\n" in test and "page_team: core\n" in test and 'tier: "1"\n' in test
    assert "alert: DbUpSlowBurn" not in (out / "slo-db-up.rules.yml").read_text()


def test_a_28_day_slo_uses_its_own_burn_factors_in_exact_decimal(out):
    text = (out / "slo-good-ratio.rules.yml").read_text()
    assert "> 0.0672\n" in text and "> 0.028\n" in text  # 13.44 x 0.005 and 5.6 x 0.005
    assert "expr: vector(28)" in text and "expr: vector(0.995)" in text
