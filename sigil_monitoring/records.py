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

from collections.abc import Callable
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

    def __init__(self, default: Any, default_factory: Any, init: bool, repr: bool, compare: bool,
                 metadata: dict[str, Any] | None) -> None:
        self.name = ""
        self.default, self.default_factory = default, default_factory
        self.init, self.repr, self.compare = init, repr, compare
        self.metadata: dict[str, Any] = metadata or {}

    def __repr__(self) -> str:
        return f"Field(name={self.name!r})"


@overload
def field(*, default: _T, init: bool = ..., repr: bool = ..., compare: bool = ...,
          metadata: dict[str, Any] | None = ...) -> _T: ...
@overload
def field(*, default_factory: Callable[[], _T], init: bool = ..., repr: bool = ..., compare: bool = ...,
          metadata: dict[str, Any] | None = ...) -> _T: ...
@overload
def field(*, init: bool = ..., repr: bool = ..., compare: bool = ..., metadata: dict[str, Any] | None = ...) -> Any: ...
def field(*, default: Any = MISSING, default_factory: Any = MISSING, init: bool = True, repr: bool = True,
          compare: bool = True, metadata: dict[str, Any] | None = None) -> Any:
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

    def __init_subclass__(cls, *, frozen: bool = True, order: bool = False, kw_only: bool = False,
                          **kwargs: Any) -> None:
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
        setattr(cls, "__match_args__", () if cls._rec_kw_only else cls._rec_init)  # for `case C(a, b)`
        if frozen:
            cls.__setattr__ = Record._frozen_setattr  # type: ignore[method-assign,assignment]
            cls.__delattr__ = Record._frozen_delattr  # type: ignore[method-assign,assignment]
            if own.get("__hash__", MISSING) is None:  # an own ``__eq__`` unset the hash: a dataclass keeps it
                cls.__hash__ = Record.__hash__  # type: ignore[method-assign]
        elif "__hash__" not in own:
            cls.__hash__ = None  # type: ignore[assignment]  # mutable: unhashable, as a plain dataclass
        if order:
            for name in ("__lt__", "__le__", "__gt__", "__ge__"):
                setattr(cls, name, _ORDER[name])

    def __init__(self, *args: Any, **values: Any) -> None:
        cls = type(self)
        if args:
            values = cls._rec_bind(args, values)
        state = self.__dict__
        state.update(cls._rec_defaults)
        state.update(values)
        for name, make in cls._rec_made:
            if name not in values:
                state[name] = make()
        # No unknown name and as many values as fields: every field is set (no set is built).
        if len(state) != len(cls._rec_init) or not values.keys() <= cls._rec_init_set:
            cls._rec_refuse(values)
        if cls._rec_post_init:
            self.__post_init__()  # type: ignore[attr-defined]

    @classmethod
    def _rec_bind(cls, args: tuple[Any, ...], values: dict[str, Any]) -> dict[str, Any]:
        """Positional arguments as keywords, in field order (refused for a ``kw_only`` class)."""
        if cls._rec_kw_only or len(args) > len(cls._rec_init):
            raise TypeError(f"{cls.__qualname__} takes at most {0 if cls._rec_kw_only else len(cls._rec_init)} "
                            f"positional arguments ({len(args)} given)")
        bound = dict(zip(cls._rec_init, args))
        twice = bound.keys() & values.keys()
        if twice:
            raise TypeError(f"{cls.__qualname__} got multiple values for {sorted(twice)}")
        bound.update(values)
        return bound

    @classmethod
    def _rec_refuse(cls, values: dict[str, Any]) -> None:
        unknown = sorted(values.keys() - cls._rec_init_set)
        missing = [n for n in cls._rec_init if n not in values and n not in cls._rec_defaults
                   and n not in dict(cls._rec_made)]
        raise TypeError(f"{cls.__qualname__}: unknown fields {unknown}, missing fields {missing}")

    def _frozen_setattr(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"{type(self).__qualname__} is frozen: cannot assign to field '{name}'")

    def _frozen_delattr(self, name: str) -> None:
        raise FrozenInstanceError(f"{type(self).__qualname__} is frozen: cannot delete field '{name}'")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        # The compared fields only: ``__dict__`` may also hold a ``cached_property`` value.
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

        return core_schema.is_instance_schema(cls)


def _compare(op: str) -> Callable[[Record, object], bool]:
    def compare(self: Record, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        mine, theirs = self._rec_key(self.__dict__), self._rec_key(other.__dict__)
        return getattr(mine, op)(theirs)  # type: ignore[no-any-return]
    compare.__name__ = op
    return compare


_ORDER = {op: _compare(op) for op in ("__lt__", "__le__", "__gt__", "__ge__")}


def fields(record: Record | type[Record]) -> tuple[Field, ...]:
    """The fields of a record (or record class), in order, as ``dataclasses.fields``."""
    return record.__record_fields__


def replace(record: _R, /, **changes: Any) -> _R:
    """A copy of ``record`` with some fields changed (``__init__`` and ``__post_init__`` run again)."""
    state = record.__dict__
    values = {name: state[name] for name in record._rec_init}
    values.update(changes)
    return type(record)(**values)


def asdict(record: Record) -> dict[str, Any]:
    """Fields by name, nested records, lists, tuples and dicts converted too, as ``dataclasses.asdict``."""
    return {f.name: _plain(record.__dict__[f.name]) for f in record.__record_fields__}


def _plain(value: Any) -> Any:
    if isinstance(value, Record):
        return asdict(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    return value
