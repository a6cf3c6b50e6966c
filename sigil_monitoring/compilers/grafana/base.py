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

from ...output.render import PLAIN_SCALARS, PlainDocument, plain_float

__all__ = ["GrafanaModel", "wire_name"]


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
        return self._to_json(_Walk())

    def json_document(self) -> dict[str, Any]:
        """``to_json``, as a ``render.PlainDocument`` when every value in it is one msgspec writes
        as ``json`` does: the conversion visits every value anyway, so ``render.to_json`` need not
        walk the tree again to find out (``render._plain``, the same test).

        >>> from sigil_monitoring.compilers.grafana.model import Threshold
        >>> type(Threshold(color="red", value=0.5).json_document()).__name__
        'PlainDocument'
        >>> type(Threshold(color="red", value=1e-05).json_document()).__name__
        'dict'
        """
        walk = _Walk()
        out = self._to_json(walk)
        return PlainDocument(out) if walk.plain else out

    def _to_json(self, walk: _Walk) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for (key, keep), value in zip(_wire(type(self)), msgspec.structs.astuple(self), strict=True):
            if value is None:
                if keep:
                    out[key] = None
            elif type(value) in PLAIN_SCALARS:  # most fields: skip the call
                out[key] = value
            else:
                out[key] = _json(value, walk)
        return out


# Once per class, on its first ``to_json`` (msgspec sets a class's fields after ``__init_subclass__``).
@functools.cache
def _wire(cls: type[GrafanaModel]) -> tuple[tuple[str, bool], ...]:
    """(JSON key, written as ``null`` when None) of each field, in declaration order."""
    return tuple(
        (key, name in cls.keep_none)
        for name, key in zip(cls.__struct_fields__, cls.__struct_encode_fields__, strict=True)
    )


class _Walk:
    """One conversion's state: the dict of each object converted so far, by ``id`` (the objects
    live as long as the tree, so an ``id`` is not reused meanwhile; by identity, not equality, as
    equal objects may differ in JSON: ``1 == 1.0 == True``), and whether every value so far is
    plain (``render._plain``'s test)."""

    __slots__ = ("plain", "seen")

    def __init__(self) -> None:
        self.seen: dict[int, dict[str, Any]] = {}
        self.plain = True


def _json(value: Any, walk: _Walk) -> Any:
    """Nested objects as dicts and tuples as lists (what json and render.to_yaml expect); scalars as they are."""
    kind = type(value)
    if kind in PLAIN_SCALARS:
        return value
    if kind is float:
        if not plain_float(value):
            walk.plain = False
        return value
    if isinstance(value, GrafanaModel):
        done = walk.seen.get(id(value))
        if done is None:
            done = walk.seen[id(value)] = value._to_json(walk)
        return done
    if isinstance(value, (tuple, list)):
        return [_json(v, walk) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if type(k) is not str:
                walk.plain = False
            out[k] = _json(v, walk)
        return out
    walk.plain = False  # a Decimal, say: render.to_json's general walk writes it
    return value
