"""The compilers: one module per output target, registered in ``registry.py`` and nowhere else.

A target module exposes ``compile(model: Model) -> list[Artifact]``; it is pure (no filesystem,
no printing). Modules are imported only when their target runs, so ``validate`` stays fast.
A target compiles the services whose spec chose it (``targets:``, or ``compile --target``);
``DEFAULT_TARGETS`` is what a spec without a ``targets`` section gets.

Every file a target writes lies under ``<service>/`` and depends on that service alone, except
the files that depend on every service at once (Alertmanager's config, Grafana's provisioning);
a target whose record says ``shared`` also exposes such files alone as ``compile_shared(model)``,
so that ``incremental.py`` can compile the changed services only and still rewrite the shared files.

>>> TARGETS["mimir"]
'sigil_monitoring.compilers.mimir'
>>> shared_compiler("mimir") is None, shared_compiler("grafana").__name__
(True, 'compile_shared')
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from .registry import DEFAULT_TARGETS as DEFAULT_TARGETS
from .registry import TARGET_NAMES as TARGET_NAMES
from .registry import target as _target

if TYPE_CHECKING:  # this package is imported by the CLI and the spec: keep the IR out of start-up
    from ..ir.model import Model
    from ..output.bundle import Artifact

# name -> compiler module, in registry order (the order targets are compiled in).
TARGETS: dict[str, str] = {name: _target(name).module for name in TARGET_NAMES}


def compiler(target: str) -> Callable[[Model], Iterable[Artifact]]:
    compile_: Callable[[Model], Iterable[Artifact]] = importlib.import_module(_target(target).module).compile
    return compile_


def shared_compiler(target: str) -> Callable[[Model], list[Artifact]] | None:
    """The target's files that depend on every service (``compile_shared``), when it has any."""
    record = _target(target)
    if not record.shared:
        return None
    compile_shared: Callable[[Model], list[Artifact]] = importlib.import_module(record.module).compile_shared
    return compile_shared
