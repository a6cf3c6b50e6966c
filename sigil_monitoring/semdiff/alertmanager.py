"""Alertmanager configuration: routes by their matchers, receivers and time intervals by name,
inhibit rules by what they mute.

A route is named by its own matchers (``severity=critical``); when two routes of the tree carry
the same matchers, by the chain from the top (``service=a > severity=critical``). Sibling order
matters to Alertmanager (the first matching route wins, unless ``continue``), so a reorder is
reported: https://prometheus.io/docs/alerting/latest/configuration/#route
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .fields import field_changes
from .model import Change, UniqueNames

_LISTS = ("receivers", "time_intervals", "mute_time_intervals")
ANY = "(any alert)"  # the name of a route without matchers


def _without(fields: dict[str, Any], hidden: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k not in hidden}


def _matchers(route: dict[str, Any]) -> str:
    parts = [str(m) for m in route.get("matchers") or []]
    parts += [f"{k}={v}" for k, v in (route.get("match") or {}).items()]
    parts += [f"{k}=~{v}" for k, v in (route.get("match_re") or {}).items()]
    return ", ".join(p.replace('"', "") for p in parts) or ANY


def _routes(
    root: dict[str, Any],
) -> tuple[dict[tuple[str, ...], dict[str, Any]], dict[tuple[str, ...], list[tuple[str, ...]]]]:
    """Every route below the root by its chain of matchers, and each route's children in order."""
    found: dict[tuple[str, ...], dict[str, Any]] = {(): root}
    children: dict[tuple[str, ...], list[tuple[str, ...]]] = {}

    def walk(route: dict[str, Any], chain: tuple[str, ...]) -> None:
        unique = UniqueNames()
        children[chain] = []
        for child in route.get("routes") or []:
            key = (*chain, unique(_matchers(child)))
            found[key] = child
            children[chain].append(key)
            walk(child, key)

    walk(root, ())
    return found, children


def _notified(route: dict[str, Any], inherited: str | None) -> tuple[str, ...]:
    """The receivers an alert this route takes reaches, in order: its own (or inherited) receiver,
    or, when it fans out to children without matchers (one per receiver, ``continue`` on all
    but the last, as the compiler writes a route with several receivers), theirs."""
    own = route.get("receiver") or inherited
    fan_out = [child for child in route.get("routes") or [] if _matchers(child) == ANY]
    found: list[str] = []
    for child in fan_out:
        found += _notified(child, own)
        if not child.get("continue"):
            break
    return tuple(dict.fromkeys(found)) or ((own,) if own else ())


def _receivers_by_route(root: dict[str, Any]) -> dict[tuple[str, ...], tuple[str, ...]]:
    """``_notified`` for every route, keyed as ``_routes`` keys them."""
    out: dict[tuple[str, ...], tuple[str, ...]] = {}

    def walk(route: dict[str, Any], chain: tuple[str, ...], inherited: str | None) -> None:
        out[chain] = _notified(route, inherited)
        unique = UniqueNames()
        for child in route.get("routes") or []:
            walk(child, (*chain, unique(_matchers(child))), route.get("receiver") or inherited)

    walk(root, (), None)
    return out


def _paging_changes(before: tuple[str, ...], after: tuple[str, ...]) -> list[str]:
    """Who stops and who starts getting notified: ``stops notifying a/oncall (now a/team)``.

    >>> _paging_changes(("a/oncall", "a/team"), ("a/team",))
    ['stops notifying a/oncall (now a/team)']
    >>> _paging_changes(("a/oncall",), ("a/team",))
    ['receiver a/oncall → a/team']
    """
    if before == after:
        return []
    if len(before) == 1 and len(after) == 1:
        return [f"receiver {before[0]} → {after[0]}"]
    lost, gained = [r for r in before if r not in after], [r for r in after if r not in before]
    parts = [f"stops notifying {', '.join(lost)}"] if lost else []
    parts += [f"starts notifying {', '.join(gained)}"] if gained else []
    # Same receivers in another order: Alertmanager notifies them in route order.
    return [(", ".join(parts) or "notifies in another order") + f" (now {', '.join(after) or 'nobody'})"]


def _names(keys: list[tuple[str, ...]]) -> dict[tuple[str, ...], str]:
    leaves = Counter(key[-1] for key in keys if key)
    return {
        key: ("the top-level route" if not key else key[-1] if leaves[key[-1]] == 1 else " > ".join(key))
        for key in keys
    }


def _by_name(items: Any) -> dict[str, Any]:
    return {str(item.get("name")): item for item in items or [] if isinstance(item, dict)}


def _inhibit_key(rule: dict[str, Any]) -> str:
    source = ", ".join(map(str, rule.get("source_matchers") or [])) or str(rule.get("source_match") or "")
    target = ", ".join(map(str, rule.get("target_matchers") or [])) or str(rule.get("target_match") or "")
    equal = ", ".join(map(str, rule.get("equal") or []))
    return f"{source} mutes {target}".replace('"', "") + (f" (same {equal})" if equal else "")


def diff_alertmanager(path: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Changes between two Alertmanager configurations."""
    changes: list[Change] = []
    routes_a, kids_a = _routes(old.get("route") or {})
    routes_b, kids_b = _routes(new.get("route") or {})
    names = _names([*routes_a, *(k for k in routes_b if k not in routes_a)])
    notified_a = _receivers_by_route(old.get("route") or {})
    notified_b = _receivers_by_route(new.get("route") or {})

    def fan_out(key: tuple[str, ...]) -> bool:
        # A child without matchers of a route on both sides is how a route notifies several
        # receivers; its parent's line says who is notified, so the child is not reported apart.
        return bool(key) and key[-1].split(" #")[0] == ANY and key[:-1] in routes_a and key[:-1] in routes_b

    for key, route in routes_b.items():
        if key not in routes_a:
            if not fan_out(key):
                changes.append(Change(path, "route", names[key], "added"))
                changes += [Change(path, "route", names[key], f"notifies {', '.join(notified_b[key])}")] if key else []
            continue
        paging = [] if fan_out(key) else _paging_changes(notified_a[key], notified_b[key])
        # Who is notified is said once, by name; the receiver and fan-out fields behind it are not.
        hidden = (
            "routes",
            "matchers",
            "match",
            "match_re",
            *(("receiver", "continue") if paging or fan_out(key) else ()),
        )
        changes += [Change(path, "route", names[key], text) for text in paging]
        changes += [
            Change(path, "route", names[key], text)
            for text in field_changes(_without(routes_a[key], hidden), _without(route, hidden))
        ]
        kept_a = [k for k in kids_a.get(key, []) if k in routes_b]
        kept_b = [k for k in kids_b.get(key, []) if k in routes_a]
        if kept_a != kept_b:
            before = ", ".join(names[k] for k in kept_a)
            after = ", ".join(names[k] for k in kept_b)
            changes.append(Change(path, "route", names[key], f"child routes reordered: {before} → {after}"))
    for key in routes_a:
        if key not in routes_b and not fan_out(key):
            changes.append(Change(path, "route", names[key], "removed"))
            changes.append(Change(path, "route", names[key], f"no longer notifies {', '.join(notified_a[key])}"))
    for section in _LISTS:
        what = section.rstrip("s").replace("_", " ")
        a, b = _by_name(old.get(section)), _by_name(new.get(section))
        for name, item in b.items():
            if name not in a:
                changes.append(Change(path, what, name, "added"))
            else:
                changes += [Change(path, what, name, text) for text in field_changes(a[name], item)]
        changes += [Change(path, what, name, "removed") for name in a if name not in b]
    inhibit_a = {_inhibit_key(r): r for r in old.get("inhibit_rules") or []}
    inhibit_b = {_inhibit_key(r): r for r in new.get("inhibit_rules") or []}
    changes += [Change(path, "inhibit rule", k, "added") for k in inhibit_b if k not in inhibit_a]
    changes += [Change(path, "inhibit rule", k, "removed") for k in inhibit_a if k not in inhibit_b]
    settings = ("route", "inhibit_rules", *_LISTS)
    changes += [
        Change(path, "setting", "", text) for text in field_changes(_without(old, settings), _without(new, settings))
    ]
    return changes


# What ``is_alertmanager`` tests; ``semdiff._parse`` parses a YAML file holding one of them.
TOP_KEYS = ("route", "receivers")


def is_alertmanager(doc: Any) -> bool:
    return isinstance(doc, dict) and all(key in doc for key in TOP_KEYS)
