"""The per-service cache of fleet compiles: what a later compile needs of a service it does not load.

When one spec of 1,000 changes, ``incremental.compile_fleet`` loads, validates and compiles that
one only. Of each other service it needs its part of the files shared by every service (its
``compilers.shared_files`` pieces: its route subtree, receivers and routing-table rows for the
Alertmanager files, its provider for Grafana's provisioning file, as the YAML lines they are
there, so that none is built or rendered again) and what the cross-spec checks compare (its
service name and dashboard uid).
Those are kept here, one entry per service, under a key that names every input the entry depends
on: the compiler's fingerprint, the spec's name as shown, the hash of its text and of each template
it extends, and the ``--target`` override. A changed input is a new key, so a stale entry is never
read; the service's own files are not cached here, they are taken from the output folder, where the
manifest vouches for their bytes.

Entries live under ``services/`` of the per-user cache folder (``cache_folder.folder()``). They
are pickles of frozen records, trusted as Python trusts its own ``__pycache__``: a folder only
the user writes. An entry that cannot be read is a miss. The cache is bounded: every change of a
spec adds an entry, so each of the 256 shards (a key's first two hex digits) keeps its
``SHARD_LIMIT`` newest entries, about 32,000 services in all; an entry dropped too early only
makes its spec load again.

>>> import os, tempfile
>>> os.environ["SIGIL_MONITORING_CACHE"] = tempfile.mkdtemp()
>>> entry = Entry(name="api", uid="api", display="api.yaml", targets=("grafana",), catch_all=False, pieces=())
>>> store("k1", entry); load("k1") == entry, load("k2")
(True, None)
>>> del os.environ["SIGIL_MONITORING_CACHE"]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from . import cache_folder

SHARD_LIMIT = 128  # entries kept per shard (module docstring)


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    """One service as a fleet compile needs it without loading its spec."""

    name: str  # service.name, for the duplicate-name check and its files (<name>/...)
    uid: str  # the dashboard uid, for the shared-uid check
    display: str  # the spec as messages show it
    targets: tuple[str, ...]  # the spec's chosen targets
    catch_all: bool  # whether it sets routing.catch_all (one spec of a compile may, whatever its targets)
    # (target, piece) for each target of the service with shared files: what the service adds to
    # them, written already (``compilers.shared_files``; ``incremental.shared_pieces``).
    pieces: tuple[tuple[str, Any], ...]


def key(package: str, spec: object, targets: tuple[str, ...] | None) -> str:
    """The entry's key: a hash of every input the entry depends on (``spec``: a ``SpecInput``)."""
    import hashlib

    return hashlib.sha256(msgspec.json.encode([package, spec, targets])).hexdigest()


def _path(name: str, base: Path | None = None) -> str:
    return f"{base or cache_folder.folder()}/services/{name[:2]}/{name}.pickle"


def load(name: str, base: Path | None = None) -> Entry | None:
    """The entry stored under ``name`` (in ``base``, default ``folder()``); None when there is
    none or it cannot be read."""
    import pickle

    try:
        with open(_path(name, base), "rb") as file:
            entry = pickle.loads(file.read())
    except Exception:  # missing, truncated, from another version of the records: a miss
        return None
    return entry if isinstance(entry, Entry) else None


def store(name: str, entry: Entry) -> None:
    """Keep ``entry`` under ``name``, atomically (a concurrent compile reads the old or the new);
    a cache that cannot be written only makes the next compile slower."""
    import pickle

    path = Path(_path(name))
    if cache_folder.replace_file(path, pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)):
        cache_folder.prune(path.parent, SHARD_LIMIT)
