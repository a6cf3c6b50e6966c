"""The base of every spec class: a frozen ``msgspec.Struct`` that needs no pydantic to exist.

The spec classes (``Spec``, ``Service``, ``Slo``...) are defined once, as these structs. A field
declares everything about itself in its own line: the type with its checks in the annotation
(pydantic's vocabulary from ``spec/types.py``, kept as text, so it is read only on the error
path), the description and constraints in an ``Annotated[..., Field(...)]``, the default and the
YAML key (``msgspec.field(name="for")``) in the struct's own default. ``field_rules`` and
``model_rules`` name the cross-field rules (``spec/rules.py``). The fast validator
(``_fast_generated.py``) builds these classes directly; on the error path ``spec/pydantic_models.py``
derives pydantic models from the very same declarations and converts what they accept back into
these classes, so ``load_spec()`` returns a ``Spec`` on every path.

Which keys the document gave (pydantic's ``model_fields_set``) is kept beside the fields, in the
struct's ``__dict__``: it is not a value, so it takes no part in equality, hash or repr.

>>> from sigil_monitoring.spec.refs import MetricRef
>>> ref = MetricRef(metric="x")
>>> ref.where, ref.model_fields_set
({}, set())
>>> narrowed = ref.model_copy(update={"by": ["code"]})
>>> narrowed.by, narrowed.model_fields_set, narrowed == MetricRef(metric="x", by=["code"])
(['code'], {'by'}, True)
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Self, TypeAlias

import msgspec

FieldRules: TypeAlias = dict[str, tuple[Callable[[Any], Any], ...]]
"""Field name -> rules run on the field's validated value, in order (pydantic's field validators)."""
ModelRules: TypeAlias = tuple[Callable[[Any], Any], ...]
"""Rules run on the whole built object, in order (pydantic's ``mode="after"`` model validators)."""

_set = msgspec.structs.force_setattr


class CannotVouch(Exception):
    """The fast validator cannot tell that this input is valid; pydantic will judge it."""


class SpecStruct(msgspec.Struct, frozen=True, kw_only=True, dict=True):
    """Frozen, keyword-only, equal by fields; ``model_fields_set`` and ``model_copy`` as in pydantic."""

    field_rules: ClassVar[FieldRules] = {}
    model_rules: ClassVar[ModelRules] = ()

    @property
    def model_fields_set(self) -> set[str]:
        """The fields the document gave (not defaulted), by field name."""
        given: set[str] = self.__dict__.get("_given", set())
        return given

    def given(self, names: Iterable[str]) -> Self:
        """This object, recording ``names`` as the fields the document gave; for the builders."""
        _set(self, "_given", set(names))
        return self

    def model_copy(self, *, update: dict[str, Any] | None = None) -> Self:
        """A shallow copy with ``update`` applied; updated fields count as given, as in pydantic."""
        copied = msgspec.structs.replace(self, **(update or {}))
        copied.__dict__.update(self.__dict__)
        return copied.given(self.model_fields_set | set(update or ()))

    def __copy__(self) -> Self:
        return self.model_copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        values = {name: copy.deepcopy(getattr(self, name), memo) for name in self.__struct_fields__}
        twin = msgspec.structs.replace(self, **values)
        twin.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return twin
