"""VictoriaMetrics target: vmalert rule files, one per concern (``<service>/victoriametrics/``).

vmalert reads Prometheus' rule-file format
(https://docs.victoriametrics.com/vmalert/#groups) with a few differences that matter for 1.79,
the version Debian ships: it rejects ``keep_firing_for`` ("unknown fields in rule"), and a file
holding only ``groups: []`` fails with "No rules for validation". So files are written only for
concerns with rules, and the rules are checked not to carry ``keep_firing_for``. Spec features
VictoriaMetrics lacks (native histograms) are refused before compiling (``engines.problems``).

Load them with ``vmalert -rule='<out>/*/victoriametrics/*.rules.yml' ...``.
"""

from __future__ import annotations

from typing import Any

from .. import conventions as names
from ..ir.model import Model
from ..output.bundle import Artifact
from .rulesets import concern_groups

ENGINE = "victoriametrics"
_REJECTED_RULE_FIELDS = ("keep_firing_for",)  # vmalert 1.79: "unknown fields in rule"


def compile(model: Model) -> list[Artifact]:  # the registry's verb
    artifacts = []
    for service in model.services:
        for concern in concern_groups(service):
            document = {"groups": [_checked(g) for g in concern.documents()]}
            artifacts.append(
                Artifact(
                    names.engine_rules_path(service.name, ENGINE, concern.concern), document, "yaml", service.source
                )
            )
    return artifacts


def _checked(group: dict[str, Any]) -> dict[str, Any]:
    for rule in group["rules"]:
        found = [f for f in _REJECTED_RULE_FIELDS if f in rule]
        if found:
            raise AssertionError(
                f"rule {rule.get('alert') or rule.get('record')} carries {found}, which vmalert 1.79 "
                "rejects: refuse the spec feature in engines.problems instead"
            )
    return group
