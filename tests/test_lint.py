"""Hygiene: ruff (lint and format) and mypy --strict are clean over the package, tests, benchmarks
and tools, with the configuration in pyproject.toml — the same commands .pre-commit-config.yaml runs."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import REPO

PATHS = ["sigil_monitoring", "tests", "benchmarks", "tools"]


def _ruff() -> list[str]:
    ruff = shutil.which("ruff", path=str(REPO / ".venv" / "bin")) or shutil.which("ruff")
    if ruff is None:
        pytest.fail("ruff is needed (pip install -e '.[test]')")
    return [ruff]


def test_ruff_finds_nothing_to_report():
    result = subprocess.run([*_ruff(), "check", *PATHS], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_file_is_formatted_as_ruff_format_writes_it():
    result = subprocess.run([*_ruff(), "format", "--check", *PATHS], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_type_checks_with_mypy_strict():
    # [tool.mypy] in pyproject.toml sets strict = true and the files; its cache (.mypy_cache/)
    # brings a run from about 10 s down to a few.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml")],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
