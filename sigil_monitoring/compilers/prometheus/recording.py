"""Service-level recording rules (rates, bucket rates, quantiles) and the queries that reuse them.

Names follow ``level:metric:operations`` (https://prometheus.io/docs/practices/rules/) and come
from ``conventions``. Every rule carries the service's labels, so the same metric in two services
records two distinct series. Alerts and dashboards call ``counter_rate`` / ``histogram_quantile``
here: they get the recorded series when one exists and the raw query otherwise.
"""

from __future__ import annotations

from decimal import Decimal

from ... import conventions as names
from ... import defaults, promql
from ...ir.dashboard import PercentilesPanel
from ...ir.model import Metric, QuantileCondition, Series, Service
from ...values.matchers import Matcher
from ...values.units import Duration, format_decimal
from .rules import RecordingRule, merge_labels

CLASSIC = "histogram"
NATIVE = "native_histogram"


def rate_window(service: Service) -> Duration:
    """The range of recorded rates: the same policy as the alerts' rate window in ir."""
    return service.rate_window


def quantiles_for(service: Service, metric: Metric) -> tuple[Decimal, ...]:
    """p50/p95/p99 and every other quantile an alert or a panel of this service asks of ``metric``.

    For many metrics, build ``quantile_index`` once: this is one pass over alerts and panels.
    """
    return quantile_index(service).get(metric, BASE_QUANTILES)


BASE_QUANTILES = tuple(sorted(set(defaults.DEFAULT_QUANTILES)))


def quantile_index(service: Service) -> dict[Metric, tuple[Decimal, ...]]:
    """``quantiles_for`` of every metric some alert or panel asks a quantile of, in one pass.

    (A scan of every alert and panel per histogram made 10,000 SLOs quadratic.)
    """
    wanted: dict[Metric, set[Decimal]] = {}
    for a in service.alerts:
        if isinstance(a.condition, QuantileCondition):
            wanted.setdefault(a.condition.series.metric, set()).add(a.condition.quantile)
    for p in service.dashboard.panels():
        if isinstance(p.content, PercentilesPanel):
            wanted.setdefault(p.content.series.metric, set()).update(p.content.quantiles)
    return {metric: tuple(sorted(extra | set(defaults.DEFAULT_QUANTILES))) for metric, extra in wanted.items()}


def _service_matcher(service: Service) -> tuple[tuple[str, str], ...]:
    return ((names.SERVICE_LABEL, service.name),)


def _where(service: Service, series: Series) -> tuple[Matcher, ...] | None:
    """The ``where`` matchers of a series, or None when it does not start with the service selector."""
    n = len(service.selector)
    return series.matchers[n:] if series.matchers[:n] == service.selector else None


def recording_rules(service: Service) -> tuple[RecordingRule, ...]:
    """Every service-level record, in catalog order; bucket rates come before the quantiles using them."""
    window = str(rate_window(service))
    labels = service.labels
    rules: list[RecordingRule] = []
    quantiles = quantile_index(service)
    for metric in service.metrics:
        if metric.type == "counter":
            rules.append(
                RecordingRule(
                    names.rate_record(metric.name, metric.labels, window),
                    promql.rate(metric.name, service.selector, window, by=metric.labels),
                    labels,
                )
            )
        elif metric.type == CLASSIC:
            bucket = names.bucket_rate_record(metric.name, window)
            rules.append(RecordingRule(bucket, promql.bucket_rate(metric.name, service.selector, window), labels))
            count = names.count_series(metric.name)
            rules.append(
                RecordingRule(
                    names.rate_record(count, (), window), promql.rate(count, service.selector, window), labels
                )
            )
            source = promql.selector(bucket, _service_matcher(service))
            rules += _quantile_rules(service, metric, window, source, quantiles)
        elif metric.type == NATIVE:
            record = names.rate_record(metric.name, (), window)
            rules.append(RecordingRule(record, promql.rate(metric.name, service.selector, window), labels))
            rules += _quantile_rules(
                service, metric, window, promql.selector(record, _service_matcher(service)), quantiles
            )
    # A counter entry naming a classic histogram's own _count (validate warns: two entries expose
    # it) records the very rule the histogram records: written once. A same-named rule with another
    # expression is kept, for check_collisions to report as the naming bug it would be.
    return tuple(dict.fromkeys(rules))


def _quantile_rules(
    service: Service, metric: Metric, window: str, source: str, quantiles: dict[Metric, tuple[Decimal, ...]]
) -> list[RecordingRule]:
    return [
        RecordingRule(
            names.quantile_record(metric.name, window),
            f"histogram_quantile({format_decimal(q)}, {source})",
            merge_labels(service.labels, ((names.QUANTILE_LABEL, format_decimal(q)),)),
        )
        for q in quantiles.get(metric, BASE_QUANTILES)
    ]


def counter_rate(service: Service, series: Series, window: Duration) -> str:
    """``sum by (by) (rate(series[window]))``, read from the rate record when it holds the answer.

    A histogram counts its observations (``Series.events``, its ``_count``), always read raw.

    The record keeps every catalog label, so ``where`` matchers on those labels still apply and
    the labels not asked for are summed away.
    """
    metric = series.metric
    where = _where(service, series)
    if where is None:  # not the service's rate record: raw rate()
        return promql.rate(series.events, series.matchers, str(window), by=series.by)
    recorded = (
        metric.type == "counter"
        and window == rate_window(service)
        and {m.label for m in where} <= set(metric.labels)
        and set(series.by) <= set(metric.labels)
    )
    if not recorded:
        return promql.rate(series.events, series.matchers, str(window), by=series.by)
    record = promql.selector(
        names.rate_record(metric.name, metric.labels, str(window)), _service_matcher(service) + where
    )
    dropped = [label for label in metric.labels if label not in series.by]
    return f"sum without ({', '.join(dropped)}) ({record})" if dropped else record


def quantile_recorded(service: Service, series: Series, window: Duration) -> bool:
    """Whether the quantile of ``series`` is a record (then it carries a ``quantile`` label)."""
    return _where(service, series) == () and not series.by and window == rate_window(service)


def histogram_quantile(service: Service, series: Series, quantile: Decimal, window: Duration) -> str:
    """The quantile of a histogram over ``window``: the quantile record when the series is the
    whole service's histogram, else computed from the raw buckets."""
    metric = series.metric
    q = format_decimal(quantile)
    if quantile_recorded(service, series, window):
        return promql.selector(
            names.quantile_record(metric.name, str(window)), _service_matcher(service) + ((names.QUANTILE_LABEL, q),)
        )
    if metric.type == NATIVE:
        return promql.native_quantile(q, metric.name, series.matchers, str(window), series.by)
    return promql.quantile(q, metric.name, series.matchers, str(window), series.by)
