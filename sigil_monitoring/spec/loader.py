"""Spec files in, validated ``Spec`` models out, or every error at once as a ``SpecError``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ..errors import Diagnostic, SpecError, display_path
from ..fsread import NotRegularFile, TooLarge, read_regular
from .document import Spec
from .messages import describe_path, message
from .salvage import Broken, salvage
from .source import Source
from .yaml_io import YamlProblem, decode, limit, load, too_large


def load_spec(path: str | os.PathLike[str]) -> Spec:
    """Read and validate one spec file.

    >>> spec = load_spec("specs/minimal.yaml")
    >>> spec.service.name, sorted(spec.metrics)
    ('hello', ['requests'])
    """
    shown = display_path(path)
    try:
        data = read_regular(path, limit("MAX_BYTES"))
    except OSError as exc:
        raise SpecError([Diagnostic(shown, 1, 1, f"cannot read the file: {exc.strerror} (check the path)")]) from None
    except NotRegularFile as exc:
        raise SpecError([Diagnostic(shown, 1, 1, f"the spec is {exc.kind}, not a regular file (give the path of a .yaml file)")]) from None
    except TooLarge as exc:
        raise SpecError([Diagnostic(shown, 1, 1, too_large(exc.size, exc.limit).message)]) from None
    except YamlProblem as problem:  # a malformed limit in the environment
        raise SpecError([Diagnostic(shown, 1, 1, problem.message)]) from None
    return parse_spec(data, shown)


def parse_spec(data: bytes | str, display: str = "<spec>") -> Spec:
    """Validate spec text; ``display`` names the file in error messages."""
    try:
        text = decode(data.encode("utf-8") if isinstance(data, str) else data)
        doc = load(text)
    except YamlProblem as problem:
        raise SpecError([Diagnostic(display, problem.line, problem.col, problem.message)]) from None
    # The round-trip tree, when the loader needed it, already knows every position.
    source = Source(display, text, tree=doc if hasattr(doc, "lc") else None)
    if not isinstance(doc, dict):
        raise SpecError([Diagnostic(display, 1, 1, "the spec is not a mapping (start it with apiVersion: sigil-monitoring/v1)")])
    from .surrogates import join_pairs, lone_surrogates

    if any(lone_surrogates(doc)):
        doc = join_pairs(doc)
    if surrogates := [_at(source, path, at, f"{describe_path(path)}: {text}") for path, at, text in lone_surrogates(doc)]:
        raise SpecError(surrogates)

    try:
        spec = Spec.model_validate(doc)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        diagnostics = _diagnostics(source, errors)
        diagnostics += _semantic(source, *_salvaged(doc, errors))
        raise SpecError(diagnostics) from None
    problems = _semantic(source, spec, Broken())
    if problems:
        raise SpecError(problems)
    spec._source = source
    spec._warnings = _warnings(source, spec)
    return spec


def _warnings(source: Source, spec: Spec) -> list[Diagnostic]:
    from .semantic import warnings

    return sorted(Diagnostic(source.display, *source.position(path, at), f"{describe_path(path)}: {text}", "warning")
                  for path, at, text in warnings(spec))


def _salvaged(doc: dict[str, Any], errors: list[ErrorDetails]) -> tuple[Spec | None, Broken]:
    """The spec with its broken parts stood in for, so cross-section checks can still run."""
    rescued = salvage(doc, errors)
    if rescued is None:
        return None, Broken()
    try:
        return Spec.model_validate(rescued[0]), rescued[1]
    except ValidationError:
        return None, Broken()


def _semantic(source: Source, spec: Spec | None, broken: Broken) -> list[Diagnostic]:
    from .semantic import check

    if spec is None:
        return []
    return [_at(source, path, at, f"{describe_path(path)}: {text}") for path, at, text in check(spec, broken)]


def _diagnostics(source: Source, errors: list[ErrorDetails]) -> list[Diagnostic]:
    out = []
    for error in errors:
        loc, at, text = message(Spec, error)
        out.append(_at(source, loc, at, text))
    return out


def _at(source: Source, path: tuple[object, ...], at: str, text: str) -> Diagnostic:
    line, col = source.position(path, at)
    return Diagnostic(source.display, line, col, text)
