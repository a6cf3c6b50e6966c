"""Shared pytest configuration for the sigil_monitoring test suite."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# Test helpers (servers.py, fake_grafana.py) live next to the tests and are imported as
# top-level modules; make that work under every pytest import mode and whether or not
# tests/ later becomes a package.
_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

import hypothesis_profiles  # noqa: E402,F401 - registers and selects the hypothesis profile


@pytest.fixture(autouse=True, scope="session")
def _own_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The per-user cache (fleet entries, output stat snapshots) of this run only, not the user's:
    inherited by every CLI the tests start."""
    os.environ["SIGIL_MONITORING_CACHE"] = str(tmp_path_factory.mktemp("sigil-monitoring-cache"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "e2e: starts real Prometheus/Alertmanager binaries (slower; deselect with -m 'not e2e')",
    )


REPO = Path(__file__).resolve().parent.parent
SPECS = sorted((REPO / "specs").glob("*.yaml"))
# Real exporters' shapes; docs/getting-started.md tables them (test_exporter_examples checks it).
EXAMPLES = sorted((REPO / "specs" / "examples").glob("*.yaml"))
ALL_SPECS = SPECS + EXAMPLES
GOLDEN = REPO / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden/ from the current compiler output")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
