"""Semantic diff of two bundles, reported in the domain's terms.

Each file is compared by what it is: Prometheus rule files by alert and recording rule,
dashboards by panel and row, the Alertmanager config by route and receiver, Markdown by section,
anything else as a count of changed lines. The manifest is left out (it only restates the rest).

>>> old = {"r.rules.yml": b"groups: [{name: g, rules: [{alert: A, expr: up > 1, for: 10m}]}]"}
>>> new = {"r.rules.yml": b"groups: [{name: g, rules: [{alert: A, expr: up > 2, for: 5m}]}]"}
>>> print(render_text(diff_bundles(old, new)), end="")
r.rules.yml
  alert A: threshold 1 → 2
  alert A: for 10m → 5m
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..conventions import MANIFEST_PATH
from .model import Change, render_json, render_text

__all__ = ["Change", "diff_bundles", "diff_file", "render_json", "render_text"]


def _parse(path: str, data: bytes) -> Any:
    """The document in a JSON or YAML file, or None when it is neither (or does not parse)."""
    try:
        if path.endswith(".json"):
            return json.loads(data)
        if path.endswith((".yml", ".yaml")):
            from ruamel.yaml import YAML

            return YAML(typ="safe", pure=True).load(data)
    except Exception:  # a hand-broken file is reported as lines, not as a crash
        return None
    return None


def diff_file(path: str, old: bytes, new: bytes) -> list[Change]:
    """Changes between two versions of one file."""
    from . import text

    if old == new:
        return []
    changes = _structured(path, _parse(path, old), _parse(path, new))
    if changes:
        return changes
    old_text, new_text = old.decode("utf-8", "replace"), new.decode("utf-8", "replace")
    if path.endswith(".md"):
        changes = text.diff_markdown(path, old_text, new_text)
    # Same data in other bytes (a comment, the layout) is still a difference: count its lines.
    return changes or text.line_summary(path, old_text, new_text) or [Change(path, "", "", "whitespace changed")]


def _structured(path: str, a: Any, b: Any) -> list[Change]:
    from . import alertmanager, engines, grafana, rules

    a, b = engines.as_rule_file(a), engines.as_rule_file(b)
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return []
    if "groups" in a and "groups" in b:
        return rules.diff_rules(path, a, b)
    if alertmanager.is_alertmanager(a) and alertmanager.is_alertmanager(b):
        return alertmanager.diff_alertmanager(path, a, b)
    if (grafana.is_classic(a) or grafana.is_v2(a)) and (grafana.is_classic(b) or grafana.is_v2(b)):
        return grafana.diff_dashboard(path, a, b)
    return []


def diff_bundles(old: Mapping[str, bytes], new: Mapping[str, bytes]) -> list[Change]:
    """Changes from ``old`` to ``new``, file by file in path order."""
    changes: list[Change] = []
    for path in sorted(set(old) | set(new)):
        if path == MANIFEST_PATH:
            continue
        if path not in old:
            changes.append(Change(path, "file", path, "added"))
        elif path not in new:
            changes.append(Change(path, "file", path, "removed"))
        else:
            changes += diff_file(path, old[path], new[path])
    return changes
