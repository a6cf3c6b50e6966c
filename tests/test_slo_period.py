"""The SLO-period error ratio is weighted by traffic and survives gaps in traffic (promtool).

Input: an hour of busy traffic with 0.1 % errors, ten minutes with no traffic at all (counters
flat), then 50 minutes of a trickle with 50 % errors, scraped every 15 s. Traffic-weighted, the
period ratio is 1860 / 363000 = 0.51 %. An average of the short ratios (Sloth's way, and ours
before) is NaN for the whole period after the gap, since 0/0 is NaN and a NaN in avg_over_time
poisons the average; for a 7d SLO (1m shortest window) three quiet minutes are enough.
"""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from compiled import prometheus_rules
from servers import require_binary

from sigil_monitoring.output.render import to_yaml

SPEC = """apiVersion: sigil-monitoring/v1
service: {name: gap, selector: {job: gap}}
metrics:
  requests: {name: app_requests_total, type: counter}
  errors: {name: app_errors_total, type: counter}
  latency: {name: app_duration_seconds, type: histogram, unit: seconds, buckets: [0.5, 1]}
slos:
  month:
    objective: 99%
    window: 30d
    sli: {bad: errors, total: requests}
  week:
    objective: 99%
    window: 7d
    sli: {bad: errors, total: requests}
  week-latency:
    objective: 99%
    window: 7d
    sli: {latency: latency, below: 1s}
  raw:
    objective: 99%
    sli: {error_ratio: 'sum(rate(app_errors_total{job="gap"}[$window])) /
      sum(rate(app_requests_total{job="gap"}[$window]))'}
"""
SCRAPE_S = 15
# (minutes, requests per second, errors per second)
PHASES = ((60, 100, Decimal("0.1")), (10, 0, 0), (50, 1, Decimal("0.5")))
BAD = sum(m * 60 * e for m, _, e in PHASES)
ALL = sum(m * 60 * r for m, r, _ in PHASES)


def _counter(per_second: list[Decimal | int]) -> str:
    """Explicit samples every SCRAPE_S seconds of a counter growing at the given rates."""
    value, out = Decimal(0), ["0"]
    for rate in per_second:
        value += Decimal(rate) * SCRAPE_S
        out.append(str(value))
    return " ".join(out)


def _rates(column: int) -> list[Decimal | int]:
    return [phase[column] for phase in PHASES for _ in range(phase[0] * 60 // SCRAPE_S)]


def _series() -> list[dict[str, str]]:
    requests, errors = _rates(1), _rates(2)
    slow = [r - e for r, e in zip(requests, errors, strict=True)]  # latency: errors are the slow requests
    job = '{job="gap"}'
    return [
        {"series": f"app_requests_total{job}", "values": _counter(requests)},
        {"series": f"app_errors_total{job}", "values": _counter(errors)},
        {"series": 'app_duration_seconds_count{job="gap"}', "values": _counter(requests)},
        {"series": 'app_duration_seconds_bucket{job="gap",le="1"}', "values": _counter(slow)},
    ]


def _close(expr: str, value: Decimal, within: Decimal) -> dict[str, object]:
    """A check that ``expr`` (one series) is ``value`` give or take ``within``: never NaN."""
    value, within = value.quantize(Decimal("1e-9")), within.quantize(Decimal("1e-9"))
    return {
        "expr": f"count(abs({expr} - {value}) <= {within})",
        "eval_time": "2h",
        "exp_samples": [{"labels": "{}", "value": 1}],
    }


def _nan(expr: str) -> dict[str, object]:
    """A check that ``expr`` is NaN (NaN == NaN is false, so the filter returns nothing)."""
    return {"expr": f"{expr} == {expr}", "eval_time": "2h", "exp_samples": []}


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prometheus_rules(SPEC, "gap", tmp_path_factory.mktemp("gap"))[1]


def test_the_period_ratio_is_traffic_weighted_and_a_traffic_gap_makes_neither_it_nor_the_budget_nan(rules, tmp_path):
    # Within 10 %: the traffic of the last few minutes is in fewer rate windows than the rest
    # (over 2 h, 5m of a 50 % trickle moves the ratio by 8 %; over 30 days it would be noise).
    ratio, within = BAD / ALL, BAD / ALL / 10
    checks = []
    for slo, period in (("month", "30d"), ("week", "7d"), ("week-latency", "7d")):
        sel = f'{{service="gap",slo="{slo}"}}'
        shortest = "5m" if period == "30d" else "1m"
        checks += [
            _close(f"slo:sli_error:ratio_rate{period}{sel}", ratio, within),
            _close(
                f"slo:period_error_budget_remaining:ratio{sel}", 1 - ratio / Decimal("0.01"), within / Decimal("0.01")
            ),
            # What the period ratio was before: the average of the shortest ratio, NaN after the gap.
            _nan(f"avg_over_time(slo:sli_error:ratio_rate{shortest}{sel}[{period}])"),
        ]
    # A raw error_ratio gives no traffic: its period ratio averages the valid samples over time
    # (0.1 % for 60 minutes, 50 % for 50) but is defined too.
    raw = '{service="gap",slo="raw"}'
    checks.append(
        _close(
            f"slo:sli_error:ratio_rate30d{raw}", (60 * Decimal("0.001") + 50 * Decimal("0.5")) / 110, Decimal("0.03")
        )
    )
    test = {
        "rule_files": [str(p) for p in sorted(rules.glob("slo-*.rules.yml"))],
        "evaluation_interval": "1m",
        "tests": [{"interval": f"{SCRAPE_S}s", "input_series": _series(), "promql_expr_test": checks}],
    }
    path = tmp_path / "gap.test.yml"
    path.write_bytes(to_yaml(test))
    run = subprocess.run(
        [require_binary("promtool"), "test", "rules", str(path)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]


def test_missing_scrapes_leave_the_period_ratio_and_budget_defined(rules, tmp_path):
    """A target that is not scraped for ten minutes (no samples at all) is no traffic either."""
    series = _series()
    for s in series:
        values = s["values"].split()
        gap = slice(60 * 60 // SCRAPE_S + 1, 70 * 60 // SCRAPE_S + 1)
        values[gap] = ["_"] * len(values[gap])
        s["values"] = " ".join(values)
    sel = '{service="gap",slo="week"}'
    checks = [
        _close(f"slo:sli_error:ratio_rate7d{sel}", BAD / ALL, BAD / ALL / 50),
        _close(
            f"slo:period_error_budget_remaining:ratio{sel}",
            1 - BAD / ALL / Decimal("0.01"),
            BAD / ALL / 50 / Decimal("0.01"),
        ),
    ]
    test = {
        "rule_files": [str(rules / "slo-week.rules.yml")],
        "evaluation_interval": "1m",
        "tests": [{"interval": f"{SCRAPE_S}s", "input_series": series, "promql_expr_test": checks}],
    }
    path = tmp_path / "missing.test.yml"
    path.write_bytes(to_yaml(test))
    run = subprocess.run(
        [require_binary("promtool"), "test", "rules", str(path)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
