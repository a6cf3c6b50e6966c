"""Incremental compiles and the lean start: an unchanged spec is not compiled again, and a
compile or validate imports only what it needs. Each test runs the real CLI in a subprocess,
since what matters is what a fresh process imports."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from sigil_monitoring import compile_specs, load_spec, write_bundle
from sigil_monitoring.compilers import runbook
from sigil_monitoring.output.incremental import compile_changed

REPO = Path(__file__).resolve().parent.parent


def cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """The CLI with ``-X importtime``, so the test can tell which modules it imported."""
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sigil_monitoring", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def imported(proc: subprocess.CompletedProcess[str]) -> set[str]:
    return {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}


def test_an_unchanged_spec_compiles_and_checks_without_pydantic(tmp_path):
    spec = tmp_path / "sigil-dna.yaml"
    shutil.copy(REPO / "specs" / "sigil-dna.yaml", spec)
    out = tmp_path / "out"
    first = cli("compile", str(spec), "--out", str(out))
    # A compile builds the IR (and no longer imports pydantic at all: the spec's valid path is
    # pydantic-free); an unchanged one answers from the manifest without even that.
    assert first.returncode == 0 and "sigil_monitoring.ir.build" in imported(first)
    again = cli("compile", str(spec), "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout.replace(" (24 changed)", " (0 changed)")
    assert not {
        m
        for m in imported(again)
        if m.startswith(("pydantic", "sigil_monitoring.spec.document", "sigil_monitoring.ir"))
    }
    check = cli("check", str(spec), "--out", str(out), "--format", "json")
    assert check.returncode == 0 and json.loads(check.stdout) == {"up_to_date": True, "files": []}
    assert "pydantic" not in imported(check)


def test_a_hand_edit_or_a_spec_change_compiles_again(tmp_path):
    spec = tmp_path / "sigil-dna.yaml"
    shutil.copy(REPO / "specs" / "sigil-dna.yaml", spec)
    out = tmp_path / "out"
    assert cli("compile", str(spec), "--out", str(out)).returncode == 0
    runbook = out / "sigil-dna" / "runbook.md"
    pristine = runbook.read_bytes()
    runbook.write_text("edited\n")
    assert cli("check", str(spec), "--out", str(out)).returncode == 1  # drift is still reported
    redo = cli("compile", str(spec), "--out", str(out))
    assert "(1 changed)" in redo.stdout and runbook.read_bytes() == pristine
    spec.write_text(spec.read_text().replace("objective: 99.9%", "objective: 99.5%"))
    changed = cli("compile", str(spec), "--out", str(out))
    assert "sigil_monitoring.ir.build" in imported(changed) and "(0 changed)" not in changed.stdout


def test_one_spec_changed_in_a_folder_compiles_again(tmp_path):
    sys.path.insert(0, str(REPO / "benchmarks"))
    from generate import fleet

    folder = tmp_path / "specs"
    paths = fleet(folder, 3)
    out = tmp_path / "out"
    assert cli("compile", str(folder), "--out", str(out)).returncode == 0
    assert "(0 changed)" in cli("compile", str(folder), "--out", str(out)).stdout
    paths[1].write_text(paths[1].read_text().replace("Sigil-DNA", "Sigil-DNA (edited)"))
    redo = cli("compile", str(folder), "--out", str(out))
    assert redo.returncode == 0 and "(0 changed)" not in redo.stdout
    assert "svc-0001" in (out / "svc-0001" / "runbook.md").read_text()


def test_compile_and_validate_do_not_import_the_other_commands():
    proc = cli("validate", "-q", "specs/sigil-dna.yaml")
    assert proc.returncode == 0
    assert not imported(proc) & {"sigil_monitoring.cli.diff", "sigil_monitoring.cli.push", "importlib.metadata"}


def test_one_changed_spec_of_many_is_the_only_one_compiled_and_the_bundle_is_the_full_one(tmp_path, monkeypatch):
    sys.path.insert(0, str(REPO / "benchmarks"))
    from generate import fleet

    paths = fleet(tmp_path / "specs", 4)
    out = tmp_path / "out"
    write_bundle(compile_specs([load_spec(p) for p in paths]), out)
    paths[2].write_text(paths[2].read_text().replace("objective: 99.9%", "objective: 99.5%"))
    specs = [load_spec(p) for p in paths]
    compiled: list[str] = []
    real = runbook.render_service
    monkeypatch.setattr(runbook, "render_service", lambda s: compiled.append(s.name) or real(s))
    partial = compile_changed(specs, out)
    assert compiled == ["svc-0002"]  # one service's per-service targets ran, not four
    assert (
        partial is not None
        and dict(partial) == dict(compile_specs(specs))
        and partial.inputs == compile_specs(specs).inputs
    )
    (out / "svc-0001" / "runbook.md").write_text("edited\n")  # a hand edit: that service is compiled again too
    compiled.clear()
    assert compile_changed(specs, out) is not None and sorted(compiled) == ["svc-0001", "svc-0002"]


def test_reused_files_are_linked_unread_and_one_edited_after_it_was_read_is_written_again(tmp_path):
    sys.path.insert(0, str(REPO / "benchmarks"))
    from generate import fleet

    paths = fleet(tmp_path / "specs", 2)
    out = tmp_path / "out"
    write_bundle(compile_specs([load_spec(p) for p in paths]), out)
    paths[1].write_text(paths[1].read_text().replace("objective: 99.9%", "objective: 99.5%"))
    specs = [load_spec(p) for p in paths]
    partial = compile_changed(specs, out, trust_stats=False)  # every reused file read, none trusted by stat
    assert partial is not None and "svc-0000/runbook.md" in partial.verified
    kept, edited = out / "svc-0000" / "prometheus" / "alerts.rules.yml", out / "svc-0000" / "runbook.md"
    inode = kept.stat().st_ino
    edited.write_text("edited after compile_changed read it\n")  # its identity no longer matches
    write_bundle(partial, out)
    assert kept.stat().st_ino == inode, "an unchanged file is linked into the new set"
    assert edited.read_bytes() == partial["svc-0000/runbook.md"], "a file changed since is compared and rewritten"


def test_files_trusted_by_stat_are_not_read_and_an_edit_since_fails_the_write_keeping_it(tmp_path):
    sys.path.insert(0, str(REPO / "benchmarks"))
    from generate import fleet

    from sigil_monitoring.errors import FilesystemError
    from sigil_monitoring.output.bundle import Kept

    paths = fleet(tmp_path / "specs", 2)
    out = tmp_path / "out"
    write_bundle(compile_specs([load_spec(p) for p in paths]), out)
    runbook_md = out / "svc-0000" / "runbook.md"
    before = runbook_md.read_bytes()
    paths[1].write_text(paths[1].read_text().replace("objective: 99.9%", "objective: 99.5%"))
    specs = [load_spec(p) for p in paths]
    partial = compile_changed(specs, out)
    # The write left a stat snapshot: the other service's files are taken unread (Kept), except
    # racy ones (written within the manifest's clock tick), which are read.
    assert partial is not None and isinstance(dict(partial.entries())["svc-0000/runbook.md"], Kept)
    assert dict(partial) == dict(compile_specs(specs)), "reading a Kept file gives the compiled bytes"
    runbook_md.write_text("edited after compile_changed looked at it\n")
    try:
        write_bundle(partial, out)
    except FilesystemError as error:
        assert "changed while compile was writing (run compile again)" in str(error)
    else:
        raise AssertionError("a Kept file edited since was linked as if unchanged")
    assert runbook_md.read_text() == "edited after compile_changed looked at it\n", "the edit is not lost"
    # The edit is seen: that service is compiled again (and so is the other: nothing is reused).
    assert compile_changed(specs, out) is None
    write_bundle(compile_specs(specs), out)
    assert runbook_md.read_bytes() == before
