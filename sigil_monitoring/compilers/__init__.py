"""The compilers: one module per output target, registered in ``registry.py`` and nowhere else.

A target module exposes ``compile(model: Model) -> list[Artifact]``; it is pure (no filesystem,
no printing). Modules are imported only when their target runs, so ``validate`` stays fast.
A target compiles the services whose spec chose it (``targets:``, or ``compile --target``);
``DEFAULT_TARGETS`` is what a spec without a ``targets`` section gets.

Every file a target writes lies under ``<service>/`` and depends on that service alone, except
the files that depend on every service at once (Alertmanager's config, Grafana's provisioning);
a target whose record says ``shared`` also exposes such files alone, as ``compile_shared(model)``,
and the way they are made: ``shared_piece(service)``, what one service adds to them (written
already, a few strings), and ``assemble(pieces)``, the files of the services whose pieces these
are. ``compile_shared`` is ``assemble`` of every service's piece, so ``incremental.py`` can compile
the changed services only and still rewrite the shared files from the pieces it kept of the others.

>>> TARGETS["mimir"]
'sigil_monitoring.compilers.mimir'
>>> shared_files("mimir") is None, shared_files("grafana").assemble.__name__
(True, 'assemble')
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from .registry import DEFAULT_TARGETS as DEFAULT_TARGETS
from .registry import TARGET_NAMES as TARGET_NAMES
from .registry import target as _target

if TYPE_CHECKING:  # this package is imported by the CLI and the spec: keep the IR out of start-up
    from ..ir.model import Model, Service
    from ..output.bundle import Artifact

# name -> compiler module, in registry order (the order targets are compiled in).
TARGETS: dict[str, str] = {name: _target(name).module for name in TARGET_NAMES}


def compiler(target: str) -> Callable[[Model], Iterable[Artifact]]:
    compile_: Callable[[Model], Iterable[Artifact]] = importlib.import_module(_target(target).module).compile
    return compile_


class SharedFiles(msgspec.Struct, frozen=True):
    """How a target makes its files that depend on every service (module docstring)."""

    piece: Callable[[Service], Any]  # what one service adds to them
    assemble: Callable[[Sequence[Any]], list[Artifact]]  # the files, from every service's piece in order


def shared_files(target: str) -> SharedFiles | None:
    """How the target makes its files that depend on every service, when it has any."""
    record = _target(target)
    if not record.shared:
        return None
    module = importlib.import_module(record.module)
    return SharedFiles(module.shared_piece, module.assemble)
