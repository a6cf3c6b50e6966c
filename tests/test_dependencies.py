"""A module missing from the Python that runs a command is one line naming it and its install, exit 1, at once.

Each case runs the real entry point in a fresh interpreter with one module made unimportable
(``sys.modules[name] = None``, which is what a Python without it does on import: ModuleNotFoundError).
Before this, a drill without prometheus-client printed about 60 KB of thread tracebacks and
gave up after 45 s.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from conftest import REPO

SPEC = "specs/sigil-dna.yaml"
FAST = 3.0  # seconds; measured here 0.3-1.1 s for the whole process (the failure it replaced took 45 s)


def _run_without(module: str, *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    code = (
        f"import sys; sys.modules[{module!r}] = None; sys.argv[0] = 'sigil-monitoring'; "
        "from sigil_monitoring.startup import run; run()"
    )
    began = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    return result, time.monotonic() - began


@pytest.mark.parametrize(
    ("module", "command", "install"),
    [
        ("prometheus_client", "drill", "'prometheus-client>=0.20'"),  # the live commands' own dependency
        ("promql_parser", "drill", "'promql-parser>=0.12'"),  # imported on the way, by the spec checks
        ("msgspec", "", "'msgspec>=0.18.6'"),  # needed to import the command line itself
    ],
)
def test_a_drill_without_a_dependency_says_so_in_one_line_and_exits_1_at_once(
    module: str, command: str, install: str
) -> None:
    result, took = _run_without(module, "drill", SPEC)
    where = f"sigil-monitoring {command}" if command else "sigil-monitoring"
    assert result.stderr == (
        f"{where}: error: the Python module {module!r} is missing "
        f"(install it: {sys.executable} -m pip install {install})\n"
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert took < FAST, f"took {took:.1f}s"


@pytest.mark.parametrize("command", ["validate", "compile"])
def test_compile_and_validate_work_without_prometheus_client(command: str, tmp_path) -> None:
    args = ["--out", str(tmp_path / "out")] if command == "compile" else []
    result, _ = _run_without("prometheus_client", command, "-q", SPEC, *args)
    assert (result.returncode, result.stderr) == (0, "")
