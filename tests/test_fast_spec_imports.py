"""A valid spec is loaded, validated and compiled without importing pydantic (issue 13).

Each command runs in a fresh interpreter through the real entry point (``python -m
sigil_monitoring``); ``-X importtime`` lists every module the process imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import REPO

SPEC = "specs/sigil-dna.yaml"
NOT_GRAFANA = "prometheus,alertmanager,runbook,kubernetes,mimir,thanos,victoriametrics"


def _imported(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sigil_monitoring", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}


def _pydantic(modules: set[str]) -> set[str]:
    # The spec classes themselves load on every path; their pydantic vocabulary and models do not.
    models = {f"sigil_monitoring.spec.{m}" for m in ("types", "pydantic_models", "explain", "messages")}
    return {m for m in modules if m.split(".")[0] in ("pydantic", "pydantic_core") or m in models}


def test_validate_of_a_valid_spec_imports_no_pydantic():
    modules = _imported("validate", "-q", SPEC)
    assert "sigil_monitoring.spec._fast_generated" in modules
    assert not _pydantic(modules)


def test_validate_of_an_invalid_spec_explains_it_with_pydantic(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (REPO / SPEC).read_text(encoding="utf-8").replace("name: sigil-dna", "name: Sigil DNA", 1), encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sigil_monitoring", "validate", str(bad)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "is not a valid service name" in result.stderr and "import time:" in result.stderr
    assert "pydantic" in {
        line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")
    }


def test_compile_of_every_target_but_grafana_imports_no_pydantic(tmp_path: Path):
    modules = _imported("compile", "-q", SPEC, "--out", str(tmp_path / "out"), "--target", NOT_GRAFANA)
    assert not _pydantic(modules)


def test_compile_of_grafana_managed_alerting_imports_no_pydantic(tmp_path: Path):
    # Grafana-managed alerting has no inhibition rules: sigil-dna with them turned off.
    from sigil_monitoring.spec.yaml_io import load

    doc = load((REPO / SPEC).read_text(encoding="utf-8"))
    doc["routing"]["inhibit"] = False
    spec = tmp_path / "sigil-dna.yaml"
    spec.write_text(json.dumps(doc), encoding="utf-8")
    modules = _imported("compile", "-q", str(spec), "--out", str(tmp_path / "out"), "--target", "grafana_alerting")
    assert not _pydantic(modules)


def test_a_full_compile_imports_no_pydantic(tmp_path: Path):
    assert not _pydantic(_imported("compile", "-q", SPEC, "--out", str(tmp_path / "out")))
