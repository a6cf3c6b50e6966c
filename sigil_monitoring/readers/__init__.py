"""Other tools' SLO files read as our spec: Sloth, OpenSLO and Pyrra.

One registry, ``KINDS`` (``registry.py``), keyed on a document's ``(apiVersion, kind)`` (Sloth's own format has
``version: prometheus/v1`` and no kind); each value is one ``Format``, a closed set every reader
dispatch matches exhaustively. A reader drafts our spec (``draft.Draft``: the data the YAML loader
would have read, each value placed at the line of the other tool's file it came from) and the
loss report: every value of the file it could not carry, at its ``file:line:col`` (warnings;
``--strict`` makes them errors).

``compile`` and ``validate`` take these files as they take ours; ``is_foreign`` tells them apart
by one look at the top-level lines, so our own specs pay nothing for the readers.

>>> is_foreign(b"apiVersion: sigil-monitoring/v1\\nservice: {name: a}\\n")
False
>>> is_foreign(b'version: "prometheus/v1"\\nservice: a\\n'), is_foreign(b"apiVersion: openslo/v1\\nkind: SLO\\n")
(True, True)
>>> slo = b"slos: [{name: up, objective: 99, sli: {raw: {error_ratio_query: "
>>> slo += b"'1 - avg(avg_over_time(up[{{.window}}]))'}}}]\\n"
>>> reading = read([("a.yml", b"version: prometheus/v1\\nservice: a\\nextra: 1\\n" + slo)])
>>> [d.data["slos"] for d in reading.drafts]
[{'up': {'objective': '99%', 'sli': {'error_ratio': '1 - avg(avg_over_time(up[$window]))'}}}]
>>> print(*reading.losses)  # doctest: +NORMALIZE_WHITESPACE
a.yml:3:1: warning: extra: not carried by the Sloth reader
(remove it, or write it into the converted spec)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, assert_never

import msgspec

from ..errors import Diagnostic, SpecError
from .registry import KINDS, TOOLS, Format, is_foreign

__all__ = ["KINDS", "TOOLS", "Format", "Reading", "is_foreign", "load", "read"]

if TYPE_CHECKING:
    from ..spec.document import Spec
    from .draft import Draft
    from .tree import Node


class Reading(msgspec.Struct, frozen=True):
    """What the readers made of some files: the drafted specs, the losses, and the errors (a file
    the readers cannot read as the other tool defines it)."""

    drafts: list[Draft]
    losses: list[Diagnostic]
    errors: list[Diagnostic]


def read(files: Sequence[tuple[str, bytes]]) -> Reading:
    """Read other tools' files (display name, bytes) into drafts of our spec.

    OpenSLO documents are read together, whatever file holds them, so a ``*Ref`` finds its target
    in any of the files given.
    """
    from ..spec.yaml_io import YamlProblem, decode
    from . import openslo
    from .tree import documents, leftovers

    drafts: list[Draft] = []
    errors: list[Diagnostic] = []
    by_tool: dict[str, list[Node]] = {}
    opensl: list[Node] = []
    for display, data in files:
        try:
            docs = documents(decode(data), display)
        except YamlProblem as problem:
            errors.append(Diagnostic(display, problem.line, problem.col, problem.message))
            continue
        except SpecError as exc:
            errors += exc.diagnostics
            continue
        for root in docs:
            form = format_of(root)
            if form is None:
                errors.append(root.error(_unknown(root), "key"))
                continue
            by_tool.setdefault(TOOLS[form], []).append(root)
            if form == "openslo":
                opensl.append(root)
            else:
                _read_one(form, root, drafts, errors)
    if opensl:
        openslo.read(opensl, drafts, errors)
    losses = [loss for tool, nodes in by_tool.items() for loss in leftovers(nodes, tool)]
    return Reading(drafts, sorted(set(losses)), sorted(errors))


def format_of(root: Node) -> Format | None:
    """The format of one document, from its ``(apiVersion, kind)``."""
    if not isinstance(root.value, dict):
        return None
    version, kind = root.value.get("apiVersion"), root.value.get("kind")
    if version is None:
        return KINDS.get((str(root.value.get("version")), None))
    return KINDS.get((str(version), str(kind)))


def _read_one(form: Format, root: Node, drafts: list[Draft], errors: list[Diagnostic]) -> None:
    match form:
        case "sloth":
            from .sloth import read_plain

            read_plain(root, drafts, errors)
        case "sloth-kubernetes":
            from .sloth import read_kubernetes

            read_kubernetes(root, drafts, errors)
        case "pyrra":
            from .pyrra import read as read_pyrra

            read_pyrra(root, drafts, errors)
        case "openslo":  # read together with the other OpenSLO documents (read())
            pass
        case _:
            assert_never(form)


def _unknown(root: Node) -> str:
    value = root.value if isinstance(root.value, dict) else {}
    known = ", ".join(sorted({f"{v} {k}" if k else v for v, k in KINDS if v != "openslo/v1alpha"}))
    return (
        f"apiVersion {value.get('apiVersion', value.get('version'))!r} kind {value.get('kind')!r} is not a format "
        f"the readers know (one of: {known}; or write our own apiVersion: sigil-monitoring/v1)"
    )


def load(files: Sequence[tuple[str, bytes]]) -> tuple[list[Spec], list[Diagnostic], list[Diagnostic]]:
    """Other tools' files as validated specs, as ``compile`` and ``validate`` take them: the specs,
    the losses of files no spec came from, and every error (the files' own, the drafted specs').

    The losses of a file a spec came from are that spec's warnings (the first spec, when a file
    holds several services), where ``validate --format json`` and ``--strict`` find a spec's.
    """
    reading = read(files)
    specs: list[Spec] = []
    errors = list(reading.errors)
    for draft in reading.drafts:
        try:
            specs.append(draft.spec())
        except SpecError as exc:
            errors += exc.diagnostics
    orphans = list(reading.losses)
    for spec in specs:
        mine = [loss for loss in orphans if loss.file == spec._source.display]
        if mine:
            spec.loaded(spec._source, sorted([*spec._warnings, *mine]))
            orphans = [loss for loss in orphans if loss.file != spec._source.display]
    return specs, orphans, errors
