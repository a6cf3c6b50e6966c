"""The base of the generated plain spec classes (``_fast_generated.py``), without pydantic.

A generated class mirrors one pydantic spec model: the same fields in ``__slots__``, frozen, equal
when its fields are equal, and the few pydantic attributes the compiler reads
(``model_fields_set``, ``model_copy(update=...)``). ``CannotVouch`` is how the fast validator
says "let pydantic judge this input": it never explains anything itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar


class CannotVouch(Exception):
    """The fast validator cannot tell that this input is valid; pydantic will judge it."""


_set = object.__setattr__


class FastModel:
    """Frozen slotted record; ``__init__`` applies the defaults like pydantic's ``model_construct``."""

    __slots__ = ("model_fields_set",)
    model_fields_set: set[str]
    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, Callable[[], Any]]] = {}
    # Private attributes (pydantic's PrivateAttr): name -> default factory; assignable, as in pydantic.
    _private: ClassVar[dict[str, Callable[[], Any]]] = {}

    def __init__(self, **values: Any) -> None:
        unknown = set(values) - set(self._fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {sorted(unknown)[0]!r}")
        for name in self._fields:
            _set(self, name, values[name] if name in values else self._defaults[name]())
        for name, factory in self._private.items():
            _set(self, name, factory())
        _set(self, "model_fields_set", set(values))

    def __setattr__(self, name: str, value: object) -> None:
        if name in self._private:
            _set(self, name, value)
            return
        raise TypeError(f"{type(self).__name__} is frozen: {name} cannot be assigned")

    def __delattr__(self, name: str) -> None:
        raise TypeError(f"{type(self).__name__} is frozen: {name} cannot be deleted")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in self._fields)

    def __hash__(self) -> int:
        return hash((type(self).__name__, *(getattr(self, n) for n in self._fields)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self._fields)})"

    def __copy__(self) -> Any:
        return self.model_copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        import copy

        twin = self.model_copy()
        for name in (*self._fields, *self._private):
            _set(twin, name, copy.deepcopy(getattr(self, name), memo))
        return twin

    def model_copy(self, *, update: dict[str, Any] | None = None) -> Any:
        """A shallow copy with ``update`` applied; updated fields count as set, as in pydantic."""
        copy = object.__new__(type(self))
        for name in self._fields:
            _set(copy, name, getattr(self, name))
        for name in self._private:
            _set(copy, name, getattr(self, name))
        _set(copy, "model_fields_set", set(self.model_fields_set) | set(update or ()))
        for name, value in (update or {}).items():
            if name not in self._fields:
                raise TypeError(f"{type(self).__name__} has no field {name!r}")
            _set(copy, name, value)
        return copy
