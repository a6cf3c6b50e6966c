"""Spec -> internal model -> the chosen targets -> rendered bytes, all in memory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from ..compilers import TARGETS, compiler
from .bundle import Artifact, Bundle, Kept

if TYPE_CHECKING:  # the loader's spec objects are plain classes: no pydantic at run time
    from ..ir.model import Model
    from ..spec.document import Spec
    from .request import CompileRequest


def compile_artifacts(specs: Sequence[Spec], targets: Iterable[str] | None = None) -> list[Artifact]:
    """Artifacts of every target; ``targets`` (as ``compile --target`` gives them) overrides each
    spec's ``targets`` section. A spec using a feature a chosen engine lacks is a ``SpecError``."""
    return list(_artifacts(specs, targets))


def _artifacts(
    specs: Sequence[Spec], targets: Iterable[str] | None, models: list[Model] | None = None
) -> Iterator[Artifact]:
    """Every target's artifacts, lazily; the model is built and the engines checked at once, so a
    spec error is raised by this call, before anything is written. ``models`` gets the model."""
    from .. import engines
    from ..ir.build import build_model
    from ..ir.model import Model

    model = build_model(list(specs))
    if models is not None:
        models.append(model)
    chosen = engines.choose(specs, None if targets is None else tuple(targets))
    engines.check_support(specs, chosen)

    def each() -> Iterator[Artifact]:
        for target in TARGETS:  # registry order, so output does not depend on how targets were listed
            services = tuple(s for s, names in zip(model.services, chosen, strict=True) if target in names)
            if services:
                yield from compiler(target)(Model(services))

    return each()


def compile_specs(specs: Sequence[Spec], targets: Iterable[str] | None = None) -> Bundle:
    """Compile one or more specs into one bundle (one Alertmanager config for all of them)."""
    # Rendered as they come, so only one target's documents are alive beside the bytes.
    return Bundle(render_all(_artifacts(specs, targets)), inputs=inputs_of(specs, targets))


def rendered(
    specs: Sequence[Spec], targets: Iterable[str] | None = None, models: list[Model] | None = None
) -> Iterator[tuple[str, bytes]]:
    """``(path, bytes)`` of every file ``compile_specs`` would hold, one at a time as they are
    rendered, for ``write.write_files``: the writer keeps only hashes, so the output of a big spec
    is never in memory all at once. Order is the compilers' (the writer does not need sorted).
    ``models`` gets the internal model (for the fleet cache, ``incremental.remember``)."""
    return ((artifact.path, artifact.render()) for artifact in _artifacts(specs, targets, models))


def render_all(artifacts: Iterable[Artifact], files: dict[str, bytes | Kept] | None = None) -> dict[str, bytes | Kept]:
    """``files`` (new when None) with every artifact rendered into it; two artifacts of one path are a bug."""
    files = {} if files is None else files
    for artifact in artifacts:
        if artifact.path in files:
            raise AssertionError(f"two artifacts write {artifact.path}: a naming bug in sigil-monitoring")
        files[artifact.path] = artifact.render()
    return files


def request_of(specs: Sequence[Spec], targets: Iterable[str] | None = None) -> CompileRequest | None:
    """The request of compiling ``specs`` as the library does (not strict); None for a spec not read from text."""
    from .request import request_of_texts

    sources = [spec._source for spec in specs]
    if any(source is None for source in sources):
        return None
    return request_of_texts([(s.display, s.text, s.templates) for s in sources if s is not None], targets=targets)


def inputs_of(specs: Sequence[Spec], targets: Iterable[str] | None = None) -> dict[str, object] | None:
    """The manifest's record of what was compiled (its ``CompileRequest``); None for a spec not read from text."""
    request = request_of(specs, targets)
    return None if request is None else request.record()


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
