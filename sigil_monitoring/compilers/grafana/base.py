"""The base of the Grafana objects: frozen, keyword-only ``msgspec.Struct``\\ s that write their own JSON.

The compiler builds every Grafana object itself, so nothing here validates: the official JSON
Schemas (tests/test_grafana_schema.py), the goldens and mypy check what is built. A Struct class
is made in C when its statement runs (pydantic and ``dataclasses`` generate and compile code for
each of the ~60 classes). The JSON keys are msgspec's ``rename`` of the field names
(``wire_name``); ``to_json`` writes them, not msgspec's encoder, because Grafana wants a ``None``
field left out (``omit_defaults`` would also drop a non-None default) except where it needs an
explicit ``null`` (``keep_none``).
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar

import msgspec

__all__ = ["GrafanaModel", "wire_name"]

_SCALARS = frozenset({str, int, float, bool, type(None)})


def wire_name(name: str) -> str:
    """The JSON key of a field: camelCase, and a trailing ``_`` (``from_``, a Python keyword) dropped.

    >>> wire_name("fiscal_year_start_month"), wire_name("from_"), wire_name("y_histogram")
    ('fiscalYearStartMonth', 'from', 'yHistogram')
    """
    first, *rest = name.rstrip("_").split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


class GrafanaModel(msgspec.Struct, frozen=True, kw_only=True, rename=wire_name):
    """A frozen, keyword-only Struct (JSON keys: ``wire_name`` of its fields) that writes its JSON.

    Each subclass says ``frozen=True, kw_only=True`` again: msgspec's ``kw_only`` covers the fields
    of the class that says it only, and type checkers read ``frozen`` from each class statement.

    >>> class Example(GrafanaModel, frozen=True, kw_only=True):
    ...     keep_none: ClassVar[frozenset[str]] = frozenset({"value"})
    ...     fiscal_year: int = 0
    ...     color: str | None = None
    ...     value: float | None = None
    >>> Example(fiscal_year=1).to_json()
    {'fiscalYear': 1, 'value': None}
    """

    # Fields written as an explicit ``null`` when None (Python names); every other None is left out.
    keep_none: ClassVar[frozenset[str]] = frozenset()

    def field_values(self) -> dict[str, Any]:
        """Every field by Python name, in declaration order (to build a related object from this one)."""
        return msgspec.structs.asdict(self)

    def to_json(self) -> dict[str, Any]:
        """The object as Grafana reads it: JSON keys, no ``None`` fields, nested objects as dicts.

        An object that appears more than once in the tree (the compiler builds the options every
        panel of a kind shares once, ``options.py``) is converted once: its dict is shared.
        """
        return self._to_json({})

    def _to_json(self, seen: dict[int, dict[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for (key, keep), value in zip(_wire(type(self)), msgspec.structs.astuple(self), strict=True):
            if value is None:
                if keep:
                    out[key] = None
            elif type(value) in _SCALARS:  # most fields: skip the call
                out[key] = value
            else:
                out[key] = _json(value, seen)
        return out


# Once per class, on its first ``to_json`` (msgspec sets a class's fields after ``__init_subclass__``).
@functools.cache
def _wire(cls: type[GrafanaModel]) -> tuple[tuple[str, bool], ...]:
    """(JSON key, written as ``null`` when None) of each field, in declaration order."""
    return tuple(
        (key, name in cls.keep_none)
        for name, key in zip(cls.__struct_fields__, cls.__struct_encode_fields__, strict=True)
    )


def _json(value: Any, seen: dict[int, dict[str, Any]]) -> Any:
    """Nested objects as dicts and tuples as lists (what json and render.to_yaml expect); scalars as they are.

    ``seen``: the dict of each object converted so far in this tree, by ``id`` (the objects
    live as long as the tree, so an ``id`` is not reused meanwhile). By identity, not equality:
    equal objects may differ in JSON (``1 == 1.0 == True``).
    """
    if type(value) in _SCALARS:
        return value
    if isinstance(value, GrafanaModel):
        done = seen.get(id(value))
        if done is None:
            done = seen[id(value)] = value._to_json(seen)
        return done
    if isinstance(value, (tuple, list)):
        return [_json(v, seen) for v in value]
    if isinstance(value, dict):
        return {k: _json(v, seen) for k, v in value.items()}
    return value
