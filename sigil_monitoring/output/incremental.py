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
rendered again. A file whose stat is as the last write left it is not even read
(``file_stats``): it is a ``Kept`` entry of the bundle, which the writer links into the new set.
``compile_fleet``, the command line's path, goes further: a spec whose input (its text and its
templates') is as recorded is not even loaded; the shared files are assembled from the pieces
``service_cache`` kept of the services it skips (``compilers.shared_files``: what each service
adds to those files, written already).

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
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from ..conventions import MANIFEST_PATH
from .bundle import Bundle, Kept
from .request import CompileRequest, SpecInput, text_hash

if TYPE_CHECKING:
    from ..ir.model import Service
    from ..spec.document import Spec
    from . import service_cache
    from .bundle import Artifact
    from .request import SpecFile


def _manifest(out: Path) -> dict[str, Any] | None:
    from .outdir import manifest_json

    manifest = manifest_json(out)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        return None
    return manifest


class _OnDisk:
    """The output folder's files as the manifest records them, each trusted by its stat
    (``file_stats``: a ``Kept``, not read) or read and hashed (bytes); None when it is not so.

    Read as ``check`` reads: only a regular file inside the folder (a FIFO or ``/dev/zero`` named
    by a manifest must not hang or exhaust a compile), through ``outdir.read_inside``. ``seen``
    gets each read file's ``staging.identity`` taken before the read, so the writer can link the
    file without reading it again while that identity holds (any write since changes its ctime).
    ``trust_stats=False`` (``check --thorough``) reads every file.
    """

    def __init__(self, out: Path, trust_stats: bool = True) -> None:
        from . import file_stats

        self.out, self._base = out, os.fspath(out)
        self.snapshot = file_stats.load(out) if trust_stats else None
        self.seen: dict[str, tuple[int, ...]] = {}
        self.read: dict[str, str] = {}  # rel -> digest of the files read (not trusted by stat)
        self._folders: set[str] = set()

    def get(self, rel: str, recorded: object) -> bytes | Kept | None:
        if self.snapshot is not None and isinstance(recorded, str):
            kept = self.snapshot.kept(self._base, rel, recorded, self._folders)
            if kept is not None:
                return kept
        return self._read(rel, recorded)

    def _read(self, rel: str, recorded: object) -> bytes | None:
        """The bytes of ``rel`` when they hash to ``recorded``, their identity before the read kept."""
        from .outdir import read_inside
        from .staging import identity

        before = identity(self.out / rel)
        data = read_inside(self.out, rel)
        if data is None or hashlib.sha256(data).hexdigest() != recorded:
            return None
        if before is not None:
            self.seen[rel] = before
            self.read[rel] = str(recorded)
        return data

    def all_of(self, recorded: dict[str, Any]) -> dict[str, bytes | Kept] | None:
        """Every file of ``recorded`` (path -> digest) as ``get`` finds it (the snapshot's files in one
        loop); None when one is not as recorded."""
        found: dict[str, bytes | Kept] = {}
        unread = list(recorded)
        if self.snapshot is not None:
            kept, unread = self.snapshot.kept_all(self._base, recorded, self._folders)
            found.update(kept)
        for rel in unread:  # not trusted by stat: read (the snapshot was asked already)
            data = self._read(rel, recorded[rel])
            if data is None:
                return None
            found[rel] = data
        return found

    def remember(self, manifest_files: dict[str, Any]) -> None:
        """Keep what was read in the snapshot (after every file of the manifest was found as
        recorded), so that the next look trusts those files too."""
        from . import file_stats, spare

        if not self.read:
            return
        try:
            reference = os.lstat(self.out / MANIFEST_PATH).st_mtime_ns
        except OSError:
            return
        old = self.snapshot.files if self.snapshot is not None else {}
        files = {rel: entry for rel, entry in old.items() if rel in manifest_files and rel not in self.read}
        for rel, digest in self.read.items():
            _, inode, size, mtime, _, links = self.seen[rel]
            # Its other link may be the spare set's only (``spare``); any other makes it untrusted.
            shared = links == 2 and spare.holds(self.out, rel, inode)
            files[rel] = (inode, size, mtime, digest, 2 if shared else 1)
        file_stats.keep(self.out, reference, files)


def recorded_request(out_dir: str | os.PathLike[str]) -> CompileRequest | None:
    """The request the output folder's manifest recorded; None when it has none."""
    manifest = _manifest(Path(out_dir))
    return CompileRequest.recorded(manifest.get("inputs")) if manifest is not None else None


def up_to_date(request: CompileRequest, out_dir: str | os.PathLike[str], trust_stats: bool = True) -> int | None:
    """The number of generated files when ``out_dir`` is exactly what ``request`` compiles to; else None.

    A file whose stat is as the last write left it is not read (``file_stats``); ``trust_stats=False`` reads all.
    """
    out = Path(out_dir)
    manifest = _manifest(out)
    if manifest is None or CompileRequest.recorded(manifest.get("inputs")) != request:
        return None
    files: dict[str, Any] = manifest["files"]
    on_disk = _OnDisk(out, trust_stats)
    if any(on_disk.get(rel, recorded) is None for rel, recorded in files.items()):
        return None
    on_disk.remember(files)
    return len(files)


def compile_changed(
    specs: Sequence[Spec],
    out_dir: str | os.PathLike[str],
    request: CompileRequest | None = None,
    trust_stats: bool = True,
) -> Bundle | None:
    """The bundle of ``specs``, compiling only the services whose spec or files changed since the
    last compile into ``out_dir``; None when there is nothing to reuse (compile everything).

    ``request`` is the compile's request (default: ``specs`` with no options, as ``compile_specs``
    records it). The bundle is the one ``compile_specs`` returns, byte for byte
    (tests/test_incremental.py), and records ``request``.
    """
    from ..engines import check_support, choose
    from ..ir.build import build_model
    from .pipeline import request_of

    request = request if request is not None else request_of(specs)
    # Only the default targets write every file under <service>/ or in a compile_shared file; the
    # engines' tenant and namespace files depend on several services, so those compiles run whole.
    if request is None or request.targets is not None:
        return None
    if any(_beyond_defaults(targets) for targets in choose(specs, None)):
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
    before = {spec.shown: spec for spec in recorded.specs}
    by_service = _by_service(manifest["files"])
    reused: dict[str, bytes | Kept] = {}
    on_disk = _OnDisk(out, trust_stats)
    changed: list[Spec] = []
    for spec in specs:
        source, own = spec._source, by_service.get(spec.service.name, {})
        # The spec's input is its text and its templates' (a template change touches every user).
        given = SpecInput(source.display, text_hash(source.text), source.templates) if source is not None else None
        found = on_disk.all_of(own) if given is not None and own and before.get(given.shown) == given else None
        if found is None:
            changed.append(spec)
        else:
            reused.update(found)
    if len(changed) == len(specs):
        return None
    check_support(changed, choose(changed, None))
    everyone = build_model(list(specs))
    names = {spec.service.name for spec in changed}
    pairs = list(zip(everyone.services, choose(specs, None), strict=True))
    artifacts = _own_files([pair for pair in pairs if pair[0].name in names])
    artifacts += _shared_files([shared_pieces(service, targets) for service, targets in pairs])
    return _bundle(artifacts, reused, request, out, on_disk)


def _by_service(files: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The manifest's files (path -> digest) by the service whose folder holds them (the first
    part), the files shared by every service left out (a service may share their folder's name)."""
    from ..conventions import SHARED_PATHS

    by_service: dict[str, dict[str, Any]] = {}
    for rel, digest in files.items():
        if rel not in SHARED_PATHS:
            by_service.setdefault(rel.split("/", 1)[0], {})[rel] = digest
    return by_service


def _own_files(pairs: Sequence[tuple[Service, tuple[str, ...]]]) -> list[Artifact]:
    """The files under each service's own folder, for each (service, its targets) pair: every
    target compiles the services that chose it; what it writes outside them is ``_shared_files``'."""
    from ..compilers import TARGETS, compiler
    from ..conventions import SHARED_PATHS
    from ..ir.model import Model

    names = {service.name for service, _ in pairs}
    artifacts: list[Artifact] = []
    for target in TARGETS:
        services = tuple(service for service, targets in pairs if target in targets)
        if services:
            artifacts += [
                a
                for a in compiler(target)(Model(services))
                if a.path.split("/", 1)[0] in names and a.path not in SHARED_PATHS
            ]
    return artifacts


def shared_pieces(service: Service, targets: tuple[str, ...]) -> tuple[tuple[str, Any], ...]:
    """What ``service`` adds to the shared files of the ``targets`` it chose: (target, its piece)."""
    from ..compilers import TARGETS, shared_files

    return tuple(
        (target, shared.piece(service))
        for target in TARGETS
        if target in targets and (shared := shared_files(target)) is not None
    )


def _shared_files(pieces: Sequence[tuple[tuple[str, Any], ...]]) -> list[Artifact]:
    """The files that depend on every service, assembled from each service's ``shared_pieces``
    (in the order of the services), target by target."""
    from ..compilers import TARGETS, shared_files

    by_target: dict[str, list[Any]] = {}
    for service_pieces in pieces:
        for target, piece in service_pieces:
            by_target.setdefault(target, []).append(piece)
    artifacts: list[Artifact] = []
    for target in TARGETS:
        shared = shared_files(target)
        if shared is not None and target in by_target:
            artifacts += shared.assemble(by_target[target])
    return artifacts


def _bundle(
    artifacts: list[Artifact], reused: dict[str, bytes | Kept], request: CompileRequest, out: Path, on_disk: _OnDisk
) -> Bundle:
    """The compile's bundle: ``artifacts`` rendered beside the ``reused`` files, each reused file
    that was read vouched for by the identity it had (the writer links it while that holds)."""
    from .pipeline import render_all

    bundle = Bundle(render_all(artifacts, dict(reused)), inputs=request.record(), folder=out)
    bundle.verified = {rel: on_disk.seen[rel] for rel in reused if rel in on_disk.seen}
    return bundle


def compile_fleet(
    files: Sequence[SpecFile],
    out_dir: str | os.PathLike[str],
    request: CompileRequest,
    load: Callable[[Sequence[SpecFile]], list[Spec]],
    trust_stats: bool = True,
) -> Bundle | None:
    """The bundle of ``files``, loading, validating and compiling only the specs whose input
    changed since the last compile into ``out_dir``; None when that cannot be done (compile all).

    An unchanged spec (same text, same templates, same compiler, its files in ``out_dir`` as the
    manifest lists them, its ``service_cache`` entry present) is not even parsed: its files are
    reused and the shared files are assembled from its cached pieces. ``load`` loads the changed
    ones (the CLI's loader: every error at once). The bundle equals a full compile's byte for
    byte (tests/test_fleet.py). None, for the full path to load every spec, when a file is
    another tool's (Sloth, OpenSLO, Pyrra: read together, a file may hold several services, and
    they come after our own specs), when a spec chose an engine whose files depend on several
    services, and when a spec loaded collides with one kept (a service name, a dashboard uid, a
    second ``routing.catch_all``): the full loader reports that as a full compile does.
    """
    from ..readers import is_foreign
    from . import cache_folder, service_cache

    out = Path(out_dir)
    manifest = _manifest(out)
    recorded = CompileRequest.recorded(manifest.get("inputs")) if manifest is not None else None
    # Skipping a spec's load is sound only when what decides whether it loads is as recorded.
    if manifest is None or recorded is None or request.targets is not None:
        return None
    if (recorded.package, recorded.targets, recorded.strict, recorded.limits) != (
        request.package,
        request.targets,
        request.strict,
        request.limits,
    ):
        return None
    if any(is_foreign(file.data) for file in files):
        return None
    before = {spec.shown: spec for spec in recorded.specs}
    by_service = _by_service(manifest["files"])
    kept: dict[int, service_cache.Entry] = {}
    reused: dict[str, bytes | Kept] = {}
    on_disk = _OnDisk(out, trust_stats)
    changed: list[SpecFile] = []
    cache = cache_folder.folder()
    for index, (file, spec) in enumerate(zip(files, request.specs, strict=True)):
        entry = (
            service_cache.load(service_cache.key(request.package, spec, None), cache)
            if before.get(spec.shown) == spec
            else None
        )
        if entry is not None and _beyond_defaults(entry.targets):
            return None  # an engine's tenant and namespace files depend on several services: compile all
        own = by_service.get(entry.name, {}) if entry is not None else {}
        found = on_disk.all_of(own) if entry is not None and own else None
        if entry is None or found is None:
            changed.append(file)
        else:
            kept[index] = entry
            reused.update(found)
    if not kept:
        return None
    specs = load(changed)
    return _compile_fleet(specs, kept, [file.shown for file in files], reused, request, out, on_disk)


def _compile_fleet(
    specs: list[Spec],
    kept: dict[int, Any],
    shown: list[str],
    reused: dict[str, bytes | Kept],
    request: CompileRequest,
    out: Path,
    on_disk: _OnDisk,
) -> Bundle | None:
    from ..engines import check_support, choose
    from ..ir.build import build_model

    chosen = choose(specs, None)
    if any(_beyond_defaults(targets) for targets in chosen):
        return None  # engines' tenant and namespace files depend on several services: compile all
    if _collides(specs, list(kept.values())):
        return None  # the full loader reports it where a full compile does
    check_support(specs, chosen)
    model = build_model(specs)
    loaded = list(zip(model.services, chosen, strict=True))
    pieces = [shared_pieces(service, targets) for service, targets in loaded]
    # Every service in the order of the files given (a template among them is no service).
    fresh = {spec._source.display: part for spec, part in zip(specs, pieces, strict=True)}
    everyone = [kept[i].pieces if i in kept else fresh.get(name) for i, name in enumerate(shown)]
    artifacts = _own_files(loaded) + _shared_files([part for part in everyone if part is not None])
    bundle = _bundle(artifacts, reused, request, out, on_disk)
    remember(request, specs, model.services)
    return bundle


def _beyond_defaults(targets: tuple[str, ...]) -> bool:
    """Whether ``targets`` go beyond the default ones: only those write every file under
    ``<service>/`` or in a shared file (``compilers.shared_files``)."""
    from ..compilers import DEFAULT_TARGETS

    return not set(targets) <= set(DEFAULT_TARGETS)


def _sets_catch_all(spec: Spec) -> bool:
    return spec.routing is not None and spec.routing.catch_all is not None


def _collides(specs: Sequence[Spec], kept: Sequence[service_cache.Entry]) -> bool:
    """Whether the specs loaded meet the kept ones in a cross-spec check of ``cli.common.load_read``
    (one service name, one dashboard uid each, one ``routing.catch_all`` in all): the kept specs
    passed them with each other, and the loaded ones among themselves."""
    from ..conventions import dashboard_uid

    names = {entry.name for entry in kept}
    uids = {entry.uid for entry in kept}
    catch_alls = sum(entry.catch_all for entry in kept)
    for spec in specs:
        catch_alls += _sets_catch_all(spec)
        if spec.service.name in names or (spec.dashboard.uid or dashboard_uid(spec.service.name)) in uids:
            return True
    return catch_alls > 1


def remember(request: CompileRequest, specs: Sequence[Spec], services: Sequence[Service]) -> None:
    """Keep each compiled service's ``service_cache`` entry (its ``shared_pieces``), for the next
    compile of the fleet."""
    from ..conventions import dashboard_uid
    from ..engines import choose
    from . import service_cache

    # A lone spec never needs its entry: unchanged, it is up to date; changed, it is loaded anyway.
    # (Of a fleet, the specs compiled are the changed ones: one of them needs its entry all the same.)
    if request.targets is not None or len(request.specs) < 2:
        return
    by_shown = {spec.shown: spec for spec in request.specs}
    for spec, service, targets in zip(specs, services, choose(specs, None), strict=True):
        given = by_shown.get(spec._source.display) if spec._source is not None else None
        if given is None:
            continue
        entry = service_cache.Entry(
            name=spec.service.name,
            uid=spec.dashboard.uid or dashboard_uid(spec.service.name),
            display=spec._source.display,
            targets=targets,
            catch_all=_sets_catch_all(spec),
            pieces=shared_pieces(service, targets),
        )
        service_cache.store(service_cache.key(request.package, given, None), entry)
