"""Incremental compiles: skip all the work when the specs and the output folder are what they were.

``compile_specs`` records, in the bundle and so in the manifest (``.sigil-manifest.json``), which
compiler (a hash of its own source) compiled which spec files (path as shown, hash of the text),
in order. ``compile`` and ``check`` first ask ``up_to_date``: when the manifest records the very
same compiler and specs, and every file it lists is on disk with the bytes it lists, the output
is what a compile would write, so nothing is loaded, built or rendered. This check imports no
pydantic and no compiler (only hashlib, json and pathlib), so a pre-commit hook whose spec did not
change costs little more than the interpreter's start.

A hand edit, a deleted file, a changed spec, another spec list or another version of
sigil-monitoring each make the answer "no", and the full compile runs as before.

>>> import tempfile, pathlib, shutil
>>> from sigil_monitoring import load_spec, compile_specs, write_bundle
>>> tmp = pathlib.Path(tempfile.mkdtemp()); spec = tmp / "hello.yaml"
>>> _ = shutil.copy("specs/minimal.yaml", spec)
>>> up_to_date([str(spec)], tmp / "out") is None  # nothing compiled yet
True
>>> bundle = compile_specs([load_spec(spec)])
>>> _ = write_bundle(bundle, tmp / "out")
>>> up_to_date([str(spec)], tmp / "out") == len(bundle)
True
>>> _ = spec.write_text(spec.read_text() + "# a comment\\n")
>>> up_to_date([str(spec)], tmp / "out") is None  # the spec changed: compile again
True
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .conventions import MANIFEST_PATH

_PACKAGE = Path(__file__).resolve().parent
_fingerprint: list[str] = []


def compiler_fingerprint() -> str:
    """A hash of sigil-monitoring's own source: any change to the compiler changes it.

    A version number would not do: a development checkout changes without one.
    """
    if not _fingerprint:
        digest = hashlib.sha256()
        for path in sorted(_PACKAGE.rglob("*.py")):
            digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
        _fingerprint.append("sha256:" + digest.hexdigest())
    return _fingerprint[0]


def text_hash(text: str) -> str:
    """The hash recorded for a spec: of its text as the loader read it (UTF-8, no BOM)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def inputs_record(specs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """What the manifest records about a compile of ``(shown path, text)`` specs, in order."""
    return {"compiler": compiler_fingerprint(), "specs": [[shown, text_hash(text)] for shown, text in specs]}


def _spec_record(paths: Sequence[str]) -> dict[str, Any] | None:
    """The record a compile of these spec paths would write, or None when one cannot be read."""
    from .cli import spec_files
    from .errors import SpecError

    try:
        files = spec_files(paths)
    except SpecError:
        return None  # the full path reports it
    specs = []
    for path in files:
        try:
            text = Path(path).read_bytes().decode("utf-8").removeprefix("\ufeff")
        except (OSError, UnicodeDecodeError):
            return None
        specs.append((_display_path(path), text))
    return inputs_record(specs)


def _display_path(path: str) -> str:
    # The loader's display_path, without importing the loader (and so pydantic).
    p = Path(path)
    if p.is_absolute():
        try:
            return p.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return p.as_posix()
    return p.as_posix()


def up_to_date(paths: Sequence[str], out_dir: str | os.PathLike[str]) -> int | None:
    """The number of generated files when ``out_dir`` is exactly what compiling ``paths`` writes; else None."""
    out = Path(out_dir)
    try:
        manifest = json.loads((out / MANIFEST_PATH).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        return None
    if manifest.get("inputs") != _spec_record(paths):
        return None
    files: dict[str, Any] = manifest["files"]
    for rel, recorded in files.items():
        path = out / rel
        try:
            if path.is_symlink() or hashlib.sha256(path.read_bytes()).hexdigest() != recorded:
                return None
        except OSError:
            return None
    return len(files)
