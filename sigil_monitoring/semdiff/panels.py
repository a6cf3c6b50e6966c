"""What changed inside one Grafana panel, in the words of the panel editor rather than JSON paths.

grafana.py reduces classic and v2 panels to one shape (the classic names: ``fieldConfig``,
``options``, ``targets``, ``links`` ...), so each phrase here is written once for both formats.
Thresholds, the unit, queries, the description and links get their own wording; any other option
is named by the last segments of its path in plain words (``legend display mode``).
"""

from __future__ import annotations

import re
from typing import Any

from .fields import field_changes
from .model import pair, show

# Compared by grafana.py (title, row, size) or ignored (id, position, a row's own panels).
_SKIP = ("id", "gridPos", "panels", "title")
# Path segments that only group options: "fieldConfig.defaults.custom.lineWidth" is the line width.
_CONTAINERS = {"fieldConfig", "defaults", "custom", "options", "spec"}
_THRESHOLDS = ("fieldConfig", "defaults", "thresholds", "steps")
_UNIT = ("fieldConfig", "defaults", "unit")


def option_name(parts: list[Any]) -> str:
    """An option path in plain words: grouping segments dropped, camelCase split, list positions
    counted from 1, at most the last three names.

    >>> option_name(["fieldConfig", "defaults", "custom", "lineWidth"])
    'line width'
    >>> option_name(["options", "legend", "displayMode"])
    'legend display mode'
    >>> option_name(["fieldConfig", "overrides", 0, "properties", 1, "value"])
    'overrides #1 properties #2 value'
    """
    names = [p for p in parts if isinstance(p, int) or p not in _CONTAINERS] or [parts[-1]]
    strings = [i for i, p in enumerate(names) if not isinstance(p, int)]
    if len(strings) > 3:
        names = names[strings[-3] :]
    words = [f"#{p + 1}" if isinstance(p, int) else re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(p)) for p in names]
    return " ".join(w if w.isupper() else w.lower() for w in words)


def _take(doc: dict[str, Any], path: tuple[str, ...]) -> tuple[Any, dict[str, Any]]:
    """The value at ``path`` (None when absent) and a copy of ``doc`` without it."""
    head, *rest = path
    if head not in doc:
        return None, doc
    if not rest:
        return doc[head], {k: v for k, v in doc.items() if k != head}
    if not isinstance(doc[head], dict):
        return None, doc
    value, inner = _take(doc[head], tuple(rest))
    return value, {**doc, head: inner}


def _step(step: Any) -> tuple[Any, Any]:
    return (step.get("value"), step.get("color")) if isinstance(step, dict) else (step, None)


def threshold_changes(old: Any, new: Any) -> list[str]:
    """Threshold steps as lines on the graph: moved, added, removed, recoloured.

    Steps are paired by position when their count is the same (an edited number moves a line),
    else by value. The first step has no value: it is the base colour.

    >>> base = {"color": "green", "value": None}
    >>> threshold_changes([base, {"color": "orange", "value": 1}], [base, {"color": "red", "value": 2}])
    ['threshold 1 → 2', 'threshold 2: colour orange → red']
    >>> threshold_changes([base], [base, {"color": "red", "value": 5}])
    ['threshold 5 added (red)']
    """
    a, b = [_step(s) for s in old or []], [_step(s) for s in new or []]
    if a == b:
        return []
    out: list[str] = []

    def line(value: Any) -> str:
        return "base" if value is None else f"threshold {show(value)}"

    def recolour(value: Any, before: Any, after: Any) -> None:
        if before != after:
            out.append(f"{line(value)}: colour {show(before)} → {show(after)}")

    if len(a) == len(b):
        for (value_a, colour_a), (value_b, colour_b) in zip(a, b, strict=True):
            if value_a != value_b:
                out.append(f"threshold {show(value_a)} → {show(value_b)}")
            recolour(value_b, colour_a, colour_b)
    else:
        colours_a, colours_b = dict(a), dict(b)
        for value, colour in b:
            if value in colours_a:
                recolour(value, colours_a[value], colour)
            else:
                out.append(f"{line(value)} added ({show(colour)})")
        out += [f"{line(value)} removed ({show(colour)})" for value, colour in a if value not in colours_b]
    return out or ["thresholds changed"]


def _presence(what: str, old: Any, new: Any) -> list[str]:
    """``what changed``, or ``added`` / ``removed`` when one side has none: for values whose
    content is too long (a description) or too nested (links) to read as ``old → new``."""
    if old == new:
        return []
    if not old:
        return [f"{what} added"]
    return [f"{what} removed"] if not new else [f"{what} changed"]


def _targets(panel: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(t.get("refId", i)): t for i, t in enumerate(panel.get("targets") or [])}


def _without_query(target: dict[str, Any]) -> dict[str, Any]:
    """A query target's options: all but its expression and ref id (said apart)."""
    return {k: v for k, v in target.items() if k not in ("expr", "refId")}


def _query_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    out: list[str] = []
    a, b = _targets(old), _targets(new)
    for ref, target in b.items():
        if ref not in a:
            out.append(f"query {ref} added: {show(target.get('expr'), 200)}")
            continue
        if a[ref].get("expr") != target.get("expr"):
            out.append(f"query {ref}: {pair(a[ref].get('expr'), target.get('expr'), 200)}")
        out += field_changes(_without_query(a[ref]), _without_query(target), f"query {ref}: ", option_name)
    out += [f"query {ref} removed" for ref in a if ref not in b]
    return out


def panel_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What changed inside a panel (same title on both sides), one phrase each."""
    out: list[str] = []
    size_old = (old.get("gridPos") or {}).get("w"), (old.get("gridPos") or {}).get("h")
    size_new = (new.get("gridPos") or {}).get("w"), (new.get("gridPos") or {}).get("h")
    if size_old != size_new:
        out.append(f"size {size_old[0]}x{size_old[1]} → {size_new[0]}x{size_new[1]}")
    out += _query_changes(old, new)
    a = {k: v for k, v in old.items() if k not in (*_SKIP, "targets")}
    b = {k: v for k, v in new.items() if k not in (*_SKIP, "targets")}
    (steps_a, a), (steps_b, b) = _take(a, _THRESHOLDS), _take(b, _THRESHOLDS)
    out += threshold_changes(steps_a, steps_b)
    (unit_a, a), (unit_b, b) = _take(a, _UNIT), _take(b, _UNIT)
    if unit_a != unit_b:
        out.append(
            f"unit added: {show(unit_b)}"
            if unit_a is None
            else f"unit removed (was {show(unit_a)})"
            if unit_b is None
            else f"unit {show(unit_a)} → {show(unit_b)}"
        )
    (before, a), (after, b) = _take(a, ("description",)), _take(b, ("description",))
    out += _presence("description", before, after)
    (before, a), (after, b) = _take(a, ("links",)), _take(b, ("links",))
    out += _link_changes(before, after)
    return out + field_changes(a, b, name=option_name)


def _link_titles(links: Any) -> list[str]:
    return [str(link.get("title")) for link in links or [] if isinstance(link, dict)]


def _link_changes(old: Any, new: Any) -> list[str]:
    """Links by title: which were added or removed; a changed target is just "links changed".

    >>> a = {"title": "Runbook: A", "url": "u"}
    >>> _link_changes([a], [a, {"title": "Runbook: B", "url": "v"}])
    ["links changed (added 'Runbook: B')"]
    >>> _link_changes([{"title": "Runbook: A"}], [])
    ["links removed ('Runbook: A')"]
    """
    if old == new:
        return []
    before, after = _link_titles(old), _link_titles(new)
    added = ", ".join(f"'{t}'" for t in after if t not in before)
    removed = ", ".join(f"'{t}'" for t in before if t not in after)
    if not before or not after:
        return [f"links added ({added})" if not before else f"links removed ({removed})"]
    parts = [f"added {added}" if added else "", f"removed {removed}" if removed else ""]
    detail = "; ".join(p for p in parts if p)
    return [f"links changed ({detail})" if detail else "links changed"]
