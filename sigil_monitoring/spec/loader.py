"""Spec files in, validated ``Spec`` objects out, or every error at once as a ``SpecError``.

A document goes first to the validator generated from the spec classes (``_fast_generated``,
no pydantic import); only when that cannot vouch for it does pydantic judge it (``explain``), so
a valid spec loads without pydantic and an invalid one gets pydantic's diagnostics. Both build
the same classes (``spec/struct.py``): ``load_spec`` returns a ``Spec`` on every path, and the
same semantic checks run on it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ..errors import Diagnostic, SpecError, display_path
from .salvage import Broken
from .source import Source, describe_path
from .yaml_fast import Placed
from .yaml_io import YamlProblem, decode, load, one_line, read_spec

__all__ = ["load_spec", "one_line", "parse_spec", "read_spec"]

if TYPE_CHECKING:
    from ..errors import Severity
    from .document import Spec


def load_spec(path: str | os.PathLike[str]) -> Spec:
    """Read and validate one spec file.

    >>> spec = load_spec("specs/minimal.yaml")
    >>> spec.service.name, sorted(spec.metrics)
    ('hello', ['requests'])
    """
    return parse_spec(read_spec(path), display_path(path))


def parse_spec(data: bytes | str, display: str = "<spec>") -> Spec:
    """Validate spec text; ``display`` names the file in error messages."""
    try:
        text = decode(data.encode("utf-8") if isinstance(data, str) else data)
        placed = Placed({}, set())
        doc = load(text, placed)
    except YamlProblem as problem:
        raise SpecError([Diagnostic(display, problem.line, problem.col, one_line(problem.message))]) from None
    # The round-trip tree, when the loader needed it, already knows every position; else the
    # load placed the first levels, where warnings point.
    source = Source(display, text, tree=doc if hasattr(doc, "lc") else None)
    source.place(placed)
    if not isinstance(doc, dict):
        raise SpecError(
            [Diagnostic(display, 1, 1, "the spec is not a mapping (start it with apiVersion: sigil-monitoring/v1)")]
        )
    extends = "extend" in doc
    if extends:  # templates merged in; a spec without extend pays this one lookup
        from .templates import expand

        doc, source = expand(doc, source)
    # A surrogate reaches the data only through a \u or \U escape (strict UTF-8 decoding refuses
    # one written as such): a spec without either, and no template, has none to look for.
    if extends or "\\u" in text or "\\U" in text:
        doc = _no_lone_surrogates(doc, source)
    return build_spec(doc, source)


def _no_lone_surrogates(doc: dict[str, Any], source: Source) -> dict[str, Any]:
    """``doc`` with surrogate pairs joined (``surrogates.join_pairs``); a lone one is an error."""
    from .surrogates import join_pairs, lone_surrogates

    if any(lone_surrogates(doc)):
        doc = join_pairs(doc)  # type: ignore[assignment]
    if surrogates := [
        _at(source, path, at, f"{describe_path(path)}: {text}") for path, at, text in lone_surrogates(doc)
    ]:
        raise SpecError(surrogates)
    return doc


def build_spec(doc: dict[str, Any], source: Source) -> Spec:
    """The ``Spec`` of a document already read, every error positioned by ``source``: the loader's
    own path after parsing, and the readers' (``readers/``) for a spec drafted from another tool's
    file, whose ``source`` places each value where the other tool's file wrote it."""
    spec = _fast(doc)
    if spec is None:
        from . import explain

        spec = explain.validate(source, doc, _semantic, _at)
    problems = _semantic(source, spec, Broken())
    if problems:
        raise SpecError(problems)
    return spec.loaded(source, _warnings(source, spec))


def _warnings(source: Source, spec: Spec) -> list[Diagnostic]:
    from .hints import warnings

    found = warnings(spec)
    if found:
        source.expect(path for path, _, _ in found)
    placed = [_at(source, path, at, f"{describe_path(path)}: {text}", "warning") for path, at, text in found]
    return sorted([*placed, *source.merge_warnings])


def _fast(doc: dict[str, Any]) -> Spec | None:
    """The spec built by the generated validator, or None when pydantic must judge the document."""
    from ._fast_generated import build_spec

    try:
        return build_spec(doc)
    except Exception:  # any doubt, even a bug in the fast path, goes to pydantic
        return None


def _semantic(source: Source, spec: Spec | None, broken: Broken) -> list[Diagnostic]:
    from .semantic import check

    if spec is None:
        return []
    return [_at(source, path, at, f"{describe_path(path)}: {text}") for path, at, text in check(spec, broken)]


def _at(source: Source, path: tuple[object, ...], at: str, text: str, severity: Severity = "error") -> Diagnostic:
    file, line, col = source.locate(path, at)
    if file != source.display:  # written in a template: say which spec's merge it broke
        text += f" (in {source.display}, which extends {file})"
    elif (use := source.used_by(path)) is not None:  # a parameter's value, placed by a template
        placeholder, used, used_line, used_col = use
        text += (
            f" (this is the value of {placeholder}, which {used}:{used_line}:{used_col} places whole: "
            "a fix that wraps the value in a mapping goes there, around the placeholder)"
        )
    return Diagnostic(file, line, col, one_line(text), severity)  # a quoted value may hold a line break
