"""Spec -> internal model -> every registered target -> rendered bytes, all in memory."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .bundle import Artifact, Bundle
from .compilers import TARGETS, compiler
from .spec.document import Spec


def compile_artifacts(specs: Sequence[Spec], targets: Iterable[str] | None = None) -> list[Artifact]:
    from .ir.build import build_model

    model = build_model(list(specs))
    artifacts: list[Artifact] = []
    for target in targets or TARGETS:
        artifacts.extend(compiler(target)(model))
    return artifacts


def compile_specs(specs: Sequence[Spec], targets: Iterable[str] | None = None) -> Bundle:
    """Compile one or more specs into one bundle (one Alertmanager config for all of them)."""
    files: dict[str, bytes] = {}
    for artifact in compile_artifacts(specs, targets):
        if artifact.path in files:
            raise AssertionError(f"two artifacts write {artifact.path}: a naming bug in sigil-monitoring")
        files[artifact.path] = artifact.render()
    return Bundle(files, inputs=inputs_of(specs))


def inputs_of(specs: Sequence[Spec]) -> dict[str, object] | None:
    """The manifest's record of what was compiled; None for a spec not read from text."""
    from .incremental import inputs_record

    sources = [spec._source for spec in specs]
    if any(source is None for source in sources):
        return None
    return inputs_record([(source.display, source.text) for source in sources if source is not None])


def compile_spec(spec: Spec, targets: Iterable[str] | None = None) -> Bundle:
    """Compile one spec.

    >>> from sigil_monitoring import load_spec
    >>> bundle = compile_spec(load_spec("specs/minimal.yaml"))
    >>> "hello/runbook.md" in bundle
    True
    """
    return compile_specs([spec], targets)
