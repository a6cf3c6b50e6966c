"""How the writer makes the stage durable before the swap: fsync per file, or one sync for many.

``staging``'s docstring has the reasoning and the measurements; these tests pin which calls are
made (counted on the real calls, which still run).
"""

from __future__ import annotations

import os
import stat

import pytest

from sigil_monitoring.output import staging
from sigil_monitoring.output.bundle import Bundle
from sigil_monitoring.output.write import write_bundle


@pytest.fixture
def calls(monkeypatch):
    """Counts of ``fsync`` on regular files, on folders, and of ``sync``."""
    seen = {"file": 0, "dir": 0, "sync": 0}
    real_fsync, real_sync = os.fsync, os.sync

    def fsync(fd):
        seen["dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"] += 1
        real_fsync(fd)

    def sync():
        seen["sync"] += 1
        real_sync()

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "sync", sync)
    return seen


def _bundle(n: int) -> Bundle:
    return Bundle({f"svc/tests/t{i}.yml": f"{i}\n".encode() for i in range(n)})


def test_a_small_stage_is_fsynced_file_by_file_without_a_sync(tmp_path, calls):
    write_bundle(_bundle(10), tmp_path / "out")
    assert calls["sync"] == 0
    assert calls["file"] == 11  # ten files and the manifest
    assert calls["dir"] >= 3  # stage, its folders, the parent after the swap


@pytest.mark.skipif(not staging._SYNC_WAITS, reason="sync(2) waits for the writes on Linux only")
def test_a_big_stage_is_made_durable_by_one_sync_before_the_swap(tmp_path, calls):
    out = tmp_path / "out"
    write_bundle(_bundle(staging._BATCH + 50), out)
    assert calls["sync"] == 1
    assert calls["file"] == 0
    assert len(list((out / "svc" / "tests").iterdir())) == staging._BATCH + 50


def test_where_sync_may_not_wait_a_big_stage_is_fsynced_in_batches(tmp_path, calls, monkeypatch):
    monkeypatch.setattr(staging, "_SYNC_WAITS", False)
    write_bundle(_bundle(staging._BATCH + 50), tmp_path / "out")
    assert calls["sync"] == 0
    assert calls["file"] == staging._BATCH + 51


def test_a_stage_made_from_the_spare_fsyncs_only_what_it_changed(tmp_path, calls):
    out = tmp_path / "out"
    write_bundle(_bundle(10), out)
    write_bundle(Bundle({**_bundle(10), "svc/tests/t3.yml": b"changed\n"}), out)  # keeps the spare
    for key in calls:
        calls[key] = 0
    write_bundle(Bundle({**_bundle(10), "svc/tests/t3.yml": b"again\n"}), out)
    assert calls["sync"] == 0
    assert calls["file"] == 2  # the changed file and the manifest; the nine kept are the spare's already
    assert calls["dir"] == 3  # svc/tests and the stage (an entry replaced in each), the parent after the swap
