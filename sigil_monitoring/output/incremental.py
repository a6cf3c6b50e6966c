"""Incremental compiles: skip all the work when the compile request and the output folder are what they were.

``compile`` records its whole ``CompileRequest`` (``output/request.py``: the bytes of every spec,
the targets, ``--strict``, the environment's limits and the compiler's own fingerprint) in the
bundle and so in the manifest (``.sigil-manifest.json``). ``compile`` and ``check`` first ask
``up_to_date``: when the manifest records the very same request, and every file it lists is on
disk with the bytes it lists, the output is what a compile would write, so nothing is loaded,
built or rendered. This check imports no pydantic and no compiler, so a pre-commit hook whose spec
did not change costs little more than the interpreter's start.

A hand edit, a deleted file, a changed spec, another spec list, another ``--target``,
``--strict``, limit or version of sigil-monitoring each make the answer "no". Then
``compile_changed`` compiles only the services whose spec or files changed: every spec is still
loaded and validated (errors, duplicate names), and the files that depend on every service
(``compile_shared`` of a target) are compiled from all of them, but an unchanged service's own
files are taken from disk, where the manifest vouches for their bytes, instead of being built and
rendered again.

>>> import tempfile, pathlib, shutil
>>> from sigil_monitoring import load_spec, compile_specs, write_bundle
>>> from sigil_monitoring.output.request import compile_request, read_specs
>>> tmp = pathlib.Path(tempfile.mkdtemp()); spec = tmp / "hello.yaml"
>>> _ = shutil.copy("specs/minimal.yaml", spec)
>>> def request(**options): return compile_request(read_specs([str(spec)])[0], **options)
>>> up_to_date(request(), tmp / "out") is None  # nothing compiled yet
True
>>> bundle = compile_specs([load_spec(spec)])
>>> _ = write_bundle(bundle, tmp / "out")
>>> up_to_date(request(), tmp / "out") == len(bundle)
True
>>> up_to_date(request(targets=["mimir"]), tmp / "out") is None  # other targets: compile again
True
>>> _ = spec.write_text(spec.read_text() + "# a comment\\n")
>>> up_to_date(request(), tmp / "out") is None  # the spec changed: compile again
True
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from ..conventions import MANIFEST_PATH
from .request import CompileRequest, text_hash

if TYPE_CHECKING:
    from ..spec.document import Spec
    from .bundle import Bundle


def _manifest(out: Path) -> dict[str, Any] | None:
    try:
        manifest = json.loads((out / MANIFEST_PATH).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        return None
    return manifest


def _on_disk(out: Path, rel: str, recorded: object, seen: dict[str, tuple[int, ...]] | None = None) -> bytes | None:
    """The file's bytes when they are the ones the manifest records; else None.

    Read as ``check`` reads: only a regular file inside the folder (a FIFO or ``/dev/zero`` named
    by a manifest must not hang or exhaust a compile), through ``outdir.read_inside``. ``seen``
    gets the file's ``staging.identity`` taken before the read, so the writer can link the file
    without reading it again while that identity holds (any write since changes its ctime).
    """
    from .outdir import read_inside
    from .staging import identity

    before = identity(out / rel)
    data = read_inside(out, rel)
    if data is None or hashlib.sha256(data).hexdigest() != recorded:
        return None
    if seen is not None and before is not None:
        seen[rel] = before
    return data


def up_to_date(request: CompileRequest, out_dir: str | os.PathLike[str]) -> int | None:
    """The number of generated files when ``out_dir`` is exactly what ``request`` compiles to; else None."""
    out = Path(out_dir)
    manifest = _manifest(out)
    if manifest is None or CompileRequest.recorded(manifest.get("inputs")) != request:
        return None
    files: dict[str, Any] = manifest["files"]
    if any(_on_disk(out, rel, recorded) is None for rel, recorded in files.items()):
        return None
    return len(files)


def compile_changed(
    specs: Sequence[Spec], out_dir: str | os.PathLike[str], request: CompileRequest | None = None
) -> Bundle | None:
    """The bundle of ``specs``, compiling only the services whose spec or files changed since the
    last compile into ``out_dir``; None when there is nothing to reuse (compile everything).

    ``request`` is the compile's request (default: ``specs`` with no options, as ``compile_specs``
    records it). The bundle is the one ``compile_specs`` returns, byte for byte
    (tests/test_incremental.py), and records ``request``.
    """
    from ..compilers import DEFAULT_TARGETS
    from ..engines import choose
    from .pipeline import request_of

    request = request if request is not None else request_of(specs)
    # Only the default targets write every file under <service>/ or in a compile_shared file; the
    # engines' tenant and namespace files depend on several services, so those compiles run whole.
    if request is None or request.targets is not None:
        return None
    if any(set(targets) - set(DEFAULT_TARGETS) for targets in choose(specs, None)):
        return None
    out = Path(out_dir)
    manifest = _manifest(out)
    if manifest is None:
        return None
    recorded = CompileRequest.recorded(manifest.get("inputs"))
    # Files can be reused when only specs differ: --strict and the limits decide whether a spec
    # loads, not what it compiles to, and every spec was loaded in full on this path.
    if recorded is None or not recorded.same_output(msgspec.structs.replace(request, specs=recorded.specs)):
        return None
    before = {spec.shown: spec.sha256 for spec in recorded.specs}
    files: dict[str, Any] = manifest["files"]
    by_service: dict[str, dict[str, Any]] = {}
    for rel, digest in files.items():
        by_service.setdefault(rel.split("/", 1)[0], {})[rel] = digest
    reused: dict[str, bytes] = {}
    seen: dict[str, tuple[int, ...]] = {}
    changed: list[Spec] = []
    for spec in specs:
        source, name = spec._source, spec.service.name
        own = by_service.get(name, {})
        kept = {rel: _on_disk(out, rel, digest, seen) for rel, digest in own.items()} if source is not None else {}
        if source is None or before.get(source.display) != text_hash(source.text) or not own or None in kept.values():
            changed.append(spec)
        else:
            reused.update({rel: data for rel, data in kept.items() if data is not None})
    if len(changed) == len(specs):
        return None
    bundle = _compile_some(specs, changed, reused, request)
    bundle.verified = {rel: seen[rel] for rel in reused if rel in seen}
    return bundle


def _compile_some(
    specs: Sequence[Spec], changed: Sequence[Spec], reused: dict[str, bytes], request: CompileRequest
) -> Bundle:
    from ..compilers import TARGETS, compiler, shared_compiler
    from ..engines import check_support, choose
    from ..ir.build import build_model
    from ..ir.model import Model
    from .bundle import Artifact, Bundle
    from .pipeline import render_all

    check_support(changed, choose(changed, None))
    names = {spec.service.name for spec in changed}
    artifacts: list[Artifact] = []
    if changed:
        model = build_model(list(changed))
        for target in TARGETS:
            services = tuple(
                s for s, chosen in zip(model.services, choose(changed, None), strict=True) if target in chosen
            )
            if services:
                artifacts += [a for a in compiler(target)(Model(services)) if a.path.split("/", 1)[0] in names]
    everyone = build_model(list(specs))
    for target in TARGETS:
        shared = shared_compiler(target)
        services = tuple(
            s for s, chosen in zip(everyone.services, choose(specs, None), strict=True) if target in chosen
        )
        artifacts += shared(Model(services)) if shared is not None and services else []
    return Bundle(render_all(artifacts, dict(reused)), inputs=request.record())
