"""Threshold alerts (the spec's ``alerts`` section) as Prometheus alerting rules.

Conventions from the monitoring-mixins style guide
(https://monitoring.mixins.dev/#guidelines-for-alert-names-labels-and-annotations): CamelCase
names, a ``severity`` label, a static ``summary``, a templated ``description``, and
``runbook_url`` / ``dashboard_url`` annotations. Rates and quantiles read the service's recording
rules when those hold the answer, so an alert and its dashboard panel show the same series.
"""

from __future__ import annotations

from decimal import Decimal

from ... import promql
from ...ir.model import Alert, Series, Service
from ...records import replace
from ...spec.units import Threshold, format_decimal
from . import recording
from .rules import AlertingRule


def threshold_text(threshold: Threshold) -> str:
    """The threshold as PromQL, exact and readable.

    Rates are compared per second, as ``rate()`` returns them; ``1/min`` is written ``1 / 60``
    rather than ``0.016666666666666666`` so a reader sees the spec's number and the value
    ``$value`` in the description stays per second.

    >>> from sigil_monitoring.spec.units import parse_threshold
    >>> threshold_text(parse_threshold("1/min")), threshold_text(parse_threshold("10GiB"))
    ('1 / 60', '10737418240')
    """
    if threshold.kind == "per_second" and "/" in threshold.text and threshold.value != 0:
        count = Decimal(threshold.text.split("/")[0].strip())
        per = (count / threshold.value).to_integral_value()
        if per * threshold.value == count or abs(per * threshold.value - count) < Decimal("1e-20"):
            return format_decimal(count) if per == 1 else f"{format_decimal(count)} / {format_decimal(per)}"
    return format_decimal(threshold.value)


def alert_series(alert: Alert) -> Series:
    """The series a metric alert's condition is on (ir.build sets it for every kind but promql)."""
    assert alert.series is not None, f"{alert.kind} alert {alert.name} has no series"
    return alert.series


def ratio_sides(alert: Alert) -> tuple[Series, Series]:
    """(bad, total) of a ratio alert, (part, whole) of a gauge_ratio; ir.build resolves both."""
    assert alert.series is not None and alert.total is not None, f"ratio alert {alert.name} lacks a side"
    return alert.series, alert.total


def ratio_labels(alert: Alert) -> tuple[str, ...]:
    """The labels a ratio alert is computed per: every ``by`` label of ``bad`` and of ``total``.

    ``by: [operation]`` on either side means a ratio per operation, so both sides keep the label
    (the spec checks that both metrics carry it); one side summed without it would match nothing.
    """
    bad, total = ratio_sides(alert)
    return tuple(dict.fromkeys((*bad.by, *total.by)))


def share_labels(alert: Alert) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(labels the share is computed per, the subset the denominator has) of a gauge_ratio alert.
    See ``share_labels_of``.

    ``{value: {metric: connections, by: [instance, datname]}, of: max_connections}`` is a share
    per instance and datname of a limit known per instance: the division matches on the labels
    the denominator has and keeps the others from the numerator (``group_left``).
    """
    return share_labels_of(*ratio_sides(alert))


def share_labels_of(part: Series, whole: Series) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(labels a share is computed per: the ``by`` of both sides, those of them the denominator has)."""
    labels = tuple(dict.fromkeys((*part.by, *whole.by)))
    selector_labels = {m.label for m in whole.matchers}
    return labels, tuple(label for label in labels if label in whole.metric.labels or label in selector_labels)


def condition(service: Service, alert: Alert) -> str:
    """The PromQL condition of one threshold alert."""
    compare = f" {alert.op} {threshold_text(alert.threshold)}" if alert.threshold is not None else ""
    if alert.kind == "promql":
        assert alert.promql is not None, f"promql alert {alert.name} has no expression"
        return f"({alert.promql.strip()}){compare}" if compare else alert.promql.strip()
    series, window = alert_series(alert), alert.rate_window
    if alert.kind == "quantile":
        assert alert.quantile is not None, f"quantile alert {alert.name} has no quantile"
        return recording.histogram_quantile(service, series, alert.quantile, window) + compare
    if alert.kind == "rate":
        return recording.counter_rate(service, series, window) + compare
    if alert.kind == "ratio":
        # Both sides are summed to the same labels, so the division matches whether each side
        # comes from a record (which carries service labels) or from the raw counter.
        labels = ratio_labels(alert)
        bad_side, total_side = ratio_sides(alert)
        bad = recording.counter_rate(service, replace(bad_side, by=labels), window)
        total = recording.counter_rate(service, replace(total_side, by=labels), window)
        by = promql.by_clause(labels)
        return f"{by}({bad}) / {by}({total}){compare}"
    if alert.kind == "state":
        assert alert.state is not None, f"state alert {alert.name} has no state"
        return f"{promql.selector(series.metric.name, series.matchers)} == {alert.state[0]}"
    if alert.kind == "value":
        return promql.selector(series.metric.name, series.matchers) + compare
    if alert.kind == "gauge_ratio":
        part, whole = ratio_sides(alert)
        labels, on = share_labels(alert)
        return (
            promql.share(
                promql.selector(part.metric.name, part.matchers),
                promql.selector(whole.metric.name, whole.matchers),
                labels,
                on,
            )
            + compare
        )
    assert alert.kind == "absent", f"unknown alert kind {alert.kind}"
    return f"absent({promql.selector(series.metric.name, series.matchers)})"


def alerting_rule(service: Service, alert: Alert) -> AlertingRule:
    return AlertingRule(
        alert=alert.name,
        expr=condition(service, alert),
        for_=alert.for_,
        labels=alert.labels,
        summary=alert.summary,
        description=alert.description,
        runbook_url=alert.runbook_url,
        dashboard_url=alert.dashboard_url,
        dashboard_uid=service.dashboard.uid,
        panel_id=alert.panel_id,
        keep_firing_for=alert.keep_firing_for,
        extra_annotations=alert.annotations,
    )


def alerting_rules(service: Service) -> tuple[AlertingRule, ...]:
    return tuple(alerting_rule(service, a) for a in service.alerts)
