"""The YAML of a rule file written straight from its records (``rules.RuleFile``).

At 10,000 SLOs the compiler writes 10,000 SLO rule files and a recording rule file of 7.5 MB;
as for the promtool test files (``testgen/text.py``), each line is one f-string of a known key
and a value or label through the emitter's own ``scalar`` and ``mapping_lines``, instead of the
file's dicts built (``RuleFile.document``) and walked by the general emitter. The bytes are
those of ``to_yaml(file.document())``: ``tests/test_rules_text.py`` compares the two on every
compiled spec and on records of arbitrary text.

>>> lines: list[str] = []
>>> write(RuleFile("a.rules.yml", (RuleGroup("a", (RecordingRule("job:up:sum", "sum(up)", ()),)),)), lines)
>>> print("\\n".join(lines))
groups:
  - name: a
    rules:
      - record: job:up:sum
        expr: sum(up)
        labels: {}
"""

from __future__ import annotations

from typing import assert_never

from ...output.render import list_head, mapping_lines, scalar
from .rules import AlertingRule, RecordingRule, RuleFile, RuleGroup


def write(file: RuleFile, out: list[str]) -> None:
    """Append the lines of ``file`` (as ``to_yaml`` writes ``file.document()``) to ``out``."""
    if list_head("groups", bool(file.groups), out):
        for group in file.groups:
            _group(group, out)


def _group(group: RuleGroup, out: list[str]) -> None:  # a mapping at indent 4
    out.append(f"  - name: {scalar(group.name, 6)}")
    if not list_head("    rules", bool(group.rules), out):
        return
    for rule in group.rules:  # each a mapping at indent 8, its values written as at 10
        match rule:
            case RecordingRule():
                out.append(f"      - record: {scalar(rule.record, 10)}")
                out.append(f"        expr: {scalar(rule.expr, 10)}")
                mapping_lines("        labels", rule.labels, 8, out)
            case AlertingRule():
                out.append(f"      - alert: {scalar(rule.alert, 10)}")
                out.append(f"        expr: {scalar(rule.expr, 10)}")
                out.append(f"        for: {scalar(str(rule.for_), 10)}")
                if rule.keep_firing_for is not None:
                    out.append(f"        keep_firing_for: {scalar(str(rule.keep_firing_for), 10)}")
                mapping_lines("        labels", rule.label_templates.items(), 8, out)
                mapping_lines("        annotations", rule.annotations.items(), 8, out)
            case unknown:
                assert_never(unknown)
