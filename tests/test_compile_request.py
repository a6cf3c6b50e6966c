"""The compile request is the whole cache key: every input of a compile invalidates the up-to-date
check (``--target``, ``--strict``, the environment's limits, the specs), and a spec path that is
not a regular file is refused at once by every command that reads specs, output folder or not."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from sigil_monitoring.cli import main

WARNS = REPO / "tests" / "warnings" / "every-warning.yaml"
# An alias, so the loader counts the values it expands to (SIGIL_MONITORING_MAX_VALUES).
ALIASED = """apiVersion: sigil-monitoring/v1
service:
  name: hello
  selector: {job: &job hello}
metrics:
  requests: {name: hello_requests_total, type: counter}
dashboard:
  title: *job
"""


@pytest.fixture
def compiled(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    """A spec and the folder ``compile`` wrote for it (default targets), manifest and all."""
    spec = tmp_path / "hello.yaml"
    spec.write_text(ALIASED)
    out = tmp_path / "out"
    assert main(["compile", str(spec), "--out", str(out)]) == 0
    assert main(["compile", str(spec), "--out", str(out)]) == 0
    assert "(0 changed)" in capsys.readouterr().out
    return spec, out


def test_another_target_compiles_again_and_check_sees_it(compiled, capsys):
    spec, out = compiled
    assert main(["compile", str(spec), "--out", str(out), "--target", "mimir"]) == 0
    assert "(0 changed)" not in capsys.readouterr().out
    assert list(out.glob("mimir/*/hello.rules.yml")), "the Mimir file is written"
    assert main(["check", str(spec), "--out", str(out), "--target", "mimir"]) == 0
    assert main(["check", str(spec), "--out", str(out)]) == 1  # compiled for mimir, not for the defaults
    assert main(["compile", str(spec), "--out", str(out)]) == 0
    assert "(0 changed)" not in capsys.readouterr().out and (out / "hello" / "runbook.md").is_file()
    assert main(["check", str(spec), "--out", str(out), "--target", "mimir"]) == 1


def test_strict_is_part_of_the_request(tmp_path, capsys):
    spec = tmp_path / "warns.yaml"
    shutil.copy(WARNS, spec)
    out = tmp_path / "out"
    assert main(["compile", str(spec), "--out", str(out)]) == 0  # warnings only
    capsys.readouterr()
    assert main(["compile", "--strict", str(spec), "--out", str(out)]) == 2
    assert ": error: " in capsys.readouterr().err
    assert main(["check", "--strict", str(spec), "--out", str(out)]) == 2
    assert main(["check", str(spec), "--out", str(out)]) == 0


@pytest.mark.parametrize("variable", ["SIGIL_MONITORING_MAX_BYTES", "SIGIL_MONITORING_MAX_VALUES"])
def test_every_environment_limit_is_part_of_the_request(compiled, capsys, monkeypatch, variable):
    spec, out = compiled
    monkeypatch.setenv(variable, "3")
    assert main(["compile", str(spec), "--out", str(out)]) == 2
    assert variable in capsys.readouterr().err
    assert main(["check", str(spec), "--out", str(out)]) == 2
    monkeypatch.setenv(variable, "100000000")  # a raised limit loads, compiles and records it
    assert main(["compile", str(spec), "--out", str(out)]) == 0
    assert "(0 changed)" in capsys.readouterr().out  # same files, the manifest records the new limit
    assert main(["check", str(spec), "--out", str(out)]) == 0
    monkeypatch.delenv(variable)
    assert main(["check", str(spec), "--out", str(out), "--format", "json"]) == 0  # compiled again in memory
    assert '"up_to_date": true' in capsys.readouterr().out


def test_a_changed_spec_compiles_again(compiled, capsys):
    spec, out = compiled
    spec.write_text(spec.read_text().replace("name: hello", "name: hello2", 1))
    assert main(["check", str(spec), "--out", str(out)]) == 1
    assert main(["compile", str(spec), "--out", str(out)]) == 0
    assert "(0 changed)" not in capsys.readouterr().out and (out / "hello2").is_dir()


def _hostile(tmp_path: Path) -> dict[str, str]:
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    return {"fifo": str(fifo), "dev-zero": "/dev/zero"}


COMMANDS = {
    "compile": ["compile", "{spec}", "--out", "{out}"],
    "compile --target": ["compile", "{spec}", "--out", "{out}", "--target", "mimir"],
    "validate": ["validate", "{spec}"],
    "check": ["check", "{spec}", "--out", "{out}"],
    "diff old": ["diff", "{spec}", "{good}"],
    "diff new": ["diff", "{good}", "{spec}"],
    "diff --against": ["diff", "{spec}", "--against", "HEAD"],
    "push": ["push", "{spec}", "--grafana-url", "http://127.0.0.1:9"],
    "history": ["history", "{spec}", "--grafana-url", "http://127.0.0.1:9"],
    "rollback": ["rollback", "{spec}", "--grafana-url", "http://127.0.0.1:9", "--previous"],
    "drill": ["drill", "{spec}"],
    "lint": ["lint", "{spec}", "--prometheus-url", "http://127.0.0.1:9"],
    "fire-test": ["fire-test", "{spec}", "--alertmanager-url", "http://127.0.0.1:9"],
}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_fifo_or_dev_zero_as_the_spec_is_refused_at_once(tmp_path, command, kind):
    good = tmp_path / "hello.yaml"
    shutil.copy(REPO / "specs" / "minimal.yaml", good)
    out = tmp_path / "out"
    assert main(["compile", "-q", str(good), "--out", str(out)]) == 0  # a manifest: the incremental path is live
    spec = _hostile(tmp_path)[kind]
    argv = [arg.format(spec=spec, out=out, good=good) for arg in COMMANDS[command]]
    env = {**os.environ, "GRAFANA_ADMIN_TOKEN": "glsa_test"}
    # A subprocess with a timeout: a hang fails the test instead of blocking the suite.
    proc = subprocess.run(
        [sys.executable, "-m", "sigil_monitoring", *argv], capture_output=True, text=True, timeout=60, env=env, cwd=REPO
    )
    assert proc.returncode == 2, proc.stderr
    assert "not a regular file" in proc.stderr
