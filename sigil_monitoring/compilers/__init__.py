"""The compiler registry: one module per output target, listed here and nowhere else.

A target module exposes ``compile(model: Model) -> list[Artifact]``; it is pure (no filesystem,
no printing). Modules are imported only when their target runs, so ``validate`` stays fast.
A target compiles the services whose spec chose it (``targets:``, or ``compile --target``);
``DEFAULT_TARGETS`` is what a spec without a ``targets`` section gets.

Every file a target writes lies under ``<service>/`` and depends on that service alone, except
the files that depend on every service at once (Alertmanager's config, Grafana's provisioning);
a target that writes such files also exposes them alone as ``compile_shared(model)``, so that
``incremental.py`` can compile the changed services only and still rewrite the shared files.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable

from ..ir.model import Model
from ..output.bundle import Artifact

TARGETS: dict[str, str] = {
    "prometheus": "sigil_monitoring.compilers.prometheus",
    "grafana": "sigil_monitoring.compilers.grafana",
    "alertmanager": "sigil_monitoring.compilers.alertmanager",
    "runbook": "sigil_monitoring.compilers.runbook",
    "kubernetes": "sigil_monitoring.compilers.kubernetes",
    "mimir": "sigil_monitoring.compilers.mimir",
    "thanos": "sigil_monitoring.compilers.thanos",
    "victoriametrics": "sigil_monitoring.compilers.victoriametrics",
    "grafana_alerting": "sigil_monitoring.compilers.grafana_alerting",
}
DEFAULT_TARGETS: tuple[str, ...] = ("prometheus", "grafana", "alertmanager", "runbook")


def compiler(target: str) -> Callable[[Model], Iterable[Artifact]]:
    return importlib.import_module(TARGETS[target]).compile  # type: ignore[no-any-return]


def shared_compiler(target: str) -> Callable[[Model], list[Artifact]] | None:
    """The target's files that depend on every service (``compile_shared``), when it has any."""
    return getattr(importlib.import_module(TARGETS[target]), "compile_shared", None)
