"""A module missing from the Python that runs a command is one line naming it and its install, exit 1, at once;
``python3 -m sigil_monitoring`` with a Python that lacks our dependencies runs in the checkout's ``.venv``.

Each case runs the real entry point in a fresh interpreter with one module made unimportable
(``sys.modules[name] = None``, which is what a Python without it does on import: ModuleNotFoundError).
Before this, a drill without prometheus-client printed about 60 KB of thread tracebacks and
gave up after 45 s.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO

SPEC = "specs/sigil-dna.yaml"
FAST = 3.0  # seconds; measured here 0.3-1.1 s for the whole process (the failure it replaced took 45 s)


def _run_without(
    module: str, *args: str, python: str = sys.executable, cwd: Path = REPO
) -> tuple[subprocess.CompletedProcess[str], float]:
    code = (
        f"import sys; sys.modules[{module!r}] = None; sys.argv[0] = 'sigil-monitoring'; "
        "from sigil_monitoring.startup import run; run()"
    )
    began = time.monotonic()
    result = subprocess.run(
        [python, "-c", code, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )
    return result, time.monotonic() - began


def _copy_package(into: Path) -> Path:
    shutil.copytree(REPO / "sigil_monitoring", into / "sigil_monitoring", ignore=shutil.ignore_patterns("__pycache__"))
    return into


@pytest.mark.parametrize(
    ("module", "command", "spec"),
    [
        ("prometheus_client", "drill", SPEC),  # the live commands' own dependency
        # imported on the way, by the check of the spec's own PromQL (sigil-dna has none: the
        # PromQL the compiler builds is not parsed on every compile, tests/test_generated_promql.py)
        ("promql_parser", "drill", "specs/examples/postgres.yaml"),
        ("msgspec", "", SPEC),  # needed to import the command line itself
    ],
)
def test_a_drill_without_a_dependency_says_so_in_one_line_and_exits_1_at_once(
    module: str, command: str, spec: str
) -> None:
    # Run from the checkout by its own .venv: reinstalling the checkout brings every dependency.
    result, took = _run_without(module, "drill", spec)
    where = f"sigil-monitoring {command}" if command else "sigil-monitoring"
    assert result.stderr == (
        f"{where}: error: the Python module {module!r} is missing "
        f"(install it: {sys.executable} -m pip install -e {REPO})\n"
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert took < FAST, f"took {took:.1f}s"


@pytest.mark.parametrize(
    ("module", "install"),
    [("prometheus_client", "'prometheus-client>=0.20'"), ("msgspec", "'msgspec>=0.18.6'")],
)
def test_outside_a_checkout_the_line_names_the_requirement_our_metadata_asks_for(
    module: str, install: str, tmp_path: Path
) -> None:
    # The package imported from a folder without our pyproject.toml: the install names the
    # requirement of the installed metadata, with its version.
    result, _ = _run_without(module, "drill", str(REPO / SPEC), cwd=_copy_package(tmp_path))
    assert result.stderr.endswith(
        f"error: the Python module {module!r} is missing (install it: {sys.executable} -m pip install {install})\n"
    )
    assert result.returncode == 1


def test_a_python_without_our_dependencies_runs_the_command_in_the_checkouts_venv() -> None:
    # `python3 -m sigil_monitoring validate` in the checkout, with a Python that is not its .venv
    # (here the venv's base interpreter, msgspec made missing): the command runs in .venv instead.
    base = getattr(sys, "_base_executable", None)
    if not base or Path(base).absolute() == Path(sys.executable).absolute():
        pytest.skip("the tests do not run in a virtual environment")
    result, _ = _run_without("msgspec", "validate", SPEC, python=base)
    assert (result.returncode, result.stdout, result.stderr) == (0, "1 spec(s) valid\n", "")


def test_a_checkout_without_a_venv_names_every_missing_dependency_and_one_install(tmp_path: Path) -> None:
    # No .venv to run in: one line, every dependency this Python lacks at once (msgspec at least,
    # made missing here), and the one command that installs them all: the checkout, editable.
    checkout = _copy_package(tmp_path)
    shutil.copy(REPO / "pyproject.toml", checkout)
    result, _ = _run_without("msgspec", "validate", str(REPO / SPEC), cwd=checkout)
    [line] = result.stderr.splitlines()
    assert line.startswith("sigil-monitoring: error: the Python module") and "'msgspec'" in line
    assert line.endswith(f"-m pip install -e {checkout})")
    assert result.returncode == 1


@pytest.mark.parametrize("command", ["validate", "compile"])
def test_compile_and_validate_work_without_prometheus_client(command: str, tmp_path) -> None:
    args = ["--out", str(tmp_path / "out")] if command == "compile" else []
    result, _ = _run_without("prometheus_client", command, "-q", SPEC, *args)
    assert (result.returncode, result.stderr) == (0, "")
