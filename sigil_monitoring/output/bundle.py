"""Artifacts and bundles: compiled output held in memory, by relative path."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, assert_never

import msgspec

from ..conventions import GENERATED_HEADER

# How an artifact's document becomes bytes (``Artifact.render``): JSON or YAML of dicts and
# lists, YAML a record writes itself (``render.YamlRecord``), text as it is, or bytes rendered
# already (an SLO's files filled in from their skeleton: ``compilers/prometheus/skeleton.py``).
Format = Literal["json", "yaml", "yaml-record", "text", "rendered"]


class Artifact(msgspec.Struct, frozen=True):
    """One output file before rendering: its document (dicts and lists for ``json`` and ``yaml``,
    a ``render.YamlRecord`` for ``yaml-record``, a str for ``text``, the final bytes, header
    included, for ``rendered``) and how to render it."""

    path: str
    document: Any
    format: Format
    source: str  # the spec the artifact came from, named in the generated header
    header: bool = True  # False for formats that cannot carry a comment

    def render(self) -> bytes:
        from . import render

        note = GENERATED_HEADER.format(source=self.source) if self.header else None
        match self.format:
            case "json":
                return render.to_json(self.document)
            case "yaml":
                return render.to_yaml(self.document, header=note)
            case "yaml-record":
                return render.record_to_yaml(self.document, header=note)
            case "text":
                text = str(self.document)
                return text.encode("utf-8") if text.endswith("\n") else (text + "\n").encode("utf-8")
            case "rendered":
                assert isinstance(self.document, bytes)
                return self.document
            case _:
                assert_never(self.format)


class Kept(msgspec.Struct, frozen=True):
    """A file an incremental compile takes from the output folder without reading it
    (``file_stats``): its sha256 hex digest, and its ``staging.identity`` when it was looked at,
    which lets the writer link it while that identity holds."""

    digest: str
    identity: tuple[int, ...]


class Bundle(Mapping[str, bytes]):
    """Compiled files by relative path (POSIX separators), sorted; bytes are final.

    A file may be ``Kept``: on disk in ``folder`` already, known by its hash, read only if asked
    for (``bundle[path]``); ``entries`` gives it as it is, for the writer and ``check``.

    >>> b = Bundle({"b.txt": b"2\\n", "a.txt": b"1\\n"})
    >>> list(b)
    ['a.txt', 'b.txt']
    >>> b.digest("a.txt")[:12]
    '4355a46b19d3'
    """

    def __init__(
        self,
        files: Mapping[str, bytes | Kept],
        inputs: Mapping[str, Any] | None = None,
        folder: str | os.PathLike[str] | None = None,
    ) -> None:
        self._files = dict(sorted(files.items()))
        # What was compiled (compiler and spec hashes), recorded in the manifest for incremental.py.
        self.inputs = dict(inputs) if inputs is not None else None
        # Files taken from the output folder unchanged, with the staging.identity they had when
        # read (set by incremental.compile_changed): the writer links them without reading again.
        self.verified: dict[str, tuple[int, ...]] = {}
        self.folder = folder  # where the Kept files are

    def __getitem__(self, path: str) -> bytes:
        value = self._files[path]
        return value if isinstance(value, bytes) else self._read(path, value)

    def _read(self, path: str, kept: Kept) -> bytes:
        from ..errors import FilesystemError
        from .outdir import read_inside

        assert self.folder is not None, "a Kept file in a bundle without its folder"
        data = read_inside(Path(self.folder), path)
        if data is None or hashlib.sha256(data).hexdigest() != kept.digest:
            shown = f"{os.fspath(self.folder).rstrip('/')}/{path}"
            raise FilesystemError(shown, "changed while sigil-monitoring was reading it (run the command again)")
        return data

    def entries(self) -> Iterator[tuple[str, bytes | Kept]]:
        """Every file as held: rendered bytes, or ``Kept`` (not read)."""
        return iter(self._files.items())

    def digest(self, path: str) -> str:
        """The file's sha256 hex digest (a ``Kept`` file's without reading it)."""
        value = self._files[path]
        return value.digest if isinstance(value, Kept) else hashlib.sha256(value).hexdigest()

    def __contains__(self, path: object) -> bool:
        return path in self._files  # without reading a Kept file (Mapping's default would)

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def __repr__(self) -> str:
        return f"Bundle({len(self)} files)"
