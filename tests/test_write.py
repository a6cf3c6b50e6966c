"""The writer keeps the output folder a complete set, old or new, and never touches user files."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigil_monitoring.conventions import MANIFEST_PATH
from sigil_monitoring.errors import FilesystemError
from sigil_monitoring.output import write
from sigil_monitoring.output.bundle import Bundle
from sigil_monitoring.output.outdir import LOCK_NAME
from sigil_monitoring.output.write import manifest_bytes, write_bundle

OLD = Bundle({"svc/prometheus/alerts.rules.yml": b"groups: []\n", "svc/runbook.md": b"# old\n", "gone/only.md": b"x\n"})
NEW = Bundle({"svc/prometheus/alerts.rules.yml": b"groups: [1]\n", "svc/runbook.md": b"# new\n"})


def files(folder):
    """The files of ``folder`` but the lock, which every compile leaves (empty) in the folder it wrote."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not p.is_symlink() and p.name != LOCK_NAME
    }


def with_manifest(bundle):
    return {**bundle, MANIFEST_PATH: manifest_bytes(bundle)}


def test_a_first_write_creates_the_folder_with_the_bundle_and_its_manifest(tmp_path):
    out = tmp_path / "build"
    assert write_bundle(OLD, out) == sorted(OLD)
    assert files(out) == with_manifest(OLD)
    assert sorted(json.loads((out / MANIFEST_PATH).read_text())["files"]) == sorted(OLD)


def test_stale_generated_files_go_and_user_files_stay_the_same_inode(tmp_path):
    out = tmp_path / "build"
    write_bundle(OLD, out)
    (out / "notes.txt").write_text("mine\n")
    (out / "svc" / "prometheus" / "custom.rules.yml").write_text("mine too\n")
    (out / "empty-by-choice").mkdir()
    inode = (out / "notes.txt").stat().st_ino
    assert write_bundle(NEW, out) == ["gone/only.md", "svc/prometheus/alerts.rules.yml", "svc/runbook.md"]
    assert files(out) == {
        **with_manifest(NEW),
        "notes.txt": b"mine\n",
        "svc/prometheus/custom.rules.yml": b"mine too\n",
    }
    assert (out / "notes.txt").stat().st_ino == inode
    assert (out / "empty-by-choice").is_dir()
    assert not (out / "gone").exists(), "a folder emptied of our stale files is removed"
    assert [p.name for p in tmp_path.iterdir()] == ["build"], "no stage folder is left beside the output"


def test_a_hand_edit_of_a_generated_file_is_undone_by_the_next_write(tmp_path):
    out = tmp_path / "build"
    write_bundle(NEW, out)
    (out / "svc" / "runbook.md").write_text("# edited by hand\n")
    (out / "svc" / "prometheus" / "alerts.rules.yml").unlink()
    assert write_bundle(NEW, out) == ["svc/prometheus/alerts.rules.yml", "svc/runbook.md"]
    assert files(out) == with_manifest(NEW)


def test_an_unchanged_bundle_does_not_touch_the_folder(tmp_path):
    out = tmp_path / "build"
    write_bundle(NEW, out)
    inode = (out / "svc" / "runbook.md").stat().st_ino
    assert write_bundle(NEW, out) == []
    assert (out / "svc" / "runbook.md").stat().st_ino == inode


@pytest.mark.parametrize("fail_at", [1, 2, 3, 5])
def test_a_failure_while_staging_leaves_the_old_set_intact_and_no_stage_behind(tmp_path, monkeypatch, fail_at):
    out = tmp_path / "build"
    write_bundle(OLD, out)
    (out / "notes.txt").write_text("mine\n")
    before = files(out)
    calls = []
    real_fsync = os.fsync

    def failing_fsync(fd):
        calls.append(fd)
        if len(calls) == fail_at:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(write.os, "fsync", failing_fsync)
    with pytest.raises(FilesystemError, match="no space left on the device"):
        write_bundle(NEW, out)
    assert files(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["build"]


def test_without_renameat2_the_two_rename_fallback_gives_the_same_result(tmp_path, monkeypatch):
    out = tmp_path / "build"
    write_bundle(OLD, out)
    (out / "notes.txt").write_text("mine\n")
    monkeypatch.setattr(write, "_exchange", lambda a, b: False)
    write_bundle(NEW, out)
    assert files(out) == {**with_manifest(NEW), "notes.txt": b"mine\n"}
    assert [p.name for p in tmp_path.iterdir()] == ["build"]


def test_a_symlinked_user_folder_stays_a_symlink(tmp_path):
    out = tmp_path / "build"
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.txt").write_text("x\n")
    write_bundle(OLD, out)
    (out / "link").symlink_to(tmp_path / "elsewhere")
    write_bundle(NEW, out)
    assert (out / "link").is_symlink() and (out / "link" / "x.txt").read_text() == "x\n"


def test_a_symlinked_output_folder_is_written_through_and_keeps_its_link(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "build").symlink_to(tmp_path / "real")
    write_bundle(NEW, tmp_path / "build")
    assert (tmp_path / "build").is_symlink()
    assert files(tmp_path / "real") == with_manifest(NEW)


def test_a_user_file_created_while_staging_is_not_lost(tmp_path, monkeypatch):
    out = tmp_path / "build"
    write_bundle(OLD, out)
    real_stage = write._stage

    def stage_then_user_writes(stager, out_dir, *rest):
        real_stage(stager, out_dir, *rest)
        (out_dir / "late.txt").write_text("written meanwhile\n")

    monkeypatch.setattr(write, "_stage", stage_then_user_writes)
    write_bundle(NEW, out)
    assert (out / "late.txt").read_text() == "written meanwhile\n"


def test_stage_folders_left_by_killed_runs_are_cleaned_up(tmp_path):
    proc = subprocess.Popen(["true"])  # a pid that is gone once waited for
    proc.wait()
    leftover = tmp_path / f".build.sigil-new-{proc.pid}"
    leftover.mkdir()
    (leftover / "half.txt").write_text("half\n")
    write_bundle(NEW, tmp_path / "build")
    assert not leftover.exists()


def test_an_output_path_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "build").write_text("not a folder\n")
    with pytest.raises(FilesystemError, match="build: exists and is not a folder"):
        write_bundle(NEW, tmp_path / "build")
    assert (tmp_path / "build").read_text() == "not a folder\n"


def test_a_file_whose_bytes_did_not_change_is_linked_into_the_new_set_and_a_changed_one_is_new(tmp_path):
    out = tmp_path / "build"
    write_bundle(OLD, out)
    kept = (out / "svc" / "prometheus" / "alerts.rules.yml").stat().st_ino
    edited = (out / "svc" / "runbook.md").stat().st_ino
    assert write_bundle(Bundle({**OLD, "svc/runbook.md": b"# newer\n"}), out) == ["svc/runbook.md"]
    assert (out / "svc" / "prometheus" / "alerts.rules.yml").stat().st_ino == kept
    assert (out / "svc" / "runbook.md").stat().st_ino != edited
    assert files(out) == with_manifest(Bundle({**OLD, "svc/runbook.md": b"# newer\n"}))


def test_an_unchanged_file_that_is_also_linked_elsewhere_is_written_again_not_shared(tmp_path):
    out = tmp_path / "build"
    write_bundle(OLD, out)
    os.link(out / "svc" / "runbook.md", tmp_path / "outside.md")
    write_bundle(Bundle({**OLD, "gone/only.md": b"y\n"}), out)
    assert (out / "svc" / "runbook.md").stat().st_ino != (tmp_path / "outside.md").stat().st_ino
    assert (out / "svc" / "runbook.md").read_bytes() == b"# old\n"


def test_files_given_one_at_a_time_are_written_as_the_same_bundle_would_be(tmp_path):
    out = tmp_path / "build"
    count, changed = write.write_files((item for item in NEW.items()), out)
    assert (count, changed) == (2, sorted(NEW))
    assert files(out) == with_manifest(NEW)


def test_a_failure_of_the_compile_midway_through_the_files_leaves_the_old_set_and_no_stage(tmp_path):
    out = tmp_path / "build"
    write_bundle(OLD, out)
    before = files(out)

    def compiled():
        yield "svc/runbook.md", b"# changed\n"
        raise RuntimeError("a compiler bug")

    with pytest.raises(RuntimeError):
        write.write_files(compiled(), out)
    assert files(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["build"]


def test_a_compile_failing_midway_into_a_folder_never_compiled_into_leaves_no_lock_file(tmp_path):
    out = tmp_path / "build"
    out.mkdir()
    (out / "keep.txt").write_text("mine\n")

    def compiled():
        yield "svc/runbook.md", b"# new\n"
        raise RuntimeError("a compiler bug")

    with pytest.raises(RuntimeError):
        write.write_files(compiled(), out)
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    with pytest.raises(RuntimeError):
        write.write_files(compiled(), tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()


def test_safe_relative_is_the_definition_by_parts_on_every_short_path():
    """``safe_relative`` checks substrings for speed; it must say what the rule by parts says:
    no root, no backslash or NUL, no empty, "." or ".." part."""
    import itertools

    from sigil_monitoring.output.outdir import safe_relative

    def by_parts(rel):
        if not rel or "\\" in rel or "\0" in rel or rel.startswith("/"):
            return False
        return all(part not in ("", ".", "..") for part in rel.split("/"))

    for length in range(7):
        for chars in itertools.product("/.a\\\0", repeat=length):
            rel = "".join(chars)
            assert safe_relative(rel) == by_parts(rel), repr(rel)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.text(min_size=1, max_size=20), st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)),
    st.none() | st.dictionaries(st.text(max_size=10), st.none() | st.booleans() | st.integers() | st.text()),
)
def test_the_manifest_is_what_json_dumps_writes(paths: dict[str, str], inputs: dict[str, object] | None) -> None:
    """The manifest is written by msgspec (C) now, not by json's indenting loop: the same bytes,
    ASCII escapes of other characters included, so a folder compiled before stays up to date."""
    manifest: dict[str, object] = {"generated_by": "sigil-monitoring", "files": paths}
    if inputs is not None:
        manifest["inputs"] = inputs
    assert write.manifest_of(paths, inputs) == (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()


def test_the_manifest_escapes_every_ascii_character_as_json_dumps_does() -> None:
    """Found by the test above: msgspec writes DEL (0x7f) as it is, json.dumps as ``\\u007f``; a
    file name holding it made the manifest's bytes differ. Every ASCII character, one by one."""
    for code in range(128):
        paths = {f"a{chr(code)}b": "0" * 64}
        manifest = {"generated_by": "sigil-monitoring", "files": paths}
        expected = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
        assert write.manifest_of(paths, None) == expected, code
