"""Temp folders that say whose they are, and the reaper of those a killed run left behind.

Why: SIGKILL (a CI job's timeout) gives no process a chance to clean up. ``spawn`` makes the
kernel kill the servers with us; their temp folders (``sigil-drill-*``, ``sigil-prometheus-*``,
...) stay. So each folder holds an owner record (pid and start time of the process that made it)
and one record per child started in it (pid, start time, binary), and every new folder first
reaps the folders whose owner is gone: it kills the children still running, after checking that
each one is still the recorded binary started at the recorded time (a pid can be reused), and
deletes the folder. Folders without a record, of another user, of a live owner or of an owner in
another pid namespace (a container sharing /tmp, whose pids we cannot see) are left alone.
Only on Linux (``/proc`` tells a process's start time and binary); elsewhere nothing is reaped.

>>> import tempfile
>>> tmp = Path(tempfile.mkdtemp())
>>> with owned_tempdir("drill", tmp) as folder:
...     folder.name.startswith("sigil-drill-"), reap_stale(tmp)
(True, [])
>>> list(tmp.iterdir())
[]
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec

PREFIX = "sigil-"
OWNER = ".sigil-owner.json"
CHILD = ".sigil-child-{pid}.json"


class Proc(msgspec.Struct, frozen=True):
    """A process as recorded: ``start`` tells it from a later process given the same pid."""

    pid: int
    start: int
    exe: str = ""  # children only: the binary, checked before a kill
    pidns: str = ""  # owners only: the pid namespace in which ``pid`` means this process


def started(pid: int) -> int | None:
    """When ``pid`` started (clock ticks since boot, /proc/PID/stat field 22), or None if it is gone.

    A zombie (exited, not yet waited for) counts as gone.

    >>> started(os.getpid()) is not None
    True
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # the command name in (...) may hold spaces
    return None if fields[0] in ("Z", "X") else int(fields[19])


def _pidns() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


def _write(path: Path, proc: Proc) -> None:
    temp = path.with_suffix(".tmp")
    temp.write_bytes(msgspec.json.encode(proc))
    temp.replace(path)  # a record is whole or absent, never half written


def _read(path: Path) -> Proc | None:
    try:
        return msgspec.json.decode(path.read_bytes(), type=Proc)
    except (OSError, msgspec.DecodeError):
        return None


def make_owned_dir(what: str, parent: Path | None = None) -> Path:
    """A new ``sigil-<what>-*`` temp folder recording this process as its owner (stale ones reaped first)."""
    base = Path(parent or tempfile.gettempdir())
    reap_stale(base)
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{what}-", dir=base))
    me = started(os.getpid())
    if me is not None:
        _write(folder / OWNER, Proc(os.getpid(), me, pidns=_pidns()))
    return folder


@contextmanager
def owned_tempdir(what: str, parent: Path | None = None) -> Iterator[Path]:
    """``make_owned_dir`` as a context manager that deletes the folder at the end."""
    folder = make_owned_dir(what, parent)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def record_child(folder: Path, pid: int, binary: str) -> None:
    """Record a child started for ``folder``, so a reaper can stop it if we die without doing so."""
    start = started(pid)
    if start is not None:
        _write(folder / CHILD.format(pid=pid), Proc(pid, start, os.path.realpath(binary)))


def _is(proc: Proc) -> bool:
    """Whether ``proc`` still runs as recorded (same start time, and same binary for a child)."""
    if started(proc.pid) != proc.start:
        return False
    try:
        return not proc.exe or os.readlink(f"/proc/{proc.pid}/exe") == proc.exe
    except OSError:
        return False


def reap_stale(parent: Path | None = None) -> list[Path]:
    """Delete our ``sigil-*`` folders in ``parent`` whose owner is gone, killing their recorded children."""
    base = Path(parent or tempfile.gettempdir())
    if started(os.getpid()) is None:  # no /proc: no way to tell a live owner from a dead one
        return []
    try:
        candidates = [p for p in base.iterdir() if p.name.startswith(PREFIX)]
    except OSError:
        return []
    reaped = []
    for folder in candidates:
        try:
            if folder.is_symlink() or not folder.is_dir() or folder.stat().st_uid != os.getuid():
                continue
        except OSError:
            continue
        owner = _read(folder / OWNER)
        if owner is None or owner.pidns != _pidns() or _is(owner):
            continue
        for record in folder.glob(CHILD.format(pid="*")):
            child = _read(record)
            if child is not None and _is(child):
                try:
                    os.kill(child.pid, signal.SIGKILL)
                except OSError:  # gone in the meantime
                    pass
        shutil.rmtree(folder, ignore_errors=True)
        reaped.append(folder)
    return reaped
