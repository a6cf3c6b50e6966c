"""Writing a bundle to disk so that the output folder is always a complete set, old or new.

The new set is built beside the output folder (new files written and fsynced, files we did not
generate hard-linked in unchanged), then exchanged with the output folder in one atomic
``renameat2(RENAME_EXCHANGE)``. A crash or SIGKILL at any moment leaves either the old folder or
the new one. Files we generated earlier but no longer produce are dropped; we know them from the
manifest we write. Files we never generated are carried over untouched (same inode).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import json
import os
import shutil
from pathlib import Path

from .bundle import Bundle
from .conventions import MANIFEST_PATH

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_STAGE_MARKERS = ("sigil-new", "sigil-old")


def manifest_bytes(bundle: Bundle) -> bytes:
    files = {path: hashlib.sha256(data).hexdigest() for path, data in bundle.items()}
    manifest: dict[str, object] = {"generated_by": "sigil-monitoring", "files": files}
    if bundle.inputs is not None:
        manifest["inputs"] = bundle.inputs  # what was compiled: lets incremental.up_to_date skip a compile
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()


def read_manifest(out_dir: Path) -> dict[str, str]:
    """Paths (and hashes) we generated last time in ``out_dir``; empty when there is none."""
    try:
        data = json.loads((out_dir / MANIFEST_PATH).read_text(encoding="utf-8"))
        files = data.get("files", {})
        return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}
    except (OSError, ValueError, AttributeError):
        return {}


def _exchange(a: Path, b: Path) -> bool:
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if not path.is_symlink() else None
    except OSError:
        return None


def _ours(rel: str, generated: set[str], previous: dict[str, str]) -> bool:
    return rel in generated or rel in previous


def _stage(bundle: Bundle, out_dir: Path, stage: Path) -> None:
    previous = read_manifest(out_dir)
    generated = set(bundle) | {MANIFEST_PATH}
    if out_dir.exists():
        for root, dirs, files in os.walk(out_dir):
            rel_root = Path(root).relative_to(out_dir)
            for d in list(dirs):
                if os.path.islink(Path(root) / d):
                    # os.walk does not descend into a symlinked folder; carry the link itself
                    # over instead of replacing it with an empty folder.
                    dirs.remove(d)
                    files.append(d)
                    continue
                (stage / rel_root / d).mkdir(parents=True, exist_ok=True)
            for name in files:
                rel = (rel_root / name).as_posix()
                if _ours(rel, generated, previous):
                    continue  # ours: rewritten below, or stale and dropped
                os.link(Path(root) / name, stage / rel, follow_symlinks=False)
    for rel, data in [*bundle.items(), (MANIFEST_PATH, manifest_bytes(bundle))]:
        target = stage / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    _drop_emptied_dirs(stage, previous)
    for root, _, _ in os.walk(stage, topdown=False):
        _fsync_dir(Path(root))


def _drop_emptied_dirs(stage: Path, previous: dict[str, str]) -> None:
    """Remove folders left empty only because the stale files we generated in them were dropped.

    A folder that never held a file of ours stays, even when empty: the user made it.
    """
    ours = {parent for rel in previous for parent in Path(rel).parents if parent != Path(".")}
    for root, _, _ in os.walk(stage, topdown=False):
        rel = Path(root).relative_to(stage)
        if rel in ours and not any(Path(root).iterdir()):
            os.rmdir(root)


def _salvage(old: Path, out: Path, generated: set[str], previous: dict[str, str]) -> None:
    """Move into ``out`` the user files created in the old folder while we were staging."""
    for root, dirs, files in os.walk(old):
        rel_root = Path(root).relative_to(old)
        for name in files + [d for d in dirs if os.path.islink(Path(root) / d)]:
            rel = (rel_root / name).as_posix()
            if _ours(rel, generated, previous) or os.path.lexists(out / rel):
                continue
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            os.rename(Path(root) / name, out / rel)


def _clean_leftovers(out: Path) -> None:
    """Remove stage folders of earlier runs that were killed (their process is gone)."""
    for entry in out.parent.glob(f".{out.name}.sigil-*-*"):
        marker, _, pid = entry.name[len(out.name) + 2 :].rpartition("-")
        if marker not in _STAGE_MARKERS or not pid.isdigit() or _alive(int(pid)):
            continue
        shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # a leftover of an earlier process that had our pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def changed_paths(bundle: Bundle, out_dir: str | os.PathLike[str]) -> list[str]:
    """Paths whose bytes on disk differ from ``bundle``, plus stale generated files still there.

    The comparison is with the files on disk, not with the manifest, so a hand edit of a
    generated file counts as a change that ``write_bundle`` undoes.
    """
    out = Path(out_dir)
    changed = [p for p, data in bundle.items() if _read(out / p) != data]
    changed += [p for p in read_manifest(out) if p not in bundle and os.path.lexists(out / p)]
    if _read(out / MANIFEST_PATH) != manifest_bytes(bundle):
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
    # A symlinked output folder: swap the folder it points at, keep the link.
    out = Path(os.path.realpath(Path(out_dir).absolute()))
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out_dir} exists and is not a folder; cannot write the output there")
    differing = changed_paths(bundle, out)
    if out.is_dir() and not differing:
        return []
    changed = [p for p in differing if p != MANIFEST_PATH]
    out.parent.mkdir(parents=True, exist_ok=True)
    _clean_leftovers(out)
    stage = out.parent / f".{out.name}.sigil-new-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    previous = read_manifest(out)
    try:
        _stage(bundle, out, stage)
        if not out.exists():
            os.rename(stage, out)
        elif _exchange(stage, out):
            _salvage(stage, out, set(bundle) | {MANIFEST_PATH}, previous)
            shutil.rmtree(stage)  # now holds the old set
        else:
            # No renameat2 (not Linux, or an old libc): two renames, with a moment between them
            # in which out_dir does not exist; never a mix of old and new files.
            old = out.parent / f".{out.name}.sigil-old-{os.getpid()}"
            os.rename(out, old)
            os.rename(stage, out)
            _salvage(old, out, set(bundle) | {MANIFEST_PATH}, previous)
            shutil.rmtree(old)
        _fsync_dir(out.parent)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return changed
