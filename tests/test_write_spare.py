"""The spare set (output/spare.py): the set a swap replaced is kept in the cache and updated into the next one.

Whatever the spare holds, the output folder after a write is exactly the new set: the spare's
entries are kept only when they are the very file wanted (same inode at the same path).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st
from test_write import files, with_manifest

from sigil_monitoring.output import spare
from sigil_monitoring.output.bundle import Bundle
from sigil_monitoring.output.outdir import LOCK_NAME
from sigil_monitoring.output.write import write_bundle

A = Bundle({"svc/prometheus/alerts.runbook.yml": b"groups: []\n", "svc/runbook.md": b"# a\n", "other/x.md": b"x\n"})
B = Bundle({**A, "svc/runbook.md": b"# b\n"})
C = Bundle({**A, "svc/runbook.md": b"# c\n"})


def _three_writes(out):
    """A first write, a second (whose replaced set becomes the spare), and the spare's path."""
    write_bundle(A, out)
    write_bundle(B, out)
    return spare._path(out)


def test_the_replaced_set_is_kept_as_the_spare_and_becomes_the_next_set(tmp_path):
    out = tmp_path / "build"
    kept = _three_writes(out)
    assert kept.is_dir() and files(kept) == with_manifest(A), "the spare is the set the swap replaced"
    unchanged = out / "svc" / "prometheus" / "alerts.runbook.yml"
    assert unchanged.stat().st_nlink == 2, "an unchanged file is shared with the spare"
    folder = kept.stat().st_ino
    assert write_bundle(C, out) == ["svc/runbook.md"]
    assert out.stat().st_ino == folder, "the new set was built in the spare"
    assert files(out) == with_manifest(C)
    assert files(spare._path(out)) == with_manifest(B)
    assert [p.name for p in tmp_path.iterdir()] == ["build"], "nothing is left beside the output"


def test_whatever_the_spare_holds_the_new_set_is_exact(tmp_path):
    out, outside = tmp_path / "build", tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.md").write_bytes(b"not ours\n")
    kept = _three_writes(out)
    # The spare edited every way: a file of the set replaced (another inode), one removed, one
    # added, a folder where a file goes, a file where a folder goes, a link out of it.
    (kept / "svc" / "prometheus" / "alerts.runbook.yml").unlink()
    (kept / "svc" / "prometheus" / "alerts.runbook.yml").write_bytes(b"groups: []\n")
    (kept / "other" / "x.md").unlink()
    (kept / "extra.md").write_bytes(b"extra\n")
    (kept / "svc" / "runbook.md").unlink()
    (kept / "svc" / "runbook.md").mkdir()
    (kept / "svc" / "runbook.md" / "deep.md").write_bytes(b"deep\n")
    shutil.rmtree(kept / "other")
    (kept / "other").write_bytes(b"a file where a folder goes\n")
    (kept / "svc" / "escape").symlink_to(outside)
    write_bundle(C, out)
    assert files(out) == with_manifest(C)
    assert not (out / "svc" / "escape").exists() and not (out / "extra.md").exists()
    assert (outside / "keep.md").read_bytes() == b"not ours\n", "nothing was followed out of the spare"
    shared = out / "svc" / "prometheus" / "alerts.runbook.yml"
    assert shared.stat().st_nlink == 2


def test_user_files_follow_the_output_folder_not_the_spare(tmp_path):
    out = tmp_path / "build"
    write_bundle(A, out)
    (out / "mine.txt").write_text("mine\n")
    (out / "gone.txt").write_text("removed later\n")
    write_bundle(B, out)  # the spare now holds both user files
    (out / "gone.txt").unlink()
    (out / "later.txt").write_text("new\n")
    write_bundle(C, out)
    assert files(out) == {**with_manifest(C), "mine.txt": b"mine\n", "later.txt": b"new\n"}
    assert (out / LOCK_NAME).exists()


def test_a_stale_generated_file_does_not_come_back_from_the_spare(tmp_path):
    out = tmp_path / "build"
    _three_writes(out)
    smaller = Bundle({k: v for k, v in C.items() if k != "other/x.md"})
    write_bundle(smaller, out)
    assert files(out) == with_manifest(smaller)
    assert not (out / "other").exists(), "the folder emptied of our stale file is removed too"


def test_a_file_also_linked_outside_is_written_again_not_shared(tmp_path):
    out = tmp_path / "build"
    _three_writes(out)
    os.link(out / "other" / "x.md", tmp_path / "outside.md")  # three links: ours, the spare's, this
    write_bundle(C, out)
    assert (out / "other" / "x.md").stat().st_ino != (tmp_path / "outside.md").stat().st_ino
    assert files(out) == with_manifest(C)


def test_without_a_usable_cache_folder_the_replaced_set_is_removed(tmp_path, monkeypatch):
    not_a_folder = tmp_path / "cache-file"
    not_a_folder.write_text("")
    monkeypatch.setenv("SIGIL_MONITORING_CACHE", os.fspath(not_a_folder))
    out = tmp_path / "build"
    write_bundle(A, out)
    write_bundle(B, out)
    assert files(out) == with_manifest(B)
    assert (out / "svc" / "prometheus" / "alerts.runbook.yml").stat().st_nlink == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "cache-file"]


def test_only_the_newest_spares_are_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("SIGIL_MONITORING_CACHE", os.fspath(tmp_path / "cache"))
    outs = [tmp_path / f"build-{n}" for n in range(spare.KEEP + 2)]
    for n, out in enumerate(outs):
        write_bundle(A, out)
        write_bundle(B, out)
        os.utime(spare._path(out), ns=(n, n))  # their ages in the order made, whatever the clock's tick
    write_bundle(C, outs[-1])  # keeps a spare again, and prunes
    left = {p.name for p in spare._path(outs[0]).parent.iterdir()}
    assert left == {spare._path(out).name for out in outs[-spare.KEEP :]}


_PATHS = ["a.md", "svc/a.md", "svc/b.md", "svc/deep/c.md", "other/d.md"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.dictionaries(st.sampled_from(_PATHS), st.sampled_from([b"1\n", b"2\n"]), min_size=1), min_size=3, max_size=6
    ),
    st.lists(st.sampled_from(["drop", "replace", "add"]), max_size=3),
)
def test_a_sequence_of_writes_gives_each_set_exactly(tmp_path_factory, sets, tampering):
    tmp = tmp_path_factory.mktemp("seq")
    out = tmp / "build"
    for n, contents in enumerate(sets):
        kept = spare._path(out)
        if kept.is_dir():
            present = sorted(p for p in kept.rglob("*") if p.is_file() and p.name != LOCK_NAME)
            for what, path in zip(tampering, present, strict=False):
                match what:
                    case "drop":
                        path.unlink()
                    case "replace":
                        path.unlink()
                        path.write_bytes(b"2\n")
                    case "add":
                        (kept / f"extra-{n}.md").write_bytes(b"1\n")
        bundle = Bundle(contents)
        write_bundle(bundle, out)
        assert files(out) == with_manifest(bundle)


def test_a_spare_is_renamed_away_before_it_is_removed_and_a_killed_removal_is_finished(tmp_path, monkeypatch):
    """Another compile may be taking the very spare being pruned (a rename): removed in place, its
    entries would vanish from under that compile's stage; renamed first, one of the two wins."""
    monkeypatch.setenv("SIGIL_MONITORING_CACHE", os.fspath(tmp_path / "cache"))
    spares = tmp_path / "cache" / "spares"
    spares.mkdir(parents=True)
    for n in range(spare.KEEP + 1):
        (spares / f"s{n}").mkdir()
        os.utime(spares / f"s{n}", ns=(n, n))
    left_by_a_killed_run = spares / f"{spare._TRASH}999999999-old"
    left_by_a_killed_run.mkdir()
    removed = []
    real = shutil.rmtree
    monkeypatch.setattr(
        spare.shutil, "rmtree", lambda path, **kw: (removed.append(os.path.basename(path)), real(path, **kw))
    )
    spare._prune(spares)
    assert sorted(p.name for p in spares.iterdir()) == [f"s{n}" for n in range(1, spare.KEEP + 1)]
    assert removed == [left_by_a_killed_run.name, f"{spare._TRASH}{os.getpid()}-s0"]


def test_a_file_whose_second_link_is_no_longer_the_spares_is_written_again_not_shared(tmp_path):
    """Two links are trusted by their stat when the write left two (ours and the spare's); if the
    spare's was replaced by another (same count), the next set gets a copy, never the shared inode.
    Through a fleet ``compile``, whose unchanged services' files are trusted by their stat, not read."""
    specs, out = tmp_path / "specs", tmp_path / "build"
    specs.mkdir()
    text = (REPO / "specs" / "minimal.yaml").read_text()
    (specs / "hello.yaml").write_text(text)

    def compile_with(team):
        (specs / "other.yaml").write_text(
            text.replace("hello", "other").replace("  name: other\n", f"  name: other\n  team: {team}\n")
        )
        command = [sys.executable, "-m", "sigil_monitoring", "compile", "-q", str(specs), "--out", str(out)]
        subprocess.run(command, check=True)

    compile_with("a")
    compile_with("b")  # the replaced set is the spare now
    runbook = out / "hello" / "runbook.md"
    assert runbook.stat().st_nlink == 2, "another service changed: shared with the spare"
    (spare._path(out) / "hello" / "runbook.md").unlink()
    os.link(runbook, tmp_path / "outside.md")  # two links again: ours and this one
    before = runbook.read_bytes()
    compile_with("c")
    assert runbook.stat().st_ino != (tmp_path / "outside.md").stat().st_ino
    assert runbook.read_bytes() == before
