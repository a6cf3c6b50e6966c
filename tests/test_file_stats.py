"""The output folder's stat snapshot (output/file_stats.py): an unchanged compile or check reads
no generated file whose inode, size and mtime are as the last write left them, and still sees
every edit that changes one of them; `check --thorough` reads them all."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sigil_monitoring.output import file_stats, outdir
from sigil_monitoring.output.incremental import up_to_date
from sigil_monitoring.output.request import compile_request, read_specs

REPO = Path(__file__).resolve().parent.parent


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sigil_monitoring", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def compiled(tmp_path: Path) -> tuple[Path, Path]:
    """specs/shop.yaml compiled into tmp/out, every file older than its manifest (none racy) and
    known to the snapshot: the state of an output folder a while after its compile."""
    spec = tmp_path / "shop.yaml"
    shutil.copy(REPO / "specs" / "shop.yaml", spec)
    out = tmp_path / "out"
    assert cli("compile", "-q", str(spec), "--out", str(out), cwd=tmp_path).returncode == 0
    manifest = os.lstat(out / ".sigil-manifest.json").st_mtime_ns
    for path in out.rglob("*"):
        if path.is_file() and path.name != ".sigil-manifest.json":
            os.utime(path, ns=(manifest - 5 * 10**9, manifest - 5 * 10**9))  # a changed stat: read once more
    assert cli("compile", "-q", str(spec), "--out", str(out), cwd=tmp_path).returncode == 0  # ... and remembered
    return spec, out


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The generated files read (not trusted) from now on."""
    reads: list[str] = []
    real = outdir.read_inside

    def counting(out: Path, rel: str) -> bytes | None:
        if rel != ".sigil-manifest.json":  # read anyway: it says what the folder should hold
            reads.append(rel)
        return real(out, rel)

    monkeypatch.setattr(outdir, "read_inside", counting)
    return reads


def _request(spec: Path):  # type: ignore[no-untyped-def]
    return compile_request(read_specs([str(spec)])[0])


def test_an_unchanged_folder_is_up_to_date_without_reading_a_generated_file(compiled, monkeypatch):
    spec, out = compiled
    monkeypatch.chdir(spec.parent)  # the spec shown as the CLI showed it
    reads = _reads(monkeypatch)
    files = up_to_date(_request(spec), out)
    assert files is not None and files > 10
    assert reads == [], "every file's stat was as recorded: none needed reading"
    assert up_to_date(_request(spec), out, trust_stats=False) == files
    assert len(reads) == files, "--thorough reads every generated file"


def test_an_edit_of_the_same_size_is_seen_by_compile_and_check(compiled):
    spec, out = compiled
    runbook = out / "shop" / "runbook.md"
    text = runbook.read_text()
    edited = text.replace("#", "%", 1)
    assert len(edited) == len(text) and edited != text
    runbook.write_text(edited)  # same size, same inode: only the mtime tells
    checked = cli("check", str(spec), "--out", str(out), cwd=spec.parent)
    assert checked.returncode == 1 and "shop/runbook.md: edited by hand" in checked.stdout
    assert cli("compile", "-q", str(spec), "--out", str(out), cwd=spec.parent).returncode == 0
    assert runbook.read_text() == text, "compile undoes the hand edit"


def test_an_edit_that_puts_the_mtime_back_is_seen_only_by_a_thorough_check(compiled):
    spec, out = compiled
    runbook = out / "shop" / "runbook.md"
    before, text = os.lstat(runbook), runbook.read_text()
    runbook.write_text(text.replace("#", "%", 1))
    os.utime(runbook, ns=(before.st_atime_ns, before.st_mtime_ns))  # touch -d: the one edit stats miss
    assert cli("check", "-q", str(spec), "--out", str(out), cwd=spec.parent).returncode == 0  # documented
    thorough = cli("check", "--thorough", str(spec), "--out", str(out), cwd=spec.parent)
    assert thorough.returncode == 1 and "shop/runbook.md: edited by hand" in thorough.stdout


def test_a_file_as_recent_as_its_manifest_is_racy_and_read(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"1\n")
    info = os.lstat(tmp_path / "a.txt")
    entry = (*file_stats.of_stat(info), "digest", 1)
    same_tick = file_stats.Snapshot(dev=info.st_dev, reference_ns=info.st_mtime_ns, files={"a.txt": entry})
    assert same_tick.kept(tmp_path, "a.txt", "digest") is None, "could be edited within its own clock tick"
    later = file_stats.Snapshot(dev=info.st_dev, reference_ns=info.st_mtime_ns + 1, files={"a.txt": entry})
    assert later.kept(tmp_path, "a.txt", "digest") is not None


def test_a_file_reached_through_a_linked_folder_or_with_two_links_is_read(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.txt").write_bytes(b"1\n")
    info = os.lstat(tmp_path / "real" / "a.txt")
    files = {"real/a.txt": (*file_stats.of_stat(info), "d", 1), "link/a.txt": (*file_stats.of_stat(info), "d", 1)}
    snapshot = file_stats.Snapshot(dev=info.st_dev, reference_ns=info.st_mtime_ns + 1, files=files)
    os.symlink(tmp_path / "real", tmp_path / "link")
    assert snapshot.kept(tmp_path, "real/a.txt", "d") is not None
    assert snapshot.kept(tmp_path, "link/a.txt", "d") is None, "never through a link"
    os.link(tmp_path / "real" / "a.txt", tmp_path / "second")
    assert snapshot.kept(tmp_path, "real/a.txt", "d") is None, "a file sharing its inode is read"
