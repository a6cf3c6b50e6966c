"""What the output folder is known to hold, by ``lstat``: unchanged generated files are not read again.

An incremental compile must know that each generated file it reuses still holds the bytes the
manifest records; reading and hashing every file is the whole cost of a fleet's compile once the
work is skipped (9,000 files: most of a second). After every write, the writer keeps here, per
output folder, each file's inode, size and mtime (ns) with its sha256: a later compile that finds
the same inode, size and mtime takes the recorded hash without reading the file, as ``make``,
``git status`` and ``rsync`` trust a file's stat. A file is still read when anything differs.

Why that is sound:

- Writing a file's bytes sets its mtime to the clock's time of the write, and a new file is a new
  inode: an edit, ``cp`` over it, an editor's save-by-rename, ``git checkout`` all change what is
  compared. Only setting the mtime back by hand (``touch -d``) to the very nanosecond, keeping the
  inode and the size, goes unseen; ``check --thorough`` reads every file anyway.
- Racy files, as git calls them: a file written within the same clock tick as the set's manifest
  could be edited within that tick without its mtime changing. The snapshot keeps the manifest's
  mtime (``reference_ns``, the file system's own clock, taken after every file of the set was
  written) and trusts only files whose mtime is strictly older; the others are read next time.
- A reused file is hard-linked into the next set (same inode, size and mtime), so its entry stays
  valid across compiles; linking changes its ctime, which is why ctime is not compared here
  (``staging.identity`` compares it within one compile).
- A file with more links than the write left it (one, or two with the spare set's: ``spare``) is
  read: its inode is shared with a file elsewhere, which the next set must not share.
- The parents of a file are checked to be real folders (no link), as ``outdir.read_inside`` does,
  once per folder.

The snapshot lives in the per-user cache folder (``cache_folder.folder()``), never in the output
folder: inode numbers mean nothing on another machine, and a committed output folder must not
change with them. A snapshot that cannot be read is no snapshot (every file is read). The
``KEEP`` most recently written snapshots are kept (one per output folder).

>>> import os, tempfile, pathlib
>>> os.environ["SIGIL_MONITORING_CACHE"] = tempfile.mkdtemp()
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> _ = (out / "a.txt").write_bytes(b"1\\n"); before = os.lstat(out / "a.txt")
>>> _ = (out / "later").write_bytes(b""); reference = os.lstat(out / "later").st_mtime_ns
>>> os.utime(out / "a.txt", ns=(before.st_atime_ns, reference - 10**9))  # written a second before
>>> entry = of_stat(os.lstat(out / "a.txt"))
>>> keep(out, reference, {"a.txt": (*entry, "d1", 1)})
>>> kept = load(out).kept(out, "a.txt", "d1"); kept is not None and kept.digest
'd1'
>>> load(out).kept(out, "a.txt", "another digest") is None  # the manifest says otherwise
True
>>> _ = (out / "a.txt").write_bytes(b"2\\n")  # an edit: new mtime
>>> load(out).kept(out, "a.txt", "d1") is None
True
>>> del os.environ["SIGIL_MONITORING_CACHE"]
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import msgspec

from . import cache_folder
from .bundle import Kept
from .outdir import identity_of

# (inode, size, mtime ns, sha256 hex digest, links) of one file: links is 2 when the spare set
# (``spare``) holds the file's other link, else 1; a file found with more is not trusted.
Entry = tuple[int, int, int, str, int]


def of_stat(info: os.stat_result) -> tuple[int, int, int]:
    """The part of a file's stat this snapshot compares: inode, size, mtime (ns)."""
    return info.st_ino, info.st_size, info.st_mtime_ns


class Snapshot(msgspec.Struct, frozen=True):
    """Each file of one output folder as the last write left it; see the module docstring."""

    dev: int  # the output folder's device: an inode number means something on it only
    reference_ns: int  # the set's manifest mtime: files at or after it are racy, never trusted
    files: dict[str, Entry]

    def kept(self, out: str | Path, rel: str, digest: str, folders: set[str] | None = None) -> Kept | None:
        """``out/rel`` as a ``Kept`` when its stat is the recorded one and so is the manifest's
        ``digest``; None when it must be read. ``folders``: parents already found to be real folders."""
        base = out if isinstance(out, str) else os.fspath(out)
        kept, _ = self.kept_all(base, {rel: digest}, set() if folders is None else folders)
        return kept.get(rel)

    def kept_all(self, out: str, recorded: dict[str, object], folders: set[str]) -> tuple[dict[str, Kept], list[str]]:
        """Each file of ``recorded`` (path -> the manifest's digest) as a ``Kept`` when its stat is
        the recorded one and so is the digest, and the paths that must be read. One loop for the
        files of a service (a fleet's 999 unchanged services are 9,000 files), no call per file."""
        files, reference, dev = self.files, self.reference_ns, self.dev
        lstat, is_regular = os.lstat, stat.S_ISREG
        kept: dict[str, Kept] = {}
        unread: list[str] = []
        for rel, digest in recorded.items():
            entry = files.get(rel)
            if entry is None or entry[3] != digest or entry[2] >= reference:
                unread.append(rel)
                continue
            try:
                info = lstat(f"{out}/{rel}")
            except OSError:
                unread.append(rel)
                continue
            if (
                info.st_dev != dev
                or info.st_nlink > entry[4]
                or not is_regular(info.st_mode)
                or (info.st_ino, info.st_size, info.st_mtime_ns) != entry[:3]
                or not _real_folders(out, rel, folders)
            ):
                unread.append(rel)
                continue
            kept[rel] = Kept(entry[3], identity_of(info))
        return kept, unread


def _real_folders(base: str, rel: str, folders: set[str]) -> bool:
    """Whether every parent of ``rel`` below ``base`` is a folder, not a link (each looked at once)."""
    parent = rel.rpartition("/")[0]
    if not parent or parent in folders:  # a folder is kept only once every folder above it was
        return True
    parts = rel.split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        folder = "/".join(parts[:depth])
        if folder in folders:
            continue
        try:
            if not stat.S_ISDIR(os.lstat(f"{base}/{folder}").st_mode):
                return False
        except OSError:
            return False
        folders.add(folder)
    return True


KEEP = 256  # output folders whose snapshot is kept


def _path(out: Path) -> Path:
    name = hashlib.sha256(os.fsencode(os.path.realpath(out))).hexdigest()
    return cache_folder.folder() / "outputs" / f"{name}.msgpack"


def load(out: Path) -> Snapshot | None:
    """The snapshot of ``out``; None when there is none or it cannot be read."""
    try:
        return msgspec.msgpack.decode(_path(out).read_bytes(), type=Snapshot)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None


def keep(out: Path, reference_ns: int, files: dict[str, Entry]) -> None:
    """Keep the snapshot of ``out``'s ``files`` (written before its manifest's mtime
    ``reference_ns``), atomically; nothing when ``out`` is gone. A cache that cannot be written
    only costs reads."""
    try:
        dev = os.stat(out).st_dev
    except OSError:
        return
    path = _path(out)
    snapshot = Snapshot(dev=dev, reference_ns=reference_ns, files=files)
    if cache_folder.replace_file(path, msgspec.msgpack.encode(snapshot)):
        cache_folder.prune(path.parent, KEEP)
