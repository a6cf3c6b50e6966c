"""Field-level differences of two documents (deepdiff), as ``path old → new`` phrases.

deepdiff is imported here only, so the CLI pays for it only in ``check`` and ``diff``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .model import pair, show


def _path(parts: list[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _fold(value: Any) -> Any:
    """Lists of plain values become one value, so ``tags [a, b] → [a, c]`` is one change, not
    one per shifted index."""
    if isinstance(value, dict):
        return {k: _fold(v) for k, v in value.items()}
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            return _Folded(value)
        return [_fold(v) for v in value]
    return value


class _Folded(str):
    def __new__(cls, items: list[Any]) -> _Folded:
        return super().__new__(cls, "[" + ", ".join(show(v) for v in items) + "]")


def field_changes(old: Any, new: Any, prefix: str = "", name: Callable[[list[Any]], str] | None = None) -> list[str]:
    """What changed between two JSON-like values, one phrase per leaf.

    Each leaf is named by its path (``labels.a``), or by ``name(path parts)`` when given; phrases
    come in path order either way.

    >>> field_changes({"for": "10m", "labels": {"a": "1"}}, {"for": "5m", "labels": {"b": "1"}})
    ['for 10m → 5m', 'labels.a removed (was 1)', 'labels.b added: 1']
    >>> field_changes({"tags": ["a", "b"]}, {"tags": ["a", "c"]})
    ['tags [a, b] → [a, c]']
    """
    from deepdiff import DeepDiff

    tree = DeepDiff(_fold(old), _fold(new), view="tree", verbose_level=2, threshold_to_diff_deeper=0)
    phrases: list[tuple[str, str]] = []

    def add(level: Any, text: str) -> None:
        parts = level.path(output_format="list")
        where = prefix + _path(parts)
        phrases.append((where, f"{prefix + name(parts) if name else where} {text}"))

    for report in ("values_changed", "type_changes"):
        for level in tree.get(report, []):
            add(level, pair(level.t1, level.t2))
    for report in ("dictionary_item_added", "iterable_item_added", "attribute_added"):
        for level in tree.get(report, []):
            add(level, f"added: {show(level.t2)}")
    for report in ("dictionary_item_removed", "iterable_item_removed", "attribute_removed"):
        for level in tree.get(report, []):
            add(level, f"removed (was {show(level.t1)})")
    return [text for _, text in sorted(phrases)]
