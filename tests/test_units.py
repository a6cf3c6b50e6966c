"""Durations, objectives and thresholds: exact parsing, canonical printing, clear refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sigil_monitoring.values.units import Duration, format_decimal, parse_objective, parse_threshold

UNITS = [
    ("y", 31_536_000_000),
    ("w", 604_800_000),
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1000),
    ("ms", 1),
]


@st.composite
def duration_texts(draw):
    """Prometheus duration text: each unit at most once, largest first, not all zero."""
    parts = draw(st.lists(st.booleans(), min_size=len(UNITS), max_size=len(UNITS)))
    counts = [draw(st.integers(1, 999)) if keep else 0 for keep in parts]
    if not any(counts):
        counts[4] = 1
    text = "".join(f"{n}{u}" for n, (u, _) in zip(counts, UNITS, strict=True) if n)
    return text, sum(n * size for n, (_, size) in zip(counts, UNITS, strict=True))


@given(duration_texts())
def test_a_duration_parses_to_its_exact_milliseconds(case):
    text, ms = case
    assert Duration.parse(text).ms == ms


@given(st.integers(1, 10**12))
def test_a_printed_duration_parses_back_to_itself(ms):
    d = Duration(ms)
    assert Duration.parse(str(d)) == d


@pytest.mark.parametrize("text", ["", "5", "5 m", "m5", "1m1h", "1.5h", "-5m", "5x"])
def test_malformed_durations_are_refused_with_a_hint(text):
    with pytest.raises(ValueError, match=r"\(.*e\.g\. 30s"):
        Duration.parse(text)


def test_zero_duration_is_refused():
    with pytest.raises(ValueError, match="is zero"):
        Duration.parse("0s")


@given(st.decimals(min_value=Decimal("1"), max_value=Decimal("99.999"), places=3))
def test_an_objective_percentage_keeps_its_exact_value(value):
    assert parse_objective(f"{value}%") == value


@pytest.mark.parametrize(
    "given_,error",
    [
        ("100%", "must be below 100%"),
        (0, "must be above 0%"),
        (0.999, "reads as 0.999%"),
        ("abc", "is not a percentage"),
    ],
)
def test_objectives_outside_the_percentage_range_are_refused(given_, error):
    with pytest.raises(ValueError, match=error):
        parse_objective(given_)


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("1s", "1", "seconds"),
        ("250ms", "0.25", "seconds"),
        ("2.5s", "2.5", "seconds"),  # a histogram bound written as one would say it
        ("1.5h", "5400", "seconds"),
        ("0.5ms", "0.0005", "seconds"),
        ("1h30m", "5400", "seconds"),
        ("10GiB", "10737418240", "bytes"),
        ("5%", "0.05", "ratio"),
        ("2/s", "2", "per_second"),
        ("90/h", "0.025", "per_second"),
        (0.5, "0.5", "number"),
    ],
)
def test_thresholds_convert_to_the_base_unit(text, value, kind):
    threshold = parse_threshold(text)
    assert (format_decimal(threshold.value), threshold.kind) == (value, kind)


def test_one_per_minute_is_exactly_one_sixtieth_per_second():
    assert parse_threshold("1/min").value * 60 == 1


@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=6))
def test_format_decimal_never_uses_exponent_notation(value):
    text = format_decimal(value)
    assert "E" not in text and "e" not in text
    assert Decimal(text) == value


@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=6))
def test_format_decimal_text_is_the_same_whatever_form_came_first(value):
    # format_decimal caches by value, so 1.50 and 1.5 share an entry: both must print alike.
    spread = value.quantize(Decimal("1e-9"))
    first, second = format_decimal(spread), format_decimal(value.normalize())
    assert first == second and Decimal(first) == value


def test_negative_zero_keeps_its_sign_after_zero_was_printed():
    # -0 == 0 as Decimals, so a cache by value would print one as the other.
    assert (format_decimal(Decimal("0")), format_decimal(Decimal("-0")), format_decimal(Decimal("0.0"))) == (
        "0",
        "-0",
        "0",
    )
