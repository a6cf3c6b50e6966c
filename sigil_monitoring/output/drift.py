"""Drift: does an output folder hold exactly what the specs compile to?

Each generated file is in one of these states:

- ``stale``: on disk, but not what the specs compile to now (the spec changed since ``compile``);
- ``edited``: not what we wrote last time either: its hash differs from the manifest's (a hand edit);
- ``missing``: the specs produce it, the folder does not have it;
- ``extra``: we generated it earlier (the manifest says so), the specs no longer produce it, and it
  is still there as we wrote it (an edited one is the user's now: compile keeps it, so check does).

Files we never generated are not looked at. The manifest itself is reported only when everything
else matches (it restates the other files, so it is out of date whenever they are).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

import msgspec

from ..conventions import MANIFEST_PATH
from .bundle import Bundle, Kept
from .outdir import locked, read_inside
from .staging import identity
from .write import manifest_bytes, read_manifest, still_ours

State = Literal["stale", "edited", "missing", "extra"]

_WHY: dict[State, str] = {
    "stale": "out of date (the spec changed since compile)",
    "edited": "edited by hand (differs from what compile wrote)",
    "missing": "missing (compile would create it)",
    "extra": "no longer generated (compile would remove it)",
}


class FileDrift(msgspec.Struct, frozen=True):
    """One generated file that differs; ``on_disk`` and ``compiled`` are None when absent.

    >>> FileDrift("a.md", "edited", b"# A, by hand\\n", b"# A\\n")  # shown without the contents
    FileDrift(path='a.md', state='edited')
    """

    path: str
    state: State
    on_disk: bytes | None
    compiled: bytes | None
    cause: str | None = None  # what of the spec's input changed, in words; None: not known

    def __repr__(self) -> str:
        # Without the contents (whole files): what the dataclass's ``field(repr=False)`` did.
        return f"FileDrift(path={self.path!r}, state={self.state!r})"

    @property
    def why(self) -> str:
        """The file's state in words, naming what changed when that is known.

        >>> FileDrift("a.md", "stale", b"", b"").because("templates/api.yaml changed").why
        'out of date (templates/api.yaml changed since compile)'
        """
        return f"out of date ({self.cause} since compile)" if self.cause and self.state == "stale" else _WHY[self.state]

    def because(self, cause: str) -> FileDrift:
        """This drift, stale because ``cause`` (``request.what_changed``)."""
        return msgspec.structs.replace(self, cause=cause)


def find_drift(bundle: Bundle, out_dir: str | Path) -> list[FileDrift]:
    """Every generated file of ``out_dir`` that is not what ``bundle`` holds, in path order.

    >>> import tempfile, pathlib
    >>> from sigil_monitoring.output.write import write_bundle
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> _ = write_bundle(Bundle({"a.md": b"# A\\n"}), out)
    >>> find_drift(Bundle({"a.md": b"# A\\n"}), out)
    []
    >>> _ = (out / "a.md").write_text("# B\\n")
    >>> [(d.path, d.state) for d in find_drift(Bundle({"a.md": b"# A\\n"}), out)]
    [('a.md', 'edited')]
    """
    out = Path(out_dir)
    with locked(out, shared=True):  # a compile running now finishes first
        return _drift(bundle, out)


def _drift(bundle: Bundle, out: Path) -> list[FileDrift]:
    # Every read goes through read_inside: a regular file inside the folder, never a link's
    # target, a FIFO or a device, whatever the manifest names.
    manifest = read_manifest(out)
    drift: list[FileDrift] = []
    for path, value in bundle.entries():
        if isinstance(value, Kept) and identity(out / path) == value.identity:
            continue  # found as the manifest records it (file_stats), by a compile of the same output
        data = bundle[path]
        found = read_inside(out, path)
        if found is None:
            drift.append(FileDrift(path, "missing", None, data))
        elif found != data:
            recorded = manifest.get(path)
            edited = recorded is not None and recorded != hashlib.sha256(found).hexdigest()
            drift.append(FileDrift(path, "edited" if edited else "stale", found, data))
    for path in still_ours(out, manifest, bundle):  # what compile would remove
        drift.append(FileDrift(path, "extra", read_inside(out, path), None))
    if not drift:
        expected = manifest_bytes(bundle)
        found = read_inside(out, MANIFEST_PATH)
        if found != expected and not _same_output(found, bundle):
            drift.append(FileDrift(MANIFEST_PATH, "missing" if found is None else "stale", found, expected))
    return sorted(drift, key=lambda d: d.path)


def _same_output(found: bytes | None, bundle: Bundle) -> bool:
    """Whether the manifest on disk differs from ``bundle``'s only in options that decide whether
    specs load, not what they compile to (``--strict``, the limits): a folder compiled with
    ``compile --strict`` is up to date for a ``check`` without it, and the other way round."""
    import json

    from .request import CompileRequest

    try:
        manifest = json.loads(found or b"")
    except ValueError:
        return False
    if not isinstance(manifest, dict) or bundle.inputs is None:
        return False
    recorded, compiled = CompileRequest.recorded(manifest.get("inputs")), CompileRequest.recorded(bundle.inputs)
    return (
        recorded is not None
        and compiled is not None
        and recorded.same_output(compiled)
        and manifest.get("files") == json.loads(manifest_bytes(bundle))["files"]
    )
