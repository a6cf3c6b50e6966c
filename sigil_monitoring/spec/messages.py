"""Pydantic validation errors turned into ``what is wrong (how to fix it)`` messages with a path."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

_TYPE_NAMES = {
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "list_type": "a list",
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
}


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return repr(value)


def _unwrap(annotation: Any) -> list[Any]:
    """The model classes and containers an annotation can hold."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that validates the mapping at ``loc`` (None when it is not a model)."""
    current: Any = root
    for part in loc:
        candidates = _unwrap(current)
        nxt = None
        for cand in candidates:
            if isinstance(cand, type) and issubclass(cand, BaseModel):
                field = _field(cand, str(part))
                if field is not None:
                    nxt = field.annotation if not field.metadata else typing.Annotated[(field.annotation, *field.metadata)]
                    break
            origin = typing.get_origin(cand)
            if origin is dict:
                nxt = typing.get_args(cand)[1]
                break
            if origin is list:
                nxt = typing.get_args(cand)[0]
                break
        if nxt is None:
            return None
        current = nxt
    for cand in _unwrap(current):
        if isinstance(cand, type) and issubclass(cand, BaseModel):
            return cand
    return None


def _field(model: type[BaseModel], key: str) -> Any:
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return field
    return None


def allowed_keys(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def describe_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "the document"


def message(root: type[BaseModel], error: ErrorDetails) -> tuple[tuple[Any, ...], str, str]:
    """(path, 'key' or 'value', message) for one pydantic error."""
    loc = tuple(p for p in error["loc"] if p != "[key]")
    on_key = "[key]" in error["loc"]
    kind = error["type"]
    ctx = error.get("ctx") or {}
    where = describe_path(loc)
    given = error.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        model = model_at(root, loc[:-1])
        keys = allowed_keys(model) if model else []
        close = difflib.get_close_matches(key, keys, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(keys)}"
        return loc, "key", f"unknown key '{key}' in {describe_path(loc[:-1])} ({hint})"
    if kind == "missing":
        key = str(loc[-1])
        return loc, "key", f"{describe_path(loc[:-1])} has no '{key}' (add {key}:, it is required)"
    if kind == "value_error":
        text = str(ctx.get("error", error["msg"]))
        return loc, "key" if on_key else "value", f"{where}: {text}"
    if kind == "literal_error":
        return loc, "value", f"{where}: {_describe(given)} is not allowed (use one of {ctx.get('expected')})"
    if kind in _TYPE_NAMES:
        return loc, "value", f"{where}: expected {_TYPE_NAMES[kind]}, got {_describe(given)} (write {_TYPE_NAMES[kind]} here)"
    if kind == "string_pattern_mismatch":
        return loc, "value", f"{where}: {_describe(given)} does not match {ctx.get('pattern')} (see the schema for the allowed form)"
    if kind in ("too_short", "too_long"):
        return loc, "value", f"{where}: {error['msg'].lower()} (add or remove entries)"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return loc, "value", f"{where}: {_describe(given)} is out of range ({error['msg'].lower()})"
    return loc, "value", f"{where}: {error['msg']} (fix this value)"
