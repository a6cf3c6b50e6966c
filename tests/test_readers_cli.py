"""``validate``, ``compile`` and ``convert`` on other tools' files: the loss report as warnings,
``--strict`` making each loss an error line, and a converted spec compiling to the very rules the
source file compiles to directly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REPO

from sigil_monitoring.cli import main

GETTING_STARTED = str(REPO / "tests" / "data" / "sloth" / "getting-started.yml")
LOSSES = 3  # tests/data/sloth/getting-started.yml.losses
# validate also warns that the page tier pages with no "what to do" (Sloth's file has no runbook);
# convert reports the losses only.
PAGING = "pages on-call"


def test_validate_takes_a_sloth_file_and_reports_its_losses_as_warnings(capsys):
    assert main(["validate", GETTING_STARTED]) == 0
    err = capsys.readouterr().err.splitlines()
    assert sum(": warning: " in line and PAGING not in line for line in err) == LOSSES
    assert sum(PAGING in line for line in err) == 1
    assert any("getting-started.yml:17:7: warning: slos.0.alerting.name:" in line for line in err)


def test_strict_makes_each_loss_an_error_line_with_its_position_and_fix(capsys, tmp_path: Path):
    for argv in (
        ["validate", "--strict", GETTING_STARTED],
        ["convert", "--strict", GETTING_STARTED, "--out", str(tmp_path)],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err.splitlines()
        losses = [line for line in err if PAGING not in line]
        assert len(losses) == LOSSES and all(": error: " in line and line.endswith(")") for line in err), err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_a_converted_spec_compiles_to_the_rules_the_sloth_file_compiles_to(capsys, tmp_path: Path):
    assert main(["convert", GETTING_STARTED, "--out", str(tmp_path / "specs")]) == 0
    converted = tmp_path / "specs" / "myservice.yaml"
    text = converted.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    assert "#   " + GETTING_STARTED.replace(str(REPO) + "/", "") in text or "getting-started.yml:17:7" in text
    for source, out in ((GETTING_STARTED, "direct"), (str(converted), "converted")):
        assert main(["compile", "-q", source, "--out", str(tmp_path / out), "--target", "prometheus"]) == 0
    rules = sorted((tmp_path / "direct" / "myservice" / "prometheus").rglob("*.yml"))
    assert rules
    for path in rules:
        mine = path.read_text(encoding="utf-8").split("\n", 1)[1]  # the first line names the spec file
        other = (tmp_path / "converted" / path.relative_to(tmp_path / "direct")).read_text(encoding="utf-8")
        assert mine == other.split("\n", 1)[1], path.name


def test_compile_takes_our_specs_and_other_tools_files_together(capsys, tmp_path: Path):
    pyrra = str(REPO / "tests" / "data" / "pyrra" / "prometheus-http.yaml")
    ours = str(REPO / "specs" / "minimal.yaml")
    assert main(["compile", "-q", ours, GETTING_STARTED, pyrra, "--out", str(tmp_path)]) == 0
    assert {p.name for p in tmp_path.iterdir() if p.is_dir()} >= {"hello", "myservice", "prometheus-api-query"}


def test_validate_of_our_own_spec_reads_no_other_tools_format():
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sigil_monitoring", "validate", "-q", "specs/sigil-dna.yaml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    modules = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    # is_foreign: the registry's one regular expression over the bytes, and no reader.
    assert {m for m in modules if m.startswith("sigil_monitoring.readers")} == {
        "sigil_monitoring.readers",
        "sigil_monitoring.readers.registry",
    }


def test_the_walk_through_shows_what_the_commands_print(capsys, monkeypatch):
    """docs/readers.md shows the real output of validate and convert on Sloth's example."""
    import re

    monkeypatch.chdir(REPO)
    page = (REPO / "docs" / "readers.md").read_text(encoding="utf-8")
    example = "tests/data/sloth/getting-started.yml"
    assert main(["convert", example]) == 0
    converted, warnings = capsys.readouterr()
    assert f"```yaml\n{converted}```" in page
    assert main(["validate", example]) == 0
    out, err = capsys.readouterr()
    shown = re.search(r"\$ sigil-monitoring validate " + re.escape(example) + r"\n(.*?)\n\$ ", page, re.S)
    assert shown is not None and shown.group(1) == (err + out).rstrip("\n")
    assert [line for line in err.splitlines() if PAGING not in line] == warnings.splitlines()  # the same losses
    assert (REPO / example).read_text(encoding="utf-8") in page  # the example as published
