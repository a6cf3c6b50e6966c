"""Typed records: what the compiler's frozen dataclasses were, without ``dataclasses``.

``@dataclass`` generates and compiles six methods per class at import (``exec`` in
``dataclasses._create_fn``): the ~150 classes of a compile cost more instructions to define than
compiling sigil-dna, and ``import dataclasses`` pulls ``inspect``, ``dis`` and ``ast``. A
``Record`` subclass costs a few dict operations once, when the class statement runs: its
annotations are read into per-class tuples that one shared ``__init__``, ``__eq__``,
``__hash__`` and ``__repr__`` use. The semantics are a dataclass's: fields in declaration order
(inherited ones first), positional or keyword construction, ``field()`` defaults and factories,
``__post_init__``, eq and order on the compared fields of the same class only, the hash of their
tuple, the dataclass repr. ``dataclass_transform`` gives mypy the same typed ``__init__``.

Class keywords: ``frozen`` (default True; False is a mutable, unhashable record, as a plain
``@dataclass``), ``order`` (``<`` and friends) and ``kw_only``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import cached_property
from operator import itemgetter
from typing import Any, ClassVar, TypeVar, dataclass_transform, overload

_T = TypeVar("_T")
_R = TypeVar("_R", bound="Record")
MISSING: Any = object()  # no default, no factory


class FrozenInstanceError(AttributeError):
    """Setting or deleting a field of a frozen record (the name ``dataclasses`` gives it)."""


class Field:
    """One field: its name and how it is made, shown, compared; ``metadata`` is the user's."""

    __slots__ = ("name", "default", "default_factory", "init", "repr", "compare", "metadata")

    def __init__(
        self, default: Any, default_factory: Any, init: bool, repr: bool, compare: bool, metadata: dict[str, Any] | None
    ) -> None:
        self.name = ""
        self.default, self.default_factory = default, default_factory
        self.init, self.repr, self.compare = init, repr, compare
        self.metadata: dict[str, Any] = metadata or {}

    def __repr__(self) -> str:
        return f"Field(name={self.name!r})"


@overload
def field(
    *, default: _T, init: bool = ..., repr: bool = ..., compare: bool = ..., metadata: dict[str, Any] | None = ...
) -> _T: ...
@overload
def field(
    *,
    default_factory: Callable[[], _T],
    init: bool = ...,
    repr: bool = ...,
    compare: bool = ...,
    metadata: dict[str, Any] | None = ...,
) -> _T: ...
@overload
def field(*, init: bool = ..., repr: bool = ..., compare: bool = ..., metadata: dict[str, Any] | None = ...) -> Any: ...
def field(
    *,
    default: Any = MISSING,
    default_factory: Any = MISSING,
    init: bool = True,
    repr: bool = True,
    compare: bool = True,
    metadata: dict[str, Any] | None = None,
) -> Any:
    """A field with a default made anew for each object, or left out of ``__init__``/repr/eq."""
    return Field(default, default_factory, init, repr, compare, metadata)


def _is_classvar(annotation: object) -> bool:
    # Under ``from __future__ import annotations`` (every module here) an annotation is its source text.
    text = annotation if isinstance(annotation, str) else repr(annotation)
    return text.startswith(("ClassVar", "typing.ClassVar"))


def _key(names: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """The tuple of the named values of an object's ``__dict__`` (``itemgetter`` of one name is no tuple)."""
    if len(names) == 1:
        name = names[0]
        return lambda state: (state[name],)
    if not names:
        return lambda state: ()
    return itemgetter(*names)


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
class Record:
    """Fields are the annotated class attributes (inherited ones first); a value is its default."""

    # Set for each class when its statement runs (see ``__init_subclass__``).
    __record_fields__: ClassVar[tuple[Field, ...]] = ()
    _rec_init: ClassVar[tuple[str, ...]] = ()  # the ``__init__`` parameters, in order
    _rec_init_set: ClassVar[frozenset[str]] = frozenset()
    _rec_defaults: ClassVar[dict[str, Any]] = {}  # plain defaults, copied into each new object
    _rec_made: ClassVar[tuple[tuple[str, Callable[[], Any]], ...]] = ()  # factories of defaults
    _rec_key: ClassVar[Any] = staticmethod(_key(()))  # ``__dict__`` -> the tuple of compared fields
    _rec_repr: ClassVar[tuple[str, ...]] = ()
    _rec_kw_only: ClassVar[bool] = False
    _rec_post_init: ClassVar[bool] = False
    # What ``__init__`` reads, in one class attribute (one lookup, not six): the fields positional
    # arguments fill (none if kw_only), plain defaults, factories, the number of fields ``__init__``
    # sets, their names, and whether to call ``__post_init__``.
    _rec_plan: ClassVar[tuple[Any, ...]] = ((), {}, (), 0, frozenset(), False)

    def __init_subclass__(
        cls, *, frozen: bool = True, order: bool = False, kw_only: bool = False, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        own = vars(cls)
        fields = {f.name: f for f in cls.__record_fields__}
        for name, annotation in own.get("__annotations__", {}).items():
            if _is_classvar(annotation):
                continue
            value = own.get(name, MISSING)
            spec = value if isinstance(value, Field) else Field(value, MISSING, True, True, True, None)
            spec.name = name
            fields.pop(name, None)  # a redefined field keeps the new place, as in a dataclass
            fields[name] = spec
            if isinstance(value, Field):
                if spec.default is MISSING:
                    delattr(cls, name)
                else:
                    setattr(cls, name, spec.default)
        specs = tuple(fields.values())
        cls.__record_fields__ = specs
        cls._rec_init = tuple(f.name for f in specs if f.init)
        cls._rec_init_set = frozenset(cls._rec_init)
        cls._rec_defaults = {f.name: f.default for f in specs if f.init and f.default is not MISSING}
        cls._rec_made = tuple((f.name, f.default_factory) for f in specs if f.init and f.default_factory is not MISSING)
        compared = tuple(f.name for f in specs if f.compare)
        cls._rec_key = staticmethod(_key(compared))
        cls._rec_repr = tuple(f.name for f in specs if f.repr)
        cls._rec_kw_only = kw_only or cls._rec_kw_only
        cls._rec_post_init = hasattr(cls, "__post_init__")
        positional = () if cls._rec_kw_only else cls._rec_init
        setattr(cls, "__match_args__", positional)  # for `case C(a, b)`
        cls._rec_plan = (
            positional,
            cls._rec_defaults,
            cls._rec_made,
            len(cls._rec_init),
            cls._rec_init_set,
            cls._rec_post_init,
        )
        # A frozen record's ``__dict__`` holds its fields only, unless a ``cached_property`` writes there.
        whole = (
            frozen
            and len(compared) == len(specs)
            and not any(isinstance(v, cached_property) for k in cls.__mro__ for v in vars(k).values())
        )
        methods = _methods(cls._rec_key, whole)
        if "__eq__" not in own:
            cls.__eq__ = methods["__eq__"]  # type: ignore[method-assign]
        # An own ``__eq__`` sets ``__hash__`` to None; a frozen dataclass still gets its hash.
        own_hash = own.get("__hash__", MISSING) is not MISSING and not (own["__hash__"] is None and "__eq__" in own)
        if frozen:
            cls.__setattr__ = Record._frozen_setattr  # type: ignore[method-assign,assignment]
            cls.__delattr__ = Record._frozen_delattr  # type: ignore[method-assign,assignment]
            if not own_hash:
                cls.__hash__ = methods["__hash__"]  # type: ignore[method-assign]
        elif "__hash__" not in own:
            cls.__hash__ = None  # type: ignore[assignment]  # mutable: unhashable, as a plain dataclass
        if order:
            for name in ("__lt__", "__le__", "__gt__", "__ge__"):
                setattr(cls, name, methods[name])

    def __init__(self, *args: Any, **values: Any) -> None:
        positional, defaults, made, count, names, post_init = self._rec_plan
        # Filled through ``__dict__`` (a few C calls), not by one ``object.__setattr__`` per field
        # as a dataclass does: that keeps the attributes inline and their reads ~25% faster, but
        # made a 200-SLO compile (~58,000 records) 3% more instructions (callgrind, 9.79 G vs 9.48 G).
        state = self.__dict__
        state.update(defaults)
        if args:
            if len(args) > len(positional) or (values and not values.keys().isdisjoint(positional[: len(args)])):
                self._rec_refuse_positional(args, values)  # too many arguments, or one given twice
            state.update(zip(positional, args))
        state.update(values)
        for name, make in made:
            if name not in state:
                state[name] = make()
        # No unknown name and as many values as fields: every field is set (no set is built).
        if len(state) != count or not values.keys() <= names:
            self._rec_refuse(values, state)
        if post_init:
            self.__post_init__()  # type: ignore[attr-defined]

    @classmethod
    def _rec_refuse_positional(cls, args: tuple[Any, ...], values: dict[str, Any]) -> None:
        most = 0 if cls._rec_kw_only else len(cls._rec_init)
        if len(args) > most:
            raise TypeError(f"{cls.__qualname__} takes at most {most} positional arguments ({len(args)} given)")
        twice = sorted(set(cls._rec_init[: len(args)]) & values.keys())
        raise TypeError(f"{cls.__qualname__} got multiple values for {twice}")

    @classmethod
    def _rec_refuse(cls, values: dict[str, Any], state: dict[str, Any]) -> None:
        unknown = sorted(values.keys() - cls._rec_init_set)
        missing = [n for n in cls._rec_init if n not in state]
        raise TypeError(f"{cls.__qualname__}: unknown fields {unknown}, missing fields {missing}")

    def _frozen_setattr(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"{type(self).__qualname__} is frozen: cannot assign to field '{name}'")

    def _frozen_delattr(self, name: str) -> None:
        raise FrozenInstanceError(f"{type(self).__qualname__} is frozen: cannot delete field '{name}'")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._rec_key(self.__dict__) == self._rec_key(other.__dict__)

    def __hash__(self) -> int:
        return hash(self._rec_key(self.__dict__))

    def __repr__(self) -> str:
        state = self.__dict__
        return f"{type(self).__qualname__}({', '.join(f'{n}={state[n]!r}' for n in self._rec_repr)})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """In a pydantic model (the spec's Duration, Threshold, Matcher) a record is an instance of
        its class: the field's ``BeforeValidator`` builds it, as it did the dataclass."""
        from pydantic_core import core_schema  # only on the pydantic path

        # A ``ref`` and a dict of the fields when serialized, as a dataclass's schema has: the JSON
        # Schema stays what it was (no field title; a default written as its fields).
        return core_schema.is_instance_schema(
            cls,
            ref=f"{cls.__module__}.{cls.__qualname__}",
            serialization=core_schema.plain_serializer_function_ser_schema(asdict),
        )


def _methods(key: Callable[[dict[str, Any]], tuple[Any, ...]], whole: bool) -> dict[str, Callable[..., Any]]:
    """A class's eq, hash and order: closures over its ``key`` (made, not compiled: no per-call
    lookup of the key). Eq compares whole ``__dict__``s when they hold exactly the compared
    fields (``whole``): the same result as the tuples, without building them."""

    def __eq__(self: Record, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        if whole:
            return self.__dict__ == other.__dict__
        return key(self.__dict__) == key(other.__dict__)

    def __hash__(self: Record) -> int:
        return hash(key(self.__dict__))

    def order(compare: Callable[[Any, Any], bool]) -> Callable[[Record, object], bool]:
        def method(self: Record, other: object) -> bool:
            if other.__class__ is not self.__class__:
                return NotImplemented
            return compare(key(self.__dict__), key(other.__dict__))

        return method

    return {
        "__eq__": __eq__,
        "__hash__": __hash__,
        "__lt__": order(operator.lt),
        "__le__": order(operator.le),
        "__gt__": order(operator.gt),
        "__ge__": order(operator.ge),
    }


def fields(record: Record | type[Record]) -> tuple[Field, ...]:
    """The fields of a record (or record class), in order, as ``dataclasses.fields``."""
    return record.__record_fields__


def replace(record: _R, /, **changes: Any) -> _R:
    """A copy of ``record`` with some fields changed (``__init__`` and ``__post_init__`` run again)."""
    values = {name: getattr(record, name) for name in record._rec_init}
    values.update(changes)
    return type(record)(**values)


def asdict(record: Record) -> dict[str, Any]:
    """Fields by name, nested records, lists, tuples and dicts converted too, as ``dataclasses.asdict``."""
    return {f.name: _plain(getattr(record, f.name)) for f in record.__record_fields__}


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return asdict(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    return value
