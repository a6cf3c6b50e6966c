"""The per-user cache folder, and the two ways every cache file in it is written and bounded.

Four caches live here, each a sub-folder: ``services/`` (``service_cache``: what a fleet compile
needs of a service it does not load), ``outputs/`` (``file_stats``: the stat snapshot of an output
folder), ``fingerprints/`` (``request``: the package's hash, one file per installation) and
``spares/`` (``spare``: the set an output folder's last swap replaced, to build the next from).
Every one of them is only an accelerator: a file that cannot be read is a miss, one that cannot
be written makes a later compile slower.

The folder is ``SIGIL_MONITORING_CACHE``, else ``$XDG_CACHE_HOME/sigil-monitoring``, else
``~/.cache/sigil-monitoring``.

>>> import os, tempfile
>>> os.environ["SIGIL_MONITORING_CACHE"] = tempfile.mkdtemp()
>>> replace_file(folder() / "a" / "entry", b"x"), (folder() / "a" / "entry").read_bytes()
(True, b'x')
>>> del os.environ["SIGIL_MONITORING_CACHE"]
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_VARIABLE = "SIGIL_MONITORING_CACHE"


def folder() -> Path:
    if found := os.environ.get(CACHE_VARIABLE):
        return Path(found)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sigil-monitoring"


def replace_file(path: Path, data: bytes) -> bool:
    """Put ``data`` at ``path`` in the cache atomically (a concurrent compile reads the old or the
    new); False when it cannot be written, which only makes a later compile slower."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError:
        return False
    return True


def prune(shard: Path, keep: int) -> None:
    """Remove the files of ``shard`` beyond its ``keep`` newest (by mtime); best effort.

    >>> import tempfile, time
    >>> shard = Path(tempfile.mkdtemp())
    >>> for n in range(4):
    ...     _ = (shard / f"e{n}").write_text(""); os.utime(shard / f"e{n}", ns=(n, n))
    >>> prune(shard, 2); sorted(p.name for p in shard.iterdir())
    ['e2', 'e3']
    """
    for name in oldest_beyond(shard, keep):
        try:
            os.unlink(shard / name)
        except OSError:
            pass


def oldest_beyond(folder: Path, keep: int, names: list[str] | None = None) -> list[str]:
    """The entries of ``folder`` (or those of its ``names``) beyond its ``keep`` newest by mtime,
    oldest first; none when the folder cannot be read."""
    try:
        names = os.listdir(folder) if names is None else names  # names only: under the limit, one read
        if len(names) <= keep:
            return []
        aged = sorted((os.lstat(folder / name).st_mtime_ns, name) for name in names)
    except OSError:
        return []
    return [name for _, name in aged[: len(aged) - keep]]
