"""The spare set: the set a swap replaced, kept to be updated into the next set instead of rebuilt.

``write`` never changes an output folder in place: it builds the new set in a stage beside the
folder and exchanges the two (``write._write_locked``). Built from nothing, the stage of a fleet
whose one spec changed still needs every other file: a ``mkdir`` per folder and a ``link`` per
file (1,000 services: 4,003 and 9,005), and after the exchange the replaced set is removed
(13,012 more). That was most of such a compile (docs/fleet.md, "Measured").

So the replaced set is not removed but kept here, in the per-user cache folder
(``spares/<hash of the output folder's real path>``), and the next stage starts from it: the
entries that are already right stay, the rest are replaced or removed. An entry is right when it
is the very file the new set takes from the output folder, the same inode at the same path; no
content is compared or trusted, so anything may have happened to the spare meanwhile. After the
exchange the spare holds the previous set, and the output folder's unchanged files are hard
links shared with it (``links``: a file of ours has one link, or two when the spare holds the
other at the same path).

The spare must be on the output folder's file system (a stage is renamed into place); when the
cache folder is elsewhere, or anything fails, the replaced set is removed as before. Only the
``KEEP`` most recently used spares are kept (one per output folder); a spare holds the bytes of
the files that changed since the previous set, the rest it shares.

>>> import os, tempfile
>>> os.environ["SIGIL_MONITORING_CACHE"] = tempfile.mkdtemp()
>>> out = Path(tempfile.mkdtemp()) / "build"; old = out.parent / ".build.old"
>>> old.mkdir(); _ = (old / "a.txt").write_text("1")
>>> keep(out, old), old.exists()
(True, False)
>>> stage = out.parent / ".build.stage"
>>> take(out, stage), sorted(p.name for p in stage.iterdir()), take(out, stage)
(True, ['a.txt'], False)
>>> del os.environ["SIGIL_MONITORING_CACHE"]
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from pathlib import Path

from . import cache_folder
from .outdir import process_alive

KEEP = 8  # output folders whose spare is kept
_TRASH = ".removing-"  # a spare being removed by ``_prune``: ``.removing-<pid>-<name>``


def _path(out: Path) -> Path:
    name = hashlib.sha256(os.fsencode(os.path.realpath(out))).hexdigest()
    return cache_folder.folder() / "spares" / name


def _is_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def take(out: Path, stage: Path) -> bool:
    """Move ``out``'s spare set to ``stage`` (a free path beside ``out``); False when there is none
    or it cannot be moved there (another file system): the caller makes an empty stage."""
    spare = _path(out)
    if not _is_folder(spare):  # a link where the spare goes is not followed, nor taken
        return False
    try:
        os.rename(spare, stage)
    except OSError:
        return False
    if _is_folder(stage):
        return True
    shutil.rmtree(stage, ignore_errors=True)  # swapped for something else meanwhile: not ours to use
    return False


def keep(out: Path, replaced: Path) -> bool:
    """Keep ``replaced`` (the set the exchange took out of ``out``) as ``out``'s spare; False when
    it cannot be kept, and then the caller removes it."""
    spare = _path(out)
    try:
        spare.parent.mkdir(parents=True, exist_ok=True)
        os.rename(replaced, spare)  # fails when a spare is there already, or on another file system
        os.utime(spare)  # its age for ``prune``
    except OSError:
        return False
    _prune(spare.parent)
    return True


def holds(out: Path, rel: str, inode: int) -> bool:
    """Whether ``out``'s spare (not taken) holds the file with this inode at ``rel``."""
    try:
        return os.lstat(_path(out) / rel).st_ino == inode
    except OSError:
        return False


def _prune(spares: Path) -> None:
    """Remove the spares beyond the ``KEEP`` most recently kept; best effort.

    A spare is first renamed to a name of this process, then removed: another compile may be
    taking that very spare (``take``, a rename too) for its stage, and of two renames of one
    folder exactly one wins. Removed in place, its entries would vanish from under that stage.
    """
    try:
        names = os.listdir(spares)
    except OSError:
        return
    for name in names:
        if name.startswith(_TRASH):  # left by a compile killed while removing it
            pid = name[len(_TRASH) :].partition("-")[0]
            if pid.isdigit() and not process_alive(int(pid)):
                shutil.rmtree(spares / name, ignore_errors=True)
    kept = [name for name in names if not name.startswith(_TRASH)]
    for name in cache_folder.oldest_beyond(spares, KEEP, kept):
        mine = spares / f"{_TRASH}{os.getpid()}-{name}"
        try:
            os.rename(spares / name, mine)
        except OSError:
            continue  # taken meanwhile (or gone): not ours to remove
        shutil.rmtree(mine, ignore_errors=True)


class Entries:
    """What a stage taken from a spare holds that the new set has not claimed yet.

    Entries are claimed as the new set is placed (``claim``: the very file wanted, kept as it is)
    or cleared (``clear``: something else at the path, removed first); ``unclaimed`` lists what
    is left for the stage to remove before the exchange.
    """

    def __init__(self, stage: str) -> None:
        self._stage = stage
        self.files: dict[str, int] = {}  # rel -> inode of every entry that is not a folder (links too)
        self.folders: set[str] = set()
        stack = [""]
        while stack:
            rel = stack.pop()
            with os.scandir(f"{stage}/{rel}" if rel else stage) as entries:
                for entry in entries:
                    path = f"{rel}/{entry.name}" if rel else entry.name
                    if entry.is_dir(follow_symlinks=False):
                        self.folders.add(path)
                        stack.append(path)
                    else:
                        self.files[path] = entry.inode()

    def claim(self, rel: str, inode: int) -> bool:
        """Whether the stage holds this very file (``inode``) at ``rel`` already: then it stays.
        Otherwise whatever is at ``rel`` is removed, for the file to be placed there."""
        if self.files.get(rel) == inode:
            del self.files[rel]
            return True
        self.clear(rel)
        return False

    def clear(self, rel: str) -> bool:
        """Remove what the stage holds at ``rel`` (a file, a link or a whole folder); whether it held anything."""
        if self.files.pop(rel, None) is not None:
            os.unlink(f"{self._stage}/{rel}")
            return True
        if rel not in self.folders:
            return False
        shutil.rmtree(f"{self._stage}/{rel}")
        inside = f"{rel}/"
        self.folders = {d for d in self.folders if d != rel and not d.startswith(inside)}
        self.files = {f: inode for f, inode in self.files.items() if not f.startswith(inside)}
        return True

    def unclaimed(self, keep: set[str]) -> tuple[list[str], list[str]]:
        """The files left (all of them) and the folders not in ``keep``, deepest first: what the
        stage must remove to hold the new set only."""
        folders = sorted((d for d in self.folders if d not in keep), key=lambda d: d.count("/"), reverse=True)
        return sorted(self.files), folders
