"""The pydantic path of the loader: validates a document the fast validator could not vouch for.

Importing pydantic and building the spec models costs more than ``validate`` may spend on a valid
spec (issue 13), so the loader comes here only when ``_fast_generated`` refuses the input. Here the
pydantic models derived from the spec classes (``pydantic_models.py``) judge it: a valid spec (one
the fast validator is merely unsure of) comes back as the same ``Spec`` class, an invalid one as
every diagnostic at once, from the models' own messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ..errors import Diagnostic, SpecError
from .document import Spec
from .messages import message
from .pydantic_models import model_of
from .pydantic_models import validate as validate_spec
from .salvage import Broken, salvage
from .source import Source

# (source, spec, broken) -> the semantic diagnostics; the loader's, so both paths report alike.
Semantic = Callable[[Source, Any, Broken], list[Diagnostic]]
At = Callable[[Source, tuple[object, ...], str, str], Diagnostic]


def validate(source: Source, doc: dict[str, Any], semantic: Semantic, at: At) -> Spec:
    """The spec as pydantic models, or a ``SpecError`` with every schema and semantic problem."""
    try:
        return validate_spec(Spec, doc)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        diagnostics = [at(source, *message(model_of(Spec), error)) for error in errors]
        diagnostics += semantic(source, *_salvaged(doc, errors))
        raise SpecError(diagnostics) from None


def _salvaged(doc: dict[str, Any], errors: list[ErrorDetails]) -> tuple[Spec | None, Broken]:
    """The spec with its broken parts stood in for, so cross-section checks can still run."""
    rescued = salvage(doc, errors)
    if rescued is None:
        return None, Broken()
    try:
        return validate_spec(Spec, rescued[0]), rescued[1]
    except ValidationError:
        return None, Broken()
