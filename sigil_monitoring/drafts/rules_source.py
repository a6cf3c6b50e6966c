"""Prometheus rule files as ``adopt`` reads them: recording rules and alerting rules, in file order.

>>> rules = read_rules("groups:\\n- name: a\\n  rules:\\n  - alert: Down\\n    expr: up == 0\\n    for: 5m\\n")
>>> rules[0].name, rules[0].expr, rules[0].for_
('Down', 'up == 0', '5m')
"""

from __future__ import annotations

from typing import Any

import msgspec

from ..errors import Diagnostic, SpecError


class Rule(msgspec.Struct, frozen=True):
    """One rule: ``record`` set for a recording rule, ``name`` for an alerting rule."""

    name: str
    record: str
    expr: str
    for_: str = ""
    keep_firing_for: str = ""
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    file: str = ""


def read_rules(text: str, display: str = "<rules>") -> list[Rule]:
    """The rules of a Prometheus rule file (``groups: [{name, rules: [...]}]``), or a ``SpecError``."""
    from ..spec.yaml_io import YamlProblem, load

    try:
        doc = load(text)
    except YamlProblem as problem:
        raise SpecError([Diagnostic(display, problem.line, problem.col, problem.message)]) from None
    groups = doc.get("groups") if isinstance(doc, dict) else None
    if not isinstance(groups, list):
        raise SpecError(
            [Diagnostic(display, 1, 1, "not a Prometheus rule file: no 'groups' list (give a file promtool checks)")]
        )
    return [
        _rule(rule, display)
        for group in groups
        if isinstance(group, dict)
        for rule in group.get("rules") or []
        if isinstance(rule, dict) and isinstance(rule.get("expr"), (str, int, float))
    ]


def _rule(rule: dict[str, Any], display: str) -> Rule:
    return Rule(
        str(rule.get("alert") or ""),
        str(rule.get("record") or ""),
        str(rule["expr"]),
        str(rule.get("for") or ""),
        str(rule.get("keep_firing_for") or ""),
        {str(k): str(v) for k, v in (rule.get("labels") or {}).items()},
        {str(k): str(v) for k, v in (rule.get("annotations") or {}).items()},
        display,
    )
