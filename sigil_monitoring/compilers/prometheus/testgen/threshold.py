"""promtool tests for threshold alerts: series that cross the threshold, series that stay clear.

For a threshold T the firing input sits at 2T and the quiet one at T/2 (quantiles: a whole bucket
just above / just below T; ratios stay within 0..1), so a changed threshold in the spec changes
the expected result. Inputs start at time 0; rate-based conditions become true one interval later,
and a rate over a counter that starts at 0 only reaches its full value once the series covers the
whole rate window (Prometheus does not extrapolate a counter below zero). So the alert is checked
firing at ``rate window + for + 2m`` (``for + 2m`` for gauges: one evaluation for the record, one
of margin), and one interval before ``for`` it must not fire yet.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import assert_never

import msgspec

from .... import conventions as names
from .... import promql
from ....defaults import DEFAULT_BUCKETS
from ....ir.model import (
    AbsentCondition,
    Alert,
    Comparison,
    GaugeRatioCondition,
    PromqlCondition,
    PromqlTest,
    QuantileCondition,
    RateCondition,
    RatioCondition,
    Series,
    Service,
    StateCondition,
    ValueCondition,
)
from ....values.matchers import Matcher
from ....values.units import Duration, format_decimal
from .. import recording
from ..alerts import description, ratio_labels, share_labels_of
from ..rules import Labels, merge_labels
from . import inputs
from .model import EVALUATION_INTERVAL, AlertCase, ExpectedAlert, ExprCase, InputSeries, Sample, TestFile, TestGroup
from .templates import UnsupportedTemplate, expand

SETTLE = Duration.parse("2m")  # a record is read one evaluation later; one more of margin
SPARSE_STEPS = 3  # steps of a sparse counter within the alert's own range (sparse_period)
OBSERVATIONS_PER_SECOND = Decimal(1)


class Scenario(msgspec.Struct, frozen=True):
    """Inputs, and what the alert expression returns for them: its labels and value."""

    series: tuple[InputSeries, ...]
    labels: Labels
    value: float


def crossing(threshold: Decimal, above: bool, *, ratio: bool = False) -> tuple[Decimal, Decimal]:
    """(firing, quiet) values for a threshold: 2T and T/2 (mirrored for ``below``)."""
    delta = abs(threshold) if threshold != 0 else Decimal(1)
    high, low = threshold + delta, threshold - delta / 2
    if ratio:
        high = min(high, (threshold + 1) / 2)
    return (high, low) if above else (low, high)


def _by_labels(series: Series, kept: tuple[str, ...]) -> Labels:
    """Values for the labels the alert expression keeps (``by``), as every input series has them."""
    fed = dict(inputs.labels_of(series))
    return tuple((label, fed.get(label, inputs.TEST_LABEL_VALUE)) for label in kept)


def _counter_scenario(series: Series, per_second: Decimal, samples: int, period: Duration | None) -> Scenario:
    feed = inputs.counters((inputs.events(series, inputs.labels_of(series), per_second),), samples, period)
    return Scenario(feed, _by_labels(series, series.by), float(per_second))


def _ratio_scenario(
    bad: Series, total: Series, ratio: Decimal, samples: int, period: Duration | None
) -> Scenario | None:
    """Counters whose bad/total ratio, as the alert's selectors select them, is ``ratio``."""
    total_rate = Decimal(100)
    kept = _by_labels(bad, ratio_labels(bad, total))
    try:
        fed = inputs.part_of_total(bad, total, total_rate * ratio, total_rate, kept)
    except inputs.Unfeedable:
        return None
    value = inputs.selected(fed, bad.events, bad) / inputs.selected(fed, total.events, total)
    return Scenario(inputs.counters(fed, samples, period), kept, float(value))


def _share_scenario(part: Series, whole: Series, ratio: Decimal, samples: int) -> Scenario | None:
    """Gauges whose value / of share, as the alert's selectors select them, is ``ratio``."""
    whole_value = Decimal(100)
    labels, _ = share_labels_of(part, whole)
    fed_labels = dict(inputs.labels_of(part))
    extra = tuple((label, fed_labels.get(label, inputs.TEST_LABEL_VALUE)) for label in labels)
    try:
        fed = inputs.part_of_total(part, whole, whole_value * ratio, whole_value, extra)
    except inputs.Unfeedable:
        return None
    value = inputs.selected(fed, part.metric.name, part) / inputs.selected(fed, whole.metric.name, whole)
    return Scenario(inputs.gauges(fed, samples), extra, float(value))


def _quantile_scenario(
    service: Service, alert: Alert, condition: QuantileCondition, above: bool, samples: int
) -> Scenario | None:
    series = condition.series
    if series.metric.type != recording.CLASSIC:
        return None  # promtool 2.42 cannot feed native histograms
    bucket = inputs.placement(series.metric.buckets or DEFAULT_BUCKETS, condition.compare.threshold.value, above)
    if bucket is None:
        return None
    lo, hi = bucket
    # Every observation in one bucket: histogram_quantile interpolates lo + (hi - lo) * q.
    value = float(lo) + (float(hi) - float(lo)) * float(condition.quantile)
    labels = _by_labels(series, series.by)
    if recording.quantile_recorded(service, series, alert.rate_window):
        labels += ((names.QUANTILE_LABEL, format_decimal(condition.quantile)),)
    return Scenario(tuple(inputs.buckets(series, lo, hi, OBSERVATIONS_PER_SECOND, samples)), labels, value)


def _gauge_scenario(series: Series, value: Decimal, samples: int) -> Scenario:
    labels = inputs.labels_of(series)
    return Scenario((inputs.gauge(series.metric.name, labels, value, samples),), labels, float(value))


def _value_scenario(series: Series, value: Decimal, other: Decimal, samples: int) -> Scenario:
    """A gauge at ``value``; with ``by`` (the worst series per group) a second series of the same
    group at ``other`` (the quiet side) beside it, and the alert carrying the ``by`` labels only."""
    if not series.by:
        return _gauge_scenario(series, value, samples)
    labels = inputs.labels_of(series)
    feed = [inputs.gauge(series.metric.name, labels, value, samples)]
    keep = frozenset(series.by)
    sibling = next(
        (
            (*labels[:i], (label, f"{current}-sibling"), *labels[i + 1 :])
            for i, (label, current) in enumerate(labels)
            if label not in keep and inputs.selects(series, {**dict(labels), label: f"{current}-sibling"})
        ),
        None,
    )
    if sibling is not None:
        feed.append(inputs.gauge(series.metric.name, sibling, other, samples))
    return Scenario(tuple(feed), _by_labels(series, series.by), float(value))


def _promql_scenarios(test: PromqlTest | None) -> tuple[Scenario | None, Scenario | None]:
    """The spec's own inputs (``test:``) for a raw promql alert; none without them."""
    if test is None:
        return None, None
    firing = (
        Scenario(
            tuple(InputSeries(s, v) for s, v in test.firing), test.labels, test.value if test.value is not None else 0.0
        )
        if test.firing
        else None
    )
    quiet = Scenario(tuple(InputSeries(s, v) for s, v in test.quiet), (), 0.0) if test.quiet else None
    return firing, quiet


def _crossing(compare: Comparison, *, ratio: bool = False) -> tuple[Decimal, Decimal]:
    return crossing(compare.threshold.value, compare.op == ">", ratio=ratio)


def _counted_crossing(compare: Comparison, *, ratio: bool = False) -> tuple[Decimal, Decimal]:
    """``_crossing`` for what cannot be negative (a rate, a ratio of counts, a share): ``above: 0``
    (any panic, any rejected request) is quiet at exactly 0, where T/2 below it would be -0.5,
    which no counter can feed; ``>`` is strict, so nothing at all is the quiet case."""
    fire, quiet = _crossing(compare, ratio=ratio)
    if compare.op == ">" and compare.threshold.value == 0:
        quiet = Decimal(0)
    return fire, quiet


def sparse_period(service: Service, alert: Alert) -> Duration | None:
    """How often the counters of a rate or ratio alert over a range of its own (``over``) step:
    a third of the range, in whole evaluation intervals; None on the service's rate window.

    Events that come once an hour are what ``over`` is for, so its test feeds them so: the rate
    over the range holds (three steps per range keep 2T above T and T/2 below it), while a rate
    over the service's 5m window is 0 for most of each period and an alert on it never fires.
    """
    if not isinstance(alert.condition, RateCondition | RatioCondition) or alert.rate_window <= service.rate_window:
        return None
    intervals = alert.rate_window.ms // SPARSE_STEPS // EVALUATION_INTERVAL.ms
    return Duration(intervals * EVALUATION_INTERVAL.ms) if intervals >= 2 else None


def scenarios(
    service: Service, alert: Alert, samples: int, period: Duration | None = None
) -> tuple[Scenario | None, Scenario | None]:
    """(firing, quiet) inputs for one alert; None where the kind cannot be fed (raw PromQL).
    With a ``period``, counters step once a period (``sparse_period``); gauges ignore it."""
    match alert.condition:
        case QuantileCondition(compare=compare) as quantile:
            above = compare.op == ">"
            return (
                _quantile_scenario(service, alert, quantile, above, samples),
                _quantile_scenario(service, alert, quantile, not above, samples),
            )
        case StateCondition(series=series, state=(value, _)):
            others = [v for v, _ in series.metric.states or () if v != value]
            other = _gauge_scenario(series, Decimal(others[0]), samples) if others else None
            return _gauge_scenario(series, Decimal(value), samples), other
        case AbsentCondition(series=series):
            present = _gauge_scenario(series, Decimal(1), samples)
            return Scenario((), absent_labels(series.matchers), 1.0), present
        case PromqlCondition(test=test):
            return _promql_scenarios(test)
        case RateCondition(series=series, compare=compare):
            fire, quiet = _counted_crossing(compare)
            # A negative rate cannot be fed (a counter only grows).
            return (
                _counter_scenario(series, fire, samples, period) if fire >= 0 else None,
                _counter_scenario(series, quiet, samples, period) if quiet >= 0 else None,
            )
        case RatioCondition(bad=bad, total=total, compare=compare):
            fire, quiet = _counted_crossing(compare, ratio=True)
            return (
                _ratio_scenario(bad, total, fire, samples, period) if 0 <= fire <= 1 else None,
                _ratio_scenario(bad, total, quiet, samples, period) if 0 <= quiet <= 1 else None,
            )
        case GaugeRatioCondition(part=part, whole=whole, compare=compare):
            fire, quiet = _counted_crossing(compare, ratio=compare.threshold.value < 1)
            return (
                _share_scenario(part, whole, fire, samples) if fire >= 0 else None,
                _share_scenario(part, whole, quiet, samples) if quiet >= 0 else None,
            )
        case ValueCondition(series=series, compare=compare):
            fire, quiet = _crossing(compare)
            return _value_scenario(series, fire, quiet, samples), _gauge_scenario(series, quiet, samples)
        case _:
            assert_never(alert.condition)


def _warmup(alert: Alert) -> Duration:
    """How long the inputs run before the condition holds its full value: a rate window for
    conditions on rates (a promql condition may rate() a counter too), nothing for gauges."""
    match alert.condition:
        case QuantileCondition() | RateCondition() | RatioCondition() | PromqlCondition():
            return alert.rate_window
        case StateCondition() | ValueCondition() | GaugeRatioCondition() | AbsentCondition():
            return Duration(0)
        case _:
            assert_never(alert.condition)


def expected(service: Service, alert: Alert, scenario: Scenario) -> ExpectedAlert:
    labels = merge_labels(scenario.labels, alert.labels)
    values = dict(labels)
    link: tuple[tuple[str, str], ...] = ((names.DASHBOARD_UID_ANNOTATION, service.dashboard.uid),)
    if alert.panel_id is not None:
        link += ((names.PANEL_ID_ANNOTATION, str(alert.panel_id)),)
    annotations = (
        *link,
        ("dashboard_url", alert.dashboard_url),
        ("description", expand(description(service, alert), scenario.value, values)),
        ("runbook_url", alert.runbook_url),
        ("summary", alert.summary),  # literal: Prometheus prints it as written (escape.template_text)
        # The spec's own annotations are templates too, expanded as Prometheus will.
        *((key, expand(text, scenario.value, values)) for key, text in alert.annotations),
    )
    return ExpectedAlert(labels, tuple(sorted(annotations)))


def absent_labels(matchers: tuple[Matcher, ...]) -> Labels:
    """The labels of absent()'s one sample, as Prometheus' createLabelsForAbsentFunction makes
    them: a label's equality value, unless the label has another matcher too (then none).

    >>> from sigil_monitoring.values.matchers import parse
    >>> absent_labels((parse("job", "shop"), parse("job", "shop"), parse("code", "500")))
    (('code', '500'),)
    """
    counts = Counter(m.label for m in matchers)
    return tuple((m.label, m.value) for m in matchers if m.is_equality and counts[m.label] == 1)


def fired(alertname: str, labels: Labels, at: Duration) -> ExprCase:
    """The alert is firing at ``at`` with ``labels``, read from its ``ALERTS`` series.

    For an alert whose annotations use a template construct ``templates.expand`` cannot predict
    (``{{ query }}``, comparisons in ``{{ if }}``...): promtool compares an alert case's annotations
    exactly, but ``ALERTS`` carries the labels alone, so the firing is still proven.

    >>> fired("Down", (("severity", "page"),), Duration.parse("5m")).document()["exp_samples"]
    [{'labels': 'ALERTS{alertname="Down",alertstate="firing",severity="page"}', 'value': Decimal('1')}]
    """
    series = (("alertname", alertname), ("alertstate", "firing"))
    sample = Sample(promql.selector("ALERTS", merge_labels(series, labels)), Decimal(1))
    return ExprCase(promql.selector("ALERTS", series), at, (sample,))


def _checked_at(fire_at: Duration, period: Duration | None) -> tuple[Duration, ...]:
    """When the test looks: at ``fire_at``; on sparse inputs also half a period later, so one of
    the two falls well after a step, where a rate over the service's 5m window has gone to 0."""
    if period is None:
        return (fire_at,)
    half = period.ms // 2 // EVALUATION_INTERVAL.ms * EVALUATION_INTERVAL.ms
    return fire_at, Duration(fire_at.ms + half)


def alert_test(service: Service, alert: Alert, rule_files: tuple[str, ...]) -> TestFile | None:
    """The test file of one threshold alert, or None when no input can be derived.

    An alert over a range of its own (``sparse_period``) is also fed as its events come: sparse
    counters must make it fire, proven by its ``ALERTS`` series (the value the description shows
    depends on where the steps fall in the range and on how Prometheus extrapolates a range,
    which changed in 3.0, so the steady input alone checks the annotations), and the sparse
    quiet input replaces the steady one.
    """
    fire_at = Duration(_warmup(alert).ms + alert.for_.ms + SETTLE.ms)
    period = sparse_period(service, alert)
    times = _checked_at(fire_at, period)
    samples = times[-1].ms // EVALUATION_INTERVAL.ms + 1
    firing, quiet = scenarios(service, alert, samples)
    groups = []
    if firing is not None:
        cases: list[AlertCase] = []
        checks: tuple[ExprCase, ...] = ()
        try:
            cases.append(AlertCase(fire_at, alert.name, (expected(service, alert, firing),)))
        except UnsupportedTemplate:  # an annotation this generator cannot expand
            checks = (fired(alert.name, merge_labels(firing.labels, alert.labels), fire_at),)
        if alert.for_.ms >= 2 * EVALUATION_INTERVAL.ms:  # still pending one interval before `for`
            cases.insert(0, AlertCase(Duration(alert.for_.ms - EVALUATION_INTERVAL.ms), alert.name, ()))
        groups.append(TestGroup(firing.series, tuple(cases), checks))
    if period is not None:
        sparse, quiet = scenarios(service, alert, samples, period)
        if sparse is not None:
            labels = merge_labels(sparse.labels, alert.labels)
            groups.append(TestGroup(sparse.series, (), tuple(fired(alert.name, labels, at) for at in times)))
    if quiet is not None:
        groups.append(TestGroup(quiet.series, tuple(AlertCase(at, alert.name, ()) for at in times)))
    if not groups:
        return None
    return TestFile(names.rule_test_path(service.name, alert.name), rule_files, tuple(groups))
