"""Compile specs with one target into a folder, as the tests that run promtool on the output need."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path

from servers import require_binary

from sigil_monitoring import parse_spec
from sigil_monitoring.compilers import compiler
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.ir.model import Model
from sigil_monitoring.output.bundle import Artifact


def write_artifacts(artifacts: Iterable[Artifact], root: Path) -> None:
    for artifact in artifacts:
        (root / artifact.path).parent.mkdir(parents=True, exist_ok=True)
        (root / artifact.path).write_bytes(artifact.render())


def prometheus_rules(spec_text: str, name: str, root: Path) -> tuple[Model, Path]:
    """Compile one spec's Prometheus output under ``root``; its model and its service's folder."""
    model = build_model([parse_spec(spec_text, f"{name}.yaml")])
    write_artifacts(compiler("prometheus")(model), root)
    return model, root / model.services[0].name / "prometheus"


def promtool_tests_pass(rule_files: list[Path], checks: list[dict], input_series: list[dict], into: Path) -> None:
    """One ``promtool test rules`` run of ``checks`` (promql_expr_test) on ``input_series``, evaluated
    once a minute over ``rule_files``, passes."""
    from sigil_monitoring.output.render import to_yaml

    test = {
        "rule_files": [str(path) for path in rule_files],
        "evaluation_interval": "1m",
        "tests": [{"interval": "1m", "input_series": input_series, "promql_expr_test": checks}],
    }
    path = into / "parity.test.yml"
    path.write_bytes(to_yaml(test))
    run = subprocess.run(
        [require_binary("promtool"), "test", "rules", str(path)], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]


def promtool_passes(folder: Path) -> None:
    """``promtool check rules`` (lint fatal) on every rule file of ``folder`` and ``promtool test
    rules`` on every generated test under it both succeed."""
    promtool = require_binary("promtool")
    rules = sorted(map(str, folder.glob("*.rules.yml")))
    checked = subprocess.run(
        [promtool, "check", "rules", "--lint=all", "--lint-fatal", *rules], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tests = sorted(map(str, folder.glob("tests/*.test.yml")))
    tested = subprocess.run([promtool, "test", "rules", *tests], capture_output=True, text=True)
    assert tested.returncode == 0, tested.stdout + tested.stderr
