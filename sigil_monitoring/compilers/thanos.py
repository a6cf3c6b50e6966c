"""Thanos Ruler target: rule files per concern (``<service>/thanos/<concern>.rules.yml``).

Thanos Ruler reads Prometheus rule files (``thanos rule --rule-file=...``) and adds one group
field, ``partial_response_strategy``: ``abort`` (the default, and the advice for alerts) fails the
evaluation when a store does not answer; ``warn`` evaluates on the data that did arrive
(https://thanos.io/tip/components/rule.md/#partial-response). ``targets.thanos`` sets it for
every group, or per concern (``recording``, ``alerts``, ``slo-<name>``); unset, the field is left
out and Thanos aborts. The groups are the Prometheus target's, empty ones left out.
"""

from __future__ import annotations

from typing import Any

import msgspec

from .. import conventions as names
from ..ir.model import Model
from ..output.bundle import Artifact
from .rulesets import concern_groups

ENGINE = "thanos"


class ThanosOptions(msgspec.Struct, frozen=True):
    """The spec's ``targets.thanos``, as this compiler reads it."""

    # One strategy for every group, or (concern, strategy) pairs; None leaves the field out.
    partial_response_strategy: str | tuple[tuple[str, str], ...] | None


def compile(model: Model) -> list[Artifact]:  # the registry's verb
    artifacts = []
    for service in model.services:
        strategy = service.targets.of(ENGINE, ThanosOptions).partial_response_strategy
        for concern in concern_groups(service):
            chosen = dict(strategy).get(concern.concern) if isinstance(strategy, tuple) else strategy
            groups = [_with_strategy(g, chosen) for g in concern.documents()]
            artifacts.append(
                Artifact(
                    names.engine_rules_path(service.name, ENGINE, concern.concern),
                    {"groups": groups},
                    "yaml",
                    service.source,
                )
            )
    return artifacts


def _with_strategy(group: dict[str, Any], strategy: str | None) -> dict[str, Any]:
    if strategy is None:
        return group
    return {
        "name": group["name"],
        "partial_response_strategy": strategy,
        **{k: v for k, v in group.items() if k != "name"},
    }
