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
import re
from collections.abc import Collection, Mapping
from functools import cache
from typing import Any

from msgspec.structs import replace

from ..conventions import MANIFEST_PATH
from .model import DISABLED, Change, render_json, render_text

__all__ = ["Change", "diff_bundles", "diff_file", "mark_disabled", "render_json", "render_text"]


@cache
def _structured_yaml() -> re.Pattern[bytes]:
    """What a YAML document a structured diff reads holds: one of the top-level keys its predicate
    tests (each differ's ``TOP_KEYS``), or flow style. Any other YAML is diffed by its lines without
    being parsed: a 1,000-service routing table is 700 kB that only a line count would come of."""
    from . import alertmanager, engines, grafana, rules

    keys = sorted({*rules.TOP_KEYS, *alertmanager.TOP_KEYS, *grafana.TOP_KEYS, *engines.TOP_KEYS})
    alternatives = b"|".join(re.escape(key.encode()) for key in keys)
    return re.compile(rb"^(?:(?:" + alternatives + rb")\s*:|\s*[\[{])", re.MULTILINE)


def _parse(path: str, data: bytes) -> Any:
    """The document in a JSON or YAML file, or None when it is neither (or does not parse)."""
    try:
        if path.endswith(".json"):
            return json.loads(data)
        if path.endswith((".yml", ".yaml")) and _structured_yaml().search(data):
            from ruamel.yaml import YAML

            # libyaml's parser when ruamel.yaml.clib is there (5-7x faster on a fleet's 700 kB
            # routing table; the same documents on every golden file), else the pure one.
            return YAML(typ="safe").load(data)
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
    if rules.is_rule_file(a) and rules.is_rule_file(b):
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


def mark_disabled(changes: list[Change], disabled: Collection[str]) -> list[Change]:
    """The removed alerts among ``changes`` that the new spec still names with ``enabled: false``,
    said so: a reviewer tells a retired alert (turned off, one line to turn back on) from a
    deleted one. Only a diff whose new side is a spec knows this; two folders say "removed".

    >>> changes = [Change("r.yml", "alert", "A", "removed"), Change("r.yml", "alert", "B", "removed")]
    >>> [str(c) for c in mark_disabled(changes, {"A"})]
    ['alert removed (disabled: enabled: false in the spec): A', 'alert removed: B']
    """
    return [
        replace(c, detail=DISABLED) if c.what == "alert" and c.detail == "removed" and c.name in disabled else c
        for c in changes
    ]
