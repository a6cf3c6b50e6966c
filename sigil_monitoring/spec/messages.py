"""Pydantic validation errors turned into ``what is wrong (how to fix it)`` messages with a path."""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from .source import describe_path, unknown_key

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


# Keys whose value may be a secret: the *_file fields expect a path, and a token pasted there by
# mistake must not be printed back; the inline-secret keys are refused with a hint, never echoed.
_SECRET_KEYS = ("routing_key", "api_url", "service_key")
_NOT_REPEATED = "the value given (not repeated here: it may be a secret)"


def is_secret_path(loc: tuple[Any, ...]) -> bool:
    """Whether the value at ``loc`` may be a secret that error messages must not repeat.

    >>> is_secret_path(("routing", "receivers", "team", "slack", "api_url_file"))
    True
    >>> is_secret_path(("alerts", "X", "summary"))
    False
    """
    return any(isinstance(p, str) and (p.endswith("_file") or p in _SECRET_KEYS) for p in loc)


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, (str, int, float)):  # bool is an int
        return repr(value)
    return "a value of an unexpected YAML type"  # never a Python repr such as TaggedScalar(...)


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
                    nxt = (
                        field.annotation
                        if not field.metadata
                        else typing.Annotated[(field.annotation, *field.metadata)]
                    )
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


def message(root: type[BaseModel], error: ErrorDetails) -> tuple[tuple[Any, ...], str, str]:
    """(path, 'key' or 'value', message) for one pydantic error; a possible secret is never repeated.

    >>> problem = ValueError("'hooks.slack.com/T0/B0/XYZ' is not a valid file path (write an absolute path)")
    >>> error = {"loc": ("x", "api_url_file"), "type": "value_error", "msg": "", "input": "hooks.slack.com/T0/B0/XYZ",
    ...          "ctx": {"error": problem}}
    >>> print(message(BaseModel, error)[2])  # doctest: +NORMALIZE_WHITESPACE
    x.api_url_file: the value given (not repeated here: it may be a secret)
    is not a valid file path (write an absolute path)
    """
    loc, at, text = _message(root, error)
    if is_secret_path(loc):
        text = _redact(text, error.get("input"))
    return loc, at, text


def _redact(text: str, given: Any) -> str:
    if not isinstance(given, str) or not given.strip():
        return text
    # The quoted forms only: every message of ours quotes the value it repeats, and the bare text
    # can also occur in the hint (``secrets/slack-url`` in ``e.g. /etc/.../secrets/slack-url``).
    for shown in (repr(given), f"'{given}'", f'"{given}"'):
        text = text.replace(shown, _NOT_REPEATED)
    return text


def _message(root: type[BaseModel], error: ErrorDetails) -> tuple[tuple[Any, ...], str, str]:
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
        if not loc[:-1]:  # the document: a spec may also extend templates
            from .template_document import Extension, own_keys

            keys = [*keys, *own_keys(Extension)]
        return loc, "key", unknown_key(key, keys, loc[:-1])
    if kind == "missing":
        key = str(loc[-1])
        return loc, "key", f"{describe_path(loc[:-1])} has no '{key}' (add {key}:, it is required)"
    if kind == "value_error":
        text = str(ctx.get("error", error["msg"]))
        if not text.endswith(")"):
            # Every message of ours ends in its "(how to fix it)"; anything else came from Python
            # (``invalid literal for int()``, a bare ``nan``) and means nothing to the user.
            text = (
                f"{_describe(given)} is not accepted here (check this value against the schema: sigil-monitoring "
                "schema)"
            )
        return loc, "key" if on_key else "value", f"{where}: {text}"
    if kind == "literal_error":
        return loc, "value", f"{where}: {_describe(given)} is not allowed (use one of {ctx.get('expected')})"
    if kind in _TYPE_NAMES:
        return (
            loc,
            "value",
            f"{where}: expected {_TYPE_NAMES[kind]}, got {_describe(given)} (write {_TYPE_NAMES[kind]} here)",
        )
    if kind == "string_pattern_mismatch":
        return (
            loc,
            "value",
            f"{where}: {_describe(given)} does not match {ctx.get('pattern')} (see the schema for the allowed form)",
        )
    if kind in ("too_short", "too_long"):
        actual = ctx.get("actual_length")
        if kind == "too_short":
            least = ctx.get("min_length")
            return (
                loc,
                "value",
                f"{where}: needs at least {least} {'entry' if least == 1 else 'entries'}, has {actual} (add entries)",
            )
        return loc, "value", f"{where}: allows at most {ctx.get('max_length')} entries, has {actual} (remove entries)"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        fix = "write a number " + error["msg"].lower().removeprefix("input should be ")
        if kind == "less_than" and ctx.get("lt") == 1 and type(given) in (int, float) and 1 < given < 100:
            fix += f": a quantile is a fraction, {given / 100:g} for the {given:g}th percentile"  # quantile: 99
        return loc, "value", f"{where}: {_describe(given)} is out of range ({fix})"
    return loc, "value", f"{where}: {error['msg']} (fix this value)"
