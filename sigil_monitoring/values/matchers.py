"""Label matchers: one value type for ``where``, ``service.selector`` and route ``match``.

A spec writes a matcher as

- a plain value, ``code: "500"`` (or ``code: {equals: "5.."}``): equality, matched literally;
- ``{regex: "5.."}``, ``{not: "200"}``, ``{not_regex: "2..|3.."}``: ``=~``, ``!=``, ``!~``;
- a list, ``code: [500, 502]``: ``=~"500|502"``, each value matched literally.

A plain value that looks like a regular expression (``"5.."``) is refused, because writing it as
equality gives an alert that can never fire. Regexes follow Prometheus and Alertmanager: RE2
syntax, anchored at both ends (``=~"5.."`` matches ``500``, not ``1500``), and a missing label
is the empty string.

>>> m = parse("code", {"regex": "5.."})
>>> m.text(), m.matches("503"), m.matches("1503")
('code=~"5.."', True, False)
>>> parse("code", [500, 502]).text()
'code=~"500|502"'
>>> parse("job", "api").matches("api")
True
>>> parse("code", "5..")  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
...
ValueError: '5..' looks like a regular expression
(write {regex: '5..'} to match it as one, or {equals: '5..'} to match it literally)
"""

from __future__ import annotations

import functools
import re
from typing import Any, Literal

import msgspec

Op = Literal["=", "!=", "=~", "!~"]

# The characters with a meaning in RE2 syntax; a plain value holding one is probably a regex.
METACHARACTERS = frozenset(".*+?|()[]{}^$\\")
_SPEC_KEYS: dict[str, Op] = {"equals": "=", "not": "!=", "regex": "=~", "not_regex": "!~"}
_WRITTEN = {op: key for key, op in _SPEC_KEYS.items()}


class Matcher(msgspec.Struct, frozen=True, order=True):
    """``label op "value"``; for ``=~``/``!~`` the value is an RE2 pattern, anchored."""

    label: str
    op: Op
    value: str

    def text(self) -> str:
        """The matcher in PromQL (and Alertmanager) syntax, the value escaped as a string body."""
        return f'{self.label}{self.op}"{escape(self.value)}"'

    def matches(self, value: str) -> bool:
        """Whether a series whose label is ``value`` ("" when missing) is selected."""
        match self.op:
            case "=":
                return value == self.value
            case "!=":
                return value != self.value
            case "=~":
                return _anchored(self.value).fullmatch(value) is not None
            case "!~":
                return _anchored(self.value).fullmatch(value) is None

    @property
    def is_equality(self) -> bool:
        return self.op == "="

    def spec_form(self) -> object:
        """How a spec writes this matcher (for messages and the runbook)."""
        return self.value if self.op == "=" else {_WRITTEN[self.op]: self.value}

    def describe(self) -> str:
        """In words, for descriptions: ``code=~"5.."`` stays as PromQL reads it."""
        return self.text()

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        """In a pydantic model (the spec's ``where``, ``selector``, ``match``) a matcher is an instance
        of this class: the field's ``BeforeValidator`` builds it (pydantic knows no msgspec Struct)."""
        from pydantic_core import core_schema  # only on the pydantic path

        # A ``ref`` and a dict of the fields when serialized, as the record's schema had.
        return core_schema.is_instance_schema(
            cls,
            ref=f"{cls.__module__}.{cls.__qualname__}",
            serialization=core_schema.plain_serializer_function_ser_schema(msgspec.structs.asdict),
        )


def equal(label: str, value: str) -> Matcher:
    return Matcher(label, "=", value)


def escape(value: str) -> str:
    """A value as the body of a double-quoted PromQL / Alertmanager string."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def regex_escape(value: str) -> str:
    """``value`` as an RE2 pattern matching exactly it.

    >>> regex_escape("a.b|c")
    'a\\\\.b\\\\|c'
    """
    return "".join("\\" + c if c in METACHARACTERS else c for c in value)


def looks_like_regex(value: str) -> bool:
    return any(c in METACHARACTERS for c in value)


def label_value_text(value: object, where: str) -> str:
    """A label value as text (YAML numbers accepted), or ValueError with a fix hint."""
    if isinstance(value, bool):
        raise ValueError(f'{where} {value!r} is a boolean (quote it, e.g. "true")')
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a label value as text, got {type(value).__name__} (quote it)")
    if "\n" in value or "\r" in value:
        raise ValueError("label value contains a line break (label values are one line of text)")
    return value


def parse(label: str, value: object) -> Matcher:
    """A matcher from what a spec writes for ``label``; ValueError with a fix hint otherwise."""
    if isinstance(value, list):
        if not value:
            raise ValueError("an empty list matches nothing (list the values to match, e.g. [500, 502])")
        values = [label_value_text(v, "list item") for v in value]
        return Matcher(label, "=~", "|".join(regex_escape(v) for v in dict.fromkeys(values)))
    if isinstance(value, dict):
        if len(value) != 1 or next(iter(value)) not in _SPEC_KEYS:
            keys = ", ".join(map(str, value)) or "nothing"
            raise ValueError(
                f"a matcher has {keys} (give exactly one of equals, not, regex, not_regex, e.g. {{regex: '5..'}})"
            )
        key, raw = next(iter(value.items()))
        op = _SPEC_KEYS[key]
        text_ = label_value_text(raw, key)
        if op in ("=~", "!~"):
            check_regex(text_)
        return Matcher(label, op, text_)
    text_ = label_value_text(value, "label value")
    if looks_like_regex(text_):
        raise ValueError(
            f"'{text_}' looks like a regular expression (write {{regex: '{text_}'}} to match it as one, "
            f"or {{equals: '{text_}'}} to match it literally)"
        )
    return equal(label, text_)


# Constructs Python's re accepts and RE2 (Prometheus, Alertmanager) does not.
_NOT_RE2 = re.compile(r"\(\?[=!<]|\(\?P=|\\[1-9]|\(\?\(|\\Z|\(\?#")


def check_regex(pattern: str) -> None:
    """ValueError unless ``pattern`` is an RE2 regex both Python and Prometheus read alike.

    >>> check_regex("2..|3..")
    >>> check_regex("(a")  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    ValueError: '(a' is not a valid regular expression: missing ), unterminated subpattern at position 0
    (fix the pattern; it is RE2 syntax, anchored at both ends)
    """
    hint = "fix the pattern; it is RE2 syntax, anchored at both ends"
    found = _NOT_RE2.search(pattern)
    if found:
        raise ValueError(
            f"'{pattern}' uses '{found.group()}', which RE2 regexes (Prometheus, Alertmanager) do not support ({hint})"
        )
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"'{pattern}' is not a valid regular expression: {exc} ({hint})") from None


@functools.lru_cache(maxsize=1024)
def _anchored(pattern: str) -> re.Pattern[str]:
    return re.compile(f"(?:{pattern})", re.S)
