"""Typed Prometheus rule files: what the compiler emits, before it becomes YAML.

The wire format is Prometheus' rule file
(https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/#rule_file). An
expression is not parsed again when a rule is built: the spec's own PromQL was parsed when the
spec was checked, and the rest is text the builders of ``promql`` made from checked parts (parsing
every expression cost 265,000 parses at 10,000 SLOs). The test suite parses every expression the
compiler writes (``tests/test_generated_promql.py``) and runs ``promtool check rules`` on them.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ... import conventions as names
from ...escape import template_text
from ...values.units import Duration

Labels = tuple[tuple[str, str], ...]


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
        """Append the YAML lines of ``document()`` to ``out`` without building it (``rules_text.py``)."""
        from .rules_text import write

        write(self, out)

    def rules(self) -> tuple[Rule, ...]:
        return tuple(r for g in self.groups for r in g.rules)


def check_collisions(files: list[RuleFile], seen: dict[tuple[str, Labels], str] | None = None) -> None:
    """Two recording rules writing the same series would overwrite each other in Prometheus
    (Pyrra's known bug when two SLOs share a metric); two alerts of one name confuse routing.
    ``seen``: the rules of files checked before, for a caller checking service by service."""
    seen = {} if seen is None else seen
    for file in files:
        for rule in file.rules():
            name = rule.record if isinstance(rule, RecordingRule) else rule.alert
            key = (name, rule.labels)
            if key in seen:
                raise AssertionError(
                    f"rule {name} {dict(rule.labels)} written by {seen[key]} and {file.path}: "
                    "a naming bug in sigil-monitoring"
                )
            seen[key] = file.path
