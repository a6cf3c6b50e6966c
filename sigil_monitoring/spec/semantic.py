"""Checks that span sections: references to the catalog, metric types, units, routes, SLO maths.

Each check returns ``(path, 'key' or 'value', message)`` so the loader can point at the line that
refers, not at the thing referred to.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from decimal import Decimal

from ..conventions import RESERVED_LABELS, TEAM_LABEL
from .document import Spec
from .refs import MetricRef
from .salvage import Broken
from .units import Threshold, format_decimal

Problem = tuple[tuple[object, ...], str, str]
_P = tuple[object, ...]

# Which metric types each use accepts, and a word for the fix hint.
_NEEDS = {
    "histogram": ({"histogram", "native_histogram"}, "a histogram"),
    "counter": ({"counter"}, "a counter"),
    "gauge": ({"gauge"}, "a gauge"),
    "any": ({"counter", "gauge", "histogram", "native_histogram"}, "a metric"),
}
# Threshold kinds that make sense for a metric unit (a plain number always does).
_KIND_WORDS = {"seconds": "a duration", "bytes": "a size", "ratio": "a percentage", "per_second": "a rate", "number": "a number"}
_UNIT_KINDS = {"seconds": {"seconds"}, "bytes": {"bytes"}, "percent": set(), "ratio": {"ratio"}, "none": set()}


def check(spec: Spec, broken: Broken | None = None) -> list[Problem]:
    """Every cross-section problem in ``spec``; references to ``broken`` names are not reported."""
    broken = broken or Broken()
    return [*_service(spec), *_refs(spec, broken), *_slos(spec), *_alerts(spec), *_dashboard(spec, broken), *_routing(spec, broken)]


def _service(spec: Spec) -> Iterator[Problem]:
    # A service label named like one we set would overwrite it on every rule, and alerts that
    # select their recording rules by `service` would then never match.
    for label in spec.service.labels:
        if label in RESERVED_LABELS or label == TEAM_LABEL:
            fix = "use service.team" if label == TEAM_LABEL else "remove it"
            yield ("service", "labels", label), "key", f"label '{label}' is set by the compiler ({fix})"


def _ref(spec: Spec, path: _P, ref: MetricRef, needs: str, broken: Broken) -> Iterator[Problem]:
    metric = spec.metrics.get(ref.metric)
    if metric is None and ref.metric in broken.metrics:
        return  # its definition already has an error
    if metric is None:
        close = difflib.get_close_matches(ref.metric, list(spec.metrics), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"declare it under metrics: or use one of {', '.join(spec.metrics)}"
        yield path, "value", f"unknown metric '{ref.metric}' ({hint})"
        return
    types, word = _NEEDS[needs]
    if metric.type not in types:
        yield path, "value", f"'{ref.metric}' is a {metric.type}, not {word} (name {word} from metrics: here)"
    for label in [*ref.where, *ref.by]:
        if label not in metric.labels and label not in spec.service.selector:
            yield path, "value", f"label '{label}' is not declared for metric '{ref.metric}' (add it to metrics.{ref.metric}.labels)"


def _refs(spec: Spec, broken: Broken) -> Iterator[Problem]:
    for name, slo in spec.slos.items():
        for field, ref in slo.sli.refs():
            needs = {"latency": "histogram", "up": "gauge"}.get(field, "counter")
            yield from _ref(spec, ("slos", name, "sli", field), ref, needs, broken)
    for name, alert in spec.alerts.items():
        for field, ref in alert.when.refs():
            needs = {"of": "histogram", "rate": "counter", "state": "gauge", "value": "gauge", "absent": "any"}.get(field, "counter")
            yield from _ref(spec, ("alerts", name, "when", *field.split(".")), ref, needs, broken)
    for r, row in enumerate(spec.dashboard.rows or []):
        for p, panel in enumerate(row.panels):
            for field, ref in panel.refs():
                needs = {"heatmap": "histogram", "percentiles": "histogram", "histogram": "histogram",
                         "timeline": "gauge", "rate": "counter", "error_ratio": "counter", "total": "counter"}.get(field, "any")
                yield from _ref(spec, ("dashboard", "rows", r, "panels", p, field), ref, needs, broken)


def _slos(spec: Spec) -> Iterator[Problem]:
    from ..burn_rates import burn_windows, error_budget, never_fires

    for name, slo in spec.slos.items():
        path = ("slos", name)
        budget = error_budget(slo.objective)
        for window in burn_windows(slo.window, spec.service.scrape_interval):
            tier = getattr(slo.alerting, window.tier)
            if tier.enabled and never_fires(window, budget):
                yield (*path, "objective"), "value", (
                    f"the {window.tier} tier can never fire: burn rate {window.factor} x error budget {budget} >= 1 "
                    f"(raise the objective, or set alerting.{window.tier}.enabled: false)"
                )
                break
        sli = slo.sli
        if sli.kind == "latency" and sli.latency is not None and sli.below is not None:
            yield from _latency_threshold(spec, (*path, "sli", "below"), sli.latency.metric, sli.below)
        if sli.error_ratio is not None:
            from ..promql import parses

            problem = parses(sli.error_ratio.replace("$window", "5m"))
            if problem:
                yield (*path, "sli", "error_ratio"), "value", f"error_ratio is not valid PromQL: {problem} (fix the expression)"
        for label in slo.group_by:
            declared = {lab for _, ref in sli.refs() if ref.metric in spec.metrics for lab in spec.metrics[ref.metric].labels}
            if sli.kind != "error_ratio" and label not in declared:
                yield (*path, "group_by"), "value", f"group_by label '{label}' is not a label of the SLI's metrics (declare it under metrics.<name>.labels)"
        for label in slo.alerting.labels:
            if label in RESERVED_LABELS:
                yield (*path, "alerting", "labels", label), "key", f"label '{label}' is set by the compiler (remove it)"


def _latency_threshold(spec: Spec, path: _P, metric_key: str, below: Threshold) -> Iterator[Problem]:
    metric = spec.metrics.get(metric_key)
    if metric is None:
        return
    if below.kind not in ("seconds", "number"):
        yield path, "value", f"latency threshold '{below.text}' is not a duration (write it like 1s or 250ms)"
        return
    bounds = metric.bucket_bounds
    if bounds and below.value not in bounds:
        shown = ", ".join(format_decimal(b) for b in bounds)
        yield path, "value", f"{below.text} is not a bucket boundary of '{metric_key}' (use one of {shown}, or add it to buckets)"


def _alerts(spec: Spec) -> Iterator[Problem]:
    for name, alert in spec.alerts.items():
        path = ("alerts", name)
        when = alert.when
        if when.state is not None and when.is_ is not None:
            metric = spec.metrics.get(when.state.metric)
            if metric is not None and metric.type == "gauge":
                if not metric.states:
                    yield (*path, "when", "state"), "value", f"'{when.state.metric}' has no states (add states: {{0: ok, 1: failing}} to the metric)"
                elif when.is_ not in metric.states.values():
                    yield (*path, "when", "is"), "value", f"'{when.is_}' is not a state of '{when.state.metric}' (use one of {', '.join(metric.states.values())})"
        threshold = when.above or when.below
        side = "above" if when.above is not None else "below"
        if threshold is not None:
            yield from _threshold_fits(spec, (*path, "when", side), when, threshold)
        if when.promql is not None:
            from ..promql import parses

            problem = parses(when.promql)
            if problem:
                yield (*path, "when", "promql"), "value", f"promql is not valid PromQL: {problem} (fix the expression)"
        for label in alert.labels:
            if label in RESERVED_LABELS:
                yield (*path, "labels", label), "key", f"label '{label}' is set by the compiler (use the alert's own field instead)"
        if when.ratio is not None:
            yield from _ratio_by(spec, (*path, "when", "ratio"), when.ratio.bad, when.ratio.total)


def _ratio_by(spec: Spec, path: _P, bad: MetricRef, total: MetricRef, sides: tuple[str, str] = ("bad", "total")) -> Iterator[Problem]:
    # A ratio (alert or panel) is computed per every `by` label of either side, so the other side
    # must carry the label too: errors per operation over all requests is a share of traffic, not an
    # error ratio.
    for side, ref, other in ((sides[0], bad, total), (sides[1], total, bad)):
        metric = spec.metrics.get(other.metric)
        if metric is None:
            continue  # reported by _refs
        for i, label in enumerate(ref.by):
            if label not in metric.labels and label not in spec.service.selector and label not in other.by:
                yield (*path, side, "by", i), "value", (
                    f"the ratio cannot be split by '{label}': '{other.metric}' has no such label "
                    f"(add it to metrics.{other.metric}.labels, or remove it from {side}.by to use the service's whole ratio)"
                )


def _threshold_fits(spec: Spec, path: _P, when: object, threshold: Threshold) -> Iterator[Problem]:
    kind = getattr(when, "kind")
    if kind == "rate":
        if threshold.kind not in ("per_second", "number"):
            yield path, "value", f"'{threshold.text}' is not a rate (write events per time, e.g. 1/min or 0.5/s)"
        return
    if kind == "ratio":
        if threshold.kind not in ("ratio", "number") or not Decimal(0) <= threshold.value <= 1:
            yield path, "value", f"'{threshold.text}' is not a ratio (write a percentage such as 5%, or a number from 0 to 1)"
        return
    ref = getattr(when, "of") or getattr(when, "value")
    metric = spec.metrics.get(ref.metric) if ref is not None else None
    needs = "histogram" if kind == "quantile" else "gauge"
    if metric is None or metric.type not in _NEEDS[needs][0] or threshold.kind == "number":
        return  # an unknown or mistyped metric is reported once, by _refs
    if threshold.kind == "per_second" or threshold.kind not in _UNIT_KINDS[metric.unit]:
        given = _KIND_WORDS[threshold.kind]
        if metric.unit == "none":
            fix = f"write a plain number, or declare the unit of metrics.{ref.metric}"
        else:
            fix = f"write a plain number or a value in {metric.unit}"
        yield path, "value", f"'{threshold.text}' is {given} but '{ref.metric}' is measured in {metric.unit} ({fix})"


def _dashboard(spec: Spec, broken: Broken) -> Iterator[Problem]:
    for r, row in enumerate(spec.dashboard.rows or []):
        for p, panel in enumerate(row.panels):
            if panel.slo is not None and panel.slo not in spec.slos and panel.slo not in broken.slos:
                close = difflib.get_close_matches(panel.slo, list(spec.slos), n=1)
                hint = f"did you mean '{close[0]}'?" if close else "name an SLO declared under slos:"
                yield ("dashboard", "rows", r, "panels", p, "slo"), "value", f"unknown SLO '{panel.slo}' ({hint})"
            if panel.error_ratio is not None and panel.total is not None:
                yield from _ratio_by(spec, ("dashboard", "rows", r, "panels", p), panel.error_ratio, panel.total, ("error_ratio", "total"))
            if panel.timeline is not None:
                metric = spec.metrics.get(panel.timeline.metric)
                if metric is not None and metric.type == "gauge" and not metric.states:
                    yield ("dashboard", "rows", r, "panels", p, "timeline"), "value", f"'{panel.timeline.metric}' has no states (add states: to the metric, or use a stat panel)"
    declared = {label for m in spec.metrics.values() for label in m.labels}
    for i, label in enumerate(spec.dashboard.variables):
        if label not in declared and label not in spec.service.selector:
            yield ("dashboard", "variables", i), "value", f"variable '{label}' is not a label of any metric (declare it under metrics.<name>.labels)"


def _routing(spec: Spec, broken: Broken) -> Iterator[Problem]:
    routing = spec.routing
    if routing is None:
        return
    names = list(routing.receivers)

    def receiver(path: _P, name: str) -> Iterator[Problem]:
        if name not in routing.receivers and name not in broken.receivers:
            close = difflib.get_close_matches(name, names, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"declare it under routing.receivers or use one of {', '.join(names)}"
            yield path, "value", f"unknown receiver '{name}' ({hint})"

    for i, route in enumerate(routing.routes):
        for j, name in enumerate(route.to):
            yield from receiver(("routing", "routes", i, "to", j) if len(route.to) > 1 else ("routing", "routes", i, "to"), name)
        for field in ("mute_when", "active_when"):
            for j, interval in enumerate(getattr(route, field)):
                if interval not in routing.mute and interval not in broken.intervals:
                    yield ("routing", "routes", i, field, j), "value", f"unknown time interval '{interval}' (declare it under routing.mute)"
        if route.severity is None and not route.match:
            yield ("routing", "routes", i), "key", "the route matches every alert (give severity: or match:, or use routing.default)"
    if routing.default is not None:
        yield from receiver(("routing", "default"), routing.default)
