"""Burn-rate windows and factors (values/burn_rates.py): every SLO window keeps the workbook's coverage.

The workbook's 30-day tiers page on burns of 6x and more and ticket on 1x and more. A tier of
any other SLO window must catch every burn multiple the workbook's tier catches (give or take the
5 % tolerance of moving a window to a round duration), and a firing alert must still mean the
workbook's share of the budget is spent. The promtool tests feed a steady burn just above the
workbook's coverage into the compiled rules of 1d, 7d, 28d, 30d, 90d and 365d SLOs.
"""

from __future__ import annotations

import itertools
import subprocess
from decimal import Decimal

import pytest
from compiled import prometheus_rules, write_artifacts
from hypothesis import given, settings
from hypothesis import strategies as st
from servers import require_binary

from sigil_monitoring import parse_spec
from sigil_monitoring.compilers import compiler
from sigil_monitoring.compilers.prometheus.testgen import model as promtool_test
from sigil_monitoring.compilers.prometheus.testgen import slo as slo_tests
from sigil_monitoring.compilers.prometheus.testgen.threshold import SETTLE
from sigil_monitoring.defaults import (
    BURN_WINDOWS,
    LONG_WINDOW_TOLERANCE,
    MIN_BURN_WINDOW,
    MIN_RATE_WINDOW_SCRAPES,
    WINDOW_LADDER,
)
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.output.bundle import Artifact
from sigil_monitoring.values.burn_rates import burn_windows, workbook_factor
from sigil_monitoring.values.units import Duration

D = Duration.parse
PERIODS = ("1d", "7d", "28d", "30d", "90d", "365d")
# The slowest burn each tier of the workbook's 30-day SLO catches.
WORKBOOK_COVERAGE = {
    tier: min(workbook_factor(p) for p in BURN_WINDOWS if p.tier == tier) for tier in ("page", "ticket")
}
# A factor may exceed the workbook's by the rounding of its long window up to a round duration.
MOST_ABOVE = 1 / (1 - LONG_WINDOW_TOLERANCE) + Decimal("0.0001")
LADDER_STEP = max(Decimal(b.ms) / Decimal(a.ms) for a, b in itertools.pairwise(WINDOW_LADDER))


def shown(period: str, scrape: str = "15s") -> list[tuple[str, str, str]]:
    return [(str(w.long), str(w.short), str(w.factor)) for w in burn_windows(D(period), D(scrape))]


def test_30d_and_28d_slos_keep_the_workbook_windows_and_sloths_factors():
    assert shown("30d") == [("1h", "5m", "14.4"), ("6h", "30m", "6"), ("1d", "2h", "3"), ("3d", "6h", "1")]
    assert shown("28d") == [("1h", "5m", "13.44"), ("6h", "30m", "5.6"), ("1d", "2h", "2.8"), ("3d", "6h", "0.9333")]


def test_a_7d_slo_pages_from_5_6x_and_a_365d_slo_tickets_from_0_81x():
    # Before: 7d paged only from 8.4x (6h -> 1h), 365d ticketed only from 5.2x (both pairs on 7d).
    assert shown("7d") == [
        ("15m", "1m", "13.44"),
        ("1h30m", "6m", "5.6"),
        ("6h", "30m", "2.8"),
        ("18h", "1h30m", "0.9333"),
    ]
    assert shown("365d") == [
        ("12h", "1h", "14.6"),
        ("3d", "6h", "6.0833"),
        ("14d", "1d", "2.6071"),
        ("45d", "3d", "0.8111"),
    ]


@pytest.mark.parametrize("period", PERIODS)
def test_each_tier_catches_every_burn_the_workbooks_tier_catches_and_spends_the_workbooks_budget(period):
    windows = burn_windows(D(period), D("15s"))
    for tier, coverage in WORKBOOK_COVERAGE.items():
        lowest = min(w.factor for w in windows if w.tier == tier)
        assert coverage * (1 - LONG_WINDOW_TOLERANCE) / LADDER_STEP <= lowest <= coverage * MOST_ABOVE, (
            period,
            tier,
            lowest,
        )
    for w, policy in zip(windows, BURN_WINDOWS, strict=True):
        spent = w.factor * Decimal(w.long.ms) / Decimal(D(period).ms)
        assert abs(spent - policy.budget_consumed) <= Decimal("0.0001") * Decimal(w.long.ms) / Decimal(
            D(period).ms
        ) + Decimal("1e-12")


@settings(max_examples=300, deadline=None, database=None)
@given(period_minutes=st.integers(60, 3 * 365 * 1440), scrape_seconds=st.sampled_from([1, 5, 10, 15, 30, 60, 120, 300]))
def test_no_slo_window_leaves_a_burn_the_workbook_catches_unalerted(period_minutes, scrape_seconds):
    period, scrape = Duration(period_minutes * 60_000), Duration(scrape_seconds * 1000)
    floor = max(Duration(scrape.ms * MIN_RATE_WINDOW_SCRAPES), MIN_BURN_WINDOW)
    for w, policy in zip(burn_windows(period, scrape), BURN_WINDOWS, strict=True):
        assert floor <= w.short <= w.long
        assert w.short < w.long or w.long == floor
        assert w.factor <= workbook_factor(policy) * MOST_ABOVE, (str(period), str(w.long), w.factor)
        exact = Decimal(policy.long.ms) * Decimal(period.ms) / Decimal(D("30d").ms)
        if exact * (1 - LONG_WINDOW_TOLERANCE) > floor.ms and w.long <= WINDOW_LADDER[-1]:
            # Not pushed up by the scrape interval: the factor stays within one ladder step.
            assert w.factor >= workbook_factor(policy) * (1 - LONG_WINDOW_TOLERANCE) / LADDER_STEP - Decimal("0.0001")


SPEC = """apiVersion: sigil-monitoring/v1
service: {{name: p{stem}, selector: {{job: p{stem}}}}}
metrics:
  requests: {{name: app_requests_total, type: counter}}
  errors: {{name: app_errors_total, type: counter}}
slos:
  availability:
    objective: 99.9%
    window: {period}
    sli: {{bad: errors, total: requests}}
"""


def test_a_steady_burn_just_above_the_workbooks_coverage_fires_each_tier_of_every_slo_window(tmp_path):
    """6.36x pages and 1.06x tickets, for every window; the generated tests pass too."""
    specs = [parse_spec(SPEC.format(stem=p, period=p), f"p{p}.yaml") for p in PERIODS]
    model = build_model(specs)
    artifacts: list[Artifact] = list(compiler("prometheus")(model))
    for service in model.services:
        slo = service.slos[0]
        rule_file = f"{service.name}/prometheus/slo-availability.rules.yml"
        for burn in slo.alerts:
            ratio = WORKBOOK_COVERAGE[burn.tier] * Decimal("1.06") * slo.error_budget
            fire_at = Duration(burn.for_.ms + SETTLE.ms)
            samples = fire_at.ms // promtool_test.EVALUATION_INTERVAL.ms + 1
            group = promtool_test.TestGroup(
                slo_tests.feed(service, slo, burn, ratio, samples)[0],
                (promtool_test.AlertCase(fire_at, burn.name, (slo_tests.expected(service, slo, burn, ratio),)),),
            )
            test = promtool_test.TestFile(
                f"{service.name}/prometheus/tests/coverage-{burn.tier}.test.yml", (rule_file,), (group,)
            )
            artifacts.append(Artifact(test.path, test.document(), "yaml", service.source))
    write_artifacts(artifacts, tmp_path)
    tests = sorted(str(p) for p in tmp_path.glob("*/prometheus/tests/*.test.yml"))
    assert len([t for t in tests if "/coverage-" in t]) == 2 * len(PERIODS)
    run = subprocess.run(
        [require_binary("promtool"), "test", "rules", *tests], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]


def test_a_92_percent_slo_pages_on_its_6h_pair_alone_and_its_generated_tests_pass(tmp_path):
    model, out = prometheus_rules(SPEC.format(stem="92", period="30d").replace("99.9%", "92%"), "p92", tmp_path)
    page = next(b for b in model.services[0].slos[0].alerts if b.tier == "page")
    assert [(str(w.long), str(w.short), str(w.factor)) for w in page.windows] == [("6h", "30m", "6")]
    rules = (out / "slo-availability.rules.yml").read_text()
    assert "> 0.48\n" in rules and "> 1.152" not in rules  # 6 x 0.08 kept, 14.4 x 0.08 left out
    tests = sorted(str(p) for p in (out / "tests").glob("*Burn.test.yml"))
    run = subprocess.run(
        [require_binary("promtool"), "test", "rules", *tests], capture_output=True, text=True, timeout=120
    )
    assert len(tests) == 2 and run.returncode == 0, run.stdout + run.stderr
