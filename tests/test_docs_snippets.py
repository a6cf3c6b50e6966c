"""The deployment snippets the docs show work as written (promtool check config).

Each is written once (README.md is the front page, every chapter one page of docs/), so each test
finds the one page that shows it, and fails when there is none or a second copy.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from conftest import REPO
from servers import require_binary

from sigil_monitoring.cli import main

DEPLOY_PREFIX = "/etc/prometheus/sigil/"
PROMETHEUS_SNIPPET = r"```yaml\n(# prometheus\.yml.*?)```"
BURN_WINDOW_ROW = r"^\| (\d+d) \| (.+?) \| (.+?) \|$"


def the_page_showing(pattern: str) -> Path:
    """The one page of README.md and docs/ whose text matches ``pattern``."""
    pages = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
    showing = [p for p in pages if re.search(pattern, p.read_text(encoding="utf-8"), re.S | re.M)]
    assert len(showing) == 1, f"{pattern!r} should be shown on exactly one page, not {showing}"
    return showing[0]


def prometheus_snippet(doc: Path) -> str:
    """The ```yaml block of ``doc`` that starts with ``# prometheus.yml``."""
    blocks = re.findall(PROMETHEUS_SNIPPET, doc.read_text(encoding="utf-8"), re.S)
    assert len(blocks) == 1, f"{doc.name} should show one prometheus.yml snippet"
    return blocks[0]


def test_the_documented_rule_files_snippet_loads_the_compiled_rules_in_promtool_check_config(tmp_path, monkeypatch):
    snippet = prometheus_snippet(the_page_showing(PROMETHEUS_SNIPPET))
    assert DEPLOY_PREFIX in snippet
    monkeypatch.chdir(REPO)
    deployed = tmp_path / "sigil"
    assert main(["compile", "-q", "specs/sigil-dna.yaml", "--out", str(deployed)]) == 0
    config = tmp_path / "prometheus.yml"
    config.write_text(snippet.replace(DEPLOY_PREFIX, f"{deployed}/"), encoding="utf-8")
    run = subprocess.run(
        [require_binary("promtool"), "check", "config", str(config)], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stdout + run.stderr
    found = re.search(r"SUCCESS: (\d+) rule files found", run.stdout)
    rule_files = sorted(deployed.glob("sigil-dna/prometheus/*.rules.yml"))
    assert found and int(found.group(1)) == len(rule_files) > 0, run.stdout


def test_the_documented_burn_windows_are_what_the_compiler_uses():
    from sigil_monitoring.values.burn_rates import burn_windows
    from sigil_monitoring.values.units import Duration

    rows = re.findall(BURN_WINDOW_ROW, the_page_showing(BURN_WINDOW_ROW).read_text(encoding="utf-8"), re.M)
    assert [r[0] for r in rows] == ["1d", "7d", "28d", "30d", "90d", "365d"]
    for window, page, ticket in rows:
        windows = burn_windows(Duration.parse(window), Duration.parse("15s"))
        for tier, text in (("page", page), ("ticket", ticket)):
            assert text == ", ".join(f"{w.long}/{w.short} × {w.factor}" for w in windows if w.tier == tier), (
                window,
                tier,
            )
