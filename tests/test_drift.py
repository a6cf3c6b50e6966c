"""``check`` reports drift of an output folder; ``diff`` compares folders, specs and git revisions."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from sigil_monitoring.cli import main

ALERTS = "sigil-dna/prometheus/alerts.rules.yml"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A folder with specs/sigil-dna.yaml compiled into build/, as a team's repo would hold it."""
    (tmp_path / "specs").mkdir()
    shutil.copy(REPO / "specs" / "sigil-dna.yaml", tmp_path / "specs" / "sigil-dna.yaml")
    monkeypatch.chdir(tmp_path)
    assert main(["compile", "-q", "specs/sigil-dna.yaml", "--out", "build"]) == 0
    return tmp_path


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def check(capsys, *extra):
    code = main(["check", "specs/sigil-dna.yaml", "--out", "build", *extra])
    return code, capsys.readouterr().out


def test_a_freshly_compiled_folder_is_up_to_date(project, capsys):
    (project / "build" / "notes.md").write_text("ours, not generated\n")
    # Every file but notes.md, the manifest and the compile lock is generated.
    assert check(capsys) == (0, f"build is up to date ({len(list((project / 'build').rglob('*.*'))) - 3} files)\n")


def test_a_spec_edit_is_stale_output_with_its_domain_changes_until_compile(project, capsys):
    edit(project / "specs" / "sigil-dna.yaml", "above: 1s}", "above: 2s}")
    code, out = check(capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("build is out of date: ")
    assert f"{ALERTS}: out of date (the spec changed since compile)" in lines
    assert (
        lines[lines.index(f"{ALERTS}: out of date (the spec changed since compile)") + 1]
        == "  alert EncodeLatencyHigh: threshold 1 → 2"
    )
    assert lines[-1] == "run: sigil-monitoring compile specs/sigil-dna.yaml --out build"
    assert main(["compile", "-q", "specs/sigil-dna.yaml", "--out", "build"]) == 0
    assert check(capsys)[0] == 0


def test_a_hand_edit_of_a_generated_file_is_drift_that_compile_undoes(project, capsys):
    edit(project / "build" / ALERTS, "for: 10m", "for: 5m")
    code, out = check(capsys)
    assert code == 1
    assert (
        f"{ALERTS}: edited by hand (differs from what compile wrote)\n  alert EncodeLatencyHigh: for 5m → 10m\n" in out
    )
    assert main(["compile", "-q", "specs/sigil-dna.yaml", "--out", "build"]) == 0
    assert check(capsys)[0] == 0


def test_missing_files_and_files_no_longer_generated_are_listed_and_user_files_are_not(project, capsys):
    (project / "build" / "sigil-dna" / "runbook.md").unlink()
    (project / "build" / "sigil-dna" / "mine.txt").write_text("not ours\n")
    edit(project / "specs" / "sigil-dna.yaml", "  name: sigil-dna\n", "  name: sigil-rna\n")
    code, out = check(capsys)
    assert code == 1
    assert "sigil-rna/runbook.md: missing (compile would create it)" in out
    assert f"{ALERTS}: no longer generated (compile would remove it)" in out
    assert "sigil-dna/runbook.md" not in out, "a generated file already gone is not drift"
    assert "mine.txt" not in out


def test_the_json_report_lists_each_file_with_its_state_and_changes(project, capsys):
    edit(project / "build" / ALERTS, "for: 10m", "for: 5m")
    code, out = check(capsys, "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["up_to_date"] is False
    assert report["files"] == [
        {
            "path": ALERTS,
            "state": "edited",
            "changes": [
                {
                    "what": "alert",
                    "name": "EncodeLatencyHigh",
                    "detail": "for 5m → 10m",
                    "text": "alert EncodeLatencyHigh: for 5m → 10m",
                }
            ],
        }
    ]


def test_a_folder_of_specs_stands_for_its_yaml_files_and_spec_errors_exit_2(project, capsys):
    assert main(["check", "specs", "--out", "build", "-q"]) == 0
    (project / "specs" / "sigil-dna.yaml").write_text("apiVersion: sigil-monitoring/v1\nservice: {}\n")
    assert main(["check", "specs", "--out", "build"]) == 2
    assert "specs/sigil-dna.yaml:2:" in capsys.readouterr().err


def test_the_compile_command_check_prints_for_a_folder_of_specs_runs_and_brings_the_folder_up_to_date(project, capsys):
    edit(project / "specs" / "sigil-dna.yaml", "above: 1s}", "above: 2s}")
    edit(
        project / "specs" / "sigil-dna.yaml",
        "summary: p95 encode latency is above 1 s.",
        "summary: p95 encode latency is above 2 s.",
    )
    assert main(["check", "specs", "--out", "build"]) == 1
    suggested = capsys.readouterr().out.splitlines()[-1]
    assert suggested == "run: sigil-monitoring compile specs --out build"
    argv = shlex.split(suggested.removeprefix("run: "))
    # Run as a user would: the installed console script, in a shell-free subprocess.
    run = subprocess.run(
        [str(Path(sys.executable).parent / argv[0]), *argv[1:]], cwd=project, capture_output=True, text=True
    )
    assert (run.returncode, run.stderr) == (0, "")
    assert main(["check", "specs", "--out", "build"]) == 0
    assert main(["validate", "specs"]) == 0
    assert capsys.readouterr().out.endswith("1 spec(s) valid\n")


def test_a_folder_without_specs_is_an_error_for_every_command_that_reads_specs(project, capsys):
    (project / "empty").mkdir()
    for command in (
        ["validate", "empty"],
        ["compile", "empty", "--out", "build"],
        ["check", "empty", "--out", "build"],
    ):
        assert main(command) == 2
        assert (
            capsys.readouterr().err
            == "empty:1:1: error: a folder with no .yaml or .yml spec in it (give spec files, or the folder that "
            "holds them)\n"
        )


def test_diff_against_a_git_revision_compiles_the_spec_as_it_was(project, capsys):
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["git", "add", "specs"], cwd=project, check=True)
    subprocess.run([*git, "commit", "-qm", "spec"], cwd=project, check=True)
    assert main(["diff", "specs/sigil-dna.yaml", "--against", "HEAD"]) == 0
    assert capsys.readouterr().out == ""
    edit(
        project / "specs" / "sigil-dna.yaml",
        "- {severity: critical, to: [oncall, team]}",
        "- {severity: critical, to: team}",
    )
    assert main(["diff", "specs/sigil-dna.yaml", "--against", "HEAD"]) == 1
    out = capsys.readouterr().out
    assert (
        "alertmanager/alertmanager.yml\n"
        "  route severity=critical: stops notifying sigil-dna/oncall (now sigil-dna/team)\n" in out
    )
    assert main(["diff", "specs/sigil-dna.yaml", "--against", "no-such-rev"]) == 2
    assert capsys.readouterr().err.startswith(
        "sigil-monitoring diff: error: cannot read specs/sigil-dna.yaml at no-such-rev: "
    )


def test_diff_of_two_output_folders_reads_only_generated_files(project, capsys):
    shutil.copytree(project / "build", project / "before")
    (project / "before" / "notes.md").write_text("user file\n")
    edit(project / "specs" / "sigil-dna.yaml", "for: 10m", "for: 20m")
    main(["compile", "-q", "specs/sigil-dna.yaml", "--out", "build"])
    assert main(["diff", "before", "build"]) == 1
    out = capsys.readouterr().out
    assert f"{ALERTS}\n  alert EncodeLatencyHigh: for 10m → 20m\n" in out
    assert "notes.md" not in out


def test_diff_quiet_prints_nothing_and_answers_by_exit_code_only(project, capsys):
    shutil.copytree(project / "build", project / "before")
    assert main(["diff", "-q", "before", "build"]) == 0
    edit(project / "specs" / "sigil-dna.yaml", "for: 10m", "for: 20m")
    assert main(["diff", "-q", "before", "specs/sigil-dna.yaml"]) == 1
    assert main(["diff", "--quiet", "--format", "json", "before", "specs/sigil-dna.yaml"]) == 1
    assert capsys.readouterr() == ("", "")
    assert main(["diff", "-q", "before", "nowhere"]) == 2
    assert capsys.readouterr().err == "sigil-monitoring diff: error: nowhere: no such file or folder\n"


def test_diff_usage_errors_exit_2(project, capsys):
    assert main(["diff", "build"]) == 2
    assert main(["diff", "build", "nowhere"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "sigil-monitoring diff: error: give two things to compare: OLD NEW (folders or specs), or SPEC --against REV",
        "sigil-monitoring diff: error: nowhere: no such file or folder",
    ]


def test_the_cli_does_not_import_deepdiff_until_a_diff_runs():
    code = "import sys; from sigil_monitoring.cli import build_parser; build_parser(); print('deepdiff' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO).stdout
    assert out == "False\n"
