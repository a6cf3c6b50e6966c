"""Lint a spec against a running Prometheus: do the metrics it names exist as it says they do?

Per catalog metric: the type (``/api/v1/metadata``, or the series' shape when Prometheus has no
metadata for it), every label, every label value a matcher pins (and every regex selecting
something), and for histograms a bucket at each latency threshold the spec uses. These are the
root causes. Then every panel query and every rule expression must return data; when one does
not, the selectors in it that select nothing are traced to a root cause (a missing metric, label
value or bucket; recording rules that Prometheus has not loaded, checked in ``/api/v1/rules``),
and the finding of that cause lists every alert, rule and panel it empties: one line per cause.
What no cause explains is a finding of its own. Each finding points at the spec line it is about.

>>> print(Finding("specs/x.yaml", 12, 3, "metric x_total not found", ("alert XDown",)).github())
::error file=specs/x.yaml,line=12,col=3::metric x_total not found; affects alert XDown
>>> print(Finding("x.yaml", 1, 1, "label \x1b]0;pwned\x07").text())
x.yaml:1:1: finding: label \\x1b]0;pwned\\x07
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from msgspec.structs import asdict

from .. import conventions as names
from ..compilers import compiler
from ..compilers.prometheus import rule_files
from ..compilers.prometheus.rules import AlertingRule
from ..compilers.prometheus.sli import stageable
from ..ir.build import build_model
from ..ir.model import LatencySli, Metric, QuantileCondition, Service
from ..promql import selector, substitute_grafana_variables
from ..remote.http import Budget
from ..spec.document import Spec
from ..values.matchers import Matcher
from .labels import service_series
from .lint_causes import (
    RULE,
    Cause,
    Causes,
    Finding,
    MissingBucket,
    MissingLabel,
    MissingMetric,
    MissingValue,
    Reader,
)
from .prometheus_api import Prometheus

HISTOGRAMS = ("histogram", "native_histogram")


def _at(spec: Spec, *path: object) -> tuple[str, int, int]:
    source = spec._source
    if source is None:
        return (f"{spec.service.name}.yaml", 1, 1)
    file, line, col = source.locate(tuple(path), at="key")
    return str(file), int(line), int(col)


def _metric_selector(service: Service, name: str, extra: tuple[Matcher, ...] = ()) -> str:
    return selector(name, tuple(service.selector) + extra)


def _sample_name(metric: Metric) -> str:
    return names.bucket_series(metric.name) if metric.type == "histogram" else metric.name


def _metric_findings(
    prom: Reader, spec: Spec, service: Service, metadata: dict[str, Any]
) -> Iterator[tuple[Cause | None, Finding]]:
    for metric in {m.name: m for m in service.metrics}.values():
        where = _at(spec, "metrics", metric.key)
        sample = _sample_name(metric)
        if not prom.has(_metric_selector(service, sample)):
            shape = (
                " (no _bucket series: is it a summary or a native histogram?)"
                if metric.type == "histogram" and prom.has(_metric_selector(service, metric.name + "_count"))
                else ""
            )
            found = f"metric {metric.name} not found for {_metric_selector(service, '')}{shape}"
            yield MissingMetric(metric.name), Finding(*where, found)
            continue
        declared = "histogram" if metric.type in HISTOGRAMS else metric.type
        exposed = {m.type for m in metadata.get(metric.name, [])} - {"unknown", "untyped", ""}
        if exposed and declared not in exposed:
            yield (
                None,
                Finding(
                    *where,
                    f"metric {metric.name} is declared {metric.type} but Prometheus has it as "
                    f"{', '.join(sorted(exposed))}",
                ),
            )
        for label in metric.labels:
            if not prom.has(_metric_selector(service, sample, (Matcher(label, "!=", ""),))):
                yield MissingLabel(metric.name, label), Finding(*where, f"metric {metric.name} has no label {label}")
        if metric.type == "histogram":
            yield from _bucket_findings(prom, spec, service, metric, where)


def _thresholds(service: Service, metric: Metric) -> Iterator[tuple[Decimal, str]]:
    for alert in service.alerts:
        match alert.condition:
            case QuantileCondition(series=series, compare=compare) if series.metric.name == metric.name:
                yield compare.threshold.value, f"alert {alert.name}"
    for slo in service.slos:
        match stageable(slo.sli):
            case LatencySli(histogram=histogram, below=below) if histogram.metric.name == metric.name:
                yield below, f"SLO {slo.name}"


def _bound(text: str) -> Decimal | None:
    """A bucket's ``le`` as a number; None for ``+Inf`` and for what no histogram writes."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _bucket_findings(
    prom: Reader, spec: Spec, service: Service, metric: Metric, where: tuple[str, int, int]
) -> Iterator[tuple[Cause | None, Finding]]:
    wanted = list(_thresholds(service, metric))
    if not wanted:
        return
    # The label-values API with a match[] selector: which `le` the buckets of this service have.
    found = prom.label_values("le", _metric_selector(service, names.bucket_series(metric.name)))
    bounds = sorted({b for b in map(_bound, found) if b is not None})
    shown = ", ".join(str(b.normalize()) for b in bounds[:30]) + (", …" if len(bounds) > 30 else "")
    for value, who in wanted:
        if value not in bounds:
            bound = value.normalize()
            yield (
                MissingBucket(metric.name, str(bound)),
                Finding(
                    *where,
                    f"histogram {metric.name} has no bucket at le={bound}, the threshold {who} uses (its buckets: "
                    f"{shown or 'none'}); add a {bound} bucket to the histogram where the service defines it, "
                    "or use one of these bounds as the threshold",
                ),
            )


def _pinned_findings(prom: Reader, spec: Spec, service: Service) -> Iterator[tuple[Cause | None, Finding]]:
    seen: set[tuple[str, Matcher]] = set()
    for series in service_series(service):
        extra = tuple(m for m in series.matchers if m not in service.selector)
        for m in extra:
            if (series.metric.name, m) in seen:
                continue
            seen.add((series.metric.name, m))
            if not prom.has(_metric_selector(service, _sample_name(series.metric), (m,))):
                what = "no series has" if m.op == "=" else "no series matches"
                yield (
                    MissingValue(series.metric.name, m),
                    Finding(
                        *_at(spec, "metrics", series.metric.key),
                        f"{what} {m.text()} on {series.metric.name} (the spec pins it)",
                    ),
                )


def _panel_queries(service: Service, model: Any) -> Iterator[tuple[str, str]]:
    classic = names.dashboard_path(service.name, "classic")
    for artifact in compiler("grafana")(model):
        if artifact.path != classic:
            continue
        dashboard = json.loads(artifact.render())

        def walk(panels: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
            for panel in panels:
                for target in panel.get("targets", []):
                    if target.get("expr"):
                        yield panel.get("title", ""), target["expr"]
                yield from walk(panel.get("panels", []))

        yield from walk(dashboard.get("panels", []))


def _grafana_expr(expr: str, service: Service) -> str:
    # Dashboard variables are multi-value regex matchers: "All" is ".*". The interval variables
    # then get promql's sample values, as `validate` checks promql panels.
    for label in service.dashboard.variables:
        expr = expr.replace(f'"${label}"', '".*"').replace(f'"${{{label}}}"', '".*"')
    return substitute_grafana_variables(expr)


def _service_findings(
    prom: Reader, spec: Spec, service: Service, model: Any, metadata: dict[str, Any]
) -> list[Finding]:
    causes = Causes(prom, service, _at(spec, "service", "name"))
    for cause, finding in [
        *_metric_findings(prom, spec, service, metadata),
        *_pinned_findings(prom, spec, service),
    ]:
        causes.add(cause, finding)
    for rule_file in rule_files(service):
        for group in rule_file.groups:
            for rule in group.rules:
                labels = dict(rule.labels)
                if isinstance(rule, AlertingRule):
                    where = (
                        _at(spec, "alerts", rule.alert)
                        if rule.alert in spec.alerts
                        else _at(spec, "slos", labels.get(names.SLO_LABEL, ""))
                    )
                    # An alert that is not firing returns nothing by design: what it reads must exist.
                    if not rule.expr.startswith("absent("):
                        causes.reads(f"alert {rule.alert}", where, rule.expr)
                else:
                    causes.records.setdefault(rule.record, []).append((labels, rule.expr))
                    where = (
                        _at(spec, "slos", labels[names.SLO_LABEL])
                        if names.SLO_LABEL in labels
                        else _at(spec, "metrics")
                    )
                    causes.returns(RULE + rule.record, where, rule.expr)
    for title, expr in _panel_queries(service, model):
        causes.returns(f"panel '{title}'", _at(spec, "dashboard"), _grafana_expr(expr, service))
    return causes.findings()


def lint(specs: list[Spec], prometheus_url: str, budget: Budget) -> list[Finding]:
    """Every finding of every spec against the Prometheus at ``prometheus_url``, one per root cause;
    ``RemoteError`` when Prometheus cannot be asked or answers out of shape."""
    prom = Reader(Prometheus(prometheus_url, budget))
    model = build_model(specs)
    metadata = prom.api.metadata()
    prom.loaded()  # before any query: waits for rules loaded moments ago to be evaluated once
    findings: list[Finding] = []
    for spec, service in zip(specs, model.services, strict=True):
        findings += _service_findings(prom, spec, service, model, metadata)
    return list(dict.fromkeys(findings))


def render_findings(findings: list[Finding], fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"findings": [asdict(f) for f in findings]}, indent=2, sort_keys=True) + "\n"
    lines = [f.github() if fmt == "github" else f.text() for f in findings]
    return "".join(line + "\n" for line in lines)
