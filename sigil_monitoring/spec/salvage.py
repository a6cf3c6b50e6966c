"""Keep checking a spec that has structural errors, so every error is reported in one run.

When pydantic rejects parts of a spec, the cross-section checks would have no model to run on.
``salvage`` takes the raw document and the structural errors and returns a copy in which each
broken part is replaced by a harmless stand-in or removed (keeping list indices, so positions stay
right), plus the names that were removed. The loader validates that copy and runs the
cross-section checks on it, skipping references to removed names, which already have an error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

_TEXT_PANEL = {"text": ""}
_PLACEHOLDER_RECEIVER = {"webhook": {"url": "http://placeholder.invalid/"}}


class Broken(msgspec.Struct, frozen=True):
    """Names whose own definition is broken: references to them are not reported again."""

    metrics: frozenset[str] = msgspec.field(default_factory=frozenset)
    slos: frozenset[str] = msgspec.field(default_factory=frozenset)
    receivers: frozenset[str] = msgspec.field(default_factory=frozenset)
    intervals: frozenset[str] = msgspec.field(default_factory=frozenset)


def salvage(doc: dict[str, Any], errors: list[ErrorDetails]) -> tuple[dict[str, Any], Broken] | None:
    """A structurally valid stand-in for ``doc``, or None when too much is broken to go on."""
    fixed = _plain_copy(doc)
    broken: dict[str, set[str]] = {"metrics": set(), "slos": set(), "receivers": set(), "intervals": set()}
    for error in errors:
        loc = tuple(p for p in error["loc"] if p != "[key]")
        if not _mend(fixed, loc, broken, on_key="[key]" in error["loc"]):
            return None
    return fixed, Broken(*(frozenset(broken[k]) for k in ("metrics", "slos", "receivers", "intervals")))


def _plain_copy(node: Any) -> Any:
    """A copy of the containers of ``node`` as plain dicts and lists; scalars are shared.

    Not ``copy.deepcopy``: on ruamel's round-trip containers it copies each node's comment and
    anchor attributes through the whole tree below it again, quadratic in the number of aliases
    (4,000 aliases took 40 s). Aliases are expanded, so mending one place does not change
    another; the loader has already bounded the expanded size (``MAX_NODES``) and the depth.

    >>> shared = [1]
    >>> copied = _plain_copy({"a": shared, "b": shared})
    >>> copied, copied["a"] is copied["b"]
    ({'a': [1], 'b': [1]}, False)
    """
    if isinstance(node, dict):
        return {key: _plain_copy(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain_copy(value) for value in node]
    return node


def _mend(doc: dict[str, Any], loc: tuple[Any, ...], broken: dict[str, set[str]], on_key: bool) -> bool:
    if not loc:
        return False
    section = loc[0]
    if len(loc) > 1 and section in ("dashboard", "routing") and section not in doc:
        return True  # an earlier error already removed the whole section
    if section == "apiVersion":
        doc["apiVersion"] = "sigil-monitoring/v1"
        return True
    if len(loc) == 1:
        if section in ("service", "metrics"):
            return False  # nothing to check references against
        doc.pop(section, None)  # an unknown or wholly malformed optional section
        return True
    if section == "service":
        return False
    if section not in doc:
        return True  # an earlier error of this section removed it whole
    entries = doc.get(section)
    if section in ("metrics", "slos", "alerts") and isinstance(entries, dict):
        entries.pop(loc[1], None)
        if section in broken:
            broken[section].add(str(loc[1]))
        return not (section == "metrics" and not entries)
    if section == "dashboard":
        return _mend_dashboard(doc, loc)
    if section == "routing":
        return _mend_routing(doc, loc, broken, on_key)
    return False


def _mend_dashboard(doc: dict[str, Any], loc: tuple[Any, ...]) -> bool:
    rows = doc["dashboard"].get("rows") if isinstance(doc["dashboard"], dict) else None
    if loc[1] == "rows" and len(loc) >= 3 and isinstance(rows, list) and isinstance(loc[2], int) and loc[2] < len(rows):
        row = rows[loc[2]]
        panels = row.get("panels") if isinstance(row, dict) else None
        if len(loc) >= 5 and loc[3] == "panels" and isinstance(panels, list) and isinstance(loc[4], int):
            if loc[4] < len(panels):  # else the row was already replaced by an earlier error
                panels[loc[4]] = dict(_TEXT_PANEL)
        else:
            rows[loc[2]] = {"title": "-", "panels": [dict(_TEXT_PANEL)]}
        return True
    doc.pop("dashboard")
    return True


def _mend_routing(doc: dict[str, Any], loc: tuple[Any, ...], broken: dict[str, set[str]], on_key: bool) -> bool:
    routing = doc["routing"]
    part = routing.get(loc[1]) if isinstance(routing, dict) else None
    if loc[1] == "receivers" and isinstance(part, dict) and len(loc) >= 3:
        name = loc[2]
        if isinstance(name, str) and name in part:
            broken["receivers"].add(name)
            if on_key:  # an invalid receiver name stays invalid: drop the receiver
                part.pop(name)
            else:
                part[name] = dict(_PLACEHOLDER_RECEIVER)
        return True
    if loc[1] in ("routes", "mute") and isinstance(part, (list, dict)) and len(loc) >= 3:
        if isinstance(part, list) and isinstance(loc[2], int):
            part[loc[2]] = {"match": {"placeholder": "x"}, "to": _any_receiver(routing)}
        elif isinstance(part, dict):
            part.pop(loc[2], None)
            broken["intervals"].add(str(loc[2]))
        return True
    doc.pop("routing")
    return True


def _any_receiver(routing: dict[str, Any]) -> list[str]:
    receivers = routing.get("receivers")
    return [next(iter(receivers))] if isinstance(receivers, dict) and receivers else []
