"""Every way a command can fail ends in one line: usage 2, environment 1, a bug 70; never a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import REPO

from sigil_monitoring.cli import main
from sigil_monitoring.output import pipeline


def test_an_unexpected_exception_is_one_line_asking_for_a_bug_report_exit_70(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO)

    def broken(*args, **kwargs):
        raise KeyError("token-CANARY")  # the text of an exception can hold anything: never printed

    monkeypatch.setattr(pipeline, "_artifacts", broken)
    assert main(["compile", "specs/minimal.yaml", "--out", str(tmp_path / "build")]) == 70
    err = capsys.readouterr().err
    assert err.startswith("sigil-monitoring compile: internal error: KeyError at ")
    assert err.endswith(
        " (this is a bug in sigil-monitoring, please report it with the spec that caused it: specs/minimal.yaml)\n"
    )
    assert err.count("\n") == 1 and "CANARY" not in err and "Traceback" not in err
    assert not (tmp_path / "build").exists()


def test_the_traceback_of_an_internal_error_is_there_on_request(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("SIGIL_MONITORING_TRACEBACK", "1")
    monkeypatch.setattr(pipeline, "_artifacts", lambda *a, **k: 1 / 0)
    assert main(["compile", "specs/minimal.yaml", "--out", str(tmp_path / "build")]) == 70
    assert "Traceback (most recent call last)" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
@pytest.mark.parametrize("rev", ["--output=x.out", "-p", ""])
def test_diff_against_a_value_git_would_read_as_an_option_is_refused(tmp_path, monkeypatch, capsys, rev):
    monkeypatch.chdir(tmp_path)
    shutil.copy(REPO / "specs" / "minimal.yaml", "hello.yaml")
    for cmd in (
        ["init", "-q"],
        ["add", "hello.yaml"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "spec"],
    ):
        subprocess.run(["git", *cmd], check=True, capture_output=True)
    assert main(["diff", "hello.yaml", f"--against={rev}"]) == 2
    assert (
        capsys.readouterr().err
        == f"sigil-monitoring diff: error: {rev!r} is not a git revision (give a commit, branch or tag, e.g. "
        "--against HEAD~1)\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [".git", "hello.yaml"], "git wrote no file"
    assert main(["diff", "-q", "hello.yaml", "--against=HEAD"]) == 0


def test_a_missing_dependency_is_an_environment_error_naming_the_module_not_a_bug(monkeypatch, capsys):
    import sigil_monitoring.cli as cli
    import sigil_monitoring.cli.compile as commands

    def missing(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'ruamel'", name="ruamel")

    monkeypatch.setattr(commands, "load_all", missing)
    assert cli.main(["validate", "specs/minimal.yaml"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "sigil-monitoring validate: error: the Python module 'ruamel.yaml' is missing "
        f"(install it: {sys.executable} -m pip install -e {REPO})\n"  # the checkout brings every dependency
    )
