"""The base of the Grafana objects: typed, frozen, keyword-only records that write their own JSON.

The compiler builds every Grafana object itself, so nothing here validates: the official JSON
Schemas (tests/test_grafana_schema.py), the goldens and mypy check what is built. Neither pydantic
nor ``dataclasses`` is used: both build each of the ~60 classes at import by generating code
(about 200 M and 300 M instructions in all, callgrind), more than building and writing every
dashboard of a spec; a ``records.Record`` class costs a few dict operations. ``dataclass_transform``
gives mypy the typed, keyword-only, read-only ``__init__`` and fields a frozen dataclass would have.
"""

from __future__ import annotations

from typing import Any, ClassVar, dataclass_transform

from ...records import Record, field

__all__ = ["GrafanaModel", "field", "wire_name"]

_SCALARS = frozenset({str, int, float, bool, type(None)})


def wire_name(name: str) -> str:
    """The JSON key of a field: camelCase, and a trailing ``_`` (``from_``, a Python keyword) dropped.

    >>> wire_name("fiscal_year_start_month"), wire_name("from_"), wire_name("y_histogram")
    ('fiscalYearStartMonth', 'from', 'yHistogram')
    """
    first, *rest = name.rstrip("_").split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


# Its own transform, so mypy knows every subclass is keyword-only (a ``Record`` need not be).
@dataclass_transform(kw_only_default=True, frozen_default=True, field_specifiers=(field,))
class GrafanaModel(Record, kw_only=True):
    """A record (``records.Record``: fields are the annotated class attributes) that writes its JSON."""

    # Fields written as an explicit ``null`` when None (Python names); every other None is left out.
    keep_none: ClassVar[frozenset[str]] = frozenset()
    # Set for each class: (field, JSON key, keep None) in declaration order, for ``to_json``.
    _wire: ClassVar[tuple[tuple[str, str, bool], ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._wire = tuple((f.name, wire_name(f.name), f.name in cls.keep_none) for f in cls.__record_fields__)

    def field_values(self) -> dict[str, Any]:
        """Every field by Python name, in declaration order (to build a related object from this one)."""
        return {n: self.__dict__[n] for n in self._rec_init}

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
