"""Checks that span sections: references to the catalog, metric types, units, routes, SLO maths.

Each check returns ``(path, 'key' or 'value', message)`` so the loader can point at the line that
refers, not at the thing referred to.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from ..conventions import RESERVED_LABELS, TEAM_LABEL
from ..values.units import Threshold, format_decimal
from .salvage import Broken

if TYPE_CHECKING:
    from .alerts import Condition
    from .document import Spec
    from .refs import MetricRef

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
_KIND_WORDS = {
    "seconds": "a duration",
    "bytes": "a size",
    "ratio": "a percentage",
    "per_second": "a rate",
    "number": "a number",
}
_UNIT_KINDS = {"seconds": {"seconds"}, "bytes": {"bytes"}, "percent": set(), "ratio": {"ratio"}, "none": set()}


def check(spec: Spec, broken: Broken | None = None) -> list[Problem]:
    """Every cross-section problem in ``spec``; references to ``broken`` names are not reported."""
    broken = broken or Broken()
    from .collisions import collisions

    return [
        *_service(spec),
        *_derived(spec, broken),
        *_refs(spec, broken),
        *_slos(spec),
        *_alerts(spec),
        *_dashboard(spec, broken),
        *_routing(spec, broken),
        *collisions(spec),
    ]


def _derived(spec: Spec, broken: Broken) -> Iterator[Problem]:
    # Spec resolves a derived entry whose base is a plain catalog entry; anything else stays
    # unresolved (type None) and is reported here, once.
    for key, metric in spec.metrics.items():
        if metric.from_ is None or metric.type is not None or metric.from_ in broken.metrics:
            continue
        base = spec.metrics.get(metric.from_)
        path = ("metrics", key, "from")
        if base is None:
            close = difflib.get_close_matches(metric.from_, list(spec.metrics), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "name a metric declared under metrics:"
            yield path, "value", f"unknown metric '{metric.from_}' ({hint})"
        else:
            yield (
                path,
                "value",
                f"'{metric.from_}' is itself derived (derive from '{base.from_}' and put both where: in one entry)",
            )
    for key, metric in spec.metrics.items():
        if metric.from_ is not None and metric.type is not None:
            for label in metric.where:
                if label not in metric.labels and label not in spec.service.selector:
                    yield (
                        ("metrics", key, "where", label),
                        "key",
                        (
                            f"label '{label}' is not declared for metric '{metric.from_}' (add it to "
                            f"metrics.{metric.from_}.labels)"
                        ),
                    )


def _service(spec: Spec) -> Iterator[Problem]:
    # A service label named like one we set would overwrite it on every rule, and alerts that
    # select their recording rules by `service` would then never match.
    for label in spec.service.labels:
        if label in RESERVED_LABELS or label == TEAM_LABEL:
            fix = "use service.team" if label == TEAM_LABEL else "remove it"
            yield ("service", "labels", label), "key", f"label '{label}' is set by the compiler ({fix})"
    # Histogram queries match and group by `le` themselves; a service-wide `le` matcher would keep
    # one bucket of every histogram and make every quantile NaN.
    if "le" in spec.service.selector:
        yield (
            ("service", "selector", "le"),
            "key",
            "selector label 'le' is the histogram bucket label (select the service by job, namespace or "
            "similar labels instead)",
        )
    # A matcher only the empty value satisfies (job: "") selects only series without the label: the
    # service would have no series of its own, and the generated tests could feed none.
    for label, matcher in spec.service.selector.items():
        if matcher.op in ("=", "=~") and matcher.value in ("", "^$"):
            yield (
                ("service", "selector", label),
                "value",
                (
                    f"selector {matcher.text()} matches only series without the label '{label}' "
                    "(give the value the service's series carry, or remove the label)"
                ),
            )


def _ref(spec: Spec, path: _P, ref: MetricRef, needs: str, broken: Broken) -> Iterator[Problem]:
    metric = spec.metrics.get(ref.metric)
    if metric is None and ref.metric in broken.metrics:
        return  # its definition already has an error
    if metric is None:
        close = difflib.get_close_matches(ref.metric, list(spec.metrics), n=1)
        hint = (
            f"did you mean '{close[0]}'?"
            if close
            else f"declare it under metrics: or use one of {', '.join(spec.metrics)}"
        )
        yield path, "value", f"unknown metric '{ref.metric}' ({hint})"
        return
    if metric.type is None:
        return  # a derived entry whose base is missing: reported by _derived
    types, word = _NEEDS[needs]
    if metric.type not in types:
        yield path, "value", f"'{ref.metric}' is a {metric.type}, not {word} (name {word} from metrics: here)"
    for label in [*ref.where, *ref.by]:
        if label not in metric.labels and label not in spec.service.selector:
            yield (
                path,
                "value",
                f"label '{label}' is not declared for metric '{ref.metric}' (add it to metrics.{ref.metric}.labels)",
            )


def _refs(spec: Spec, broken: Broken) -> Iterator[Problem]:
    for name, slo in spec.slos.items():
        for field, ref in slo.sli.refs():
            needs = {"latency": "histogram", "up": "gauge"}.get(field, "counter")
            yield from _ref(spec, ("slos", name, "sli", field), ref, needs, broken)
    for name, alert in spec.alerts.items():
        for field, ref in alert.when.refs():
            needs = {
                "of": "gauge" if alert.when.is_gauge_ratio else "histogram",
                "rate": "counter",
                "state": "gauge",
                "value": "gauge",
                "absent": "any",
            }.get(field, "counter")
            yield from _ref(spec, ("alerts", name, "when", *field.split(".")), ref, needs, broken)
    for r, row in enumerate(spec.dashboard.rows or []):
        for p, panel in enumerate(row.panels):
            for field, ref in panel.refs():
                needs = {
                    "heatmap": "histogram",
                    "percentiles": "histogram",
                    "histogram": "histogram",
                    "timeline": "gauge",
                    "rate": "counter",
                    "error_ratio": "counter",
                    "total": "counter",
                    "of": "gauge",
                }.get(field, "any")
                yield from _ref(spec, ("dashboard", "rows", r, "panels", p, field), ref, needs, broken)


def _slos(spec: Spec) -> Iterator[Problem]:
    from ..values.burn_rates import burn_windows, can_fire, error_budget, lowest_objective_for

    for name, slo in spec.slos.items():
        path = ("slos", name)
        budget = error_budget(slo.objective)
        windows = burn_windows(slo.window, spec.service.scrape_interval)
        for tier_name in ("page", "ticket"):
            tier = tuple(w for w in windows if w.tier == tier_name)
            # A pair that cannot fire is left out of the rule (ir.build); only a tier left with
            # no pair at all is a mistake worth stopping for.
            if getattr(slo.alerting, tier_name).enabled and not any(can_fire(w, budget) for w in tier):
                thresholds = " and ".join(f"{w.factor} x {budget}" for w in tier)
                yield (
                    (*path, "objective"),
                    "value",
                    (
                        f"the {tier_name} tier can never fire: its burn thresholds (factor x error budget) "
                        f"{thresholds} are all >= 1, above any error ratio (raise the objective to at least "
                        f"{lowest_objective_for(tier)} %, or set alerting.{tier_name}.enabled: false)"
                    ),
                )
        sli = slo.sli
        if sli.kind == "latency" and sli.latency is not None and sli.below is not None:
            yield from _latency_threshold(spec, (*path, "sli", "below"), sli.latency.metric, sli.below)
        if sli.error_ratio is not None:
            from ..promql import parses

            problem = parses(sli.error_ratio.replace("$window", "5m"))
            if problem:
                yield (
                    (*path, "sli", "error_ratio"),
                    "value",
                    f"error_ratio is not valid PromQL: {problem} (fix the expression)",
                )
        for label in slo.group_by:
            declared = {
                lab for _, ref in sli.refs() if ref.metric in spec.metrics for lab in spec.metrics[ref.metric].labels
            }
            if sli.kind != "error_ratio" and label not in declared:
                yield (
                    (*path, "group_by"),
                    "value",
                    f"group_by label '{label}' is not a label of the SLI's metrics (declare it under "
                    "metrics.<name>.labels)",
                )
        for label in slo.alerting.labels:
            if label in RESERVED_LABELS:
                yield (*path, "alerting", "labels", label), "key", f"label '{label}' is set by the compiler (remove it)"
        yield from _own_annotations((*path, "alerting", "annotations"), slo.alerting.annotations)
        for tier_key in ("page", "ticket"):
            options = getattr(slo.alerting, tier_key)
            for label in options.labels:
                if label in RESERVED_LABELS:
                    yield (
                        (*path, "alerting", tier_key, "labels", label),
                        "key",
                        f"label '{label}' is set by the compiler (remove it)",
                    )
            yield from _own_annotations((*path, "alerting", tier_key, "annotations"), options.annotations)


# Annotations the compiler writes on every alert; the spec sets their text through its own fields.
_OWN_ANNOTATIONS = {"summary": "summary", "description": "description", "runbook_url": "runbook", "dashboard_url": None}


def _own_annotations(path: _P, annotations: dict[str, str]) -> Iterator[Problem]:
    for key in annotations:
        if key in _OWN_ANNOTATIONS:
            field = _OWN_ANNOTATIONS[key]
            fix = f"use the {field}: field instead" if field else "it always opens the alert's panel; remove it"
            yield (*path, key), "key", f"annotation '{key}' is written by the compiler ({fix})"


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
        yield (
            path,
            "value",
            f"{below.text} is not a bucket boundary of '{metric_key}' (use one of {shown}, or add it to buckets)",
        )


def _alerts(spec: Spec) -> Iterator[Problem]:
    for name, alert in spec.alerts.items():
        path = ("alerts", name)
        when = alert.when
        if when.state is not None and when.is_ is not None:
            metric = spec.metrics.get(when.state.metric)
            if metric is not None and metric.type == "gauge":
                if not metric.states:
                    yield (
                        (*path, "when", "state"),
                        "value",
                        f"'{when.state.metric}' has no states (add states: {{0: ok, 1: failing}} to the metric)",
                    )
                elif when.is_ not in metric.states.values():
                    yield (
                        (*path, "when", "is"),
                        "value",
                        f"'{when.is_}' is not a state of '{when.state.metric}' (use one of "
                        f"{', '.join(metric.states.values())})",
                    )
        threshold = when.above or when.below
        side = "above" if when.above is not None else "below"
        if threshold is not None:
            yield from _threshold_fits(spec, (*path, "when", side), when, threshold)
            yield from _quantile_reachable(spec, (*path, "when", side), when, threshold)
        if when.promql is not None:
            from ..promql import parses

            problem = parses(when.promql)
            if problem:
                yield (*path, "when", "promql"), "value", f"promql is not valid PromQL: {problem} (fix the expression)"
        for label in alert.labels:
            if label in RESERVED_LABELS:
                yield (
                    (*path, "labels", label),
                    "key",
                    f"label '{label}' is set by the compiler (use the alert's own field instead)",
                )
        yield from _own_annotations((*path, "annotations"), alert.annotations)
        if when.absent is not None and alert.for_ is not None and alert.for_.ms == 0:
            # absent() is true whenever no sample is in the lookback window, e.g. while Prometheus
            # starts after more than 5m down, or between a target's restart and its next scrape.
            yield (
                (*path, "for"),
                "value",
                (
                    "an absent alert with for: 0s fires on every short gap in the series "
                    "(give it a few scrape intervals, e.g. for: 5m)"
                ),
            )
        if "slos" in alert.inhibit_targets and not spec.slos:
            yield (*path, "inhibits"), "value", "inhibits slos, but the service has no SLOs (remove slos from inhibits)"
        if when.ratio is not None:
            yield from _ratio_by(spec, (*path, "when", "ratio"), when.ratio.bad, when.ratio.total)
        if when.is_gauge_ratio and when.value is not None and when.of is not None:
            yield from _share_by(spec, (*path, "when"), when.value, when.of)
        if alert.panel is not None:
            yield from _panel_named(spec, (*path, "panel"), alert.panel)
        if alert.test is not None and when.kind != "promql":
            yield (
                (*path, "test"),
                "key",
                "test: is only for promql alerts; the other kinds get generated inputs (remove it)",
            )
        if (
            alert.test is not None
            and alert.test.firing
            and alert.test.value is None
            and any(
                "$value" in text or ".Value" in text
                for text in (alert.summary or "", alert.description or "{{ $value }}")
            )
        ):
            yield (
                (*path, "test"),
                "key",
                "the alert's texts show $value (give test.value: the expression's value under the firing series)",
            )


def _share_by(spec: Spec, path: _P, value: MetricRef, of: MetricRef) -> Iterator[Problem]:
    # value / of is computed per the `by` labels of value; `of` may lack some (then it is matched
    # on those it has, group_left), but a label `of` is split by must be on `value` too.
    metric = spec.metrics.get(value.metric)
    if metric is None:
        return
    for i, label in enumerate(of.by):
        if label not in metric.labels and label not in spec.service.selector and label not in value.by:
            yield (
                (*path, "of", "by", i),
                "value",
                (
                    f"the share cannot be split by '{label}': '{value.metric}' has no such label "
                    f"(add it to metrics.{value.metric}.labels, or remove it from of.by)"
                ),
            )


def _panel_named(spec: Spec, path: _P, title: str) -> Iterator[Problem]:
    from ..ir.dashboard_plan import panel_titles

    titles = panel_titles(spec)
    if titles.count(title) > 1:
        yield path, "value", f"two panels are titled '{title}' (give one of them its own title:)"
    elif title not in titles:
        close = difflib.get_close_matches(title, titles, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "name the title of a panel under dashboard.rows"
        yield path, "value", f"no panel is titled '{title}' ({hint})"


def _ratio_by(
    spec: Spec, path: _P, bad: MetricRef, total: MetricRef, sides: tuple[str, str] = ("bad", "total")
) -> Iterator[Problem]:
    # A ratio (alert or panel) is computed per every `by` label of either side, so the other side
    # must carry the label too: errors per operation over all requests is a share of traffic, not an
    # error ratio.
    for side, ref, other in ((sides[0], bad, total), (sides[1], total, bad)):
        metric = spec.metrics.get(other.metric)
        if metric is None:
            continue  # reported by _refs
        for i, label in enumerate(ref.by):
            if label not in metric.labels and label not in spec.service.selector and label not in other.by:
                yield (
                    (*path, side, "by", i),
                    "value",
                    (
                        f"the ratio cannot be split by '{label}': '{other.metric}' has no such label "
                        f"(add it to metrics.{other.metric}.labels, or remove it from {side}.by to use the "
                        "service's whole ratio)"
                    ),
                )


def _quantile_reachable(spec: Spec, path: _P, when: Condition, threshold: Threshold) -> Iterator[Problem]:
    # histogram_quantile never returns more than the highest finite bucket boundary (observations
    # in +Inf are reported at it), so "above" that boundary can never fire.
    if when.kind != "quantile" or when.above is None:
        return
    ref = when.of
    if ref is None:
        return
    metric = spec.metrics.get(ref.metric)
    if metric is None or metric.type != "histogram" or not metric.buckets:
        return
    top = max(metric.bucket_bounds)
    if threshold.value >= top:
        yield (
            path,
            "value",
            (
                f"the alert can never fire: histogram_quantile of '{ref.metric}' is at most its "
                f"highest bucket boundary {format_decimal(top)}, which {threshold.text} does not "
                "stay below (add a larger bucket, or lower the threshold)"
            ),
        )


def _threshold_fits(spec: Spec, path: _P, when: Condition, threshold: Threshold) -> Iterator[Problem]:
    kind = when.kind
    if kind == "rate":
        if threshold.kind not in ("per_second", "number"):
            yield path, "value", f"'{threshold.text}' is not a rate (write events per time, e.g. 1/min or 0.5/s)"
        return
    if kind == "value" and when.of is not None:
        if threshold.kind not in ("ratio", "number") or threshold.value < 0:
            yield (
                path,
                "value",
                f"'{threshold.text}' is not a share (write a percentage such as 90%, or a number such as 0.9)",
            )
        return
    if kind == "promql":
        unit = when.unit or "none"
        if threshold.kind != "number" and (threshold.kind == "per_second" or threshold.kind not in _UNIT_KINDS[unit]):
            yield (
                path,
                "value",
                (
                    f"'{threshold.text}' is {_KIND_WORDS[threshold.kind]} but the promql condition has "
                    f"{'no unit' if unit == 'none' else 'unit ' + unit} (write a plain number, or set unit:)"
                ),
            )
        return
    if kind == "ratio":
        if threshold.kind not in ("ratio", "number") or not Decimal(0) <= threshold.value <= 1:
            yield (
                path,
                "value",
                f"'{threshold.text}' is not a ratio (write a percentage such as 5%, or a number from 0 to 1)",
            )
        return
    ref = when.of or when.value
    if ref is None:
        return
    metric = spec.metrics.get(ref.metric)
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
                yield from _ratio_by(
                    spec,
                    ("dashboard", "rows", r, "panels", p),
                    panel.error_ratio,
                    panel.total,
                    ("error_ratio", "total"),
                )
            if panel.of is not None and panel.kind in ("stat", "gauge"):
                value = getattr(panel, panel.kind)
                if spec.metrics.get(value.metric) is not None and spec.metrics[value.metric].type != "gauge":
                    yield (
                        ("dashboard", "rows", r, "panels", p, panel.kind),
                        "value",
                        (
                            f"'{value.metric}' is a {spec.metrics[value.metric].type}, not a gauge (a share "
                            "of: is gauge / gauge)"
                        ),
                    )
                yield from _share_by(spec, ("dashboard", "rows", r, "panels", p), value, panel.of)
            if panel.promql is not None:
                from ..promql import parses, substitute_grafana_variables

                problem = parses(substitute_grafana_variables(panel.promql))
                if problem:
                    yield (
                        ("dashboard", "rows", r, "panels", p, "promql"),
                        "value",
                        f"promql is not valid PromQL: {problem} (fix the expression)",
                    )
            if panel.timeline is not None:
                metric = spec.metrics.get(panel.timeline.metric)
                if metric is not None and metric.type == "gauge" and not metric.states:
                    yield (
                        ("dashboard", "rows", r, "panels", p, "timeline"),
                        "value",
                        f"'{panel.timeline.metric}' has no states (add states: to the metric, or use a stat panel)",
                    )
    declared = {label for m in spec.metrics.values() for label in m.labels}
    for i, label in enumerate(spec.dashboard.variables):
        if label not in declared and label not in spec.service.selector:
            yield (
                ("dashboard", "variables", i),
                "value",
                f"variable '{label}' is not a label of any metric (declare it under metrics.<name>.labels)",
            )


def _routing(spec: Spec, broken: Broken) -> Iterator[Problem]:
    routing = spec.routing
    if routing is None:
        return
    names = list(routing.receivers)

    def receiver(path: _P, name: str) -> Iterator[Problem]:
        if name not in routing.receivers and name not in broken.receivers:
            close = difflib.get_close_matches(name, names, n=1)
            hint = (
                f"did you mean '{close[0]}'?"
                if close
                else f"declare it under routing.receivers or use one of {', '.join(names)}"
            )
            yield path, "value", f"unknown receiver '{name}' ({hint})"

    for i, route in enumerate(routing.routes):
        for j, name in enumerate(route.to):
            yield from receiver(
                ("routing", "routes", i, "to", j) if len(route.to) > 1 else ("routing", "routes", i, "to"), name
            )
        for field in ("mute_when", "active_when"):
            for j, interval in enumerate(getattr(route, field)):
                if interval not in routing.mute and interval not in broken.intervals:
                    yield (
                        ("routing", "routes", i, field, j),
                        "value",
                        f"unknown time interval '{interval}' (declare it under routing.mute)",
                    )
        if route.severity is None and not route.match:
            yield (
                ("routing", "routes", i),
                "key",
                "the route matches every alert (give severity: or match:, or use routing.default)",
            )
    if routing.default is not None:
        yield from receiver(("routing", "default"), routing.default)


def warnings(spec: Spec) -> list[Problem]:
    """Things that are valid but probably wrong: printed as warnings, errors under ``--strict``."""
    return [
        *_selector_warning(spec),
        *_unused_routing(spec),
        *_summary_numbers(spec),
        *_naming_hints(spec),
        *_dropped_pairs(spec),
    ]


def _dropped_pairs(spec: Spec) -> Iterator[Problem]:
    # A window pair that can never fire is left out of its tier's rule (the tier keeps the others):
    # say so, since that tier then misses the burns only that pair would catch.
    from ..values.burn_rates import burn_windows, can_fire, error_budget

    for name, slo in spec.slos.items():
        budget = error_budget(slo.objective)
        windows = burn_windows(slo.window, spec.service.scrape_interval)
        for tier in ("page", "ticket"):
            pairs = [w for w in windows if w.tier == tier]
            dropped = [w for w in pairs if not can_fire(w, budget)]
            if getattr(slo.alerting, tier).enabled and dropped and len(dropped) < len(pairs):
                kept = ", ".join(f"{w.long}/{w.short}" for w in pairs if can_fire(w, budget))
                lost = ", ".join(f"{w.long}/{w.short} ({w.factor} x {budget} >= 1)" for w in dropped)
                yield (
                    ("slos", name, "objective"),
                    "value",
                    (
                        f"the {tier} tier's {lost} can never fire and is left out; the tier alerts on {kept} only "
                        f"(raise the objective to keep every pair)"
                    ),
                )


def _selector_warning(spec: Spec) -> Iterator[Problem]:
    if not spec.service.selector:
        yield (
            ("service", "name"),
            "key",
            (
                "the service has no selector, so every query matches the series of every job that "
                "exposes these metrics (add selector: {job: <scrape job>})"
            ),
        )


def _unused_routing(spec: Spec) -> Iterator[Problem]:
    routing = spec.routing
    if routing is None:
        return
    used = {name for route in routing.routes for name in route.to}
    used.add(routing.default or next(iter(routing.receivers)))
    for name in routing.receivers:
        if name not in used:
            yield (
                ("routing", "receivers", name),
                "key",
                f"receiver '{name}' is used by no route and is not the default (route alerts to it, or remove it)",
            )
    intervals = {name for route in routing.routes for name in (*route.mute_when, *route.active_when)}
    for name in routing.mute:
        if name not in intervals:
            yield (
                ("routing", "mute", name),
                "key",
                f"time interval '{name}' is used by no route (name it in a route's mute_when or active_when, "
                "or remove it)",
            )


# A number with a unit in a summary, as a person writes it: "1 s", "10 GiB", "5 %", "1/min".
_STATED = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?(ms|s|m|h|d|%|[KMGT]i?B|/s|/min|/h)(?![\w])")


def _summary_numbers(spec: Spec) -> Iterator[Problem]:
    from ..values.units import parse_threshold

    for name, alert in spec.alerts.items():
        threshold = alert.when.above or alert.when.below
        if alert.summary is None or threshold is None:
            continue
        for number, unit in _STATED.findall(alert.summary):
            try:
                stated = parse_threshold(number + unit)
            except ValueError:
                continue
            if stated.kind == threshold.kind and stated.value != threshold.value:
                yield (
                    ("alerts", name, "summary"),
                    "value",
                    (
                        f"the summary says {number} {unit} but the threshold is {threshold.text} "
                        f"(update the summary, or leave it out to have it written from the threshold)"
                    ),
                )


def _naming_hints(spec: Spec) -> Iterator[Problem]:
    for key, metric in spec.metrics.items():
        if (
            metric.from_ is None
            and metric.type == "gauge"
            and metric.name is not None
            and metric.name.endswith("_total")
        ):
            yield (
                ("metrics", key, "type"),
                "value",
                (f"'{metric.name}' ends in _total, the suffix of counters (declare type: counter if it only grows)"),
            )
