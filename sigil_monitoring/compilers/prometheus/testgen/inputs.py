"""Input series for promtool tests: counters growing at a chosen rate, gauges, histogram buckets.

Values are chosen from the spec's thresholds, so a changed threshold changes the test. Label
values are chosen so the rule's selector really selects each series (``label_values``), and
where two selectors overlap (bad events a ``where`` subset of total events) the inputs hold a
series each selects and one only the wider selects; expectations are then computed from what
each selector selects (``selected``), never assumed.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from decimal import Decimal

import msgspec

from .... import conventions as names
from .... import promql
from ....defaults import DEFAULT_BUCKETS
from ....ir.model import Series
from ....values.label_values import satisfying, violating
from ....values.matchers import Matcher
from ....values.units import Duration, format_decimal
from ..rules import Labels
from .memo import Memo
from .model import EVALUATION_INTERVAL, InputSeries

TEST_LABEL_VALUE = "test"
INTERVAL_SECONDS = Decimal(EVALUATION_INTERVAL.seconds)


def number(value: Decimal) -> str:
    """A value as promtool reads it, short: at most 15 significant digits.

    >>> number(Decimal("0.50")), number(Decimal(1) / 3), number(Decimal("-0"))
    ('0.5', '0.333333333333333', '-0')
    """
    try:
        return _NUMBERS[value]
    except KeyError:
        pass
    text = format_decimal(Decimal(format(value, ".15g")) if value != value.to_integral() else value)
    # Equal values give equal text (both steps read the value, not its digits), but for the sign
    # of zero: only non-zero finite values are kept, as format_decimal keeps its own.
    if value and value.is_finite():
        _NUMBERS.keep(value, text)
    return text


_TEXT_CACHE_MAX = 8192
# A test file's values come from a few rates and ratios repeated file after file.
_NUMBERS: Memo[Decimal, str] = Memo(_TEXT_CACHE_MAX)


class Unfeedable(ValueError):
    """No label values could be found that the selector selects (its matchers contradict)."""


# labels_of by what decides it (the series' matchers, its metric's labels, its by, extra, also):
# each burn tier feeds the same series three times (firing, edge, quiet), an SLO has two tiers,
# and the recording rules' test feeds every metric of the service, most under the same selector
# and labels (at 10,000 SLOs, 40,000 series: 0.4 s when kept by each series' identity).
_LABELS_MAX = 4096
_LABELS: Memo[tuple[tuple[Matcher, ...], tuple[str, ...], tuple[str, ...], Labels, tuple[Matcher, ...]], Labels]
_LABELS = Memo(_LABELS_MAX)


def labels_of(series: Series, extra: Labels = (), also: tuple[Matcher, ...] = ()) -> Labels:
    """A concrete label set the series' selector (and the matchers ``also``) select: a value
    satisfying every matcher on each label, ``test`` for the metric's other labels and the ``by``
    labels (so aggregations see a real label), ``extra`` where it satisfies them."""
    key = (series.matchers, series.metric.labels, series.by, extra, also)
    hit = _LABELS.get(key)
    return hit if hit is not None else _LABELS.keep(key, _labels_of(series, extra, also))


def _labels_of(series: Series, extra: Labels, also: tuple[Matcher, ...]) -> Labels:
    matchers = (*series.matchers, *also)
    wanted = dict(extra)
    names_ = dict.fromkeys((*(m.label for m in matchers), *series.metric.labels, *series.by, *wanted))
    labels = {}
    for name in names_:
        on_label = tuple(m for m in matchers if m.label == name)
        value = satisfying(on_label, prefer=wanted.get(name, TEST_LABEL_VALUE if not on_label else None))
        if value is None:
            raise Unfeedable(f"no value of label {name!r} satisfies {', '.join(m.text() for m in on_label)}")
        labels[name] = value
    return tuple(labels.items())


def outside(labels: Labels, narrow: Series, wide: Series, keep: frozenset[str] = frozenset()) -> Labels | None:
    """``labels`` changed on one label (never one of ``keep``: the labels results are grouped by)
    so that ``wide`` still selects them and ``narrow`` does not; None when every such series
    ``wide`` selects is also selected by ``narrow``."""
    current = dict(labels)
    for matcher in narrow.matchers:
        if matcher.label in keep:
            continue
        others = tuple(m for m in wide.matchers if m.label == matcher.label)
        value = violating(matcher, others)
        if value is not None:
            changed = {**current, matcher.label: value}
            if selects(wide, changed) and not selects(narrow, changed):
                return tuple(changed.items())
    return None


def selects(series: Series, labels: dict[str, str]) -> bool:
    """Whether the selector of ``series`` selects a series with these labels."""
    return all(m.matches(labels.get(m.label, "")) for m in series.matchers)


class Fed(msgspec.Struct, frozen=True):
    """One input series as data: which metric, its labels, its per-second rate (or gauge value).

    ``histogram``: when ``metric`` is that classic histogram's ``_count``, its bucket bounds, so
    the input is a whole histogram (``counters``) rather than a ``_count`` no real one exposes.
    """

    metric: str
    labels: Labels
    amount: Decimal
    histogram: tuple[Decimal, ...] | None = None


def events(series: Series, labels: Labels, amount: Decimal) -> Fed:
    """Events at ``amount`` per second on the series counting them (``Series.events``)."""
    bounds = (series.metric.buckets or DEFAULT_BUCKETS) if series.metric.type == "histogram" else None
    return Fed(series.events, labels, amount, bounds)


def selected(fed: Iterable[Fed], metric: str, series: Series) -> Decimal:
    """The sum over the input series of ``metric`` that ``series``' selector selects, as
    ``sum(rate(metric{...}))`` (or ``sum(gauge{...})``) returns it."""
    return sum((f.amount for f in fed if f.metric == metric and selects(series, dict(f.labels))), Decimal(0))


def text(metric: str, labels: Labels) -> str:
    """The series notation of ``metric`` with ``labels``: written once per pair and kept, since each
    burn test feeds the same series at three ratios and each SLO has two tiers.

    >>> text("up", (("job", "a"),))
    'up{job="a"}'
    """
    key = (metric, labels)
    found = _SERIES_TEXT.get(key)
    return found if found is not None else _SERIES_TEXT.keep(key, promql.selector(metric, labels))


_SERIES_TEXT: Memo[tuple[str, Labels], str] = Memo(_TEXT_CACHE_MAX)


def counter(
    metric: str, labels: Labels, per_second: Decimal, samples: int, period: Duration | None = None
) -> InputSeries:
    """A counter starting at 0 and growing at ``per_second``, one sample per evaluation interval.

    With a ``period`` the counter is sparse, as a job that runs once an hour counts: flat, then
    one step of ``per_second x period`` at the end of each period (``0+0x59 1+0x59 ...`` for one
    event an hour), the same rate over whole periods.

    >>> counter("runs_total", (), Decimal(1) / 3600, 3, Duration.parse("2m")).values
    '0+0x1 0.0333333333333333+0x1'
    """
    if period is None:
        return InputSeries(text(metric, labels), steady(per_second, samples))
    length = period.ms // EVALUATION_INTERVAL.ms  # samples per period
    step = per_second * Decimal(period.ms) / 1000
    periods = -(-(samples + 1) // length)  # at least the samples+1 values the steady form has
    return InputSeries(text(metric, labels), " ".join(f"{number(step * i)}+0x{length - 1}" for i in range(periods)))


def steady(per_second: Decimal, samples: int) -> str:
    """The values of a counter growing at ``per_second`` from 0 (``counter``).

    >>> steady(Decimal("0.5"), 3)
    '0+30x3'
    """
    return f"0+{number(per_second * INTERVAL_SECONDS)}x{samples}"


def gauge(metric: str, labels: Labels, value: Decimal, samples: int) -> InputSeries:
    return InputSeries(text(metric, labels), f"{number(value)}+0x{samples}")


def buckets(series: Series, lo: Decimal, hi: Decimal, per_second: Decimal, samples: int) -> list[InputSeries]:
    """Bucket counters of a classic histogram whose every observation falls in ``(lo, hi]``.

    Each bucket's series is written once per histogram (``_bucket_series``): a quantile alert's
    test feeds it twice (firing, quiet) and the recording test once more; the counters grow at
    one of two rates."""
    bounds = series.metric.buckets or DEFAULT_BUCKETS
    *finite, inf, count = _bucket_series(series)
    on, off = steady(per_second, samples), steady(Decimal(0), samples)
    out = [InputSeries(name, on if bound >= hi else off) for bound, name in zip(bounds, finite, strict=True)]
    out.append(InputSeries(inf, on))
    out.append(InputSeries(count, on))
    return out


# _bucket_series by the identity of its series, kept in the entry, so an id is never reused while
# its entry lives (a histogram's series object is reused by its SLO's and its alert's tests).
_BUCKETS: Memo[int, tuple[Series, tuple[str, ...]]] = Memo(_LABELS_MAX)


def _bucket_series(series: Series) -> tuple[str, ...]:
    """The series notation of each bucket of ``series``' histogram (``le`` of each bound, then
    ``+Inf``) and of its ``_count``."""
    hit = _BUCKETS.get(id(series))
    if hit is not None and hit[0] is series:
        return hit[1]
    bucket = names.bucket_series(series.metric.name)
    bounds = (*(format_decimal(b) for b in series.metric.buckets or DEFAULT_BUCKETS), "+Inf")
    found = (
        *(text(bucket, labels_of(series, (("le", le),))) for le in bounds),
        text(names.count_series(series.metric.name), labels_of(series)),
    )
    return _BUCKETS.keep(id(series), (series, found))[1]


def placement(bounds: tuple[Decimal, ...], threshold: Decimal, above: bool) -> tuple[Decimal, Decimal] | None:
    """A bucket ``(lo, hi]`` whose observations put any quantile strictly on one side of
    ``threshold``: above needs ``lo >= threshold``, below needs ``hi <= threshold``. The bucket
    nearest the threshold is taken, so the test also catches a threshold moved by one bucket."""
    edges = (Decimal(0), *bounds)
    pairs = list(itertools.pairwise(edges))
    if above:
        return next(((lo, hi) for lo, hi in pairs if lo >= threshold and lo > 0), None)
    below = [(lo, hi) for lo, hi in pairs if hi <= threshold]
    return below[-1] if below else None


def part_of_total(
    part: Series, total: Series, part_rate: Decimal, total_rate: Decimal, extra: Labels = ()
) -> tuple[Fed, ...]:
    """Counters on which ``part`` (bad or good events) selects ``part_rate`` in all and ``total``
    selects ``total_rate``, whether the two selectors overlap (``part`` a ``where`` subset of the
    same metric: one series both select, one only ``total`` selects) or not (two series).

    Each side is fed on the series counting its events (``Series.events``: a histogram's ``_count``).

    Raises ``Unfeedable`` when ``part`` selects everything ``total`` does and the rates differ.
    """
    same_metric = part.events == total.events
    try:
        labels = labels_of(part, extra, also=total.matchers if same_metric else ())
    except Unfeedable:
        labels = labels_of(part, extra)
    fed = [events(part, labels, part_rate)]
    if same_metric and selects(total, dict(labels)):
        if total_rate != part_rate:
            rest = outside(labels, part, total, keep=frozenset(dict(extra)))
            if rest is None:
                raise Unfeedable(f"every series {total.events} selects is also a {part.events} series of the part")
            fed.append(events(total, rest, total_rate - part_rate))
    else:
        fed.append(events(total, labels_of(total, extra), total_rate))
    return tuple(fed)


def counters(fed: Iterable[Fed], samples: int, period: Duration | None = None) -> tuple[InputSeries, ...]:
    """Counters for ``fed`` (sparse with a ``period``: ``counter``); a histogram's ``_count`` comes
    with its buckets, every observation in the first one, so rules reading the same histogram's
    buckets see a histogram that agrees."""
    out: list[InputSeries] = []
    for f in fed:
        if f.histogram is not None:
            name = f.metric.removesuffix(names.count_series(""))
            for bound in (*(format_decimal(b) for b in f.histogram), "+Inf"):
                out.append(counter(names.bucket_series(name), (*f.labels, ("le", bound)), f.amount, samples, period))
        out.append(counter(f.metric, f.labels, f.amount, samples, period))
    return tuple(out)


def gauges(fed: Iterable[Fed], samples: int) -> tuple[InputSeries, ...]:
    return tuple(gauge(f.metric, f.labels, f.amount, samples) for f in fed)
