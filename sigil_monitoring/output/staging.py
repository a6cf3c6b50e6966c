"""Building the new output set in a stage folder as the files come, for ``write.write_files``.

Files are taken one at a time, so a compile never holds every rendered byte of its output: each
file is compared with the one in the output folder, written into the stage (or linked, below),
and only its path and hash are kept for the manifest. The stage is made only when the first
difference shows: a compile that changes nothing creates nothing, not even beside the folder.

Durability is the same as one ``fsync`` per file before the swap, made cheaper by batching.
A stage of up to ``_BATCH`` files (sigil-dna: 24) is fsynced file by file at the end: writeback
of every file is started first (``posix_fadvise(DONTNEED)`` submits the dirty pages without
waiting), then each is fsynced and closed, so one journal commit covers them all. A bigger stage
(10,000 SLOs: 35,000 files) is made durable with one ``sync(2)`` after every file is written and
closed: on Linux it returns only once all dirty data and metadata are on disk (``man 2 sync``),
and it cost 0.4-0.7 s of system CPU and about 1 s of waiting against 1.1-1.4 s and 4-18 s for
35,000 fsyncs in batches of 256 (measured on this machine; it also writes other programs' dirty
pages, which costs them nothing and us only time). Where ``sync`` may return before the writes
are done (not Linux), a big stage is fsynced in batches of ``_BATCH`` as it is written. Either
way the folders are fsynced after the files, and the swap comes only after that
(``write._write_locked``): a crash before it leaves the old folder, after it a durable new one.

A file whose bytes are already in the output folder is hard-linked into the stage instead of
being written again. Why that is sound:

- The bytes were compared just before the link, so the new set has them (an edit by someone else
  between the compare and the swap is the same as an edit just after the compile: the manifest
  records our hash, and ``check`` reports the difference).
- Only a regular file reached without following a link, whose only other link (if any) is the
  spare set's at the same path, is linked (``outdir.read_inside`` and ``_ours_alone``): its
  inode belongs to the output folder (and our spare) alone, so the new set never shares bytes
  with a file elsewhere. Nothing is ever written through the link: a changed file is always a
  new inode created with ``O_EXCL`` in the stage.
- It is fsynced like a written file. Its content is usually durable already (our previous
  compile fsynced it before its swap), but a file restored by hand with the same bytes may not
  be, and the swap must not publish a file that a crash could empty. An fsync of a clean inode
  writes no data; the link's own metadata goes in the batch's journal commit.

A stage taken from the spare set (``spare``: the set the last swap replaced) holds most files
already: an entry that is the very inode wanted stays, neither linked nor fsynced again (the
output folder publishes that inode already, so the swap publishes nothing a crash could empty
that was not published before); any other entry at a path of the new set is removed before the
new one is placed, and the rest (``drop_unclaimed``) before the swap. Only the folders whose
entries changed (``touched``) are fsynced.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from ..errors import FilesystemError
from . import spare
from .bundle import Kept
from .outdir import check_targets, identity_of, read_inside

_BATCH = 256
_SYNC_WAITS = sys.platform == "linux"  # sync(2) returns only when the writes are done (man 2 sync)
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def identity(path: str | os.PathLike[str]) -> tuple[int, ...] | None:
    """What changes whenever a file's bytes do: device, inode, size, mtime and ctime (ns), links.

    ctime cannot be set by hand (``utime`` sets only mtime), so a file whose identity is the
    same as when it was read has not been written since, or was written within the same clock
    tick as the read, which is the race an edit just after the compile is anyway.
    """
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return identity_of(info)


class Stager:
    """Takes ``(path, bytes or Kept)`` one by one; afterwards knows every path's hash, which
    differ, and each file's ``file_stats`` stat (inode, size, mtime) in the new set."""

    def __init__(
        self,
        out: Path,
        stage: Path,
        shown: str,
        start: Callable[[], None],
        verified: dict[str, tuple[int, ...]] | None = None,
    ) -> None:
        self.out, self.stage, self.shown = out, stage, shown
        self._base, self._stage = os.fspath(out), os.fspath(stage)
        self._verified = verified or {}  # rel -> identity when its bytes were last read and found equal
        self._start = start  # called once, when the stage is first needed (cleans leftovers)
        self.digests: dict[str, str] = {}
        self.stats: dict[str, tuple[int, int, int]] = {}  # rel -> (inode, size, mtime ns) in the stage
        self.differing: list[str] = []
        self._same: list[str] = []  # identical files seen before the stage existed
        self._started = False
        self.folders: set[str] = set()  # folders made in the stage (relative paths)
        self._checked: set[str] = set()
        # Folders of the new set (relative paths) found in the output folder, and found missing.
        self._present: set[str] = set()
        self._absent: set[str] = set()
        self._pending: list[int] = []  # written files, open until made durable
        self._linked: list[str] = []  # linked files not yet made durable (their path in the stage)
        self._sync_all = False  # more than _BATCH files: one sync(2) at the end (module docstring)
        self.links: dict[str, int] = {}  # rel -> links of an unchanged file when found (1, or 2 with the spare's)
        self.written: set[str] = set()  # files written (new inodes), not linked or kept
        self.touched: set[str] = set()  # folders of the stage whose entries changed (fsynced before the swap)
        self._spare: spare.Entries | None = None  # the stage's entries when it was the spare set

    @property
    def started(self) -> bool:
        return self._started

    @property
    def synced_all(self) -> bool:
        """Whether ``flush`` makes the stage durable with one ``sync`` (folders included)."""
        return self._sync_all

    def add(self, rel: str, data: bytes | Kept) -> None:
        if rel in self.digests:
            raise AssertionError(f"two artifacts write {rel}: a naming bug in sigil-monitoring")
        parent = rel.rpartition("/")[0]
        kept = isinstance(data, Kept)
        # A file whose folder is not in the output folder (a first compile's every file) has
        # nothing at its path to refuse, compare or link: neither is looked for, file by file.
        new_folder = parent in self._absent and not kept
        if not new_folder:
            # A Kept file was a regular file when looked at; its identity, compared below, says it still is.
            check_targets(self.out, [rel], self.shown, self._checked, files=not kept, present=self._present)
            # Its folders were all looked at, now or for an earlier file: each found is in _present,
            # so a parent that is not was missing (or a folder above it was).
            if parent and parent not in self._present:
                self._absent.add(parent)
        if isinstance(data, Kept):
            self.digests[rel] = data.digest
            same = data.identity if identity(f"{self._base}/{rel}") == data.identity else None
            if same is None:  # changed since it was looked at: the bytes are needed after all
                data = self._bytes_of(rel, data.digest)
                same = self._unchanged(rel, data)
        else:
            self.digests[rel] = hashlib.sha256(data).hexdigest()
            same = None if new_folder else self._unchanged(rel, data)
        if same is not None:
            self.stats[rel] = (same[1], same[2], same[3])
            self.links[rel] = same[5]
            if self._started:
                self._link(rel)
            else:
                self._same.append(rel)
            return
        assert isinstance(data, bytes)
        self.differing.append(rel)
        self.begin()
        self.write(rel, data)

    def _bytes_of(self, rel: str, digest: str) -> bytes:
        """The bytes of the output folder's ``rel``, which must still hash to ``digest``."""
        data = read_inside(self.out, rel)
        if data is None or hashlib.sha256(data).hexdigest() != digest:
            raise FilesystemError(
                f"{self.shown.rstrip('/')}/{rel}", "changed while compile was writing (run compile again)"
            )
        return data

    def begin(self) -> None:
        """Make the stage (once) and link into it the identical files seen so far."""
        if self._started:
            return
        self._started = True
        self._start()
        if spare.take(self.out, self.stage):
            try:
                self._spare = spare.Entries(self._stage)
            except OSError:  # a spare that cannot be read is no spare: start from nothing
                shutil.rmtree(self._stage, ignore_errors=True)
        if self._spare is None:
            os.mkdir(self._stage)
            self.touched.add("")
        for rel in self._same:
            self._link(rel)
        self._same = []

    def write(self, rel: str, data: bytes) -> None:
        target = self._place(rel)
        self.written.add(rel)
        # O_EXCL|O_NOFOLLOW: a file in a fresh stage, never an existing file or a link's target.
        fd = os.open(target, _FLAGS, 0o644)
        self._pending.append(fd)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        info = os.fstat(fd)
        self.stats[rel] = (info.st_ino, info.st_size, info.st_mtime_ns)
        self._full()

    def _link(self, rel: str) -> None:
        if self._spare is not None and self._spare.claim(rel, self.stats[rel][0]):
            return  # the spare set holds this very file (same inode) at its path already
        if self.links[rel] > 1:  # its other link is not the spare's (or it was claimed): never share it
            self.write(rel, self._bytes_of(rel, self.digests[rel]))
            return
        target = self._place(rel)
        os.link(f"{self._base}/{rel}", target, follow_symlinks=False)
        self._linked.append(target)
        self._full()

    def carry(self, rel: str, inode: int) -> None:
        """Put into the stage the output folder's ``rel``, a file we did not generate (same inode)."""
        if self._spare is not None and self._spare.claim(rel, inode):
            return
        os.link(f"{self._base}/{rel}", self._place(rel), follow_symlinks=False)

    def folder(self, rel: str) -> None:
        """Make the folder ``rel`` (its parent made already) in the stage, unless it is there."""
        if rel in self.folders:
            return
        if self._spare is None or rel not in self._spare.folders:
            if self._spare is not None:
                self._spare.clear(rel)
            os.mkdir(f"{self._stage}/{rel}")
            self.touched.update((rel, rel.rpartition("/")[0]))
        self.folders.add(rel)

    def _place(self, rel: str) -> str:
        """The stage path for a new entry at ``rel``: its folders made, whatever a spare set had
        there removed (a new entry is always a new name: ``O_EXCL``, ``link``)."""
        target = self._parent_made(rel)
        if self._spare is not None:
            self._spare.clear(rel)
        self.touched.add(rel.rpartition("/")[0])
        return target

    def drop_unclaimed(self) -> None:
        """Remove what a spare set held that the new set has not claimed (once the new set is all placed)."""
        if self._spare is None:
            return
        files, folders = self._spare.unclaimed(self.folders)
        for rel in files:
            os.unlink(f"{self._stage}/{rel}")
            self.touched.add(rel.rpartition("/")[0])
        for rel in folders:
            os.rmdir(f"{self._stage}/{rel}")
            self.touched.add(rel.rpartition("/")[0])
        self._spare = None

    def _full(self) -> None:
        """A full batch: close it for the one ``sync`` of ``flush`` (Linux), or fsync it now."""
        if len(self._pending) + len(self._linked) < _BATCH:
            return
        if not _SYNC_WAITS:
            self.flush()
            return
        self._sync_all = True
        self.close()

    def _unchanged(self, rel: str, data: bytes) -> tuple[int, ...] | None:
        """The identity of ``out/rel`` when it holds ``data`` and is a regular file reached without
        links whose only other link, if any, is the spare set's (so linking it shares no bytes
        elsewhere); else None. Read and compared, unless it was found so already (``incremental``
        read it to reuse it) and has not changed since (same ``identity``)."""
        path = f"{self._base}/{rel}"
        known = self._verified.get(rel)
        if known is not None and self._ours_alone(rel, known) and identity(path) == known:
            return known
        before = identity(path)
        if before is None or not self._ours_alone(rel, before) or read_inside(self.out, rel) != data:
            return None
        return before if identity(path) == before else None

    def _ours_alone(self, rel: str, found: tuple[int, ...]) -> bool:
        """Whether the file with identity ``found`` at ``rel`` has no link but ours: its own, and
        the spare set's at the same path (``spare``)."""
        if found[5] == 1:
            return True
        if found[5] != 2:
            return False
        if self._spare is not None:  # the spare is the stage now
            return self._spare.files.get(rel) == found[1]
        return not self._started and spare.holds(self.out, rel, found[1])

    def _parent_made(self, rel: str) -> str:
        parent, _, _ = rel.rpartition("/")
        if parent and parent not in self.folders:
            if self._spare is not None:  # a file of the spare set where a folder goes
                above = parent
                while above and above not in self._spare.folders:
                    self._spare.clear(above)
                    above = above.rpartition("/")[0]
            # Not a plain mkdir per missing folder, though that saves os.makedirs' stat of each
            # parent: on kernels with multigrain timestamps (6.13+) a timestamp is fine-grained
            # only once something has looked at it, and those stats are what gives the files of
            # a small set mtimes older than its manifest's. Without them 45 of the 46 files of a
            # two-service set shared the manifest's mtime: racy (``file_stats``), so read again
            # by every compile.
            os.makedirs(f"{self._stage}/{parent}", exist_ok=True)
            while parent and parent not in self.folders:  # it and every folder above it
                self.folders.add(parent)
                if self._spare is None or parent not in self._spare.folders:
                    self.touched.update((parent, parent.rpartition("/")[0]))
                parent = parent.rpartition("/")[0]
        return f"{self._stage}/{rel}"

    def flush(self) -> None:
        """Make every file written or linked so far durable: one ``sync`` after a big stage (files
        and folders alike), else an fsync of each file, writeback of all started first."""
        pending, self._pending = self._pending, []
        linked, self._linked = self._linked, []
        if self._sync_all:
            for fd in pending:
                os.close(fd)
            os.sync()
            return
        try:
            pending += [os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC) for path in linked]
            for fd in pending:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            for fd in pending:
                os.fsync(fd)
        finally:
            for fd in pending:
                os.close(fd)

    def close(self) -> None:
        """Close what is still open (after an error: the stage is about to be removed)."""
        for fd in self._pending:
            os.close(fd)
        self._pending = []
        self._linked = []
