"""promtool tests for burn-rate alerts: a steady error ratio above (and below) the tier's budget.

The firing input keeps the error ratio at twice the highest ``factor x budget`` of the tier (at
most halfway to 1), so every window pair of the tier burns; a second firing input burns 10 % above
the lowest threshold, so the slowest burn the tier is meant to catch is proven to fire; the quiet
input keeps it at half the lowest, so none does. Both are rounded to three significant digits, which keeps the expected
``humanizePercentage`` text exact. Kinds promtool 2.42 cannot feed (native histograms, raw
``error_ratio`` PromQL, query ratio SLIs whose queries are not plain sums of a counter's rate)
get the SLI records themselves as input, which still tests the alert logic.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import assert_never

from .... import conventions as names
from .... import promql
from ....ir.model import BurnAlert, LatencySli, RatioSli, Service, Slo, UpSli
from ....values.label_values import satisfying
from ....values.units import Duration
from .. import recording
from .. import slo as slo_rules
from ..rules import AlertingRule, Labels, merge_labels
from ..sli import sli_series, stageable
from . import inputs
from .memo import Memo
from .model import EVALUATION_INTERVAL, AlertCase, ExpectedAlert, ExprCase, InputSeries, Sample, TestFile, TestGroup
from .templates import UnsupportedTemplate, expand
from .threshold import SETTLE, fired

TOTAL_PER_SECOND = Decimal(10000)
# The edge case burns 10 % above the tier's lowest threshold.
EDGE_MARGIN = Decimal("1.1")


def _sig3(value: Decimal, rounding: str) -> Decimal:
    exponent = value.adjusted() - 2
    return value.scaleb(-exponent).quantize(Decimal(1), rounding=rounding).scaleb(exponent)


def error_ratios(slo: Slo, burn: BurnAlert) -> tuple[Decimal, Decimal, Decimal]:
    """(firing, just above the lowest threshold, quiet) error ratios for one tier.

    The second fires only the pair with the lowest factor: the slowest burn the tier catches.
    Kept by error budget and factors (their text: equal Decimals of other digits are other
    keys), since every SLO of one objective and policy has the same three.
    """
    key = (str(slo.error_budget), tuple(str(w.factor) for w in burn.windows))
    found = _ERROR_RATIOS.get(key)
    return found if found is not None else _ERROR_RATIOS.keep(key, _error_ratios(slo, burn))


_ERROR_RATIOS: Memo[tuple[str, tuple[str, ...]], tuple[Decimal, Decimal, Decimal]] = Memo(256)


def _error_ratios(slo: Slo, burn: BurnAlert) -> tuple[Decimal, Decimal, Decimal]:
    thresholds = [slo_rules.burn_threshold(slo, w) for w in burn.windows]
    fire = _sig3(min(max(thresholds) * 2, (max(thresholds) + 1) / 2), ROUND_CEILING)
    edge = _sig3(min(min(thresholds) * EDGE_MARGIN, (min(thresholds) + 1) / 2), ROUND_CEILING)
    quiet = _sig3(min(thresholds) / 2, ROUND_FLOOR)
    return min(fire, Decimal(1)), min(edge, Decimal(1)), quiet


def group_labels(slo: Slo) -> Labels:
    """A value for each group_by label that every SLI selector accepts (the alert carries it).

    Called for each input and each expected alert of a tier: without group_by (most SLOs) it
    returns at once, so no caller needs to pass its result around."""
    if not slo.group_by:
        return ()
    sides = sli_series(slo.sli)
    out = []
    for label in slo.group_by:
        matchers = tuple(m for side in sides for m in side.matchers if m.label == label)
        value = satisfying(matchers, prefer=inputs.TEST_LABEL_VALUE)
        if value is None:
            raise inputs.Unfeedable(f"no value of {label!r} satisfies every SLI selector")
        out.append((label, value))
    return tuple(out)


def feed(
    service: Service, slo: Slo, burn: BurnAlert, ratio: Decimal, samples: int
) -> tuple[tuple[InputSeries, ...], Decimal]:
    """Raw series whose SLI error ratio is ``ratio`` over every window, and that error ratio as
    computed from what the SLI's selectors select in them (ratio SLIs, where selectors overlap)."""
    extra = group_labels(slo)
    try:
        raw = _raw_feed(slo, ratio, samples, extra)
    except inputs.Unfeedable:
        # Selectors the input search cannot satisfy (the spec refuses those it can tell,
        # spec/selections.py): the SLI records are fed instead, which still tests the alert logic.
        raw = None
    if raw is not None:
        return raw
    labels = merge_labels(slo_rules.slo_labels(service, slo), extra)
    windows = sorted({d for w in burn.windows for d in (w.long, w.short)})
    return tuple(inputs.gauge(names.slo_error_ratio_record(str(w)), labels, ratio, samples) for w in windows), ratio


def _raw_feed(slo: Slo, ratio: Decimal, samples: int, extra: Labels) -> tuple[tuple[InputSeries, ...], Decimal] | None:
    """The raw series of ``feed``, or None for the SLI kinds promtool cannot feed."""
    total, bad = TOTAL_PER_SECOND, TOTAL_PER_SECOND * ratio
    match stageable(slo.sli):
        case RatioSli(part=part, total=whole, part_is_bad=part_is_bad):
            fed = inputs.part_of_total(part, whole, bad if part_is_bad else total - bad, total, extra)
            share = inputs.selected(fed, part.events, part) / inputs.selected(fed, whole.events, whole)
            return inputs.counters(fed, samples), share if part_is_bad else 1 - share
        case LatencySli(histogram=series, below_text=below) if series.metric.type == recording.CLASSIC:
            le = (("le", below),)
            return (
                inputs.counter(names.count_series(series.metric.name), inputs.labels_of(series, extra), total, samples),
                inputs.counter(
                    names.bucket_series(series.metric.name), inputs.labels_of(series, extra + le), total - bad, samples
                ),
            ), ratio
        case UpSli(up=up):
            return (inputs.gauge(up.metric.name, inputs.labels_of(up, extra), 1 - ratio, samples),), ratio
        case LatencySli() | None:
            return None  # native histograms (promtool cannot feed them) and raw PromQL: feed the SLI records
        case unknown:
            assert_never(unknown)


def expected(
    service: Service, slo: Slo, burn: BurnAlert, ratio: Decimal, rule: AlertingRule | None = None
) -> ExpectedAlert:
    """The alert promtool must see at ``ratio``; ``rule``: the burn rule, when the caller has built it.

    Raises ``UnsupportedTemplate`` when an annotation has a construct ``expand`` cannot predict."""
    rule = rule or slo_rules.burn_rule(service, slo, burn)
    return _expected(_alert_labels(service, slo, burn, group_labels(slo)), tuple(rule.annotations.items()), ratio)


def _alert_labels(service: Service, slo: Slo, burn: BurnAlert, group: Labels) -> Labels:
    """The labels of ``burn``'s alert: the SLO's ``group_labels`` (``group``) and the burn rule's."""
    return merge_labels(group, slo_rules.burn_labels(service, slo, burn))


def _expected(labels: Labels, annotations: Labels, ratio: Decimal) -> ExpectedAlert:
    """``expected`` from the alert's labels and its rule's annotation templates."""
    values = dict(labels)
    # The ratio Prometheus computes from rates is exact to a few digits only: exact=False.
    return ExpectedAlert(
        labels, tuple(sorted((key, expand(text, float(ratio), values, exact=False)) for key, text in annotations))
    )


def _fires(
    burn: BurnAlert, labels: Labels, annotations: Labels, ratio: Decimal, at: Duration
) -> tuple[tuple[AlertCase, ...], tuple[ExprCase, ...]]:
    """The tier (alert ``labels``, its rule's ``annotations``) fires at ``at``: an alert case, or
    (annotations ``expand`` cannot predict) its ALERTS series."""
    try:
        return (AlertCase(at, burn.name, (_expected(labels, annotations, ratio),)),), ()
    except UnsupportedTemplate:
        return (), (fired(burn.name, labels, at),)


def metadata_checks(service: Service, slo: Slo, at: Duration) -> tuple[ExprCase, ...]:
    """The objective and budget records hold the spec's numbers exactly."""
    labels = slo_rules.slo_labels(service, slo)
    out = []
    for record, value in (
        (names.SLO_OBJECTIVE_RECORD, slo.objective / 100),
        (names.SLO_ERROR_BUDGET_RECORD, slo.error_budget),
    ):
        sample = Sample(promql.selector(record, labels), value)
        out.append(ExprCase(slo_rules.record_selector(service, slo, record), at, (sample,)))
    return tuple(out)


def burn_test(
    service: Service,
    slo: Slo,
    burn: BurnAlert,
    rule_file: str,
    rule: AlertingRule | None = None,
) -> TestFile:
    """``rule``: the burn rule as built for the rule file, when the caller has it (else built here)."""
    fire_at = Duration(burn.for_.ms + SETTLE.ms)
    samples = fire_at.ms // EVALUATION_INTERVAL.ms + 1
    fire, edge, quiet = error_ratios(slo, burn)
    extra = group_labels(slo)
    firing, fired_ratio = feed(service, slo, burn, fire, samples)
    rule = rule or slo_rules.burn_rule(service, slo, burn)  # once for both expected alerts: it is not cheap
    labels = _alert_labels(service, slo, burn, extra)
    annotations = tuple(rule.annotations.items())
    cases, checks = _fires(burn, labels, annotations, fired_ratio, fire_at)
    if burn.for_.ms >= 2 * EVALUATION_INTERVAL.ms:
        cases = (AlertCase(Duration(burn.for_.ms - EVALUATION_INTERVAL.ms), burn.name, ()), *cases)
    groups = [TestGroup(firing, cases, checks + metadata_checks(service, slo, fire_at))]
    if edge != fire:
        at_edge, edge_ratio = feed(service, slo, burn, edge, samples)
        groups.append(TestGroup(at_edge, *_fires(burn, labels, annotations, edge_ratio, fire_at)))
    quiet_input = feed(service, slo, burn, quiet, samples)[0]
    groups.append(TestGroup(quiet_input, (AlertCase(fire_at, burn.name, ()),)))
    return TestFile(names.rule_test_path(service.name, burn.name), (rule_file,), tuple(groups))
