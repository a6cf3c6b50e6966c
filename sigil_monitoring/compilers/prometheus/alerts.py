"""Threshold alerts (the spec's ``alerts`` section) as Prometheus alerting rules.

Conventions from the monitoring-mixins style guide
(https://monitoring.mixins.dev/#guidelines-for-alert-names-labels-and-annotations): CamelCase
names, a ``severity`` label, a static ``summary``, a templated ``description``, and
``runbook_url`` / ``dashboard_url`` annotations. Rates and quantiles read the service's recording
rules when those hold the answer, so an alert and its dashboard panel show the same series.
"""

from __future__ import annotations

from decimal import Decimal
from typing import assert_never

from msgspec.structs import replace

from ... import promql
from ...escape import template_text
from ...ir.model import (
    AbsentCondition,
    Alert,
    Comparison,
    Condition,
    GaugeRatioCondition,
    PromqlCondition,
    QuantileCondition,
    RateCondition,
    RatioCondition,
    Series,
    Service,
    StateCondition,
    ValueCondition,
    condition_series,
)
from ...ir.model import comparison as comparison_of
from ...values.humanize import humanize
from ...values.units import Duration, Threshold, format_decimal
from . import recording
from .rules import AlertingRule


def threshold_text(threshold: Threshold) -> str:
    """The threshold as PromQL, exact and readable.

    Rates are compared per second, as ``rate()`` returns them; ``1/min`` is written ``1 / 60``
    rather than ``0.016666666666666666`` so a reader sees the spec's number and the value
    ``$value`` in the description stays per second.

    >>> from sigil_monitoring.values.units import parse_threshold
    >>> threshold_text(parse_threshold("1/min")), threshold_text(parse_threshold("10GiB"))
    ('1 / 60', '10737418240')
    """
    if threshold.kind == "per_second" and "/" in threshold.text and threshold.value != 0:
        count = Decimal(threshold.text.split("/")[0].strip())
        per = (count / threshold.value).to_integral_value()
        if per * threshold.value == count or abs(per * threshold.value - count) < Decimal("1e-20"):
            return format_decimal(count) if per == 1 else f"{format_decimal(count)} / {format_decimal(per)}"
    return format_decimal(threshold.value)


def ratio_labels(bad: Series, total: Series) -> tuple[str, ...]:
    """The labels a ratio alert is computed per: every ``by`` label of ``bad`` and of ``total``.

    ``by: [operation]`` on either side means a ratio per operation, so both sides keep the label
    (the spec checks that both metrics carry it); one side summed without it would match nothing.
    """
    return tuple(dict.fromkeys((*bad.by, *total.by)))


def share_labels_of(part: Series, whole: Series) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(labels a share is computed per: the ``by`` of both sides, those of them the denominator has).

    ``{value: {metric: connections, by: [instance, datname]}, of: max_connections}`` is a share
    per instance and datname of a limit known per instance: the division matches on the labels
    the denominator has and keeps the others from the numerator (``group_left``).
    """
    labels = tuple(dict.fromkeys((*part.by, *whole.by)))
    selector_labels = {m.label for m in whole.matchers}
    return labels, tuple(label for label in labels if label in whole.metric.labels or label in selector_labels)


def gauge_value(series: Series, compare: Comparison) -> str:
    """A value alert's gauge: each series, or with ``by`` the worst series of each group.

    ``by: [instance]`` means one alert per instance, carrying only ``instance``; it fires when any
    series of the instance crosses the threshold, as without ``by`` (the highest value for
    ``above``, the lowest for ``below``), so adding ``by`` regroups the alerts and never hides one.
    A total per group (lag summed over partitions) is a different question: a ``promql`` condition.

    >>> from sigil_monitoring.ir.model import Metric
    >>> from sigil_monitoring.values.units import parse_threshold
    >>> up = Series(Metric("up", "up", "gauge", "none", "", (), None, None), (), by=("instance",))
    >>> gauge_value(up, Comparison("<", parse_threshold("1")))
    'min by (instance) (up)'
    """
    text = promql.selector(series.metric.name, series.matchers)
    if not series.by:
        return text
    worst = "max" if compare.op == ">" else "min"
    return f"{worst} by ({', '.join(series.by)}) ({text})"


def _compared(compare: Comparison | None) -> str:
    return f" {compare.op} {threshold_text(compare.threshold)}" if compare is not None else ""


def condition_expr(service: Service, condition: Condition, window: Duration, *, compared: bool = True) -> str:
    """The PromQL of one threshold alert's condition (``compared`` False: the value alone, as the
    drill plots it); rates over ``window``."""
    match condition:
        case PromqlCondition(promql=expr, compare=compare):
            compare_text = _compared(compare) if compared else ""
            return f"({expr.strip()}){compare_text}" if compare_text else expr.strip()
        case QuantileCondition(series=series, quantile=quantile, compare=compare):
            return recording.histogram_quantile(service, series, quantile, window) + (
                _compared(compare) if compared else ""
            )
        case RateCondition(series=series, compare=compare):
            return recording.counter_rate(service, series, window) + (_compared(compare) if compared else "")
        case RatioCondition(bad=bad_side, total=total_side, compare=compare):
            # Both sides are summed to the same labels, so the division matches whether each side
            # comes from a record (which carries service labels) or from the raw counter.
            labels = ratio_labels(bad_side, total_side)
            bad = recording.counter_rate(service, replace(bad_side, by=labels), window)
            total = recording.counter_rate(service, replace(total_side, by=labels), window)
            by = promql.by_clause(labels)
            return f"{by}({bad}) / {by}({total})" + (_compared(compare) if compared else "")
        case StateCondition(series=series, state=state):
            return f"{promql.selector(series.metric.name, series.matchers)} == {state[0]}"
        case ValueCondition(series=series, compare=compare):
            return gauge_value(series, compare) + (_compared(compare) if compared else "")
        case GaugeRatioCondition(part=part, whole=whole, compare=compare):
            labels, on = share_labels_of(part, whole)
            share = promql.share(
                promql.selector(part.metric.name, part.matchers),
                promql.selector(whole.metric.name, whole.matchers),
                labels,
                on,
            )
            return share + (_compared(compare) if compared else "")
        case AbsentCondition(series=series):
            return f"absent({promql.selector(series.metric.name, series.matchers)})"
        case _:
            assert_never(condition)


def condition(service: Service, alert: Alert) -> str:
    """The PromQL condition of one threshold alert."""
    return condition_expr(service, alert.condition, alert.rate_window)


# Alert descriptions show the value in its unit via Prometheus' template functions.
_HUMANIZE = {
    "seconds": "{{ $value | humanizeDuration }}",
    # Not humanize: its SI prefixes would write 2485 ms as "2.485kms". Whole milliseconds.
    "milliseconds": '{{ printf "%.0f" $value }}ms',
    "bytes": "{{ $value | humanize1024 }}",
    "ratio": "{{ $value | humanizePercentage }}",
    "percent": "{{ $value | humanize }}",
    "per_second": "{{ $value | humanize }}/s",
}


def value_unit(condition: Condition) -> str:
    """The unit of the value a condition compares (and the description shows)."""
    match condition:
        case RatioCondition() | GaugeRatioCondition():
            return "ratio"
        case PromqlCondition(unit=unit):
            return unit
        case RateCondition():
            return "per_second"
        case QuantileCondition(series=series) | ValueCondition(series=series):
            return series.metric.unit
        case StateCondition() | AbsentCondition():
            return "none"
        case _:
            assert_never(condition)


def _split_by(condition: Condition) -> tuple[str, ...]:
    """The ``by`` labels of the condition's series, in the spec's order (a share names its whole first)."""
    shown = condition_series(condition)
    if isinstance(condition, GaugeRatioCondition):
        shown = shown[::-1]
    return tuple(dict.fromkeys(label for series in shown for label in series.by))


def _threshold_words(threshold: Threshold) -> str:
    """The threshold as the spec wrote it and, for a rate written per minute or hour, as the value
    beside it prints (per second: Prometheus templates cannot scale ``$value``), so that the two
    compare at a glance.

    >>> from sigil_monitoring.values.units import parse_threshold
    >>> _threshold_words(parse_threshold("3/h")), _threshold_words(parse_threshold("2/s"))
    ('3/h, 833.3u/s', '2/s')
    """
    text = threshold.text
    if threshold.kind != "per_second" or Decimal(text.split("/")[0].strip()) == threshold.value:
        return text  # per second already
    return f"{text}, {humanize(float(threshold.value))}/s"


def description(service: Service, alert: Alert) -> str:
    """The spec's own description, or a template: the summary, the current value in its unit, the
    threshold, which group of a split alert fired, the service and the instance.

    Every kind whose result keeps per-series labels names the group and the instance that fired;
    ``absent()`` returns no series of its own (only its selector's equality labels), so an absent
    alert names the service alone."""
    if alert.description is not None:
        return alert.description
    summary = template_text(alert.summary)
    condition = alert.condition
    labels = _split_by(condition)
    instance = "{{ if $labels.instance }}, instance {{ $labels.instance }}{{ end }}"
    match condition:
        case AbsentCondition():
            return f"{summary} Service {service.name}."
        case StateCondition():
            # ``Service api, shard=3, instance host:9100.``: which gauge is in that state.
            split = "".join(f", {label}={{{{ $labels.{label} }}}}" for label in labels)
            return f"{summary} Service {service.name}{split}{instance}."
        case (
            QuantileCondition()
            | RateCondition()
            | RatioCondition()
            | ValueCondition()
            | GaugeRatioCondition()
            | PromqlCondition()
        ):
            value = _HUMANIZE.get(value_unit(condition), "{{ $value | humanize }}")
            compare = comparison_of(condition)
            detail = template_text(f" (threshold {_threshold_words(compare.threshold)})") if compare is not None else ""
            # `` for handler={{ $labels.handler }}``: which group of a split alert fired.
            group = (" for " + ", ".join(f"{label}={{{{ $labels.{label} }}}}" for label in labels)) if labels else ""
            return f"{summary} Current value: {value}{detail}{group}. Service {service.name}{instance}."
        case _:
            assert_never(condition)


def alerting_rule(service: Service, alert: Alert) -> AlertingRule:
    return AlertingRule(
        alert=alert.name,
        expr=condition(service, alert),
        for_=alert.for_,
        labels=alert.labels,
        summary=alert.summary,
        description=description(service, alert),
        runbook_url=alert.runbook_url,
        dashboard_url=alert.dashboard_url,
        dashboard_uid=service.dashboard.uid,
        panel_id=alert.panel_id,
        keep_firing_for=alert.keep_firing_for,
        extra_annotations=alert.annotations,
    )


def alerting_rules(service: Service) -> tuple[AlertingRule, ...]:
    return tuple(alerting_rule(service, a) for a in service.alerts)
