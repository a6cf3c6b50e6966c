"""The Prometheus target's rule groups, by concern, as every other rule engine receives them.

Engines beyond Prometheus (vmalert, Thanos Ruler, Mimir/Cortex ruler, the Prometheus Operator)
take the same groups; they consume these instead of rebuilding PromQL, so a change to the
Prometheus target reaches all of them. Empty groups and files are left out: vmalert refuses a
file holding only ``groups: []`` ("No rules for validation"), and an engine gains nothing from one.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

import msgspec

from ..ir.model import Service
from .prometheus import rule_files
from .prometheus.rules import RuleGroup

_SUFFIX = ".rules.yml"


class ConcernGroups(msgspec.Struct, frozen=True):
    """The groups of one Prometheus rule file, named by its concern (recording, alerts, slo-<name>)."""

    concern: str
    groups: tuple[RuleGroup, ...]

    def documents(self) -> list[dict[str, Any]]:
        return [g.document() for g in self.groups]


def concern_groups(service: Service) -> list[ConcernGroups]:
    """Non-empty rule groups of ``service``, in the Prometheus target's file order.

    >>> from sigil_monitoring import load_spec
    >>> from sigil_monitoring.ir.build import build_service
    >>> [c.concern for c in concern_groups(build_service(load_spec("specs/minimal.yaml")))]
    ['recording']
    """
    out = []
    for file in rule_files(service):
        name = PurePosixPath(file.path).name
        assert name.endswith(_SUFFIX), file.path
        groups = tuple(g for g in file.groups if g.rules)
        if groups:
            out.append(ConcernGroups(name[: -len(_SUFFIX)], groups))
    return out


def groups_of(service: Service) -> list[dict[str, Any]]:
    """Every non-empty group of ``service`` as Prometheus' rule-file group documents."""
    return [doc for c in concern_groups(service) for doc in c.documents()]
