"""The keys that name templates, as declared once: a spec's ``extend``/``params``, a template's header
and its parameters' declarations.

The template reader (``templates.py``) takes its lists of allowed keys from these classes, and the
JSON Schema (``schema.py``) describes them from the same classes, so an editor and the tool agree
on what a template and an extending spec may hold.

>>> [name for name in TemplateHeader.__struct_encode_fields__]
['apiVersion', 'kind', 'description', 'extend', 'parameters']
>>> Parameter.__struct_encode_fields__, Extension.__struct_encode_fields__
(('type', 'default', 'description'), ('extend', 'params'))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

from msgspec import field

from .struct import SpecStruct

if TYPE_CHECKING:
    from pydantic import Field

KIND = "Template"
ParamType = Literal["string", "duration", "percentage", "number", "boolean", "labels"]
PARAM_TYPES: tuple[ParamType, ...] = get_args(ParamType)

# The words of one ``extend`` field, spec's and template's: the one place they are written.
_EXTEND = (
    "Template files merged under this file, paths relative to it, in order: depth first, left to right, "
    "each template once, the extending file winning (docs/fleet.md)."
)


class Parameter(SpecStruct, frozen=True, kw_only=True):
    """A template's parameter: ``<<params.NAME>>`` in the template's values and keys."""

    type: Annotated[ParamType, Field(description="What a value of the parameter is.")]
    default: Annotated[
        Any, Field(description="The value when the spec gives none (of the parameter's type); none: required.")
    ] = None
    description: str | None = None


class Extension(SpecStruct, frozen=True, kw_only=True):
    """The keys of a spec that extends templates; not part of the merged spec."""

    extend: Annotated[list[str] | str, Field(description=_EXTEND)]
    params: Annotated[
        dict[str, Any], Field(description="Values of the templates' parameters: name -> value of its type.")
    ] = field(default_factory=dict)


class TemplateHeader(SpecStruct, frozen=True, kw_only=True):
    """A template's own keys (``kind: Template``); beside them it holds any spec section."""

    api_version: Literal["sigil-monitoring/v1"] = field(name="apiVersion")
    kind: Literal["Template"]
    description: str | None = None
    extend: Annotated[list[str] | str, Field(description=_EXTEND)] = field(default_factory=list)
    parameters: Annotated[
        dict[str, Parameter], Field(description="The parameters the template's values are written against.")
    ] = field(default_factory=dict)


def own_keys(cls: type[SpecStruct]) -> tuple[str, ...]:
    """The document keys of ``cls`` (its encoded field names).

    >>> own_keys(Extension)
    ('extend', 'params')
    """
    return tuple(cls.__struct_encode_fields__)
