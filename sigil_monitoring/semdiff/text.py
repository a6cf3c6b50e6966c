"""Files without a structure we know: Markdown by section, anything else as a line count."""

from __future__ import annotations

import difflib

from .model import Change, UniqueNames


def _counts(old: list[str], new: list[str]) -> tuple[int, int]:
    plus = minus = 0
    for line in difflib.unified_diff(old, new, lineterm="", n=0):
        if line.startswith("+") and not line.startswith("+++"):
            plus += 1
        elif line.startswith("-") and not line.startswith("---"):
            minus += 1
    return plus, minus


def line_summary(path: str, old: str, new: str) -> list[Change]:
    """``+N −M lines`` for a file whose structure we do not know."""
    plus, minus = _counts(old.splitlines(), new.splitlines())
    return [Change(path, "", "", f"+{plus} −{minus} lines")] if plus or minus else []


def _sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {"": []}
    current = ""
    unique = UniqueNames()
    unique("")  # the top of the page, before any heading
    for line in text.splitlines():
        # Sections are cut at level-1 and level-2 headings; deeper ones belong to their parent.
        if line.startswith("#") and not line.startswith("###"):
            current = unique(line.lstrip("#").strip())
            sections[current] = []
        sections[current].append(line)
    return sections


def diff_markdown(path: str, old: str, new: str) -> list[Change]:
    """Sections (by heading) added, removed or changed, with their line counts."""
    a, b = _sections(old), _sections(new)
    changes: list[Change] = []
    for name, lines in b.items():
        label = f"'{name}'" if name else "(top of page)"
        if name not in a:
            changes.append(Change(path, "section", label, "added"))
            continue
        plus, minus = _counts(a[name], lines)
        if plus or minus:
            changes.append(Change(path, "section", label, f"+{plus} −{minus} lines"))
    changes += [Change(path, "section", f"'{name}'", "removed") for name in a if name not in b]
    return changes
