"""Spec -> internal model -> the chosen targets -> rendered bytes, all in memory."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .bundle import Artifact, Bundle
from .compilers import TARGETS, compiler
from .spec.document import Spec


def compile_artifacts(specs: Sequence[Spec], targets: Iterable[str] | None = None) -> list[Artifact]:
    """Artifacts of every target; ``targets`` (as ``compile --target`` gives them) overrides each
    spec's ``targets`` section. A spec using a feature a chosen engine lacks is a ``SpecError``."""
    from . import engines
    from .ir.build import build_model
    from .ir.model import Model

    model = build_model(list(specs))
    chosen = engines.choose(specs, None if targets is None else tuple(targets))
    engines.check_support(specs, chosen)
    artifacts: list[Artifact] = []
    for target in TARGETS:  # registry order, so output does not depend on how targets were listed
        services = tuple(s for s, names in zip(model.services, chosen) if target in names)
        if services:
            artifacts.extend(compiler(target)(Model(services)))
    return artifacts


def compile_specs(specs: Sequence[Spec], targets: Iterable[str] | None = None) -> Bundle:
    """Compile one or more specs into one bundle (one Alertmanager config for all of them)."""
    files: dict[str, bytes] = {}
    for artifact in compile_artifacts(specs, targets):
        if artifact.path in files:
            raise AssertionError(f"two artifacts write {artifact.path}: a naming bug in sigil-monitoring")
        files[artifact.path] = artifact.render()
    return Bundle(files)


def compile_spec(spec: Spec, targets: Iterable[str] | None = None) -> Bundle:
    """Compile one spec.

    >>> from sigil_monitoring import load_spec
    >>> bundle = compile_spec(load_spec("specs/minimal.yaml"))
    >>> "hello/runbook.md" in bundle
    True
    >>> sorted({path.split("/")[1] for path in compile_spec(load_spec("specs/minimal.yaml"), ["victoriametrics"])})
    ['victoriametrics']
    """
    return compile_specs([spec], targets)
