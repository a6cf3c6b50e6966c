"""Input series for promtool tests: counters growing at a chosen rate, gauges, histogram buckets.

Values are chosen from the spec's thresholds, so a changed threshold changes the test.
"""

from __future__ import annotations

from decimal import Decimal

from .... import conventions as names
from .... import promql
from ....ir.model import Series
from ....spec.units import format_decimal
from ..rules import Labels
from .model import EVALUATION_INTERVAL, InputSeries

# client_golang's DefBuckets: what a histogram without declared buckets most likely uses.
DEFAULT_BUCKETS = tuple(Decimal(b) for b in ("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10"))
TEST_LABEL_VALUE = "test"
INTERVAL_SECONDS = Decimal(EVALUATION_INTERVAL.seconds)


def number(value: Decimal) -> str:
    """A value as promtool reads it, short: at most 15 significant digits."""
    if value != value.to_integral():
        value = Decimal(format(value, ".15g"))
    return format_decimal(value)


def labels_of(series: Series, extra: Labels = ()) -> Labels:
    """A concrete label set the series' selector matches: its matchers, and ``test`` for the
    metric's other labels and the ``by`` labels (so aggregations see a real label)."""
    labels = dict(series.matchers)
    for name in (*series.metric.labels, *series.by):
        labels.setdefault(name, TEST_LABEL_VALUE)
    labels.update(extra)
    return tuple(labels.items())


def text(metric: str, labels: Labels) -> str:
    return promql.selector(metric, labels)


def counter(metric: str, labels: Labels, per_second: Decimal, samples: int) -> InputSeries:
    """A counter starting at 0 and growing at ``per_second``, one sample per evaluation interval."""
    return InputSeries(text(metric, labels), f"0+{number(per_second * INTERVAL_SECONDS)}x{samples}")


def gauge(metric: str, labels: Labels, value: Decimal, samples: int) -> InputSeries:
    return InputSeries(text(metric, labels), f"{number(value)}+0x{samples}")


def buckets(series: Series, lo: Decimal, hi: Decimal, per_second: Decimal, samples: int) -> list[InputSeries]:
    """Bucket counters of a classic histogram whose every observation falls in ``(lo, hi]``."""
    bounds = series.metric.buckets or DEFAULT_BUCKETS
    out = []
    for bound in bounds:
        rate = per_second if bound >= hi else Decimal(0)
        out.append(counter(names.bucket_series(series.metric.name), labels_of(series, (("le", format_decimal(bound)),)), rate, samples))
    out.append(counter(names.bucket_series(series.metric.name), labels_of(series, (("le", "+Inf"),)), per_second, samples))
    out.append(counter(names.count_series(series.metric.name), labels_of(series), per_second, samples))
    return out


def placement(bounds: tuple[Decimal, ...], threshold: Decimal, above: bool) -> tuple[Decimal, Decimal] | None:
    """A bucket ``(lo, hi]`` whose observations put any quantile strictly on one side of
    ``threshold``: above needs ``lo >= threshold``, below needs ``hi <= threshold``. The bucket
    nearest the threshold is taken, so the test also catches a threshold moved by one bucket."""
    edges = (Decimal(0), *bounds)
    pairs = list(zip(edges, edges[1:]))
    if above:
        return next(((lo, hi) for lo, hi in pairs if lo >= threshold and lo > 0), None)
    below = [(lo, hi) for lo, hi in pairs if hi <= threshold]
    return below[-1] if below else None
