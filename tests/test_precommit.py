"""The hooks in .pre-commit-hooks.yaml, run by the real pre-commit against a team's repo.

``pre-commit try-repo`` reads only what the hook repo has committed (plus changes to tracked
files), so the test commits a copy of this checkout's package files into a hook repo of its own:
the hooks run exactly the code in the working tree, and pre-commit builds their environment from
PyPI once (a dirty repo gets a new shadow commit, and a new environment, on every call).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from conftest import REPO

GIT = ["git", "-c", "user.name=sigil", "-c", "user.email=sigil@example.com", "-c", "commit.gpgsign=false"]
SPEC = "specs/sigil-dna.yaml"
ALERTS = "build/sigil-dna/prometheus/alerts.rules.yml"


def git(cwd, *args):
    subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory):
    if shutil.which("git") is None:
        pytest.fail("git is needed to test the pre-commit hooks")
    try:
        import pre_commit  # noqa: F401 - only whether it is installed
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("pre-commit is not installed (pip install -e '.[test]')")
    repo = tmp_path_factory.mktemp("hook-repo")
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(REPO / name, repo / name)
    shutil.copytree(
        REPO / "sigil_monitoring", repo / "sigil_monitoring", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "hooks")
    return repo


@pytest.fixture(scope="module")
def team_repo(tmp_path_factory):
    """A team's repo: a spec and its compiled output, committed."""
    repo = tmp_path_factory.mktemp("team-repo")
    (repo / "specs").mkdir()
    shutil.copy(REPO / SPEC, repo / SPEC)
    compile_in(repo)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "monitoring")
    return repo


def compile_in(repo):
    subprocess.run(
        [sys.executable, "-m", "sigil_monitoring", "compile", "-q", SPEC, "--out", "build"], cwd=repo, check=True
    )


def pre_commit(team_repo, home, *args):
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    git(team_repo, "add", "-A")  # --all-files runs on the files git tracks
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", *args, "--all-files"],
        cwd=team_repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return proc.returncode, proc.stdout + proc.stderr


def use_hooks(team_repo, hook_repo):
    """The team's .pre-commit-config.yaml, as docs/drift.md shows it, pointing at the hook repo."""
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=hook_repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    (team_repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n"
        "      - id: sigil-monitoring-validate\n"
        "      - id: sigil-monitoring-check\n        args: [specs, --out, build]\n"
    )


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_the_hooks_pass_on_current_output_and_fail_with_the_semantic_report_on_drift(hook_repo, team_repo, tmp_path):
    home = tmp_path / "pre-commit-home"  # pre-commit builds the hooks' environment here once
    use_hooks(team_repo, hook_repo)
    code, out = pre_commit(team_repo, home, "run")
    assert code == 0, out
    assert "validate monitoring specs" in out and "compiled monitoring is up to date" in out

    # try-repo builds its own environment every time (about 15 s): once is enough to show it works.
    edit(team_repo / SPEC, "above: 1s}", "above: 2s}")
    code, out = pre_commit(team_repo, home, "try-repo", str(hook_repo), "sigil-monitoring-check")
    assert code == 1, out
    assert (
        "sigil-dna/prometheus/alerts.rules.yml: out of date (the spec changed since compile)\n"
        "  alert EncodeLatencyHigh: threshold 1 → 2\n" in out
    )

    compile_in(team_repo)
    edit(team_repo / ALERTS, "for: 10m", "for: 1m")
    code, out = pre_commit(team_repo, home, "run")
    assert code == 1, out
    assert (
        "sigil-dna/prometheus/alerts.rules.yml: edited by hand (differs from what compile wrote)\n"
        "  alert EncodeLatencyHigh: for 1m → 10m\n" in out
    )

    compile_in(team_repo)
    code, out = pre_commit(team_repo, home, "run")
    assert code == 0, out

    edit(team_repo / SPEC, "for: 10m", "for: ten minutes")
    code, out = pre_commit(team_repo, home, "run")
    assert code == 1, out
    assert "specs/sigil-dna.yaml:" in out and ": error: " in out and "ten minutes" in out
