"""Typed Prometheus rule files: what the compiler emits, before it becomes YAML.

The wire format is Prometheus' rule file
(https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/#rule_file). An
expression is not parsed again when a rule is built: the spec's own PromQL was parsed when the
spec was checked, and the rest is text the builders of ``promql`` made from checked parts (parsing
every expression cost 265,000 parses at 10,000 SLOs). The test suite parses every expression the
compiler writes (``tests/test_generated_promql.py``) and runs ``promtool check rules`` on them.
"""

from __future__ import annotations

from typing import Any, assert_never

import msgspec

from ... import conventions as names
from ...escape import template_text
from ...output.render import list_head, mapping_lines, scalar
from ...values.units import Duration

Labels = tuple[tuple[str, str], ...]
RuleKeys = list[tuple[str, Labels]]  # what tells rules apart: each one's record or alert name, its labels


def merge_labels(*parts: Labels) -> Labels:
    """Later parts win; sorted by name so output is stable."""
    merged: dict[str, str] = {}
    for part in parts:
        merged.update(part)
    return tuple(sorted(merged.items()))


class RecordingRule(msgspec.Struct, frozen=True):
    record: str
    expr: str
    labels: Labels

    def document(self) -> dict[str, Any]:
        return {"record": self.record, "expr": self.expr, "labels": dict(self.labels)}


class AlertingRule(msgspec.Struct, frozen=True):
    alert: str
    expr: str
    for_: Duration
    labels: Labels
    summary: str  # plain text, written as literal template text
    description: str  # Go template, expanded by Prometheus (user parts already escaped or checked)
    runbook_url: str
    dashboard_url: str
    dashboard_uid: str  # the dashboard and panel dashboard_url opens, for Grafana's "View panel"
    panel_id: int | None
    keep_firing_for: Duration | None = None  # Prometheus 2.42+; left out when the spec does not ask
    extra_annotations: Labels = ()  # the spec's own annotations (never one of the four below)

    @property
    def annotations(self) -> dict[str, str]:
        """Annotations as Prometheus reads them: templates, with plain text escaped as literal.

        Prometheus expands every annotation and every alert label as a Go template, so a
        ``{{`` in a summary or a label value would run (``{{ query "..." }}`` is arbitrary PromQL).
        """
        # Grafana links a data-source rule to a panel through these two reserved annotations
        # (https://grafana.com/docs/grafana/latest/alerting/fundamentals/templates/: __dashboardUid__, __panelId__).
        link = {names.DASHBOARD_UID_ANNOTATION: template_text(self.dashboard_uid)}
        if self.panel_id is not None:
            link[names.PANEL_ID_ANNOTATION] = str(self.panel_id)
        return {
            "summary": template_text(self.summary),
            "description": self.description,
            "runbook_url": template_text(self.runbook_url),
            "dashboard_url": template_text(self.dashboard_url),
            **link,
            **dict(self.extra_annotations),
        }

    @property
    def label_templates(self) -> dict[str, str]:
        return {name: template_text(value) for name, value in self.labels}

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"alert": self.alert, "expr": self.expr, "for": str(self.for_)}
        if self.keep_firing_for is not None:
            doc["keep_firing_for"] = str(self.keep_firing_for)
        return {**doc, "labels": self.label_templates, "annotations": self.annotations}


Rule = RecordingRule | AlertingRule


class RuleGroup(msgspec.Struct, frozen=True):
    name: str
    rules: tuple[Rule, ...]

    def document(self) -> dict[str, Any]:
        return {"name": self.name, "rules": [r.document() for r in self.rules]}


class RuleFile(msgspec.Struct, frozen=True):
    """One ``*.rules.yml`` file; ``path`` comes from ``conventions.rules_path``."""

    path: str
    groups: tuple[RuleGroup, ...]

    def document(self) -> dict[str, Any]:
        return {"groups": [g.document() for g in self.groups]}

    def yaml_lines(self, out: list[str]) -> None:
        """Append the YAML lines of ``document()`` to ``out`` without building it (below)."""
        _write_lines(self, out)

    def rules(self) -> tuple[Rule, ...]:
        return tuple(r for g in self.groups for r in g.rules)


def check_collisions(files: list[RuleFile], seen: dict[tuple[str, Labels], str] | None = None) -> None:
    """Two recording rules writing the same series would overwrite each other in Prometheus
    (Pyrra's known bug when two SLOs share a metric); two alerts of one name confuse routing.
    ``seen``: the rules of files checked before, for a caller checking service by service."""
    seen = {} if seen is None else seen
    for file in files:
        check_keys(rule_keys(file), file.path, seen)


def rule_keys(file: RuleFile) -> RuleKeys:
    """What tells the rules of ``file`` apart: each one's record or alert name and its labels."""
    return [(r.record if isinstance(r, RecordingRule) else r.alert, r.labels) for r in file.rules()]


def check_keys(keys: RuleKeys, path: str, seen: dict[tuple[str, Labels], str]) -> None:
    """``check_collisions`` for the rules of the file at ``path``, given by their ``rule_keys``."""
    for key in keys:
        if key in seen:
            name, labels = key
            raise AssertionError(
                f"rule {name} {dict(labels)} written by {seen[key]} and {path}: a naming bug in sigil-monitoring"
            )
        seen[key] = path


# The YAML of a rule file, written straight from its records (``RuleFile.yaml_lines``).
#
# At 10,000 SLOs the compiler writes 10,000 SLO rule files and a recording rule file of 7.5 MB;
# as for the promtool test files (``testgen/model.py``), each line is one f-string of a known key
# and a value or label through the emitter's own ``scalar`` and ``mapping_lines``, instead of the
# file's dicts built (``RuleFile.document``) and walked by the general emitter. The bytes are
# those of ``to_yaml(file.document())``: ``tests/test_rules_text.py`` compares the two on every
# compiled spec and on records of arbitrary text.


def _write_lines(file: RuleFile, out: list[str]) -> None:
    """Append the lines of ``file`` (as ``to_yaml`` writes ``file.document()``) to ``out``.

    >>> lines: list[str] = []
    >>> _write_lines(RuleFile("a.rules.yml", (RuleGroup("a", (RecordingRule("job:up:sum", "sum(up)", ()),)),)), lines)
    >>> print("\\n".join(lines))
    groups:
      - name: a
        rules:
          - record: job:up:sum
            expr: sum(up)
            labels: {}
    """
    if list_head("groups", bool(file.groups), out):
        for group in file.groups:
            _group(group, out)


def _group(group: RuleGroup, out: list[str]) -> None:  # a mapping at indent 4
    out.append(f"  - name: {scalar(group.name, 6)}")
    if not list_head("    rules", bool(group.rules), out):
        return
    # The rules of a group mostly carry one label set (an SLO's 16 records share theirs): its
    # lines are written once per group and copied, not rendered again for every rule.
    label_lines: dict[tuple[type[Rule], Labels], list[str]] = {}
    for rule in group.rules:  # each a mapping at indent 8, its values written as at 10
        block = label_lines.get((type(rule), rule.labels))
        match rule:
            case RecordingRule():
                out.append(f"      - record: {scalar(rule.record, 10)}")
                out.append(f"        expr: {scalar(rule.expr, 10)}")
                if block is None:
                    block = label_lines[(RecordingRule, rule.labels)] = []
                    mapping_lines("        labels", rule.labels, 8, block)
                out += block
            case AlertingRule():
                out.append(f"      - alert: {scalar(rule.alert, 10)}")
                out.append(f"        expr: {scalar(rule.expr, 10)}")
                out.append(f"        for: {scalar(str(rule.for_), 10)}")
                if rule.keep_firing_for is not None:
                    out.append(f"        keep_firing_for: {scalar(str(rule.keep_firing_for), 10)}")
                if block is None:  # an alert's labels are written as templates (label_templates)
                    block = label_lines[(AlertingRule, rule.labels)] = []
                    mapping_lines("        labels", rule.label_templates.items(), 8, block)
                out += block
                mapping_lines("        annotations", rule.annotations.items(), 8, out)
            case unknown:
                assert_never(unknown)
