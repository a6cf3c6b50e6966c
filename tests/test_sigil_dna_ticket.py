"""Ticket C6's error-rate alert counts user-facing errors only: GC errors, which its own runbook
calls not user facing, never fire it; encode errors at the same rate do (promtool, minute by minute)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from compiled import prometheus_rules
from conftest import REPO
from servers import require_binary

_TEST = """
rule_files: [../recording.rules.yml, ../alerts.rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'sigil_error_total{{job="sigil-dna",operation="{operation}"}}'
        values: '0+10x20'
    promql_expr_test:
      - expr: count(ALERTS{{alertname="ErrorRateHigh",alertstate="firing"}})
        eval_time: 15m
        exp_samples: {expected}
"""


@pytest.mark.parametrize(("operation", "fires"), [("gc", False), ("encode", True), ("verify", True)])
def test_error_rate_high_fires_on_user_facing_errors_only(tmp_path: Path, operation: str, fires: bool):
    _, folder = prometheus_rules((REPO / "specs" / "sigil-dna.yaml").read_text(), "sigil-dna", tmp_path)
    test = folder / "tests" / "gc.test.yml"
    test.write_text(_TEST.format(operation=operation, expected="[{labels: '{}', value: 1}]" if fires else "[]"))
    run = subprocess.run([require_binary("promtool"), "test", "rules", str(test)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
