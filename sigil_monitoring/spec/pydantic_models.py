"""Pydantic models derived from the spec classes: the explainer of the error path and the JSON Schema.

The spec classes (``spec/struct.py``) are the one definition. For each of them this module builds,
on first use, a pydantic model with the same name, docstring, fields (annotation, description,
constraints, default, YAML key) and rules, so pydantic judges a document exactly as the spec
declares it and reports every error with its position. What pydantic accepts is converted back
into the spec classes (``validate``), so callers only ever see those. Importing pydantic and
building ~40 models costs more than ``validate`` of a valid spec may spend (issue 13): only the
loader's error path, the schema and the fast validator's generator come here.

>>> from sigil_monitoring.spec.refs import MetricRef
>>> validate(MetricRef, "errors")
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for MetricRef
  Input should be a valid dictionary or instance of MetricRef [type=model_type, input_value='errors', input_type=str]
...
>>> ref = validate(MetricRef, {"metric": "errors", "by": ["code"]})
>>> type(ref) is MetricRef, ref.by, ref.model_fields_set == {"metric", "by"}
(True, ['code'], True)
"""

from __future__ import annotations

import sys
import types
import typing
from typing import Any, TypeVar

import msgspec
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model, field_validator, model_validator

from . import types as vocabulary
from .struct import SpecStruct

_S = TypeVar("_S", bound=SpecStruct)
_MODULES = ("refs", "service", "slo", "alerts", "dashboard", "routing", "targets", "document")


class SpecModel(BaseModel):
    """Base of every derived model: unknown keys are errors, models are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, populate_by_name=True)


_MODELS: dict[type[SpecStruct], type[BaseModel]] = {}
_STRUCTS: dict[type[BaseModel], type[SpecStruct]] = {}


def model_of(cls: type[SpecStruct]) -> type[BaseModel]:
    """The pydantic model of a spec class (built once)."""
    if cls in _MODELS:
        return _MODELS[cls]
    hints = _annotations(cls)
    defaults = (msgspec.NODEFAULT,) * (len(cls.__struct_fields__) - len(cls.__struct_defaults__))
    fields: dict[str, Any] = {}
    for name, key, default in zip(
        cls.__struct_fields__, cls.__struct_encode_fields__, defaults + cls.__struct_defaults__, strict=True
    ):
        # The field's own ``Field(description=..., gt=...)`` stays in the annotation; pydantic merges it
        # with the default and YAML key given here, as it does for ``x: Annotated[T, Field(...)] = ...``.
        annotation = _pydantic_type(hints[name])
        options: dict[str, Any] = {}
        if isinstance(default, msgspec._core.Factory):
            factory = default.factory
            is_struct = isinstance(factory, type) and issubclass(factory, SpecStruct)
            options["default_factory"] = model_of(factory) if is_struct else factory
        elif default is not msgspec.NODEFAULT:
            options["default"] = default
        if key != name:
            options["alias"] = key
        fields[name] = (annotation, Field(**options))
    rules: dict[str, Any] = {}
    for field_name, checks in cls.field_rules.items():
        for i, check in enumerate(checks):
            rules[f"_{field_name}_{i}"] = field_validator(field_name)(check)
    for i, check in enumerate(cls.model_rules):
        rules[f"_model_{i}"] = model_validator(mode="after")(check)
    model: type[BaseModel] = create_model(
        cls.__name__,
        __base__=SpecModel,
        __module__=cls.__module__,
        __doc__=cls.__dict__.get("__doc__"),
        __validators__=rules,
        **fields,
    )
    model.__qualname__ = cls.__qualname__
    _MODELS[cls], _STRUCTS[model] = model, cls
    return model


def struct_of(model: type[BaseModel]) -> type[SpecStruct] | None:
    """The spec class ``model`` was derived from (None for any other model)."""
    return _STRUCTS.get(model)


def validate(cls: type[_S], data: Any) -> _S:
    """``data`` validated by pydantic against spec class ``cls``, as an instance of ``cls``.

    Raises pydantic's ``ValidationError`` with every problem found.
    """
    struct: _S = to_struct(model_of(cls).model_validate(data))
    return struct


def to_struct(value: Any) -> Any:
    """A validated pydantic model (and what it holds) as the spec classes it was derived from."""
    if isinstance(value, BaseModel):
        cls = _STRUCTS[type(value)]
        built = cls(**{name: to_struct(getattr(value, name)) for name in cls.__struct_fields__})
        return built.given(value.model_fields_set)
    if type(value) is dict:
        return {key: to_struct(item) for key, item in value.items()}
    if type(value) is list:
        return [to_struct(item) for item in value]
    return value


def _annotations(cls: type[SpecStruct]) -> dict[str, Any]:
    """The field annotations of ``cls``, evaluated: they are text until the error path reads them."""
    namespace = dict(vars(vocabulary))
    for module in _MODULES:
        namespace.update(vars(sys.modules.get(f"{__package__}.{module}") or _import(module)))
    namespace.update(vars(sys.modules[cls.__module__]))
    texts = {k: v for klass in reversed(cls.__mro__) for k, v in getattr(klass, "__annotations__", {}).items()}
    return {  # eval of our own annotations, never of spec text
        name: eval(texts[name], namespace) if isinstance(texts[name], str) else texts[name]
        for name in cls.__struct_fields__
    }


def _import(module: str) -> types.ModuleType:
    import importlib

    return importlib.import_module(f"{__package__}.{module}")


def _pydantic_type(annotation: Any) -> Any:
    """``annotation`` with every spec class in it replaced by its pydantic model."""
    if isinstance(annotation, type) and issubclass(annotation, SpecStruct):
        return model_of(annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        inner, *metadata = args
        return typing.Annotated[(_pydantic_type(inner), *(_pydantic_meta(m) for m in metadata))]
    if origin in (typing.Union, types.UnionType):
        return typing.Union[tuple(_pydantic_type(a) for a in args)]  # noqa: UP007 - built from a tuple
    # A generic alias of a type computed at run time: mypy only knows static type arguments.
    if origin is list:
        return list[_pydantic_type(args[0])]  # type: ignore[misc]
    if origin is dict:
        return dict[_pydantic_type(args[0]), _pydantic_type(args[1])]  # type: ignore[misc]
    return annotation


def _pydantic_meta(item: Any) -> Any:
    """A ``BeforeValidator`` whose schema input names a spec class names its model instead."""
    if isinstance(item, BeforeValidator) and _has_struct(item.json_schema_input_type):
        return BeforeValidator(item.func, json_schema_input_type=_pydantic_type(item.json_schema_input_type))
    return item


def _has_struct(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, SpecStruct):
        return True
    return any(_has_struct(a) for a in typing.get_args(annotation))
