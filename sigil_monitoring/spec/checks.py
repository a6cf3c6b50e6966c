"""The value checks of the spec's field types, without pydantic.

The pydantic models (``types.py``, ``routing.py``, ...) wrap these in ``BeforeValidator`` and
``AfterValidator``; the generated fast validator (``_fast_generated.py``) calls the very same
objects, so a value is judged by one implementation whichever path loads the spec. Checks that
depend on a parameter are small frozen records rather than closures: their ``repr`` is the
expression that rebuilds them, which is how the generator writes them into its module.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

import msgspec

from ..values.matchers import Matcher, label_value_text
from ..values.matchers import parse as parse_matcher
from ..values.units import Duration


class TextCheck(msgspec.Struct, frozen=True, dict=True):
    """Text that fully matches ``pattern``; the error names the ``kind`` and gives the ``hint``."""

    kind: str
    pattern: str
    hint: str

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.pattern)

    def __call__(self, value: object) -> object:
        if not isinstance(value, str):
            raise ValueError(f"expected a {self.kind} as text, got {value!r} ({self.hint})")
        if not self.compiled.fullmatch(value):
            raise ValueError(f"'{value}' is not a valid {self.kind} ({self.hint})")
        return value


class AtMost(msgspec.Struct, frozen=True):
    """Text of at most ``limit`` characters (alert names name files)."""

    limit: int
    kind: str

    def __call__(self, value: str) -> str:
        if len(value) > self.limit:
            raise ValueError(
                f"the {self.kind} '{value[:20]}...' has {len(value)} characters (shorten it to at most {self.limit})"
            )
        return value


class DurationCheck(msgspec.Struct, frozen=True):
    """A duration between ``least`` and ``most`` (inclusive), with the reason for the bound."""

    least: str | None
    most: str
    why: str
    zero_ok: bool

    def __call__(self, value: object) -> Duration:
        duration = Duration.parse(value, zero_ok=self.zero_ok)
        least = Duration.parse(self.least) if self.least else None
        if least is not None and duration < least:
            raise ValueError(f"duration {value} is shorter than {least} ({self.why}; give at least {least})")
        most = Duration.parse(self.most)
        if duration > most:
            raise ValueError(f"duration {value} is longer than {most} ({self.why}; give at most {most})")
        return duration


class Unique(msgspec.Struct, frozen=True):
    """A list in which each item appears once (Alertmanager refuses a repeated group_by label)."""

    what: str

    def __call__(self, items: list[Any]) -> list[Any]:
        seen: set[Any] = set()
        for item in items:
            if item in seen:
                raise ValueError(f"{self.what} '{item}' is listed twice (list each once)")
            seen.add(item)
        return items


class NameCheck(msgspec.Struct, frozen=True):
    """A name some engine takes, judged by ``rule``, a function of ``values/names.py`` (the one
    definition of each engine's naming rule); ``kind`` names the field for a value that is not text;
    ``numbers``: YAML numbers are taken as their text (label values, as ``label_value`` takes them)."""

    rule: str
    kind: str
    numbers: bool = False

    def __call__(self, value: object) -> object:
        from ..values import names

        text = label_value_text(value, self.kind) if self.numbers else value
        if not isinstance(text, str):
            raise ValueError(f"expected a {self.kind} as text, got {value!r} (quote it)")
        problem = getattr(names, self.rule)(text)
        if problem:
            raise ValueError(problem)
        return text


def url(value: object) -> object:
    from .urls import url_problem

    if not isinstance(value, str):
        raise ValueError(f"expected a URL as text, got {value!r} (write an absolute http:// or https:// URL)")
    problem = url_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def label_value(value: object) -> object:
    # YAML writes `code: 500` as a number; Prometheus label values are text, so accept both.
    return label_value_text(value, "label value")


def matcher(value: object) -> Matcher:
    # The label is filled in from the mapping key by label_matchers: a value validator does
    # not see its key, and validating per value keeps each error at the value's own line.
    return parse_matcher("", value)


def label_matchers(matchers: dict[str, Matcher]) -> dict[str, Matcher]:
    return {label: Matcher(label, m.op, m.value) for label, m in matchers.items()}


UNIT_ALIASES = {
    "s": "seconds",
    "second": "seconds",
    "sec": "seconds",
    "ms": "milliseconds",
    "millisecond": "milliseconds",
    "byte": "bytes",
    "B": "bytes",
    "%": "percent",
}


def unit(value: object) -> object:
    return UNIT_ALIASES.get(value, value) if isinstance(value, str) else value


def state_value(value: object) -> object:
    # YAML map keys like `0:` arrive as ints; `"0":` as text. Both mean gauge value 0.
    if isinstance(value, str) and value.strip().lstrip("-").isdecimal():  # not isdigit: int("²") fails
        return int(value)
    return value


def coerce_ref(value: object) -> object:
    return {"metric": value} if isinstance(value, str) else value


def inhibit_list(value: object) -> object:
    # `inhibits: true` (the first form of this option) means its first target: the symptoms.
    return (["symptoms"] if value else []) if isinstance(value, bool) else value


def to_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


def empty_is_default(value: object) -> object:
    # `victoriametrics:` with nothing after it means "this target, default options".
    return {} if value is None else value


# The secret keys of each receiver kind, and the *_file key Alertmanager 0.25 reads it from
# instead (amtool check-config accepts each of those): the spec takes only the file. "" marks a
# secret 0.25 has no file for, refused outright.
INLINE_SECRETS: dict[str, dict[str, str]] = {
    "slack": {"api_url": "api_url_file"},
    "pagerduty": {
        "routing_key": "routing_key_file",
        "service_key": "routing_key_file",
        "service_key_file": "routing_key_file",
    },
    "email": {"auth_password": "auth_password_file", "auth_secret": ""},
    "opsgenie": {"api_key": "api_key_file"},
}


class NoInlineSecrets(msgspec.Struct, frozen=True):
    """A receiver mapping that names no secret key of its ``kind`` (only the file keys)."""

    kind: str

    def __call__(self, value: object) -> object:
        if isinstance(value, dict):
            for key, instead in INLINE_SECRETS[self.kind].items():
                if key in value and not instead:
                    # CRAM-MD5's secret: amtool 0.25 check-config rejects an `auth_secret_file`.
                    raise ValueError(
                        f"{key} puts a secret in the spec, and Alertmanager 0.25 cannot read it from a file "
                        "(use auth_username with auth_password_file: LOGIN/PLAIN authentication)"
                    )
                if key in value:
                    # The value is a secret: the message names the key, never the value.
                    raise ValueError(
                        f"{key} puts a secret in the spec (write it to a file and give {instead}: /path/to/file)"
                    )
        return value


MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


def _ordinal(text: str) -> int:
    """A day, month (name or number) or year as a number, for ordering ranges."""
    return MONTH_NAMES.index(text) + 1 if text in MONTH_NAMES else int(text)


class CalendarRange(msgspec.Struct, frozen=True, dict=True):
    """A ``days_of_month`` / ``months`` / ``years`` entry: one value or ``start:end``, checked the
    way Alertmanager 0.25 checks it (amtool check-config): an end before the start is refused, and
    days counted from the end of the month (-1 is the last) are judged by the shortest month, 28
    days ("1:-1" is fine, "28:-1" is "always before"), and may not end a range that starts from
    the end ("-3:5")."""

    what: str
    pattern: str
    example: str

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(rf"{self.pattern}(:{self.pattern})?")

    def __call__(self, value: object) -> str:
        # YAML reads `days_of_month: [1, -1]` and `years: [2026]` as numbers; Alertmanager reads text.
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(text, str) or not self.compiled.fullmatch(text):
            raise ValueError(f"{value!r} is not {self.what} or a range of them (write e.g. {self.example})")
        start, _, end = text.partition(":")
        if end:
            a, b = _ordinal(start), _ordinal(end)
            if a < 0 < b:
                raise ValueError(
                    f"day range {text} starts from the end of the month but ends from its start "
                    "(write both days from the start, or both negative, e.g. -7:-1)"
                )
            if (a > 0 > b and 28 + b < a) or ((a > 0) == (b > 0) and a > b):
                short = " (in a 28-day month)" if a > 0 > b else ""
                raise ValueError(
                    f"range {text} ends before it starts{short} (swap the ends, or split it into two entries)"
                )
        return text
