"""What may be touched inside an output folder: the lock, manifest paths, and files reached without links.

The manifest is a file in a folder the user (or anyone with write access to it) can edit, so
nothing it says is trusted: a path is used only when it is a plain relative path that stays
inside the folder, and a file is read or removed only when it is a regular file reached
without following a symbolic link.

>>> safe_relative("svc/runbook.md"), safe_relative("../etc/passwd"), safe_relative("/etc/passwd")
(True, False, False)
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..conventions import MANIFEST_PATH
from ..errors import FilesystemError
from ..fsread import NotRegularFile, TooLarge, read_regular

# Held (flock) by every compile for its whole run, and shared by check while it reads. It lives in
# the output folder and is carried into each new set like a user file (same inode), so every
# process locks the same file across folder swaps.
LOCK_NAME = ".sigil-monitoring.lock"
# Generated files are read back (to compare) up to this size; a file above it counts as changed.
READ_LIMIT = 256 * 1024 * 1024


def safe_relative(rel: str) -> bool:
    """Whether ``rel`` is a plain relative POSIX path inside its folder: no ``..``, ``.``, ``//`` or root."""
    if not rel or "\\" in rel or "\0" in rel:
        return False
    # No root and no empty, "." or ".." part (then the path is already in the form PurePosixPath
    # would give it), found by substrings: a manifest of 9,000 paths is checked on every compile.
    framed = f"/{rel}/"
    return "//" not in framed and "/./" not in framed and "/../" not in framed


def _lstat(path: str | Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None


def regular_inside(out: Path, rel: str) -> bool:
    """Whether ``out/rel`` is a regular file whose every parent below ``out`` is a real folder."""
    if not safe_relative(rel):
        return False
    current = out
    parts = rel.split("/")
    for part in parts[:-1]:
        current = current / part
        info = _lstat(current)
        if info is None or not stat.S_ISDIR(info.st_mode):
            return False
    info = _lstat(current / parts[-1])
    return info is not None and stat.S_ISREG(info.st_mode)


def read_inside(out: Path, rel: str) -> bytes | None:
    """The bytes of ``out/rel`` when it is a regular file inside ``out``; None otherwise (never blocks)."""
    if not regular_inside(out, rel):
        return None
    try:
        return read_regular(out / rel, READ_LIMIT, follow_symlinks=False)
    except (OSError, NotRegularFile, TooLarge):
        return None


def identity_of(info: os.stat_result) -> tuple[int, ...]:
    """What changes whenever a file's bytes do: device, inode, size, mtime and ctime (ns), links
    (``staging.identity`` of a path)."""
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_nlink)


_MANIFESTS: dict[str, tuple[tuple[int, ...], Any]] = {}


def manifest_json(out: Path) -> Any:
    """The JSON of ``out``'s manifest, None when it is missing, no regular file inside the folder,
    or not JSON; parsed once per version of the file in this process (same inode, size, mtime and
    ctime): a fleet compile asks for it four times (its request, ``up_to_date``, the reuse of
    unchanged services, the writer), a megabyte at 1,000 services. Callers must not change it.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (out / MANIFEST_PATH).write_text('{"files": {}}')
    >>> manifest_json(out) is manifest_json(out)  # parsed once
    True
    >>> _ = (out / MANIFEST_PATH).write_text('{"files": {"a": "1"}}'); manifest_json(out)
    {'files': {'a': '1'}}
    """
    import json

    path = os.path.join(out, MANIFEST_PATH)
    try:
        info = os.lstat(path)
    except OSError:
        return None
    found = identity_of(info)
    kept = _MANIFESTS.get(path)
    if kept is not None and kept[0] == found:
        return kept[1]
    data = read_inside(out, MANIFEST_PATH)
    try:
        value = json.loads(data) if data is not None else None
    except ValueError:
        value = None
    _MANIFESTS[path] = (found, value)
    return value


def check_targets(
    out: Path,
    rels: list[str],
    shown: str,
    checked: set[str] | None = None,
    *,
    files: bool = True,
    present: set[str] | None = None,
) -> None:
    """Refuse to write where a path of ours meets a link, a file where a folder goes, or a folder where a file goes.

    A symbolic link in place of a generated *file* is fine: the new file replaces the link, and
    nothing is written through it. A link in place of a *folder* would send our files elsewhere.
    ``checked``: folders already found fine, kept across calls by a caller checking file by file.
    ``files=False``: the folders only (the caller knows each path is a regular file).
    ``present``: gets each folder looked at and found (a folder, not missing).
    """
    checked = set() if checked is None else checked
    base = os.fspath(out)
    for rel in rels:
        parent = rel.rpartition("/")[0]
        parts = [] if not parent or parent in checked else rel.split("/")  # its folders found fine already
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder in checked:
                continue
            checked.add(folder)
            info = _lstat(f"{base}/{folder}")
            if info is None:
                break
            if stat.S_ISLNK(info.st_mode):
                raise FilesystemError(
                    f"{shown}/{folder}",
                    "is a symbolic link where compile writes a folder (compile never writes through links "
                    "inside the output folder; remove the link, or give its target as --out)",
                )
            if not stat.S_ISDIR(info.st_mode):
                raise FilesystemError(
                    f"{shown}/{folder}", "is a file where compile writes a folder (move the file away)"
                )
            if present is not None:
                present.add(folder)
        info = _lstat(f"{base}/{rel}") if files else None
        if info is not None and stat.S_ISDIR(info.st_mode):
            raise FilesystemError(f"{shown}/{rel}", "is a folder where compile writes a file (move the folder away)")


@contextmanager
def locked(out: Path, shared: bool = False) -> Iterator[None]:
    """Hold the output folder's lock: exclusive for compile (creating the folder), shared for check.

    A shared lock on a folder without a lock file (never compiled, or read-only) is no lock at
    all: nothing is writing there with this version.
    """
    path = out / LOCK_NAME
    while True:
        try:
            if shared:
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
            else:
                out.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, 0o644)
        except OSError as exc:
            if shared and exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP, errno.EACCES):
                yield
                return
            # Named after the folder: that the lock file is the first thing written is ours to know.
            raise OSError(
                exc.errno, exc.strerror, os.fspath(out if exc.filename == os.fspath(path) else exc.filename)
            ) from None
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        # Another compile may have swapped the folder, or someone removed the file, while we
        # waited: the lock counts only if the file we hold is still the one at the path.
        held, now = os.fstat(fd), _lstat(path)
        if now is not None and (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):
            break
        os.close(fd)
    try:
        yield
    finally:
        os.close(fd)


def walk(base: str) -> Iterator[tuple[str, list[str], list[os.DirEntry[str]]]]:
    """``(folder relative to base, its folders, its other entries)``, top-down, like ``os.walk``
    but without a ``stat`` per folder: a link to a folder is an entry (carried as the link), and
    the caller may drop folders from the list before their turn. An unreadable folder is an
    error, not skipped: its files would be lost with the old set."""
    stack = [""]
    while stack:
        rel = stack.pop()
        folders: list[str] = []
        others: list[os.DirEntry[str]] = []
        with os.scandir(f"{base}/{rel}" if rel else base) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.name)
                else:
                    others.append(entry)
        yield rel, folders, others
        stack.extend(f"{rel}/{name}" if rel else name for name in folders)


def process_alive(pid: int) -> bool:
    """Whether the process that named a leftover (a stage, a spare being removed) still runs;
    never this process, whose pid an earlier one may have had."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
