"""Property test: random thresholds, objectives and windows still give rules promtool accepts.

Hypothesis writes spec fragments within the valid ranges; every compiled expression must parse
(promql.check) and, on the whole sample, ``promtool check rules`` must pass in one call and the
generated unit tests in a second call. Rate, ratio and quantile alerts are drawn
with and without ``by`` (on either side of a ratio), since a generated test expects the ``by``
labels on the firing alert.
"""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from servers import require_binary

from sigil_monitoring import parse_spec
from sigil_monitoring.compilers import compiler, prometheus
from sigil_monitoring.compilers.prometheus.rules import RuleFile
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.promql import check

BASE = """apiVersion: sigil-monitoring/v1
service: {{name: prop, selector: {{job: prop}}}}
metrics:
  requests: {{name: prop_requests_total, type: counter, labels: [operation]}}
  errors: {{name: prop_errors_total, type: counter, labels: [operation]}}
  good: {{name: prop_good_total, type: counter}}
  up: {{name: prop_up, type: gauge}}
  disk: {{name: prop_disk_free_bytes, type: gauge, unit: bytes}}
  latency: {{name: prop_latency_seconds, type: histogram, unit: seconds, buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5],
    labels: [operation]}}
slos:
  main:
    objective: {objective}%
    window: {window}
    sli: {sli}
    group_by: {group_by}
alerts:
  Slow:
    when: {{quantile: {quantile}, of: {latency}, above: {latency_ms}ms}}
    for: {for_}
  Failing:
    when: {{rate: {errors}, above: {rate}/{rate_unit}}}
    for: {for_}
  Ratio:
    when: {{ratio: {{bad: {bad}, total: {total}}}, above: {ratio}%}}
  DiskLow:
    when: {{value: disk, below: {disk}GiB}}
    for: {for_}
    keep_firing_for: {keep}
    annotations: {{volume: "{{{{ $labels.job }}}} disk"}}
"""

SLIS = {
    "bad": ("{bad: errors, total: requests}", "[operation]"),
    "good": ("{good: good, total: requests}", "[]"),
    "latency": ("{latency: latency, below: %s}", "[]"),
    "up": ("{up: up}", "[]"),
    "raw": ("{error_ratio: 'sum(rate(prop_errors_total[$window])) / sum(rate(prop_requests_total[$window]))'}", "[]"),
}

# A reference as it is, or kept per operation (a declared label) or per job (a selector label).
BY = ("{metric: %s, by: [operation]}", "{metric: %s, by: [job]}")


def maybe_by(draw: st.DrawFn, metric: str) -> str:
    return draw(st.sampled_from([metric, *(form % metric for form in BY)]))


@st.composite
def specs(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(sorted(SLIS)))
    sli, group_by = SLIS[kind]
    if kind == "latency":
        sli = sli % draw(st.sampled_from(["50ms", "100ms", "250ms", "500ms", "1s", "2500ms"]))
    return BASE.format(
        # Objectives down to 93.1 %: below that 14.4 x budget >= 1 and the page tier can never fire.
        objective=Decimal(draw(st.integers(9310, 9999))) / 100,
        window=draw(st.sampled_from(["7d", "28d", "30d"])),
        sli=sli,
        group_by=group_by,
        quantile=draw(st.sampled_from(["0.5", "0.9", "0.95", "0.99"])),
        latency_ms=draw(st.integers(1, 2499)),
        for_=draw(st.sampled_from(["0s", "1m", "5m", "10m", "1h"])),
        keep=draw(st.sampled_from(["0s", "1m", "10m"])),
        rate=draw(st.integers(1, 600)),
        rate_unit=draw(st.sampled_from(["s", "min", "h"])),
        ratio=draw(st.integers(1, 99)),
        disk=draw(st.integers(1, 1000)),
        latency=maybe_by(draw, "latency"),
        errors=maybe_by(draw, "errors"),
        bad=maybe_by(draw, "errors"),
        total=maybe_by(draw, "requests"),
    )


def test_random_spec_fragments_compile_to_parsing_rules_that_promtool_accepts(tmp_path: Path):
    promtool = require_binary("promtool")
    cases: list[Path] = []

    @settings(
        max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(specs())
    def compile_one(text: str) -> None:
        out = tmp_path / f"case{len(cases)}"
        model = build_model([parse_spec(text, "prop.yaml")])
        for file in prometheus.records(model):
            for group in file.document()["groups"] if isinstance(file, RuleFile) else []:
                for rule in group["rules"]:
                    check(rule["expr"])
        for artifact in compiler("prometheus")(model):
            (out / artifact.path).parent.mkdir(parents=True, exist_ok=True)
            (out / artifact.path).write_bytes(artifact.render())
        cases.append(out)

    compile_one()
    rules = sorted(p for case in cases for p in case.glob("*/prometheus/*.rules.yml"))
    result = subprocess.run(
        [promtool, "check", "rules", "--lint=all", "--lint-fatal", *map(str, rules)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Every case's threshold-alert tests (cheap, and where the drawn `by` forms are), and the
    # SLO burn tests of a few cases (their long windows make them slow).
    threshold = {f"{name}.test.yml" for name in ("Slow", "Failing", "Ratio", "DiskLow")}
    tests = sorted(
        {p for case in cases for p in case.glob("*/prometheus/tests/*.test.yml") if p.name in threshold}
        | {p for case in cases[-6:] for p in case.glob("*/prometheus/tests/*.test.yml")}
    )
    assert len(tests) >= len(cases) * 3 + 6, tests
    result = subprocess.run([promtool, "test", "rules", *map(str, tests)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
