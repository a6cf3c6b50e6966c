"""Sloth's getting-started example, read by the Sloth reader and compiled, fires its page and ticket
alerts at the very minutes Sloth's own generated rules fire theirs, on the same traffic.

Sloth's rules are its repository's generated output for the example (examples/_gen/, kept as
tests/sloth/getting-started-30d.rules.yml, see PROVENANCE.txt there); ours are compiled from
tests/data/sloth/getting-started.yml as ``compile`` reads it. One promtool run feeds both the
traffic of tests/test_sloth_parity.py (half an hour at 0.05 % errors, a 150-minute ramp to 3 %, a
sudden stop, 45 minutes at 1 %, quiet to 6 hours): the ramp crosses each threshold slowly, so a
threshold 1-2 % off fires at another minute, and the steps test resolution. At every
minute, each alert's firing state (the ``ALERTS`` series Prometheus writes) is the same for ours
and Sloth's, and each fires for the number of minutes asserted below.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from compiled import promtool_tests_pass, write_artifacts
from conftest import REPO
from test_sloth_parity import MINUTES, _input  # the same traffic as the condition parity test

from sigil_monitoring.output.render import to_yaml

DATA = REPO / "tests" / "data" / "sloth"
SLOTH_RULES = REPO / "tests" / "sloth" / "getting-started-30d.rules.yml"  # Sloth's output for the example
SLOTH_ALERT = "MyServiceHighErrorRate"
OURS = {"page": "RequestsAvailabilityFastBurn", "ticket": "RequestsAvailabilitySlowBurn"}
# How long each tier fires in this run (ours and Sloth's alike): the test is not of two silent rule sets.
FIRING_MINUTES = {"page": 136, "ticket": 315}


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


def _one_group(rules: Path, into: Path) -> Path:
    """The file's rules as one group, in file order.

    promtool evaluates a file's groups at each step in an order of its own choosing (a map's), so
    an alert whose group runs before its recording rules' group reads the previous minute: the same
    rules would fire a minute apart from one run to the next. Within a group, rules run in order,
    each seeing the ones before it: one group per side makes both timelines exact.
    """
    from ruamel.yaml import YAML

    groups = YAML(typ="safe").load(rules.read_text(encoding="utf-8"))["groups"]
    into.write_bytes(to_yaml({"groups": [{"name": into.stem, "rules": [r for g in groups for r in g["rules"]]}]}))
    return into


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
    rules = [_one_group(ours, tmp_path / "ours.rules.yml"), _one_group(SLOTH_RULES, tmp_path / "sloth.rules.yml")]
    promtool_tests_pass(rules, checks, _input(), tmp_path)
