"""The reaper deletes what a killed run left, and nothing else: folders and children are checked first."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import msgspec
import pytest

from sigil_monitoring.live.leftovers import OWNER, Proc, make_owned_dir, reap_stale, record_child, started


def _sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen(["sleep", "60"])


PIDNS = os.readlink("/proc/self/ns/pid")


def _dead_owner(pidns: str = PIDNS) -> Proc:
    """The record of a process that has ended (it was real: a pid and start time the kernel gave)."""
    proc = _sleeper()
    record = Proc(proc.pid, started(proc.pid) or 0, pidns=pidns)
    proc.kill()
    proc.wait()
    return record


def _folder_of(tmp: Path, owner: Proc) -> Path:
    folder = make_owned_dir("drill", tmp)
    (folder / OWNER).write_bytes(msgspec.json.encode(owner))
    return folder


@pytest.fixture
def sleeper():
    proc = _sleeper()
    yield proc
    proc.kill()
    proc.wait()


def test_a_dead_owners_folder_is_deleted_and_its_recorded_child_killed(tmp_path: Path, sleeper) -> None:
    folder = _folder_of(tmp_path, _dead_owner())
    record_child(folder, sleeper.pid, shutil.which("sleep") or "sleep")
    assert reap_stale(tmp_path) == [folder]
    assert sleeper.wait(timeout=5) == -9
    assert not folder.exists()


def test_a_child_that_is_not_the_recorded_binary_is_left_running(tmp_path: Path, sleeper) -> None:
    folder = _folder_of(tmp_path, _dead_owner())
    record_child(folder, sleeper.pid, shutil.which("prometheus") or "/usr/bin/prometheus")
    assert reap_stale(tmp_path) == [folder]
    assert sleeper.poll() is None


def test_an_owner_whose_pid_was_reused_counts_as_gone(tmp_path: Path) -> None:
    me = Proc(os.getpid(), (started(os.getpid()) or 0) - 1, pidns=PIDNS)  # our pid, another start time
    folder = _folder_of(tmp_path, me)
    assert reap_stale(tmp_path) == [folder]


def test_live_owners_other_namespaces_unrecorded_folders_and_other_names_are_kept(tmp_path: Path) -> None:
    mine = make_owned_dir("prometheus", tmp_path)
    unrecorded = tmp_path / "sigil-drill-old"
    unrecorded.mkdir()
    other = tmp_path / "drill-x"
    other.mkdir()
    (other / OWNER).write_bytes(msgspec.json.encode(_dead_owner()))
    elsewhere = _folder_of(tmp_path, _dead_owner(pidns="pid:[1]"))  # another container's: its pids are not ours
    broken = _folder_of(tmp_path, _dead_owner())
    (broken / OWNER).write_text('{"pid": 1')  # cut short: its owner is unknown, so it is kept
    assert reap_stale(tmp_path) == []
    assert sorted(tmp_path.iterdir()) == sorted([mine, unrecorded, other, elsewhere, broken])
