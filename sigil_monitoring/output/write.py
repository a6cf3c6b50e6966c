"""Writing a bundle to disk so that the output folder is always a complete set, old or new.

The new set is built beside the output folder, file by file as the compile renders them
(``staging.Stager``: new files written and fsynced, unchanged ones and files we did not generate
hard-linked in) and made durable (fsync, or one ``sync`` for a big stage: ``staging``), then
exchanged with the output folder in one atomic ``renameat2(RENAME_EXCHANGE)``. A crash or SIGKILL
at any moment leaves either the old folder or the new one. A folder with no file yet (a first
compile) is replaced by two plain renames instead, which leave no folder or the new one.

Files we generated earlier but no longer produce are dropped; we know them from the manifest we
write, and drop them only when their bytes still hash to what the manifest says (a
file the user put at such a path, or edited, stays). Files we never generated are carried over
untouched (same inode).

Around that: the whole run holds the folder's lock (``outdir.locked``), so concurrent compiles into
one folder take turns; nothing is written through a symbolic link inside the folder
(``outdir.check_targets`` refuses a link where a folder of ours goes); and an output folder that
is a mount point, which cannot be exchanged, is updated in place from a stage inside it, file by
file with ``rename`` (each file atomic, the set not). Every ``OSError`` leaves as a
``FilesystemError`` naming the user's path.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Container, Iterable, Mapping
from pathlib import Path

from ..conventions import MANIFEST_PATH
from ..errors import FilesystemError, filesystem_error
from . import spare
from .bundle import Bundle, Kept
from .outdir import LOCK_NAME, check_targets, locked, manifest_json, process_alive, read_inside, safe_relative, walk
from .staging import Stager

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_STAGE_MARKERS = ("sigil-new", "sigil-old")
_INNER_STAGE = ".sigil-stage-"


def manifest_bytes(bundle: Bundle) -> bytes:
    return manifest_of({path: bundle.digest(path) for path in bundle}, bundle.inputs)


def manifest_of(files: Mapping[str, str], inputs: Mapping[str, object] | None) -> bytes:
    """The manifest of files with these sha256 hex digests (and, when known, what was compiled)."""
    from .render import to_json

    manifest: dict[str, object] = {"generated_by": "sigil-monitoring", "files": dict(files)}
    if inputs is not None:
        manifest["inputs"] = dict(inputs)  # what was compiled: lets incremental.up_to_date skip a compile
    # to_json writes json.dumps(indent=2, sort_keys=True)'s bytes in C (json's indent is a Python
    # loop: a tenth of recompiling one spec of a fleet of 1,000, whose manifest lists 9,000 files);
    # json.dumps also escapes every character beyond ASCII and DEL (0x7f, which msgspec writes as
    # it is: the only ASCII character the two write differently), which the manifest keeps doing.
    data = to_json(manifest)
    if data.isascii() and b"\x7f" not in data:
        return data
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()


def read_manifest(out_dir: Path) -> dict[str, str]:
    """Paths (and hashes) we generated last time in ``out_dir``; empty when there is none.

    Only plain relative paths inside the folder are believed; ``..``, absolute paths and our own
    bookkeeping names are dropped, and the manifest itself is read only as a regular file.
    """
    manifest = manifest_json(Path(out_dir))
    files = manifest.get("files", {}) if isinstance(manifest, dict) else {}
    if not isinstance(files, dict):
        return {}
    return {
        str(k): str(v)
        for k, v in files.items()
        if safe_relative(str(k)) and str(k) not in (MANIFEST_PATH, LOCK_NAME) and not str(k).startswith(_INNER_STAGE)
    }


def _exchange(a: Path, b: Path) -> bool:
    # The C library the interpreter is linked with, by its symbols in this process (``CDLL(None)``,
    # dlopen of the program itself): ``ctypes.util.find_library("c")`` would import subprocess and
    # fork ``ldconfig -p`` (and gcc when that fails) on every compile to find the same library.
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    rc: int = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def _holds_only_lock(out: Path) -> bool:
    with os.scandir(out) as entries:
        return all(entry.name == LOCK_NAME for entry in entries)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def still_ours(out: Path, previous: dict[str, str], bundle: Container[str]) -> list[str]:
    """Files of the last compile that the bundle no longer has and that are still as we wrote them.

    Only these are removed: a path the manifest names but whose file was edited, replaced by a
    link, or put there by the user is left alone.
    """
    out_paths = []
    for rel, digest in previous.items():
        if rel in bundle:
            continue
        data = read_inside(out, rel)
        if data is not None and hashlib.sha256(data).hexdigest() == digest:
            out_paths.append(rel)
    return sorted(out_paths)


def _carry_user_files(out_dir: Path, stager: Stager, generated: set[str], previous: dict[str, str]) -> None:
    """Put into the stage every file of ``out_dir`` that is not ours (same inode), and every folder."""
    if not out_dir.exists():
        return
    for rel_root, folders, others in walk(os.fspath(out_dir)):
        prefix = f"{rel_root}/" if rel_root else ""
        if not rel_root:  # a stage of an in-place write (mount point) that is still running
            folders[:] = [d for d in folders if not d.startswith(_INNER_STAGE)]
        for d in folders:
            stager.folder(prefix + d)
        for entry in others:
            rel = prefix + entry.name
            if rel in generated or rel in previous or rel.startswith(_INNER_STAGE):
                continue  # ours: in the stage already, or stale and dropped
            stager.carry(rel, entry.inode())


def _stage(stager: Stager, out_dir: Path, stage: Path, manifest: bytes, stale: list[str]) -> None:
    """Complete the stage: the manifest, the user's files, what a spare set had and the new set has
    not dropped, empty folders of ours dropped, all durable."""
    stager.begin()
    stager.write(MANIFEST_PATH, manifest)
    previous = {rel: "" for rel in stale}
    _carry_user_files(out_dir, stager, set(stager.digests) | {MANIFEST_PATH}, previous)
    stager.drop_unclaimed()
    if previous:
        stager.touched.update(_drop_emptied_dirs(stage, previous))
    stager.flush()
    if not stager.synced_all:  # one sync(2) made the folders durable with the files
        base = os.fspath(stage)
        for rel in sorted(stager.touched, key=lambda d: d.count("/") + bool(d), reverse=True):
            folder = f"{base}/{rel}" if rel else base
            if os.path.isdir(folder):  # not one dropped since
                _fsync_dir(Path(folder))


def _drop_emptied_dirs(stage: Path, previous: dict[str, str]) -> set[str]:
    """Remove folders left empty only because the stale files we generated in them were dropped;
    return the folders whose entries changed (each removed folder's parent).

    A folder that never held a file of ours stays, even when empty: the user made it.
    """
    ours = {parent for rel in previous for parent in Path(rel).parents if parent != Path(".")}
    changed: set[str] = set()
    for root, _, _ in os.walk(stage, topdown=False):
        rel = Path(root).relative_to(stage)
        if rel in ours and not any(Path(root).iterdir()):
            os.rmdir(root)
            changed.add(rel.parent.as_posix() if rel.parent != Path(".") else "")
    return changed


def _salvage(old: Path, out: Path, generated: set[str], previous: dict[str, str]) -> None:
    """Move into ``out`` the user files created in the old folder while we were staging."""
    base, new = os.fspath(old), os.fspath(out)
    for rel_root, _, others in walk(base):
        prefix = f"{rel_root}/" if rel_root else ""
        for entry in others:
            rel = prefix + entry.name
            if rel in generated or rel in previous or os.path.lexists(f"{new}/{rel}"):
                continue
            os.makedirs(os.path.dirname(f"{new}/{rel}"), exist_ok=True)
            os.rename(f"{base}/{rel}", f"{new}/{rel}")


def _clean_leftovers(out: Path) -> None:
    """Remove stage folders of earlier runs that were killed (their process is gone)."""
    for entry in out.parent.glob(f".{out.name}.sigil-*-*"):
        marker, _, pid = entry.name[len(out.name) + 2 :].rpartition("-")
        if marker not in _STAGE_MARKERS or not pid.isdigit() or process_alive(int(pid)):
            continue
        shutil.rmtree(entry, ignore_errors=True)
    for entry in out.glob(f"{_INNER_STAGE}*"):
        pid = entry.name[len(_INNER_STAGE) :]
        if pid.isdigit() and not process_alive(int(pid)) and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)


def changed_paths(bundle: Bundle, out_dir: str | os.PathLike[str]) -> list[str]:
    """Paths whose bytes on disk differ from ``bundle``, plus stale generated files still there.

    The comparison is with the files on disk, not with the manifest, so a hand edit of a
    generated file counts as a change that ``write_bundle`` undoes.
    """
    out = Path(out_dir)
    changed = [p for p, data in bundle.items() if read_inside(out, p) != data]
    changed += still_ours(out, read_manifest(out), bundle)
    if read_inside(out, MANIFEST_PATH) != manifest_bytes(bundle):
        changed.append(MANIFEST_PATH)
    return sorted(set(changed))


def write_bundle(bundle: Bundle, out_dir: str | os.PathLike[str]) -> list[str]:
    """Swap ``bundle`` into ``out_dir`` atomically; return the paths that changed.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "build"
    >>> write_bundle(Bundle({"a.txt": b"1\\n"}), out)
    ['a.txt']
    >>> (out / "a.txt").read_text()
    '1\\n'
    >>> write_bundle(Bundle({"a.txt": b"1\\n"}), out)
    []
    """
    entries = bundle.entries()
    if bundle.folder is not None and os.path.realpath(bundle.folder) != os.path.realpath(out_dir):
        entries = iter(bundle.items())  # its Kept files are another folder's: read them there
    return write_files(entries, out_dir, bundle.inputs, bundle.verified)[1]


def write_files(
    files: Iterable[tuple[str, bytes | Kept]],
    out_dir: str | os.PathLike[str],
    inputs: Mapping[str, object] | None = None,
    verified: dict[str, tuple[int, ...]] | None = None,
) -> tuple[int, list[str]]:
    """Like ``write_bundle``, taking the files as they come (rendered one by one): (files written, changed paths).

    Only each file's path and hash are kept once it is in the stage, so the whole output is never
    in memory at once; the atomicity is the same, since nothing reaches ``out_dir`` before the swap.
    """
    # A symlinked output folder: swap the folder it points at, keep the link.
    shown = os.fspath(out_dir)
    if not shown:
        raise FilesystemError("''", "is not an output folder (give a folder name with --out)")
    out = Path(os.path.realpath(Path(out_dir).absolute()))
    stage = out.parent / f".{out.name}.sigil-new-{os.getpid()}"
    try:
        if out.exists() and not out.is_dir():
            raise FilesystemError(shown, "exists and is not a folder (remove it, or give another folder with --out)")
        existed, lock_existed = out.exists(), os.path.lexists(out / LOCK_NAME)
        with locked(out):
            try:
                if os.path.ismount(out):
                    bundle = Bundle(dict(files), inputs, folder=out)
                    return len(bundle), _write_mount(bundle, out, shown)
                return _write_locked(files, inputs, out, shown, stage, verified)
            except BaseException:
                if not lock_existed:
                    _unmake(out, existed)
                raise
    except OSError as exc:
        raise filesystem_error(exc, _shown_path(exc, out, stage, shown)) from None


def _unmake(out: Path, existed: bool) -> None:
    """Remove the lock file (and the output folder) that ``locked`` made for a compile that failed
    (files are rendered while the lock is held): a failed compile leaves the folder as it found it."""
    try:
        os.unlink(out / LOCK_NAME)
        if not existed:
            os.rmdir(out)
    except OSError:
        pass  # someone put something there meanwhile: theirs now


def _shown_path(exc: OSError, out: Path, stage: Path, shown: str) -> str:
    """The path of an error as the user knows it: inside their output folder, not our stage."""
    for name in (exc.filename, exc.filename2):
        if not name:
            continue
        path = Path(os.fsdecode(name))
        for base in (stage, out / f"{_INNER_STAGE}{os.getpid()}", out):
            if path == base or base in path.parents:
                rel = path.relative_to(base).as_posix()
                return shown if rel == "." else f"{shown.rstrip('/')}/{rel}"
        return str(path)
    return shown


def _write_mount(bundle: Bundle, out: Path, shown: str) -> list[str]:
    """An output folder that is a mount point: compare everything first, then update in place."""
    check_targets(out, [*bundle, MANIFEST_PATH], shown)
    differing = changed_paths(bundle, out)
    if not differing:
        return []
    _clean_leftovers(out)
    _write_in_place(bundle, out, read_manifest(out))
    return [p for p in differing if p != MANIFEST_PATH]


def _write_locked(
    files: Iterable[tuple[str, bytes | Kept]],
    inputs: Mapping[str, object] | None,
    out: Path,
    shown: str,
    stage: Path,
    verified: dict[str, tuple[int, ...]] | None,
) -> tuple[int, list[str]]:
    previous = read_manifest(out)

    def start() -> None:
        _clean_leftovers(out)
        shutil.rmtree(stage, ignore_errors=True)

    stager = Stager(out, stage, shown, start, verified)
    try:
        for rel, data in files:
            stager.add(rel, data)
        check_targets(out, [MANIFEST_PATH], shown)
        manifest = manifest_of(stager.digests, inputs)
        stale = still_ours(out, previous, stager.digests)
        changed = sorted({*stager.differing, *stale})
        if not changed and read_inside(out, MANIFEST_PATH) == manifest:
            _keep_stats(stager, out, _mtime_ns(out / MANIFEST_PATH))
            return len(stager.digests), []
        _stage(stager, out, stage, manifest, stale)
        # A folder that holds nothing but our lock (new, as in a first compile) has no old set to
        # keep: two renames leave no folder (no file, as before) or the new set, never a mix.
        # Only a folder with files needs the exchange, whose ``import ctypes`` costs ~9.5 M
        # instructions of a fresh compile's ~600 M (measured with callgrind).
        shared = False  # whether the replaced set is kept as the spare (``spare``), sharing our files
        if not _holds_only_lock(out) and _exchange(stage, out):
            _salvage(stage, out, set(stager.digests) | {MANIFEST_PATH}, previous)
            shared = spare.keep(out, stage)  # the replaced set, for the next compile to update
            if not shared:
                shutil.rmtree(stage)
        else:
            # A new folder, or no renameat2 (not Linux, or an old libc): two renames, with a moment
            # between them in which out_dir does not exist; never a mix of old and new files.
            old = out.parent / f".{out.name}.sigil-old-{os.getpid()}"
            os.rename(out, old)
            os.rename(stage, out)
            _salvage(old, out, set(stager.digests) | {MANIFEST_PATH}, previous)
            shutil.rmtree(old)
        _fsync_dir(out.parent)
        _keep_stats(stager, out, stager.stats[MANIFEST_PATH][2], shared)
    finally:
        stager.close()
        if stager.started:
            shutil.rmtree(stage, ignore_errors=True)
    return len(stager.digests), changed


def _mtime_ns(path: Path) -> int | None:
    try:
        return os.lstat(path).st_mtime_ns
    except OSError:
        return None


def _keep_stats(stager: Stager, out: Path, reference: int | None, spare_kept: bool | None = None) -> None:
    """Keep the set's ``file_stats`` snapshot, for the next compile to trust instead of read.

    ``reference``: the mtime of the set's manifest, written after every file of the set.
    ``spare_kept``: after a swap, whether the replaced set is the spare now, holding the other
    link of every file the new set did not write; None when nothing was swapped (each file keeps
    the links it was found with).
    """
    from . import file_stats

    if reference is None:
        return
    written, found_links = stager.written, stager.links
    files: dict[str, file_stats.Entry] = {}
    for rel, found in stager.stats.items():
        if rel == MANIFEST_PATH:
            continue
        if spare_kept is None:
            links = found_links.get(rel, 1)
        else:
            links = 2 if spare_kept and rel not in written else 1
        files[rel] = (*found, stager.digests[rel], links)
    file_stats.keep(out, reference, files)


def _write_file(path: Path, data: bytes) -> None:
    # O_EXCL|O_NOFOLLOW: a file in a fresh stage, never an existing file or a link's target.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _write_in_place(bundle: Bundle, out: Path, previous: dict[str, str]) -> None:
    """Update a mount-point folder, which cannot be renamed: stage inside it, rename file by file.

    Each file is replaced atomically and the manifest goes last, so a run killed midway leaves
    some files new and some old, and the next compile (or ``check``) sees and finishes the job.
    """
    stale = still_ours(out, previous, bundle)
    stage = out / f"{_INNER_STAGE}{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    try:
        items = [*bundle.items(), (MANIFEST_PATH, manifest_bytes(bundle))]
        for index, (_, data) in enumerate(items):
            _write_file(stage / str(index), data)
        _fsync_dir(stage)
        for index, (rel, _) in enumerate(items):
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            os.rename(stage / str(index), out / rel)
        for rel in stale:
            os.unlink(out / rel)
        _drop_emptied_dirs(out, {rel: "" for rel in stale})
        for root, _, _ in os.walk(out, topdown=False):
            if not Path(root).is_relative_to(stage):
                _fsync_dir(Path(root))
    finally:
        shutil.rmtree(stage, ignore_errors=True)
