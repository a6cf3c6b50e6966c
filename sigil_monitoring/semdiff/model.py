"""One change in domain terms, and how a list of them reads as text or JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

_WHOLE = ("added", "removed")


@dataclass(frozen=True)
class Change:
    """``what`` names the kind of object (alert, panel, route ...), ``name`` which one, and
    ``detail`` what happened to it ("added", "removed", "for 10m → 5m", "moved to row Errors").

    >>> str(Change("a.yml", "alert", "EncodeLatencyHigh", "for 10m → 5m"))
    'alert EncodeLatencyHigh: for 10m → 5m'
    >>> str(Change("a.yml", "recording rule", "job:up:sum", "added"))
    'recording rule added: job:up:sum'
    >>> str(Change("d.json", "panel", "'Errors'", "moved to row Errors"))
    "panel 'Errors' moved to row Errors"
    """

    file: str
    what: str
    name: str
    detail: str

    def __str__(self) -> str:
        if self.detail in _WHOLE:
            return f"{self.what} {self.detail}: {self.name}" if self.name else f"{self.what} {self.detail}"
        subject = f"{self.what} {self.name}".strip()
        if self.detail.startswith("moved "):
            return f"{subject} {self.detail}"
        return f"{subject}: {self.detail}" if subject else self.detail


def show(value: Any, limit: int = 80) -> str:
    """A value as a person reads it in a one-line change: no quotes, short, one line.

    >>> show(1.0), show("10m"), show(None), show({"a": [1, 2]}), show("a\\nb")
    ('1', '10m', 'null', '{"a": [1, 2]}', 'a …')
    """
    if value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, (dict, list)):
        text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    else:
        text = str(value)
        if text == "":
            return '""'
        if "\n" in text.strip():
            text = text.strip().split("\n", 1)[0] + " …"
    text = " ".join(text.split()) if "\n" in text else text
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_text(changes: Iterable[Change]) -> str:
    """Changes grouped under their file, one indented line each; whole-file changes on the header."""
    lines: list[str] = []
    current = None
    for change in changes:
        if change.what == "file":
            lines.append(f"{change.file} ({change.detail})")
            current = None
            continue
        if change.file != current:
            lines.append(change.file)
            current = change.file
        lines.append(f"  {change}")
    return "".join(line + "\n" for line in lines)


def render_json(changes: Iterable[Change]) -> str:
    """``{"changes": [{file, what, name, detail, text}]}`` for tooling."""
    items = [{**asdict(c), "text": str(c)} for c in changes]
    return json.dumps({"changes": items}, indent=2, ensure_ascii=False) + "\n"
