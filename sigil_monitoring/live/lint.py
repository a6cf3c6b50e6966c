"""Lint a spec against a running Prometheus: do the metrics it names exist as it says they do?

Per catalog metric: the type (``/api/v1/metadata``, or the series' shape when Prometheus has no
metadata for it), every label, every label value a matcher pins (and every regex selecting
something), and for histograms a bucket at each latency threshold the spec uses. Then every panel
query and every rule expression must return data; when one does not, the selectors in it that
select nothing say why (a recording rule's name among them means the compiled rules are not
loaded in that Prometheus). Each finding points at the spec line it is about.

>>> print(Finding("specs/x.yaml", 12, 3, "metric x_total not found").github())
::error file=specs/x.yaml,line=12,col=3::metric x_total not found
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import msgspec
from msgspec.structs import asdict

from .. import conventions as names
from ..compilers import compiler
from ..compilers.prometheus import rule_files
from ..compilers.prometheus.rules import AlertingRule
from ..compilers.prometheus.sli import stageable
from ..ir.build import build_model
from ..ir.model import LatencySli, Metric, QuantileCondition, Service
from ..promql import selector, substitute_grafana_variables
from ..spec.document import Spec
from ..values.matchers import Matcher
from .labels import service_series

HISTOGRAMS = ("histogram", "native_histogram")


class Finding(msgspec.Struct, frozen=True):
    file: str
    line: int
    col: int
    message: str

    def text(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: finding: {self.message}"

    def github(self) -> str:
        """A GitHub Actions workflow command: an annotation on the spec line."""
        message = self.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return f"::error file={self.file},line={self.line},col={self.col}::{message}"


class Prometheus:
    """The few read-only API calls the lint makes (proxies from the environment apply)."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url, self.timeout = url.rstrip("/"), timeout

    def get(self, path: str, **params: str) -> Any:
        query = ("?" + urllib.parse.urlencode(params)) if params else ""
        with urllib.request.urlopen(self.url + path + query, timeout=self.timeout) as reply:
            body = json.loads(reply.read())
        if body.get("status") != "success":
            raise RuntimeError(f"Prometheus {path}: {body.get('error', body)}")
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        return list(self.get("/api/v1/query", query=expr)["result"])

    def has(self, expr: str) -> bool:
        return bool(self.query(expr))


def _at(spec: Spec, *path: object) -> tuple[str, int, int]:
    source = spec._source
    if source is None:
        return (f"{spec.service.name}.yaml", 1, 1)
    line, col = source.position(tuple(path), at="key")
    return source.display, line, col


def _metric_selector(service: Service, name: str, extra: tuple[Matcher, ...] = ()) -> str:
    return selector(name, tuple(service.selector) + extra)


def _sample_name(metric: Metric) -> str:
    return names.bucket_series(metric.name) if metric.type == "histogram" else metric.name


def _metric_findings(prom: Prometheus, spec: Spec, service: Service, metadata: dict[str, Any]) -> Iterator[Finding]:
    for metric in {m.name: m for m in service.metrics}.values():
        where = _at(spec, "metrics", metric.key)
        sample = _sample_name(metric)
        if not prom.has(_metric_selector(service, sample)):
            shape = (
                " (no _bucket series: is it a summary or a native histogram?)"
                if metric.type == "histogram" and prom.has(_metric_selector(service, metric.name + "_count"))
                else ""
            )
            yield Finding(*where, f"metric {metric.name} not found for {_metric_selector(service, '')}{shape}")
            continue
        declared = "histogram" if metric.type in HISTOGRAMS else metric.type
        exposed = {m.get("type") for m in metadata.get(metric.name, [])} - {"unknown", "untyped", None}
        if exposed and declared not in exposed:
            yield Finding(
                *where,
                f"metric {metric.name} is declared {metric.type} but Prometheus has it as {', '.join(sorted(exposed))}",
            )
        for label in metric.labels:
            if not prom.has(_metric_selector(service, sample, (Matcher(label, "!=", ""),))):
                yield Finding(*where, f"metric {metric.name} has no label {label}")
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


def _bucket_findings(
    prom: Prometheus, spec: Spec, service: Service, metric: Metric, where: tuple[str, int, int]
) -> Iterator[Finding]:
    wanted = list(_thresholds(service, metric))
    if not wanted:
        return
    found = prom.get(
        "/api/v1/label/le/values", **{"match[]": _metric_selector(service, names.bucket_series(metric.name))}
    )
    bounds = {Decimal(v) for v in found if v not in ("+Inf", "-Inf", "NaN")}
    for value, who in wanted:
        if value not in bounds:
            yield Finding(
                *where,
                f"histogram {metric.name} has no bucket at {value.normalize()} ({who} uses it as a "
                f"threshold; buckets: {', '.join(str(b.normalize()) for b in sorted(bounds)) or 'none'})",
            )


def _pinned_findings(prom: Prometheus, spec: Spec, service: Service) -> Iterator[Finding]:
    seen: set[tuple[str, Matcher]] = set()
    for series in service_series(service):
        extra = tuple(m for m in series.matchers if m not in service.selector)
        for m in extra:
            if (series.metric.name, m) in seen:
                continue
            seen.add((series.metric.name, m))
            if not prom.has(_metric_selector(service, _sample_name(series.metric), (m,))):
                what = "no series has" if m.op == "=" else "no series matches"
                yield Finding(
                    *_at(spec, "metrics", series.metric.key),
                    f"{what} {m.text()} on {series.metric.name} (the spec pins it)",
                )


def _selectors(node: Any) -> Iterator[str]:
    """Every vector selector in a parsed PromQL expression, as text."""
    import promql_parser

    if isinstance(node, promql_parser.VectorSelector):
        yield str(node)
        return
    for attr in ("lhs", "rhs", "expr", "vector_selector", "param"):
        child = getattr(node, attr, None)
        if child is not None:
            yield from _selectors(child)
    for arg in getattr(node, "args", None) or ():
        yield from _selectors(arg)


def _why_empty(prom: Prometheus, expr: str) -> str:
    import promql_parser

    empty = [s for s in dict.fromkeys(_selectors(promql_parser.parse(expr))) if not prom.has(s)]
    if not empty:
        return "every series it reads exists; the expression itself filters everything out"
    records = [s for s in empty if ":" in s.split("{")[0]]
    hint = " (recording rules: are the compiled rules loaded in this Prometheus?)" if records else ""
    return f"selects nothing: {', '.join(empty)}{hint}"


def _rule_findings(prom: Prometheus, spec: Spec, service: Service) -> Iterator[Finding]:
    import promql_parser

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
                    empty = [s for s in dict.fromkeys(_selectors(promql_parser.parse(rule.expr))) if not prom.has(s)]
                    if empty and not rule.expr.startswith("absent("):
                        yield Finding(*where, f"alert {rule.alert} reads series that do not exist: {', '.join(empty)}")
                elif not prom.has(rule.expr):
                    where = (
                        _at(spec, "slos", labels[names.SLO_LABEL])
                        if names.SLO_LABEL in labels
                        else _at(spec, "metrics")
                    )
                    yield Finding(
                        *where, f"recording rule {rule.record} returns no data: {_why_empty(prom, rule.expr)}"
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


def lint(specs: list[Spec], prometheus_url: str) -> list[Finding]:
    """Every finding of every spec against the Prometheus at ``prometheus_url``."""
    prom = Prometheus(prometheus_url)
    model = build_model(specs)
    metadata = prom.get("/api/v1/metadata")
    findings: list[Finding] = []
    for spec, service in zip(specs, model.services, strict=True):
        findings += _metric_findings(prom, spec, service, metadata)
        findings += _pinned_findings(prom, spec, service)
        findings += _rule_findings(prom, spec, service)
        for title, expr in _panel_queries(service, model):
            query = _grafana_expr(expr, service)
            if not prom.has(query):
                findings.append(
                    Finding(
                        *_at(spec, "dashboard"), f"panel '{title}' query returns no data: {_why_empty(prom, query)}"
                    )
                )
    return list(dict.fromkeys(findings))


def render_findings(findings: list[Finding], fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"findings": [asdict(f) for f in findings]}, indent=2, sort_keys=True) + "\n"
    lines = [f.github() if fmt == "github" else f.text() for f in findings]
    return "".join(line + "\n" for line in lines)
