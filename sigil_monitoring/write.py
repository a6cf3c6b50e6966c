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


def manifest_bytes(bundle: Bundle) -> bytes:
    files = {path: hashlib.sha256(data).hexdigest() for path, data in bundle.items()}
    return (json.dumps({"generated_by": "sigil-monitoring", "files": files}, indent=2, sort_keys=True) + "\n").encode()


def read_manifest(out_dir: Path) -> dict[str, str]:
    """Paths (and hashes) we generated last time in ``out_dir``; empty when there is none."""
    try:
        data = json.loads((out_dir / MANIFEST_PATH).read_text(encoding="utf-8"))
        files = data.get("files", {})
        return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}
    except (OSError, ValueError):
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


def _stage(bundle: Bundle, out_dir: Path, stage: Path) -> None:
    previous = read_manifest(out_dir)
    generated = set(bundle) | {MANIFEST_PATH}
    if out_dir.exists():
        for root, dirs, files in os.walk(out_dir):
            rel_root = Path(root).relative_to(out_dir)
            for d in dirs:
                (stage / rel_root / d).mkdir(parents=True, exist_ok=True)
            for name in files:
                rel = (rel_root / name).as_posix()
                if rel in generated or rel in previous:
                    continue  # ours: rewritten below, or stale and dropped
                os.link(Path(root) / name, stage / rel, follow_symlinks=False)
    for rel, data in [*bundle.items(), (MANIFEST_PATH, manifest_bytes(bundle))]:
        target = stage / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    for root, _, _ in os.walk(stage, topdown=False):
        _fsync_dir(Path(root))


def write_bundle(bundle: Bundle, out_dir: str | os.PathLike[str]) -> list[str]:
    """Swap ``bundle`` into ``out_dir`` atomically; return the paths that changed.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "build"
    >>> write_bundle(Bundle({"a.txt": b"1\\n"}), out)
    ['a.txt']
    >>> (out / "a.txt").read_text()
    '1\\n'
    """
    out = Path(out_dir).absolute()
    previous = read_manifest(out)
    changed = [p for p, data in bundle.items() if previous.get(p) != hashlib.sha256(data).hexdigest()]
    changed += sorted(p for p in previous if p not in bundle)
    if not changed and out.exists() and (out / MANIFEST_PATH).exists():
        return []
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = out.parent / f".{out.name}.sigil-new-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    try:
        _stage(bundle, out, stage)
        if not out.exists():
            os.rename(stage, out)
        elif _exchange(stage, out):
            shutil.rmtree(stage)  # now holds the old set
        else:
            # No renameat2 (not Linux, or an old libc): two renames, with a moment between them
            # in which out_dir does not exist; never a mix of old and new files.
            old = out.parent / f".{out.name}.sigil-old-{os.getpid()}"
            os.rename(out, old)
            os.rename(stage, out)
            shutil.rmtree(old)
        _fsync_dir(out.parent)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return sorted(changed)
