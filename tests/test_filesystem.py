"""Hostile and ordinary filesystems: every failure is one line with the path and the reason, exit 1;
nothing is written through links, outside the folder, or into a folder another compile is writing.

Read-only and full disks are real: a small tmpfs mounted for the test (root can mount; where
mounting is not permitted the tests that need it skip).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from sigil_monitoring.cli import main
from sigil_monitoring.conventions import MANIFEST_PATH
from sigil_monitoring.output.outdir import LOCK_NAME

MINIMAL = (REPO / "specs" / "minimal.yaml").read_text()
DNA = (REPO / "specs" / "sigil-dna.yaml").read_text()


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != LOCK_NAME
    }


def cli(*argv: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sigil_monitoring", *argv], capture_output=True, text=True, cwd=cwd, timeout=timeout
    )


@pytest.fixture
def tmpfs(tmp_path):
    """mount(path, size) puts a tmpfs of ``size`` at ``path``; unmounted when the test ends."""
    mounted: list[Path] = []

    def mount(path: Path, size: str = "4m") -> Path:
        path.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)], capture_output=True, text=True
        )
        if proc.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
        mounted.append(path)
        return path

    yield mount
    for path in reversed(mounted):
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "hello.yaml"
    path.write_text(MINIMAL)
    return path


def test_an_output_path_that_is_a_file_is_one_line_exit_1(tmp_path, spec, capsys):
    (tmp_path / "build").write_text("a file\n")
    assert main(["compile", str(spec), "--out", str(tmp_path / "build")]) == 1
    assert (
        capsys.readouterr().err
        == f"sigil-monitoring compile: error: {tmp_path}/build: exists and is not a folder (remove it, or give "
        "another folder with --out)\n"
    )


def test_a_folder_where_a_generated_file_goes_is_one_line_exit_1(tmp_path, spec, capsys):
    out = tmp_path / "build"
    (out / "hello" / "runbook.md").mkdir(parents=True)
    assert main(["compile", str(spec), "--out", str(out)]) == 1
    assert (
        capsys.readouterr().err
        == f"sigil-monitoring compile: error: {out}/hello/runbook.md: is a folder where compile writes a file "
        "(move the folder away)\n"
    )


def test_a_file_where_a_generated_folder_goes_is_one_line_exit_1(tmp_path, spec, capsys):
    out = tmp_path / "build"
    out.mkdir()
    (out / "hello").write_text("mine\n")
    assert main(["compile", str(spec), "--out", str(out)]) == 1
    assert (
        capsys.readouterr().err
        == f"sigil-monitoring compile: error: {out}/hello: is a file where compile writes a folder (move the file "
        "away)\n"
    )
    assert (out / "hello").read_text() == "mine\n"


def test_a_symlinked_service_folder_is_refused_and_its_target_untouched(tmp_path, spec, capsys):
    out, elsewhere = tmp_path / "build", tmp_path / "elsewhere"
    assert main(["compile", "-q", str(spec), "--out", str(out)]) == 0
    elsewhere.mkdir()
    (elsewhere / "runbook.md").write_text("not yours\n")
    before = tree(out)
    os.rename(out / "hello", tmp_path / "moved")
    (out / "hello").symlink_to(elsewhere)
    assert main(["compile", str(spec), "--out", str(out)]) == 1
    assert capsys.readouterr().err == (
        f"sigil-monitoring compile: error: {out}/hello: is a symbolic link where compile writes a folder "
        "(compile never writes through links inside the output folder; remove the link, or give its target as --out)\n"
    )
    assert tree(elsewhere) == {"runbook.md": b"not yours\n"}
    assert (out / MANIFEST_PATH).read_bytes() == before[MANIFEST_PATH]


def test_a_symlink_in_place_of_a_generated_file_is_replaced_not_written_through(tmp_path, spec):
    out = tmp_path / "build"
    main(["compile", "-q", str(spec), "--out", str(out)])
    victim = tmp_path / "victim.md"
    victim.write_text("keep me\n")
    (out / "hello" / "runbook.md").unlink()
    (out / "hello" / "runbook.md").symlink_to(victim)
    assert main(["compile", "-q", str(spec), "--out", str(out)]) == 0
    assert victim.read_text() == "keep me\n"
    assert not (out / "hello" / "runbook.md").is_symlink()


def test_an_empty_out_is_a_usage_error_not_the_working_directory(tmp_path, spec, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for command in ("compile", "check"):
        with pytest.raises(SystemExit) as stop:
            main([command, str(spec), "--out", ""])
        assert stop.value.code == 2
        assert capsys.readouterr().err.endswith(
            f"sigil-monitoring {command}: error: argument --out: --out needs a folder name, not an empty "
            "string (see --help)\n"
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hello.yaml"]


def _manifest_with(out: Path, extra: dict[str, str]) -> None:
    import json

    data = json.loads((out / MANIFEST_PATH).read_text())
    data["files"].update(extra)
    (out / MANIFEST_PATH).write_text(json.dumps(data))


def test_compile_removes_no_file_the_manifest_names_outside_the_folder_or_not_as_written(tmp_path, spec):
    out = tmp_path / "build"
    main(["compile", "-q", str(spec), "--out", str(out)])
    outside, user = tmp_path / "outside.txt", out / "notes.md"
    outside.write_text("outside\n")
    user.write_text("the user's\n")
    digest = hashlib.sha256(b"outside\n").hexdigest()
    _manifest_with(
        out,
        {"../outside.txt": digest, str(outside): digest, "notes.md": hashlib.sha256(b"what we wrote\n").hexdigest()},
    )
    assert main(["compile", "-q", str(spec), "--out", str(out)]) == 0
    assert outside.read_text() == "outside\n" and user.read_text() == "the user's\n"
    assert main(["check", "-q", str(spec), "--out", str(out)]) == 0


def test_check_does_not_hang_on_a_manifest_entry_that_is_a_fifo_or_dev_zero(tmp_path, spec):
    out = tmp_path / "build"
    main(["compile", "-q", str(spec), "--out", str(out)])
    os.mkfifo(out / "pipe")
    (out / "zero").symlink_to("/dev/zero")
    (out / "hello" / "runbook.md").unlink()
    os.mkfifo(out / "hello" / "runbook.md")
    _manifest_with(out, {"pipe": "0" * 64, "zero": "0" * 64})
    proc = cli("check", str(spec), "--out", str(out), timeout=60)
    assert proc.returncode == 1
    assert "hello/runbook.md: missing (compile would create it)" in proc.stdout
    assert "pipe" not in proc.stdout and "zero" not in proc.stdout


def test_eight_concurrent_compiles_into_one_folder_leave_one_complete_set(tmp_path):
    out = tmp_path / "build"
    specs = []
    for n in range(8):
        path = tmp_path / f"v{n}" / "dna.yaml"
        path.parent.mkdir()
        # Every version has its own service name, so the file sets differ and a mix would show.
        path.write_text(MINIMAL.replace("name: hello\n", f"name: hello-{n}\n", 1))
        specs.append(path)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "sigil_monitoring", "compile", "-q", str(p), "--out", str(out)],
            stderr=subprocess.PIPE,
        )
        for p in specs
    ]
    assert [p.wait(timeout=300) for p in procs] == [0] * 8, [p.stderr.read() for p in procs if p.stderr]
    services = {name for name in os.listdir(out) if name.startswith("hello-")}
    assert len(services) == 1, f"outputs of several compiles mixed: {sorted(services)}"
    winner = specs[int(services.pop().rsplit("-", 1)[1])]
    assert cli("check", "-q", str(winner), "--out", str(out)).returncode == 0
    fresh = tmp_path / "fresh"
    assert cli("compile", "-q", str(winner), "--out", str(fresh)).returncode == 0
    assert tree(out) == tree(fresh), "a stray file of another compile survived"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "fresh", *(f"v{n}" for n in range(8))], (
        "no stage folder left behind"
    )


def test_an_output_folder_that_is_a_mount_point_is_compiled_in_place(tmp_path, tmpfs, spec):
    out = tmpfs(tmp_path / "build")
    (out / "notes.md").write_text("mine\n")
    assert cli("compile", "-q", str(spec), "--out", str(out)).returncode == 0
    assert cli("check", "-q", str(spec), "--out", str(out)).returncode == 0
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(MINIMAL.replace("name: hello\n", "name: hello-two\n"))
    proc = cli("compile", "-q", str(renamed), "--out", str(out))
    assert (proc.returncode, proc.stderr) == (0, "")
    assert cli("check", "-q", str(renamed), "--out", str(out)).returncode == 0
    assert not (out / "hello").exists(), "the stale service folder is removed"
    assert (out / "notes.md").read_text() == "mine\n"
    assert not [p for p in out.iterdir() if p.name.startswith(".sigil-stage")]


def test_a_read_only_file_system_is_one_line_exit_1_and_the_old_set_stays(tmp_path, tmpfs, spec):
    disk = tmpfs(tmp_path / "disk")
    out = disk / "build"
    assert cli("compile", "-q", str(spec), "--out", str(out)).returncode == 0
    before = tree(out)
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    spec.write_text(MINIMAL.replace("hello_requests_total", "hello_calls_total"))
    proc = cli("compile", str(spec), "--out", str(out))
    assert (proc.returncode, proc.stderr) == (
        1,
        f"sigil-monitoring compile: error: {out}: the file system is read-only (write the output to a writable "
        "folder with --out)\n",
    )
    assert tree(out) == before


def test_a_full_disk_is_one_line_exit_1_and_the_old_set_stays(tmp_path, tmpfs, spec):
    disk = tmpfs(tmp_path / "disk", size="96k")
    out = disk / "build"
    assert cli("compile", "-q", str(spec), "--out", str(out)).returncode == 0
    before = tree(out)
    big = tmp_path / "dna.yaml"
    big.write_text(DNA.replace("name: sigil-dna\n", "name: hello\n", 1))  # 250 KB of output
    proc = cli("compile", str(big), "--out", str(out))
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"sigil-monitoring compile: error: {out}")
    assert proc.stderr.endswith(
        ": no space left on the device (free some space, or write the output elsewhere with --out)\n"
    )
    assert proc.stderr.count("\n") == 1
    assert tree(out) == before
    assert sorted(p.name for p in disk.iterdir()) == ["build"], "the stage is removed"
