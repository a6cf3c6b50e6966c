"""The base of the Grafana objects: typed, frozen, keyword-only records that write their own JSON.

The compiler builds every Grafana object itself, so nothing here validates: the official JSON
Schemas (tests/test_grafana_schema.py), the goldens and mypy check what is built. Neither pydantic
nor ``dataclasses`` is used: both build each of the ~60 classes at import by generating code
(about 200 M and 300 M instructions in all, callgrind), more than building and writing every
dashboard of a spec; a class here costs a few dict operations. ``dataclass_transform`` gives mypy
the typed, keyword-only, read-only ``__init__`` and fields a frozen dataclass would have.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar, dataclass_transform

_T = TypeVar("_T")
_SCALARS = frozenset({str, int, float, bool, type(None)})
_REQUIRED: Any = object()  # the default of a field without one


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def field(*, default_factory: Callable[[], _T]) -> _T:
    """A default made anew for each object (a dict: objects never share a mutable value)."""
    return _Factory(default_factory)  # type: ignore[return-value]


def wire_name(name: str) -> str:
    """The JSON key of a field: camelCase, and a trailing ``_`` (``from_``, a Python keyword) dropped.

    >>> wire_name("fiscal_year_start_month"), wire_name("from_"), wire_name("y_histogram")
    ('fiscalYearStartMonth', 'from', 'yHistogram')
    """
    first, *rest = name.rstrip("_").split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def _is_classvar(annotation: object) -> bool:
    # Under ``from __future__ import annotations`` (every module here) an annotation is its source text.
    text = annotation if isinstance(annotation, str) else repr(annotation)
    return text.startswith(("ClassVar", "typing.ClassVar"))


@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(field,))
class GrafanaModel:
    """Fields are the annotated class attributes (inherited ones first); a value is its default."""

    # Fields written as an explicit ``null`` when None (Python names); every other None is left out.
    keep_none: ClassVar[frozenset[str]] = frozenset()
    # Set for each class from its annotations: every field with its default (``_REQUIRED`` if none)
    # in declaration order, and (field, JSON key, keep None) in the same order for ``to_json``.
    _fields: ClassVar[dict[str, Any]] = {}
    _plain: ClassVar[dict[str, Any]] = {}
    _made: ClassVar[tuple[tuple[str, Callable[[], Any]], ...]] = ()
    _required: ClassVar[frozenset[str]] = frozenset()
    _wire: ClassVar[tuple[tuple[str, str, bool], ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = dict(cls._fields)
        for name, annotation in vars(cls).get("__annotations__", {}).items():
            if not _is_classvar(annotation):
                fields[name] = vars(cls).get(name, _REQUIRED)
                if isinstance(fields[name], _Factory):
                    delattr(cls, name)
        cls._fields = fields
        cls._plain = {n: d for n, d in fields.items() if d is not _REQUIRED and not isinstance(d, _Factory)}
        cls._made = tuple((n, d.make) for n, d in fields.items() if isinstance(d, _Factory))
        cls._required = frozenset(n for n, d in fields.items() if d is _REQUIRED)
        cls._wire = tuple((n, wire_name(n), n in cls.keep_none) for n in fields)

    def __init__(self, **values: Any) -> None:
        unknown, missing = values.keys() - self._fields.keys(), self._required - values.keys()
        if unknown or missing:
            raise TypeError(f"{type(self).__name__}: unknown fields {sorted(unknown)}, missing fields {sorted(missing)}")
        state = self.__dict__
        state.update(self._plain)
        for name, make in self._made:
            if name not in values:
                state[name] = make()
        state.update(values)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot set {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen: cannot delete {name}")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __hash__(self) -> int:
        return hash((type(self), *(self.__dict__[n] for n in self._fields)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{n}={self.__dict__[n]!r}' for n in self._fields)})"

    def field_values(self) -> dict[str, Any]:
        """Every field by Python name, in declaration order (to build a related object from this one)."""
        return {n: self.__dict__[n] for n in self._fields}

    def to_json(self) -> dict[str, Any]:
        """The object as Grafana reads it: JSON keys, no ``None`` fields, nested objects as dicts."""
        state = self.__dict__
        out: dict[str, Any] = {}
        for name, key, keep in self._wire:
            value = state[name]
            if value is None:
                if keep:
                    out[key] = None
            elif type(value) in _SCALARS:  # most fields: skip the call
                out[key] = value
            else:
                out[key] = _json(value)
        return out


def _json(value: Any) -> Any:
    """Nested objects as dicts and tuples as lists (what json and render.to_yaml expect); scalars as they are."""
    if type(value) in _SCALARS:
        return value
    if isinstance(value, GrafanaModel):
        return value.to_json()
    if isinstance(value, (tuple, list)):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value
