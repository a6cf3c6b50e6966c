"""A promtool sample check of the service recording rules: known inputs, exact recorded values.

Counters grow at exactly 1/s, so every rate record is 1. Histograms put every observation in
the first bucket ``(0, b0]``; histogram_quantile then returns ``b0 * q``, computed here with the
same float operations Prometheus uses, because promtool compares sample values exactly.
"""

from __future__ import annotations

from decimal import Decimal

from .... import conventions as names
from .... import promql
from ....defaults import DEFAULT_BUCKETS
from ....ir.model import Series, Service
from ....values.units import Duration, format_decimal
from .. import recording
from ..rules import merge_labels
from . import inputs
from .model import EVALUATION_INTERVAL, ExprCase, Sample, TestFile, TestGroup

EVAL_AT = Duration.parse("10m")


def recording_test(service: Service, rule_file: str) -> TestFile | None:
    samples = EVAL_AT.ms // EVALUATION_INTERVAL.ms + 1
    window = str(recording.rate_window(service))
    one = Decimal(1)
    feed, cases = [], []

    def check(record: str, labels: tuple[tuple[str, str], ...], value: Decimal) -> None:
        full = merge_labels(service.labels, labels)
        selector = promql.selector(record, ((names.SERVICE_LABEL, service.name), *labels))
        cases.append(ExprCase(selector, EVAL_AT, (Sample(promql.selector(record, full), value),)))

    quantiles = recording.quantile_index(service)
    for metric in service.metrics:
        series = Series(metric, service.selector)
        if metric.type == "counter":
            fed = inputs.labels_of(series)
            feed.append(inputs.counter(metric.name, fed, one, samples))
            # A label both the metric declares and the selector fixes (ingress-nginx's
            # ``ingress``) keeps the selector's value in the input, so the record has it too.
            values = dict(fed)
            own = tuple((label, values[label]) for label in metric.labels)
            check(names.rate_record(metric.name, metric.labels, window), own, one)
        elif metric.type == recording.CLASSIC:
            first = (metric.buckets or DEFAULT_BUCKETS)[0]
            feed += inputs.buckets(series, Decimal(0), first, one, samples)
            check(names.rate_record(names.count_series(metric.name), (), window), (), one)
            for q in quantiles.get(metric, recording.BASE_QUANTILES):
                value = Decimal(repr(0.0 + (float(first) - 0.0) * (float(q) / 1.0)))
                check(names.quantile_record(metric.name, window), ((names.QUANTILE_LABEL, format_decimal(q)),), value)
    if not cases:
        return None
    return TestFile(
        names.rule_test_path(service.name, names.RECORDING_TEST),
        (rule_file,),
        (TestGroup(tuple(feed), (), tuple(cases)),),
    )
