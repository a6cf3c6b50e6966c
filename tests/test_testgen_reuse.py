"""What the promtool test generator computes once and reuses is what it would compute again.

- ``TestFile.yaml_lines`` copies the lines of an input series or an ``exp_labels`` mapping seen
  earlier in the same file: files whose groups repeat such parts (as every burn test does) are
  written as their documents are.
- ``inputs.number`` keeps its text by value: equal values of other digits (``0.50``, ``0.5``) and
  zero's sign give what the uncached steps give.
- ``inputs.buckets`` writes each histogram's bucket series once: the same series and values as
  one ``counter`` per bucket.
- ``slo.error_ratios`` is kept by the error budget's and factors' text: the ratios of the
  uncached computation.
- ``inputs.labels_of`` is kept by what decides it (matchers, the metric's labels, ``by``, extra):
  the labels computed for each series.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from sigil_monitoring import conventions as names
from sigil_monitoring.compilers.prometheus.testgen import inputs
from sigil_monitoring.compilers.prometheus.testgen import model as records
from sigil_monitoring.compilers.prometheus.testgen import slo as burn
from sigil_monitoring.compilers.prometheus.testgen.model import AlertCase, ExpectedAlert, InputSeries
from sigil_monitoring.defaults import DEFAULT_BUCKETS
from sigil_monitoring.ir.series import Metric, Series
from sigil_monitoring.output.render import record_to_yaml, to_yaml
from sigil_monitoring.values import matchers
from sigil_monitoring.values.units import Duration, format_decimal

TEXT = st.one_of(st.text(max_size=12), st.sampled_from(["yes", "1e3", "a: b", "two\nlines", 'x{job="a"}']))
LABELS = st.lists(st.tuples(TEXT, TEXT), max_size=3).map(tuple)


@st.composite
def files_with_repeats(draw: st.DrawFn) -> records.TestFile:
    """Test files whose groups draw their series and expected labels from small pools, so most
    files repeat a part (and some repeat one part under another, e.g. equal labels twice)."""
    series = draw(st.lists(st.builds(InputSeries, TEXT, TEXT), min_size=1, max_size=3))
    labels = draw(st.lists(LABELS, min_size=1, max_size=2))
    groups = []
    for _ in range(draw(st.integers(1, 4))):
        fed = tuple(draw(st.lists(st.sampled_from(series), max_size=4)))
        expected = tuple(
            ExpectedAlert(draw(st.sampled_from(labels)), draw(LABELS)) for _ in range(draw(st.integers(0, 2)))
        )
        case = AlertCase(Duration.parse(draw(st.sampled_from(["1m", "4m"]))), draw(TEXT), expected)
        groups.append(records.TestGroup(fed, (case,)))
    return records.TestFile("svc/prometheus/tests/A.test.yml", ("svc/prometheus/a.rules.yml",), tuple(groups))


@settings(max_examples=300, deadline=None)
@given(files_with_repeats())
def test_a_file_repeating_its_parts_is_written_as_its_document(file: records.TestFile) -> None:
    assert record_to_yaml(file) == to_yaml(file.document())


def _number_uncached(value: Decimal) -> str:
    """``inputs.number`` as it was before it kept its answers."""
    if value != value.to_integral():
        value = Decimal(format(value, ".15g"))
    return format_decimal(value)


NUMBERS = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=20),
    st.sampled_from(["0", "-0", "0.50", "0.5", "5E+1", "50", "1.000", "-0.0"]).map(Decimal),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(NUMBERS, min_size=1, max_size=6))
def test_number_kept_by_value_is_the_uncached_text(values: list[Decimal]) -> None:
    for value in [*values, *values]:  # twice: the second reads what the first kept
        assert inputs.number(value) == _number_uncached(value), value


def test_number_of_a_negative_zero_after_a_zero_keeps_its_sign() -> None:
    assert (inputs.number(Decimal("0")), inputs.number(Decimal("-0"))) == ("0", "-0")


BOUNDS = st.lists(
    st.decimals(min_value=Decimal("0.001"), max_value=1000, places=3), min_size=1, max_size=5, unique=True
)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(st.none(), BOUNDS.map(lambda b: tuple(sorted(b)))),
    st.sampled_from([(), (("job", "a"),), (("job", "a"), ("code", {"regex": "5.."}))]),
    st.tuples(st.decimals(min_value=0, max_value=20, places=2), st.decimals(min_value=0, max_value=20, places=2)),
    st.integers(1, 30),
)
def test_buckets_are_one_counter_per_bucket(
    bounds: tuple[Decimal, ...] | None,
    on: tuple[tuple[str, object], ...],
    hi_and_rate: tuple[Decimal, Decimal],
    samples: int,
) -> None:
    metric = Metric("lat", "op_duration_seconds", "histogram", "seconds", "", (), bounds, None)
    series = Series(metric, tuple(matchers.parse(label, value) for label, value in on))
    hi, rate = hi_and_rate
    bucket = names.bucket_series(metric.name)
    expected = [
        inputs.counter(bucket, inputs.labels_of(series, (("le", format_decimal(b)),)), rate if b >= hi else 0, samples)
        for b in bounds or DEFAULT_BUCKETS
    ]
    expected.append(inputs.counter(bucket, inputs.labels_of(series, (("le", "+Inf"),)), rate, samples))
    expected.append(inputs.counter(names.count_series(metric.name), inputs.labels_of(series), rate, samples))
    for _ in range(2):  # the second call reads the series written by the first
        assert inputs.buckets(series, Decimal(0), hi, rate, samples) == expected


MATCHERS = st.sampled_from(
    [(), (("job", "a"),), (("job", "a"), ("code", {"regex": "5.."})), (("code", {"not": "test"}),)]
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(MATCHERS, st.sampled_from([(), ("code",), ("code", "handler")]), st.sampled_from([(), ("pod",)])),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from([(), (("le", "0.5"),), (("code", "500"),)]),
)
def test_labels_kept_by_what_decides_them_are_the_labels_computed(
    drawn: list[tuple[tuple[tuple[str, object], ...], tuple[str, ...], tuple[str, ...]]],
    extra: tuple[tuple[str, str], ...],
) -> None:
    """Series of other identities under the same selector, labels and ``by`` share one entry; one
    that differs in any of them has its own (the recording test feeds every metric of a service)."""
    for on, labels, by in drawn:
        metric = Metric("req", "op_total", "counter", "none", "", labels, None, None)
        series = Series(metric, tuple(matchers.parse(label, value) for label, value in on), by=by)
        try:
            computed = inputs._labels_of(series, extra, ())
        except inputs.Unfeedable:
            continue
        assert inputs.labels_of(series, extra) == computed
        assert inputs.labels_of(Series(metric, series.matchers, by=by), extra) == computed  # another object


BUDGETS = st.sampled_from(["0.001", "0.0010", "1E-3", "0.01", "0.05", "0.5"])
FACTORS = st.lists(st.sampled_from(["14.4", "14.40", "6", "6.0", "3", "1", "0.5"]), min_size=1, max_size=3)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(BUDGETS, FACTORS), min_size=1, max_size=4))
def test_error_ratios_kept_are_the_ratios_computed(tiers: list[tuple[str, list[str]]]) -> None:
    from sigil_monitoring.ir.model import BurnAlert, BurnWindow, Slo

    for budget, factors in tiers:
        windows = tuple(
            BurnWindow("page", Duration.parse("1h"), Duration.parse("5m"), Decimal(f), Decimal(1)) for f in factors
        )
        tier = BurnAlert("X", "page", "critical", Duration.parse("2m"), windows, None, "", "")
        objective = Slo(
            "s", 100 - Decimal(budget) * 100, Decimal(budget), Duration.parse("30d"), "", None, (), (), (), ()
        )
        kept = burn.error_ratios(objective, tier)
        computed = burn._error_ratios(objective, tier)
        assert [str(r) for r in kept] == [str(r) for r in computed]
