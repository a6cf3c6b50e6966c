"""Checks that span sections: references to the catalog, metric types, units, routes, SLO maths.

Each check returns ``(path, 'key' or 'value', message)`` so the loader can point at the line that
refers, not at the thing referred to.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from ..conventions import COMPILER_LABELS, RESERVED_LABELS, TEAM_LABEL, record_labels
from ..errors import Problem
from .alert_checks import METRIC_NEEDS, alert_problems, latency_threshold, own_annotations, ratio_by, share_by
from .derived import chained_matchers, derived_problems
from .salvage import Broken

if TYPE_CHECKING:
    from .document import Spec
    from .refs import MetricRef

_P = tuple[object, ...]


def check(spec: Spec, broken: Broken | None = None) -> list[Problem]:
    """Every cross-section problem in ``spec``; references to ``broken`` names are not reported."""
    broken = broken or Broken()
    from .collisions import collisions
    from .selections import selection_problems
    from .templated import template_problems

    return [
        *_service(spec),
        *_metric_labels(spec),
        *_metric_units(spec),
        *_histogram_names(spec),
        *derived_problems(spec, broken),
        *_refs(spec, broken),
        *_slos(spec),
        *alert_problems(spec),
        *_dashboard(spec, broken),
        *_routing(spec, broken),
        *collisions(spec),
        *template_problems(spec),
        *selection_problems(spec),
    ]


def _service(spec: Spec) -> Iterator[Problem]:
    # A service label named like one we set would overwrite it on every rule, and alerts that
    # select their recording rules by `service` would then never match.
    for label in spec.service.labels:
        if label in COMPILER_LABELS:
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
        import difflib  # for an error's "did you mean" only: not on a valid spec's path

        close = difflib.get_close_matches(ref.metric, list(spec.metrics), n=1)
        hint = (
            f"did you mean '{close[0]}'?"
            if close
            else f"declare it under metrics: or use one of {', '.join(spec.metrics)}"
        )
        yield path, "value", f"unknown metric '{ref.metric}' ({hint})"
        return
    if metric.type is None:
        return  # a derived entry whose chain is broken: reported by derived_problems
    types, word = METRIC_NEEDS[needs]
    if metric.type not in types:
        yield path, "value", f"'{ref.metric}' is a {metric.type}, not {word} (name {word} from metrics: here)"
    if needs == "events" and metric.type == "histogram":
        yield from _count_has_no_le(spec, path, ref)
    for label in [*ref.where, *ref.by]:
        if label not in metric.labels and label not in spec.service.selector:
            yield (
                path,
                "value",
                f"label '{label}' is not declared for metric '{ref.metric}' (add it to metrics.{ref.metric}.labels)",
            )


def _count_has_no_le(spec: Spec, path: _P, ref: MetricRef) -> Iterator[Problem]:
    # A histogram counting events is its _count, which has no bucket label: a matcher or a group on
    # `le` would select nothing (or split nothing). Slow requests are a latency SLI's business.
    labels = [m.label for m in chained_matchers(spec.metrics, ref.metric)] + [*ref.where, *ref.by]
    if "le" in labels:
        yield (
            path,
            "value",
            (
                f"'{ref.metric}' counts events with its _count, which has no 'le' label (remove le from where:/by:; "
                f"to count slow requests use a latency SLI, e.g. {{latency: {ref.metric}, below: 500ms}})"
            ),
        )


def _metric_labels(spec: Spec) -> Iterator[Problem]:
    # Records keep a metric's declared labels (``sum by (...)``) and then set the compiler's own
    # (service, team, the service's labels): a metric label of the same name is overwritten, its
    # series collide and Prometheus refuses the rule. ingress-nginx's ``service`` (the backend
    # Service) is the common case. (An alert's ``by`` and an SLO's ``group_by`` are checked too:
    # alerts also set severity, alertname, slo and burn_tier.)
    svc = spec.service
    ours = record_labels(svc.name, svc.team, svc.labels)
    for key, metric in spec.metrics.items():
        for i, label in enumerate(metric.labels if metric.from_ is None else ()):
            if label in ours:
                yield (
                    ("metrics", key, "labels", i),
                    "value",
                    f"'{label}' is a label the compiler sets on its records, which would overwrite this metric's "
                    f"own (leave it out of labels: to sum it away, or rename it when scraping with "
                    f"metric_relabel_configs, e.g. to exported_{label}, as Prometheus names a clashing label)",
                )


def _refs(spec: Spec, broken: Broken) -> Iterator[Problem]:
    for name, slo in spec.slos.items():
        for field, ref in slo.sli.refs():
            needs = {"latency": "histogram", "up": "gauge"}.get(field, "events")
            yield from _ref(spec, ("slos", name, "sli", field), ref, needs, broken)
    for name, alert in spec.alerts.items():
        for field, ref in alert.when.refs():
            needs = {
                "of": "gauge" if alert.when.is_gauge_ratio else "histogram",
                "rate": "events",
                "state": "gauge",
                "value": "gauge",
                "absent": "any",
            }.get(field, "events")
            yield from _ref(spec, ("alerts", name, "when", *field.split(".")), ref, needs, broken)
            yield from _grouped_by_ours(("alerts", name, "when", *field.split("."), "by"), ref.by)
    for r, row in enumerate(spec.dashboard.rows or []):
        for p, panel in enumerate(row.panels):
            for field, ref in panel.refs():
                needs = {
                    "heatmap": "histogram",
                    "percentiles": "histogram",
                    "histogram": "histogram",
                    "timeline": "gauge",
                    "rate": "events",
                    "error_ratio": "events",
                    "total": "events",
                    "of": "gauge",
                }.get(field, "any")
                yield from _ref(spec, ("dashboard", "rows", r, "panels", p, field), ref, needs, broken)


def _metric_units(spec: Spec) -> Iterator[Problem]:
    from ..values.units import per_second
    from .derived import root_of

    for key, metric in spec.metrics.items():
        if metric.from_ is None and metric.type == "histogram" and per_second(metric.unit) != 1 and not metric.buckets:
            yield (
                ("metrics", key, "unit"),
                "value",
                f"a histogram in {metric.unit} needs its buckets listed: the default buckets are the client "
                "libraries' seconds, 0.005 to 10 (give the exporter's under buckets:, e.g. Envoy's 0.5, 1, 5, "
                "10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)",
            )
        root = root_of(spec.metrics, key) if metric.from_ is not None and metric.type is not None else None
        if root is not None and per_second(metric.unit) != per_second(spec.metrics[root].unit):
            yield (
                ("metrics", key),
                "key",
                f"'{key}' is in {metric.unit} but '{root}', whose series it is, in {spec.metrics[root].unit}: "
                f"durations would be compared in one unit and compiled in the other (give the unit on '{root}')",
            )


def _histogram_names(spec: Spec) -> Iterator[Problem]:
    """A classic histogram named by its bucket series: every query would read ``x_bucket_bucket``,
    which no exporter has (and the drill's simulator, exposing what the spec names, would pass
    alerts that can never fire). ``_count`` and ``_sum`` are warnings (``hints``): an exporter
    may name a histogram so, however rarely."""
    from ..conventions import BUCKET_SUFFIX

    for key, metric in spec.metrics.items():
        name = metric.name or ""
        if metric.from_ is None and metric.type == "histogram" and name.endswith(BUCKET_SUFFIX):
            yield (
                ("metrics", key, "name"),
                "value",
                f"'{name}' is the histogram's bucket series, not its name: a histogram is named without "
                f"_bucket, _count or _sum (write name: {name.removesuffix(BUCKET_SUFFIX)})",
            )


def _grouped_by_ours(path: _P, by: Sequence[str]) -> Iterator[Problem]:
    # An alert (an SLO's burn alerts too) carries severity, alertname, slo, burn_tier, service and
    # team of its own: grouped by one of them, its series would lose theirs to it and collide.
    for i, label in enumerate(by):
        if label in COMPILER_LABELS:
            yield (
                (*path, i),
                "value",
                f"'{label}' is a label the compiler sets on every alert, so its groups would collide "
                "(group by another label)",
            )


def _slos(spec: Spec) -> Iterator[Problem]:
    from .burn_checks import tier_problems
    from .slo import SLI_QUERY_FIELDS

    yield from tier_problems(spec)
    for name, slo in spec.slos.items():
        path = ("slos", name)
        sli = slo.sli
        if sli.kind == "latency" and sli.latency is not None and sli.below is not None:
            yield from latency_threshold(spec, (*path, "sli", "below"), sli.latency.metric, sli.below)
        for field in ("error_ratio", *SLI_QUERY_FIELDS):
            written = getattr(sli, field)
            if written is None:
                continue
            from ..promql import instant_problem, parses

            what, becomes = ("an error ratio", "a ratio") if field == "error_ratio" else ("events per second",) * 2
            expr = written.replace("$window", "5m")
            if problem := parses(expr):
                yield (*path, "sli", field), "value", f"{field} is not valid PromQL: {problem} (fix the expression)"
            elif problem := instant_problem(expr, scalar=f"{what} must be an instant vector", what=what):
                shown = problem.replace(expr.strip(), written.strip())  # as the spec wrote it
                yield (*path, "sli", field), "value", f"{field} cannot be {becomes}: {shown}"
        yield from _grouped_by_ours((*path, "group_by"), slo.group_by)
        for label in slo.group_by:
            declared = {
                lab for _, ref in sli.refs() if ref.metric in spec.metrics for lab in spec.metrics[ref.metric].labels
            }
            if sli.kind not in ("error_ratio", "query_ratio") and label not in declared:
                yield (
                    (*path, "group_by"),
                    "value",
                    f"group_by label '{label}' is not a label of the SLI's metrics (declare it under "
                    "metrics.<name>.labels)",
                )
        for label in slo.alerting.labels:
            if label in RESERVED_LABELS:
                yield (*path, "alerting", "labels", label), "key", f"label '{label}' is set by the compiler (remove it)"
        yield from own_annotations((*path, "alerting", "annotations"), slo.alerting.annotations)
        for tier_key in ("page", "ticket"):
            options = getattr(slo.alerting, tier_key)
            for label in options.labels:
                if label in RESERVED_LABELS:
                    yield (
                        (*path, "alerting", tier_key, "labels", label),
                        "key",
                        f"label '{label}' is set by the compiler (remove it)",
                    )
            yield from own_annotations((*path, "alerting", tier_key, "annotations"), options.annotations)


def _dashboard(spec: Spec, broken: Broken) -> Iterator[Problem]:
    for r, row in enumerate(spec.dashboard.rows or []):
        for p, panel in enumerate(row.panels):
            if panel.slo is not None and panel.slo not in spec.slos and panel.slo not in broken.slos:
                import difflib  # for an error's "did you mean" only: not on a valid spec's path

                close = difflib.get_close_matches(panel.slo, list(spec.slos), n=1)
                hint = f"did you mean '{close[0]}'?" if close else "name an SLO declared under slos:"
                yield ("dashboard", "rows", r, "panels", p, "slo"), "value", f"unknown SLO '{panel.slo}' ({hint})"
            if panel.error_ratio is not None and panel.total is not None:
                yield from ratio_by(
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
                yield from share_by(spec, ("dashboard", "rows", r, "panels", p), value, panel.of)
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
            import difflib  # for an error's "did you mean" only: not on a valid spec's path

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
    if routing.catch_all is not None:
        yield from receiver(("routing", "catch_all"), routing.catch_all)
