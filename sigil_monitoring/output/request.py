"""The compile request: every input of a compile in one record, the key of the up-to-date check.

A compile's output depends on the bytes of every spec (in order, under the name it is shown by),
the ``--target`` override, ``--strict`` (whether warnings fail), the limits the loader reads from
the environment, and sigil-monitoring's own source. The manifest records the whole request;
``incremental.up_to_date`` answers "nothing to do" only when the recorded request equals the
current one, so a forgotten input cannot make a stale folder look up to date.

The specs are read once, here, through the loader's own reader (``spec.loader.read_spec``: a
regular file only, never more than the size limit, never blocking), before anything else looks at
them; the loader then parses those same bytes.

>>> import tempfile, pathlib, shutil
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = shutil.copy("specs/minimal.yaml", folder / "hello.yaml")
>>> files, problems = read_specs([str(folder)])
>>> problems, [pathlib.Path(f.path).name for f in files]
([], ['hello.yaml'])
>>> plain = compile_request(files)
>>> plain == compile_request(files)
True
>>> plain == compile_request(files, targets=["mimir"]), plain == compile_request(files, strict=True)
(False, False)
>>> read_specs(["/dev/zero"])[1][0].message
'the spec is a character device, not a regular file (give the path of a .yaml file)'
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import msgspec

from ..errors import Diagnostic, SpecError, display_path

_PACKAGE = Path(__file__).resolve().parent.parent
_fingerprint: list[str] = []
_BOM = "\ufeff".encode()
_FINGERPRINTS_KEPT = 32  # installations whose hash is kept (the newest written)


def package_fingerprint() -> str:
    """A hash of sigil-monitoring's own source: any change to the compiler changes it.

    A version number would not do: a development checkout changes without one. Hashing the
    package's 1.5 MB of source is 41 M instructions of a ~590 M compile (callgrind), so the hash is
    kept in the per-user cache with each file's size and mtime (ns), and taken from there while
    they are the same, as Python trusts a ``.pyc`` while its source's size and mtime are.
    """
    if not _fingerprint:
        files = sorted(_python_files(str(_PACKAGE)), key=lambda rel: rel.split("/"))
        stats = [(rel, *_size_and_mtime(rel)) for rel in files]
        cached = _cached_fingerprint(stats)
        _fingerprint.append(cached if cached is not None else _hash_package(files, stats))
    return _fingerprint[0]


def _size_and_mtime(rel: str) -> tuple[int, int]:
    info = os.stat(os.path.join(_PACKAGE, rel))
    return info.st_size, info.st_mtime_ns


class _Fingerprint(msgspec.Struct, frozen=True):
    """The package's hash, and the (file, size, mtime ns) of every file it was computed from."""

    package: str
    stats: list[tuple[str, int, int]]
    digest: str


def _fingerprint_path() -> str:
    """One file per installation of the package (its folder's CRC-32 in the name): two checkouts,
    or the per-repository environments pre-commit makes, compiled in turn would otherwise each
    find the other's hash and hash their own source again. A name two folders share only makes
    them take turns; the file names its package, and only its own is trusted."""
    import zlib

    from .cache_folder import folder

    return os.path.join(folder(), "fingerprints", f"{zlib.crc32(str(_PACKAGE).encode()):08x}.msgpack")


def _cached_fingerprint(stats: list[tuple[str, int, int]]) -> str | None:
    try:
        with open(_fingerprint_path(), "rb") as file:
            kept = msgspec.msgpack.decode(file.read(), type=_Fingerprint)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None
    return kept.digest if (kept.package, kept.stats) == (str(_PACKAGE), stats) else None


def _hash_package(files: list[str], stats: list[tuple[str, int, int]]) -> str:
    from hashlib import sha256  # here, not at the top: validate reads specs through this module and hashes none

    digest = sha256()
    for rel in files:
        digest.update(rel.encode() + b"\0")
        with open(os.path.join(_PACKAGE, rel), "rb") as file:
            digest.update(file.read() + b"\0")
    found = "sha256:" + digest.hexdigest()
    # Kept only when no file changed while it was read (a stat taken again, the same).
    if stats == [(rel, *_size_and_mtime(rel)) for rel in files]:
        from .cache_folder import prune, replace_file

        path = Path(_fingerprint_path())
        if replace_file(path, msgspec.msgpack.encode(_Fingerprint(str(_PACKAGE), stats, found))):
            prune(path.parent, _FINGERPRINTS_KEPT)
    return found


def _python_files(folder: str, prefix: str = "") -> Iterator[str]:
    """The ``*.py`` under ``folder`` as POSIX paths relative to it, as ``Path.rglob("*.py")`` finds them.

    Sorted by their parts, as ``sorted`` orders paths, they hash to the fingerprint ``rglob`` gave;
    ``rglob``'s path objects, and ``relative_to`` on each, cost 19 M instructions of every compile
    (callgrind), ``os.scandir`` 2 M.

    >>> files = set(_python_files("sigil_monitoring"))
    >>> "output/request.py" in files, "output/__pycache__" in {f.rpartition("/")[0] for f in files}
    (True, False)
    """
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.endswith(".py"):
                yield prefix + entry.name
            if entry.is_dir(follow_symlinks=False):  # rglob descends no linked folder
                yield from _python_files(entry.path, f"{prefix}{entry.name}/")


class SpecFile(msgspec.Struct, frozen=True):
    """One spec file as the loader's reader returned it: ``path`` as given, ``data`` its bytes."""

    path: str
    data: bytes

    @property
    def shown(self) -> str:
        """The name messages and the manifest show it by."""
        return display_path(self.path)


class SpecInput(msgspec.Struct, frozen=True, array_like=True, omit_defaults=True):
    """A spec as the request records it: the name it is shown by, the hash of its text, and the
    templates it merges (name shown, hash of the text; in merge order, through the templates' own
    ``extend``), which are as much its input as its own text: a change of a template, or of a
    template it extends, makes every spec extending it a changed input.

    The hash is of the UTF-8 text without a byte-order mark, so a spec read from a file and the
    same spec given to ``parse_spec`` as text record the same input. A spec without templates
    records two fields, as it did before templates existed.
    """

    shown: str
    sha256: str
    templates: tuple[tuple[str, str], ...] = ()


class CompileRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Every input of a compile. Two equal requests compile to the same bytes."""

    package: str
    specs: tuple[SpecInput, ...]
    targets: tuple[str, ...] | None = None  # the --target override, sorted; None: each spec's own
    strict: bool = False
    limits: tuple[tuple[str, str | None], ...] = ()  # (variable, its text in the environment)

    def record(self) -> dict[str, Any]:
        """The request as the manifest stores it (JSON data)."""
        record: dict[str, Any] = msgspec.to_builtins(self)
        return record

    def same_output(self, other: CompileRequest) -> bool:
        """Whether ``other`` compiles to the same files: it may differ in ``strict`` and the limits,
        which decide only whether the specs load.

        >>> plain = CompileRequest(package="p", specs=(SpecInput("a.yaml", "0"),))
        >>> plain.same_output(msgspec.structs.replace(plain, strict=True, limits=(("X", "1"),)))
        True
        >>> plain.same_output(msgspec.structs.replace(plain, targets=("mimir",)))
        False
        """
        return (self.package, self.specs, self.targets) == (other.package, other.specs, other.targets)

    @classmethod
    def recorded(cls, data: object) -> CompileRequest | None:
        """The request a manifest recorded; None when it recorded none, or an older form."""
        try:
            return msgspec.convert(data, cls)
        except msgspec.ValidationError:
            return None


def spec_files(paths: Sequence[str]) -> list[str]:
    """Spec files as given; a folder stands for the ``*.yaml``/``*.yml`` files directly in it, sorted.
    A file given twice (``specs specs/shop.yaml``, ``./a.yaml a.yaml``) is one spec, named as first given.

    >>> spec_files(["specs/minimal.yaml", "./specs/minimal.yaml"])
    ['specs/minimal.yaml']
    """
    found: list[str] = []
    empty: list[Diagnostic] = []
    for path in paths:
        if Path(path).is_dir():
            inside = sorted(str(f) for f in Path(path).iterdir() if f.suffix in (".yaml", ".yml") and f.is_file())
            if not inside:
                empty.append(
                    Diagnostic(
                        path,
                        1,
                        1,
                        "a folder with no .yaml or .yml spec in it (give spec files, or the folder that holds them)",
                    )
                )
            found += inside
        else:
            found.append(path)
    if empty:
        raise SpecError(empty)
    # By the path's text made absolute (no system call per file): the incremental path took the
    # same file twice for two services of one name and failed inside (exit 70), a fresh compile
    # for a service defined twice (exit 2).
    here = os.getcwd()
    first: dict[str, str] = {}
    for path in found:
        first.setdefault(os.path.normpath(os.path.join(here, path)), path)
    return list(first.values())


def read_specs(paths: Sequence[str]) -> tuple[list[SpecFile], list[Diagnostic]]:
    """Every spec file of ``paths`` read through the loader's reader, and the errors of those that
    cannot be (each reported with the others' errors, not one at a time)."""
    from ..spec.loader import read_spec

    files: list[SpecFile] = []
    problems: list[Diagnostic] = []
    for path in spec_files(paths):
        try:
            files.append(SpecFile(path, read_spec(path)))
        except SpecError as exc:
            problems += exc.diagnostics
    return files, problems


def text_hash(text: str) -> str:
    """The hash a request records for a spec given as text (as the loader decoded it).

    >>> text_hash("a: 1\\n") == _bytes_hash(b"a: 1\\n") == _bytes_hash(_BOM + b"a: 1\\n")
    True
    """
    from hashlib import sha256

    return sha256(text.encode("utf-8")).hexdigest()


def _bytes_hash(data: bytes) -> str:
    # The loader drops one byte-order mark; the text it parses is what the hash is of.
    from hashlib import sha256

    return sha256(data.removeprefix(_BOM)).hexdigest()


def _limits() -> tuple[tuple[str, str | None], ...]:
    from ..spec.yaml_io import LIMIT_VARIABLES

    return tuple((variable, os.environ.get(variable)) for variable in LIMIT_VARIABLES)


def compile_request(
    files: Sequence[SpecFile],
    *,
    targets: Iterable[str] | None = None,
    strict: bool = False,
    recorded: CompileRequest | None = None,
) -> CompileRequest:
    """The request of compiling ``files`` (as ``read_specs`` read them) with these options.

    A spec that ``extend``\\s templates records their hashes too. Which templates a spec extends
    follows from its text and theirs: when ``recorded`` (the manifest's request) has the same
    text under the same name and every template it lists still hashes as recorded, the list is
    taken from there; otherwise the spec's YAML is parsed and its ``extend`` followed through the
    templates (a template that gained or lost an ``extend`` of its own changes the list, which a
    later change of the template it added must reach).
    """
    before = {spec.shown: spec for spec in recorded.specs} if recorded is not None else {}
    hashes: dict[str, str] = {}
    chains: dict[tuple[str, str], list[str]] = {}  # (folder, extend as written) -> its templates
    inputs = []
    for file in files:
        digest = _bytes_hash(file.data)
        templates: tuple[tuple[str, str], ...] = ()
        # Only then can the spec have templates (the key written as it is, or with YAML escapes
        # in a quoted key): no parse on the plain path.
        if b"extend" in file.data or b"\\" in file.data:
            known = before.get(file.shown)
            if known and known.sha256 == digest:
                templates = tuple((name, _template_hash(name, hashes)) for name, _ in known.templates)
            if not known or known.sha256 != digest or templates != known.templates:
                templates = tuple((name, _template_hash(name, hashes)) for name in _extends(file, chains))
        inputs.append(SpecInput(file.shown, digest, templates))
    return _request(inputs, targets, strict)


def _extends(file: SpecFile, chains: dict[tuple[str, str], list[str]]) -> list[str]:
    """The templates a spec file merges, as shown, through the templates' own ``extend`` (a base
    template is as much its input); none when it cannot be parsed (the loader says why).

    Specs of one folder with the same ``extend`` merge the same templates: within one request
    (which hashes each template once) the chain is walked once for them (``chains``)."""
    from ..spec.templates import extended_templates
    from ..spec.yaml_io import YamlProblem, decode, load

    try:
        doc = load(decode(file.data))
    except YamlProblem:
        return []
    if not isinstance(doc, dict) or "extend" not in doc:
        return []
    key = (os.path.dirname(file.shown), repr(doc["extend"]))
    if key not in chains:
        chains[key] = extended_templates(file.shown, doc)
    return chains[key]


def _template_hash(shown: str, hashes: dict[str, str]) -> str:
    """The hash of a template's text; "" when it cannot be read (the loader reports that)."""
    if shown not in hashes:
        from ..spec.yaml_io import read_spec

        try:
            hashes[shown] = _bytes_hash(read_spec(shown))
        except SpecError:
            hashes[shown] = ""
    return hashes[shown]


def request_of_texts(
    specs: Sequence[tuple[str, str] | tuple[str, str, tuple[tuple[str, str], ...]]],
    *,
    targets: Iterable[str] | None = None,
    strict: bool = False,
) -> CompileRequest:
    """The request of compiling ``(shown name, text[, templates])`` specs: the library path
    (``compile_specs``); templates as ``Source.templates`` holds them."""
    return _request([SpecInput(s[0], text_hash(s[1]), *s[2:]) for s in specs], targets, strict)


def _request(specs: list[SpecInput], targets: Iterable[str] | None, strict: bool) -> CompileRequest:
    # Sorted: the output does not depend on the order targets were listed in (registry order).
    chosen = None if targets is None else tuple(sorted(set(targets)))
    return CompileRequest(
        package=package_fingerprint(), specs=tuple(specs), targets=chosen, strict=strict, limits=_limits()
    )


def changed_inputs(before: SpecInput, now: SpecInput) -> list[str]:
    """The inputs of a spec that differ from the recorded ones: the spec itself (by name) when its
    text changed, then the templates, in merge order, whose text changed, or that it merges now or
    no longer.

    >>> old = SpecInput("a.yaml", "1", (("t/org.yaml", "2"), ("t/api.yaml", "3")))
    >>> changed_inputs(old, SpecInput("a.yaml", "1", (("t/org.yaml", "9"), ("t/api.yaml", "3"))))
    ['t/org.yaml']
    >>> changed_inputs(old, SpecInput("a.yaml", "5", (("t/api.yaml", "8"),)))
    ['a.yaml', 't/api.yaml', 't/org.yaml']
    """
    was, templates = dict(before.templates), dict(now.templates)
    names = [now.shown] if before.sha256 != now.sha256 else []
    names += [name for name, digest in now.templates if was.get(name) != digest]
    return names + [name for name, _ in before.templates if name not in templates]


def in_words(names: Sequence[str]) -> str:
    """Changed inputs in words, for ``check``.

    >>> in_words(["the spec"]), in_words(["the spec", "t/org.yaml", "t/api.yaml"])
    ('the spec changed', 'the spec, t/org.yaml and t/api.yaml changed')
    """
    return f"{', '.join(names[:-1])} and {names[-1]} changed" if len(names) > 1 else f"{names[0]} changed"
