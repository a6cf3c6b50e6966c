"""Prometheus rule files: groups, alerts by name, recording rules by name (and labels).

An alert's ``expr`` whose comparison keeps its left side but changes the number on its right is
reported as a threshold change, which is what a spec edit of ``above:``/``below:`` does.
"""

from __future__ import annotations

from typing import Any

from .fields import field_changes
from .model import Change, UniqueNames, pair, show

_COMPARISONS = {"==", "!=", ">", "<", ">=", "<="}

# What ``is_rule_file`` tests; ``semdiff._parse`` parses a YAML file holding it.
TOP_KEYS = ("groups",)


def is_rule_file(doc: Any) -> bool:
    return isinstance(doc, dict) and all(key in doc for key in TOP_KEYS)


def _rules(doc: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """``(kind, identity) -> {"group", "rule", "name"}``; identity adds labels for records."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    unique = {kind: UniqueNames() for kind in ("alert", "recording rule")}
    for group in doc.get("groups") or []:
        for rule in group.get("rules") or []:
            kind = "alert" if "alert" in rule else "recording rule"
            name = str(rule.get("alert", rule.get("record", "")))
            labels = rule.get("labels") or {}
            identity = name
            if kind == "recording rule" and labels:
                identity += "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"
            identity = unique[kind](identity)
            found[(kind, identity)] = {"group": group.get("name"), "rule": rule, "name": name}
    return found


def _groups(doc: Any) -> dict[str, dict[str, Any]]:
    return {str(g.get("name")): {k: v for k, v in g.items() if k != "rules"} for g in doc.get("groups") or []}


def _threshold(expr: str) -> tuple[str, str, float] | None:
    """``(left side, operator, number)`` of ``<query> <op> <number>``, else None."""
    try:
        import promql_parser

        node = promql_parser.parse(expr)
    except Exception:  # promql-parser raises a bare ValueError or worse
        return None
    if not isinstance(node, promql_parser.BinaryExpr) or str(node.op) not in _COMPARISONS:
        return None
    if not isinstance(node.rhs, promql_parser.NumberLiteral):
        return None
    return str(node.lhs), str(node.op), float(node.rhs.val)


def _expr_changes(old: str, new: str) -> list[str]:
    if old == new:
        return []
    a, b = _threshold(old), _threshold(new)
    if a and b and a[0] == b[0]:
        out = []
        if a[1] != b[1]:
            out.append(f"condition {a[1]} → {b[1]}")
        if a[2] != b[2]:
            out.append(f"threshold {show(a[2])} → {show(b[2])}")
        return out
    return [f"expr {pair(old, new, 200)}"]


def _rule_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    out = _expr_changes(str(old.get("expr", "")), str(new.get("expr", "")))
    rest_old = {k: v for k, v in old.items() if k not in ("expr", "alert", "record", "labels", "annotations")}
    rest_new = {k: v for k, v in new.items() if k not in ("expr", "alert", "record", "labels", "annotations")}
    out += field_changes(rest_old, rest_new)
    out += field_changes(old.get("labels") or {}, new.get("labels") or {}, "label ")
    out += field_changes(old.get("annotations") or {}, new.get("annotations") or {}, "annotation ")
    return out


def diff_rules(path: str, old: Any, new: Any) -> list[Change]:
    """Changes between two rule files (``groups:`` documents)."""
    changes: list[Change] = []
    old_groups, new_groups = _groups(old), _groups(new)
    changes += [Change(path, "rule group", name, "removed") for name in old_groups if name not in new_groups]
    for name, group in new_groups.items():
        if name not in old_groups:
            changes.append(Change(path, "rule group", name, "added"))
        else:
            changes += [Change(path, "rule group", name, text) for text in field_changes(old_groups[name], group)]
    old_rules, new_rules = _rules(old), _rules(new)
    for key, item in new_rules.items():
        kind, identity = key
        if key not in old_rules:
            changes.append(Change(path, kind, identity, "added"))
            continue
        before = old_rules[key]
        if before["group"] != item["group"]:
            changes.append(Change(path, kind, identity, f"moved to group {item['group']}"))
        changes += [Change(path, kind, identity, text) for text in _rule_changes(before["rule"], item["rule"])]
    changes += [
        Change(path, kind, identity, "removed") for kind, identity in old_rules if (kind, identity) not in new_rules
    ]
    return changes
