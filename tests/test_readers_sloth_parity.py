"""Sloth's getting-started example, read by the Sloth reader and compiled, fires its page and ticket
alerts at the very minutes Sloth's own generated rules fire theirs, on the same traffic.

Sloth's rules are its repository's generated output for the example (tests/data/sloth/_gen/, see
the README there); ours are compiled from tests/data/sloth/getting-started.yml as ``compile``
reads it. One promtool run feeds both the same series (half an hour at 0.05 % errors, a 150-minute
ramp to 3 %, a sudden stop, 45 minutes at 1 %, quiet to 6 hours): the ramp crosses each threshold
slowly, so a threshold 1-2 % off fires at another minute, and the steps test resolution. At every
minute, each alert's firing state (the ``ALERTS`` series Prometheus writes) is the same for ours
and Sloth's, and each fires for the number of minutes asserted below.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from compiled import write_artifacts
from conftest import REPO
from servers import require_binary

from sigil_monitoring.output.render import to_yaml

DATA = REPO / "tests" / "data" / "sloth"
SLOTH_ALERT = "MyServiceHighErrorRate"
OURS = {"page": "RequestsAvailabilityFastBurn", "ticket": "RequestsAvailabilitySlowBurn"}
# The error ratio of each minute, at 10 requests per second.
RATIOS = [0.0005] * 30 + [0.0005 + 0.0295 * i / 150 for i in range(150)] + [0.0005] * 30 + [0.01] * 45 + [0.0005] * 105
MINUTES = len(RATIOS)


def _input() -> list[dict[str, str]]:
    errors, total, err_values, ok_values = 0.0, 0.0, ["0"], ["0"]
    for ratio in RATIOS:
        errors += 600 * ratio
        total += 600
        err_values.append(f"{errors:.6f}")
        ok_values.append(f"{total - errors:.6f}")
    return [
        {"series": 'http_request_duration_seconds_count{job="myservice",code="503"}', "values": " ".join(err_values)},
        {"series": 'http_request_duration_seconds_count{job="myservice",code="200"}', "values": " ".join(ok_values)},
    ]


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Our rules for the example, compiled from the file as ``compile`` reads it."""
    from sigil_monitoring.compilers import compiler
    from sigil_monitoring.ir.build import build_model
    from sigil_monitoring.readers import load

    path = DATA / "getting-started.yml"
    specs, _losses, errors = load([(str(path), path.read_bytes())])
    assert not errors
    root = tmp_path_factory.mktemp("sloth-parity")
    write_artifacts(compiler("prometheus")(build_model(specs)), root)
    return root / "myservice" / "prometheus" / "slo-requests-availability.rules.yml"


def _firing(alert: str, **labels: str) -> str:
    matchers = "".join(f',{k}="{v}"' for k, v in labels.items())
    return f'(count(ALERTS{{alertname="{alert}",alertstate="firing"{matchers}}}) or vector(0))'


def test_page_and_ticket_alerts_fire_at_the_same_minutes_as_sloths(ours: Path, tmp_path: Path) -> None:
    whole_run = f"[{MINUTES}m:1m]"
    checks = []
    for tier, alert in OURS.items():
        mine, theirs = _firing(alert), _firing(SLOTH_ALERT, sloth_severity=tier)
        checks += [
            {  # at no minute does one fire without the other
                "expr": f"max_over_time(abs({mine} - {theirs}){whole_run})",
                "eval_time": f"{MINUTES}m",
                "exp_samples": [{"labels": "{}", "value": 0}],
            },
            {  # and they do fire: for this many minutes of the run (the same for both)
                "expr": f"sum_over_time({mine}{whole_run})",
                "eval_time": f"{MINUTES}m",
                "exp_samples": [{"labels": "{}", "value": FIRING_MINUTES[tier]}],
            },
        ]
    test = {
        "rule_files": [str(ours), str(DATA / "_gen" / "getting-started.yml")],
        "evaluation_interval": "1m",
        "tests": [{"interval": "1m", "input_series": _input(), "promql_expr_test": checks}],
    }
    path = tmp_path / "parity.test.yml"
    path.write_bytes(to_yaml(test))
    run = subprocess.run(
        [require_binary("promtool"), "test", "rules", str(path)], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]


FIRING_MINUTES = {"page": 136, "ticket": 315}
