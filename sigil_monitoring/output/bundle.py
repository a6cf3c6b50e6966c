"""Artifacts and bundles: compiled output held in memory, by relative path."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

import msgspec

from ..conventions import GENERATED_HEADER

Format = Literal["json", "yaml", "text"]


class Artifact(msgspec.Struct, frozen=True):
    """One output file before rendering: a document (dict/list for json/yaml, str for text)."""

    path: str
    document: Any
    format: Format
    source: str  # the spec the artifact came from, named in the generated header
    header: bool = True  # False for formats that cannot carry a comment

    def render(self) -> bytes:
        from . import render

        note = GENERATED_HEADER.format(source=self.source) if self.header else None
        if self.format == "json":
            return render.to_json(self.document)
        if self.format == "yaml":
            return render.to_yaml(self.document, header=note)
        text = str(self.document)
        return text.encode("utf-8") if text.endswith("\n") else (text + "\n").encode("utf-8")


class Bundle(Mapping[str, bytes]):
    """Compiled files by relative path (POSIX separators), sorted; bytes are final.

    >>> b = Bundle({"b.txt": b"2\\n", "a.txt": b"1\\n"})
    >>> list(b)
    ['a.txt', 'b.txt']
    """

    def __init__(self, files: Mapping[str, bytes], inputs: Mapping[str, Any] | None = None) -> None:
        self._files = dict(sorted(files.items()))
        # What was compiled (compiler and spec hashes), recorded in the manifest for incremental.py.
        self.inputs = dict(inputs) if inputs is not None else None
        # Files taken from the output folder unchanged, with the staging.identity they had when
        # read (set by incremental.compile_changed): the writer links them without reading again.
        self.verified: dict[str, tuple[int, ...]] = {}

    def __getitem__(self, path: str) -> bytes:
        return self._files[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def __repr__(self) -> str:
        return f"Bundle({len(self)} files)"
