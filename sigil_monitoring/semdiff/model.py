"""One change in domain terms, and how a list of them reads as text or JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import msgspec
from msgspec.structs import asdict

# A removed alert the new spec still has, with enabled: false (semdiff.mark_disabled).
DISABLED = "removed (disabled: enabled: false in the spec)"
_WHOLE = ("added", "removed", DISABLED)


class Change(msgspec.Struct, frozen=True):
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


class UniqueNames:
    """Names made unique in order of appearance: the second ``X`` is ``X #2``, the third ``X #3``.

    Objects are matched by name across the two sides, so two panels (rules, routes, sections)
    with one name are told apart by their rank rather than one hiding the other.

    >>> unique = UniqueNames()
    >>> [unique(n) for n in ("Errors", "Latency", "Errors", "Errors #2", "Errors")]
    ['Errors', 'Latency', 'Errors #2', 'Errors #2 #2', 'Errors #3']
    """

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def __call__(self, name: str) -> str:
        candidate, n = name, 1
        while candidate in self._taken:
            n += 1
            candidate = f"{name} #{n}"
        self._taken.add(candidate)
        return candidate


def show(value: Any, limit: int = 80) -> str:
    """A value as a person reads it in a one-line change: no quotes, short, one line.

    >>> show(1.0), show("10m"), show(None), show({"a": [1, 2]}), show("a\\nb"), show({"title": "Runbook", "url": "u"})
    ('1', '10m', 'null', '{"a": [1, 2]}', 'a …', "'Runbook'")
    """
    if value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, dict) and isinstance(value.get("title", value.get("name")), str):
        text = f"'{value.get('title', value.get('name'))}'"  # a link, a panel, a receiver: its name says it
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


def pair(old: Any, new: Any, limit: int = 80) -> str:
    """``old → new``; two long strings are cut to the part that differs, with some context.

    >>> advice = " s. Look at the store first, then the heatmap"
    >>> pair(("p95 is above 1" + advice) * 2, ("p95 is above 2" + advice) * 2, 40)
    'p95 is above 1 s. Look at the store fi… → p95 is above 2 s. Look at the store fi…'
    >>> pair("x" * 50 + "old" + "y" * 50, "x" * 50 + "new" + "y" * 50, 30)
    '…xxxxxxxxxxxxxoldyyyyyyyyyyyy… → …xxxxxxxxxxxxxnewyyyyyyyyyyyy…'
    """
    if not (isinstance(old, str) and isinstance(new, str)) or (len(old) <= limit and len(new) <= limit):
        return f"{show(old, limit)} → {show(new, limit)}"
    a, b = " ".join(old.split()), " ".join(new.split())
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    context = max(limit // 2 - 2, 0)
    begin = max(start - context, 0)

    def cut(text: str) -> str:
        piece = text[begin : begin + limit - 2]
        return ("…" if begin else "") + piece + ("…" if begin + limit - 2 < len(text) else "")

    return f"{cut(a)} → {cut(b)}"


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
