"""Quantities a spec writes as text: durations, percentages, sizes, rates and thresholds.

Every parser raises ``ValueError`` with a message of the form ``what is wrong (how to fix it)``;
the loader turns that into a ``file:line:col: error:`` line.

>>> Duration.parse("1h30m")
Duration('1h30m')
>>> Duration.parse("90m").seconds
5400
>>> parse_objective("99.9%")
Decimal('99.9')
>>> parse_threshold("10GiB")
Threshold(value=Decimal('10737418240'), text='10GiB', kind='bytes')
>>> parse_threshold("1/min").value * 60
Decimal('1.000000000000000000000000000')
"""

from __future__ import annotations

import re
from decimal import Context, Decimal, InvalidOperation
from typing import Any, Literal

import msgspec

_DURATION_UNITS: tuple[tuple[str, int], ...] = (
    ("y", 365 * 24 * 3600 * 1000),
    ("w", 7 * 24 * 3600 * 1000),
    ("d", 24 * 3600 * 1000),
    ("h", 3600 * 1000),
    ("m", 60 * 1000),
    ("s", 1000),
    ("ms", 1),
)
# Prometheus' own duration grammar: units in descending order, each at most once.
_DURATION_RE = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")
# Zero means "at once" only where the tools say so; a zero window, scrape interval, refresh,
# group_interval or repeat_interval is refused by Prometheus/Alertmanager or means nothing.
ZERO_HINT = (
    "duration '{text}' is zero, and this field needs a positive duration such as 1m "
    "(only for, keep_firing_for and group_wait may be 0s)"
)
DURATION_HINT = "use a number with a unit ms, s, m, h, d, w or y, largest first, e.g. 30s, 5m, 1h30m, 30d"


class Duration(msgspec.Struct, frozen=True, order=True):
    """A Prometheus duration, kept in milliseconds and printed in canonical form."""

    ms: int

    def __hash__(self) -> int:  # the hash of the fields' tuple, as the record (and a dataclass) had
        return hash((self.ms,))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return instance_schema(cls)

    @classmethod
    def parse(cls, text: object, *, zero_ok: bool = False) -> Duration:
        """``zero_ok`` for the fields where Prometheus or Alertmanager take 0s to mean "at once"
        (an alert's ``for``, ``keep_firing_for``, ``group_wait``)."""
        if isinstance(text, Duration):
            if text.ms == 0 and not zero_ok:
                raise ValueError(ZERO_HINT.format(text=text))
            return text
        if isinstance(text, bool) or not isinstance(text, str):
            raise ValueError(f"expected a duration such as 5m, got {text!r} ({DURATION_HINT})")
        match = _DURATION_RE.match(text.strip())
        if not text.strip() or match is None:
            raise ValueError(f"'{text}' is not a duration ({DURATION_HINT})")
        ms = sum(int(g) * size for g, (_, size) in zip(match.groups(), _DURATION_UNITS, strict=True) if g)
        if ms == 0 and not zero_ok:
            raise ValueError(ZERO_HINT.format(text=text))
        return cls(ms)

    @property
    def seconds(self) -> int:
        return self.ms // 1000

    def __str__(self) -> str:
        text = _DURATION_TEXT.get(self.ms)
        if text is None:
            text = _duration_text(self.ms)
        return text

    def __repr__(self) -> str:
        return f"Duration('{self}')"


# Duration text by milliseconds: a compile prints the same few windows (5m, 1h, 30d, ...) for
# every SLO, over 100,000 times at 1,000 SLOs. Bounded so odd specs cannot grow it without end.
_DURATION_TEXT: dict[int, str] = {}
_TEXT_CACHE_MAX = 4096


def _duration_text(ms: int) -> str:
    rest, parts = ms, []
    for unit, size in _DURATION_UNITS:
        # Prometheus prints years and weeks, but SREs read "30d" better than "4w2d".
        if unit in ("y", "w"):
            continue
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    text = "".join(parts) or "0s"
    if len(_DURATION_TEXT) < _TEXT_CACHE_MAX:
        _DURATION_TEXT[ms] = text
    return text


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


def _number(value: object) -> Decimal | None:
    """A YAML number as an exact Decimal (floats go through their shortest repr)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return _decimal(repr(value))
    return None


OBJECTIVE_HINT = "write the target as a percentage between 0 and 100, e.g. 99.9%"


def _percent(value: object) -> Decimal | None:
    """A percentage as written: ``99.9%``, ``"99.9"`` or the number 99.9; None when it is none."""
    number = _number(value)
    if number is None and isinstance(value, str):
        text = value.strip()
        try:
            number = _decimal(text[:-1].strip() if text.endswith("%") else text)
        except ValueError:
            number = None
    return number


def parse_objective(value: object) -> Decimal:
    """An SLO objective in percent: ``99.9%`` or ``99.9``."""
    number = _percent(value)
    if number is None:
        raise ValueError(f"objective {value!r} is not a percentage ({OBJECTIVE_HINT})")
    if number >= 100:  # no error budget left to burn: every burn rate divides by it
        raise ValueError(
            f"objective {plain_decimal(number)}% must be below 100% "
            "(write a target below 100%, e.g. 99.9%: 100% leaves no error budget)"
        )
    if number <= 0:
        raise ValueError(f"objective {plain_decimal(number)}% must be above 0% ({OBJECTIVE_HINT})")
    if number < 1:
        raise ValueError(f"objective {number} reads as {number}% ({OBJECTIVE_HINT}; 0.999 is written 99.9%)")
    return number.normalize() if number == number.to_integral() else number


BUDGET_SHARE_HINT = "write the share of the error budget the long window consumes as a percentage, e.g. 2%"


def parse_budget_share(value: object) -> Decimal:
    """A burn window's share of the error budget, written with ``%`` (0 < share <= 100).

    The sign is required: ``0.02`` could mean 2 % (a fraction, as Sloth and OpenSLO write it) or
    0.02 %, a factor of 100 apart in the alert it makes.

    >>> parse_budget_share("2%"), parse_budget_share("0.5 %")
    (Decimal('2'), Decimal('0.5'))
    >>> parse_budget_share(0.02)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: budget 0.02 has no % (write the share ... as a percentage, e.g. 2%; a fraction 0.02 is 2%)
    """
    number = _percent(value)
    if number is None:
        raise ValueError(f"budget {value!r} is not a percentage ({BUDGET_SHARE_HINT})")
    if not (isinstance(value, str) and value.strip().endswith("%")):
        shown = plain_decimal(number)
        raise ValueError(
            f"budget {shown} has no % ({BUDGET_SHARE_HINT}; a fraction {shown} is {plain_decimal(number * 100)}%)"
        )
    if not Decimal(0) < number <= Decimal(100):
        raise ValueError(f"budget {plain_decimal(number)}% must be above 0% and at most 100% ({BUDGET_SHARE_HINT})")
    return plain_decimal(number)


def parse_burn_factor(value: object) -> Decimal:
    """A burn-rate factor: how many times faster than sustainable the budget burns (``14.4``).

    >>> parse_burn_factor(14.4), parse_burn_factor("6")
    (Decimal('14.4'), Decimal('6'))
    """
    number = _number(value)
    if number is None and isinstance(value, str):
        try:
            number = _decimal(value.strip())
        except ValueError:
            number = None
    if number is None or number <= 0:
        raise ValueError(f"factor {value!r} is not a positive number (write the burn rate, e.g. factor: 14.4)")
    return plain_decimal(number)


def plain_decimal(number: Decimal) -> Decimal:
    """``number`` without trailing zeros and never in exponent form (1000, not 1E+3)."""
    return number.quantize(Decimal(1)) if number == number.to_integral() else number.normalize()


ThresholdKind = Literal["number", "seconds", "bytes", "ratio", "per_second"]

_SIZE_UNITS = {
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
    "PB": 10**15,
    "KiB": 2**10,
    "MiB": 2**20,
    "GiB": 2**30,
    "TiB": 2**40,
    "PiB": 2**50,
}
_RATE_UNITS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}
_SIZE_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*([KMGTP]i?B|B)$")
_RATE_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*/\s*([a-z]+)$")
# A threshold may be a fraction of one duration unit ("2.5s", a histogram bucket's bound, or
# "1.5h"), which Prometheus' own duration grammar (windows, ``for``) has no place for.
_FRACTION_DURATION_RE = re.compile(r"^(\d+\.\d+)\s*(ms|s|m|h|d|w|y)$")
_UNIT_MS = dict(_DURATION_UNITS)
THRESHOLD_HINT = "write a number, a duration (1s, 250ms, 2.5s), a size (10GiB), a percentage (5%) or a rate (1/min)"


class Threshold(msgspec.Struct, frozen=True):
    """A threshold in the metric's base unit (seconds, bytes, ratio 0..1, events per second;
    milliseconds for a metric measured in them, once ``in_unit`` converted it)."""

    value: Decimal
    text: str
    kind: ThresholdKind

    def __hash__(self) -> int:  # the hash of the fields' tuple, as the record (and a dataclass) had
        return hash((self.value, self.text, self.kind))

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return instance_schema(cls)


def instance_schema(cls: type[msgspec.Struct]) -> Any:
    """In a pydantic model (the error path's) a struct field holds an instance of its class: the
    field's ``BeforeValidator`` builds it. A ``ref`` and a dict of the fields when serialized, as a
    dataclass's schema has, so the JSON Schema stays what it was."""
    from pydantic_core import core_schema  # only on the pydantic path

    return core_schema.is_instance_schema(
        cls,
        ref=f"{cls.__module__}.{cls.__qualname__}",
        serialization=core_schema.plain_serializer_function_ser_schema(msgspec.structs.asdict),
    )


# Thresholds are compared in float64 by Prometheus; outside this range the generated tests cannot
# put a value on either side of them (1e-400 is 0 in float64) and the text grows to hundreds of digits.
THRESHOLD_LEAST = Decimal("1e-12")
THRESHOLD_MOST = Decimal("1e21")


# A duration written for a metric measured in milliseconds (Istio's
# istio_request_duration_milliseconds, Envoy's upstream_rq_time, Linkerd's response_latency_ms) is
# compared in milliseconds: a metric unit's number for one second, where it is not 1.
_PER_SECOND: dict[str, Decimal] = {"milliseconds": Decimal(1000)}
# The metric units a duration is written for (thresholds, latency SLOs, Grafana's latency panels).
DURATION_UNITS = frozenset({"seconds", *_PER_SECOND})


def per_second(unit: str) -> Decimal:
    """How many of ``unit`` make a second for a duration: 1 unless the metric is measured in a
    fraction of seconds (its histogram's default buckets, in seconds, then do not fit either).

    >>> per_second("milliseconds"), per_second("seconds"), per_second("none")
    (Decimal('1000'), Decimal('1'), Decimal('1'))
    """
    return _PER_SECOND.get(unit, Decimal(1))


def in_unit(threshold: Threshold, unit: str) -> Threshold:
    """``threshold`` in the unit of a metric measured in ``unit``: the one place a threshold's
    value changes unit (a plain number is in the metric's unit already).

    >>> [format_decimal(in_unit(parse_threshold("250ms"), unit).value) for unit in ("milliseconds", "seconds")]
    ['250', '0.25']
    """
    factor = per_second(unit)
    if threshold.kind != "seconds" or factor == 1:
        return threshold
    return Threshold(threshold.value * factor, threshold.text, threshold.kind)


def parse_threshold(value: object) -> Threshold:
    """A threshold of any kind, within what float64 comparisons and the generated tests can tell apart.

    >>> [format_decimal(parse_threshold(text).value) for text in ("2.5s", "1.5m", "0.5ms")]
    ['2.5', '90', '0.0005']
    >>> parse_threshold("1e30")
    Traceback (most recent call last):
    ...
    ValueError: threshold 1e30 is larger than 1e21 (give a threshold from 1e-12 to 1e21 in magnitude, or 0)
    """
    threshold = _parse_threshold(value)
    magnitude = abs(threshold.value)
    if magnitude > THRESHOLD_MOST:
        raise ValueError(
            f"threshold {threshold.text} is larger than 1e21 (give a threshold from 1e-12 to 1e21 in magnitude, or 0)"
        )
    if 0 < magnitude < THRESHOLD_LEAST:
        raise ValueError(
            f"threshold {threshold.text} is smaller than 1e-12 (give a threshold from 1e-12 to 1e21 in magnitude, or 0)"
        )
    return threshold


def _parse_threshold(value: object) -> Threshold:
    if isinstance(value, Threshold):
        return value
    number = _number(value)
    if number is not None:
        return Threshold(number, str(value), "number")
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected a threshold, got {value!r} ({THRESHOLD_HINT})")
    text = value.strip()
    if text.endswith("%"):
        try:
            return Threshold(_decimal(text[:-1].strip()) / 100, text, "ratio")
        except ValueError:
            pass
    elif (size := _SIZE_RE.match(text)) is not None:
        return Threshold(Decimal(size.group(1)) * _SIZE_UNITS[size.group(2)], text, "bytes")
    elif (rate := _RATE_RE.match(text)) is not None and rate.group(2) in _RATE_UNITS:
        return Threshold(Decimal(rate.group(1)) / _RATE_UNITS[rate.group(2)], text, "per_second")
    elif (fraction := _FRACTION_DURATION_RE.match(text)) is not None:
        return Threshold(Decimal(fraction.group(1)) * _UNIT_MS[fraction.group(2)] / 1000, text, "seconds")
    else:
        try:
            return Threshold(Decimal(Duration.parse(text).ms) / 1000, text, "seconds")
        except ValueError:
            try:
                return Threshold(_decimal(text), text, "number")
            except ValueError:
                pass
    raise ValueError(f"'{text}' is not a threshold ({THRESHOLD_HINT})")


# format_decimal by value: the same objectives, thresholds and test sample values recur for every
# SLO (88,000 calls, a few dozen values at 1,000 SLOs). The text depends only on the number, so
# equal Decimals (1.0 and 1) share an entry, except zero: -0 prints as "-0", so zeros are not cached.
_DECIMAL_TEXT: dict[Decimal, str] = {}


def format_decimal(value: Decimal) -> str:
    """Shortest plain decimal text, never exponent notation: ``0.001``, ``1``, ``10737418240``."""
    try:
        return _DECIMAL_TEXT[value]
    except (KeyError, TypeError):  # TypeError: a signalling NaN cannot be hashed
        pass
    text = _format_decimal(value)
    if value and value.is_finite() and len(_DECIMAL_TEXT) < _TEXT_CACHE_MAX:
        _DECIMAL_TEXT[value] = text
    return text


def _format_decimal(value: Decimal) -> str:
    # A context wide enough for any spec number (the default 28 digits cannot quantize 1e28).
    wide = Context(prec=max(28, len(value.as_tuple().digits) + abs(int(value.as_tuple().exponent)) + 2))
    if value == value.to_integral_value(context=wide):
        return str(value.quantize(Decimal(1), context=wide))
    text = format(value.normalize(context=wide), "f")
    return text
