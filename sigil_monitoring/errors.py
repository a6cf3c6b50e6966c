"""User-facing errors and warnings: one ``file:line:col: error: what (how to fix)`` line each."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One error (or warning) at a position in a spec file (line and column are 1-based)."""

    file: str
    line: int
    col: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.message}"

    def as_error(self) -> Diagnostic:
        return replace(self, severity="error")

    def github(self) -> str:
        """A GitHub Actions workflow command, so CI shows the line as an annotation.

        >>> Diagnostic("specs/a.yaml", 3, 5, "bad: 50%").github()
        '::error file=specs/a.yaml,line=3,col=5::bad: 50%25'
        """
        def escape(text: str, *extra: str) -> str:
            text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            for char, code in zip(extra, ("%3A", "%2C")):
                text = text.replace(char, code)
            return text

        return f"::{self.severity} file={escape(self.file, ':', ',')},line={self.line},col={self.col}::{escape(self.message)}"


def render(diagnostics: Iterable[Diagnostic], fmt: str) -> str:
    """Diagnostics as text lines, GitHub annotations, or one JSON document."""
    items = list(diagnostics)
    if fmt == "json":
        return json.dumps({"diagnostics": [asdict(d) for d in items]}, indent=2, ensure_ascii=False) + "\n"
    lines = [d.github() if fmt == "github" else str(d) for d in items]
    return "".join(line + "\n" for line in lines)


class SpecError(Exception):
    """A spec (or several) is invalid; ``diagnostics`` holds every error found, in file order."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics))
        super().__init__("\n".join(str(d) for d in self.diagnostics))
