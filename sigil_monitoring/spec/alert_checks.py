"""Cross-section checks of threshold alerts: their conditions against the catalog's metric types,
units and buckets, their thresholds' units, their labels and annotations, and the panels they name.

Part of ``semantic.check`` (which also uses the helpers shared with SLOs and panels:
``latency_threshold``, ``own_annotations``, ``ratio_by``, ``share_by``); each check returns
``(path, 'key' or 'value', message)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from ..conventions import RESERVED_LABELS
from ..defaults import MIN_RATE_WINDOW_SCRAPES, rate_window
from ..errors import Problem
from ..values.units import DURATION_UNITS, Duration, Threshold, format_decimal, in_unit, per_second

if TYPE_CHECKING:
    from .alerts import Condition
    from .document import Spec
    from .refs import MetricRef

_P = tuple[object, ...]

# Which metric types each use accepts, and a word for the fix hint.
METRIC_NEEDS = {
    "histogram": ({"histogram", "native_histogram"}, "a histogram"),
    # Rates and ratios count events: a counter's, or a classic histogram's observations (its _count).
    "events": ({"counter", "histogram"}, "a counter or a classic histogram"),
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
# The threshold kinds each unit takes: a duration for every unit of time (compared in the metric's
# own unit: units.in_unit), a size for bytes, a share for ratios.
_UNIT_KINDS = {
    **{unit: {"seconds"} for unit in DURATION_UNITS},
    "bytes": {"bytes"},
    "percent": set(),
    "ratio": {"ratio"},
    "none": set(),
}


# Annotations the compiler writes on every alert; the spec sets their text through its own fields.
_OWN_ANNOTATIONS = {"summary": "summary", "description": "description", "runbook_url": "runbook", "dashboard_url": None}


def own_annotations(path: _P, annotations: dict[str, str]) -> Iterator[Problem]:
    for key in annotations:
        if key in _OWN_ANNOTATIONS:
            field = _OWN_ANNOTATIONS[key]
            fix = f"use the {field}: field instead" if field else "it always opens the alert's panel; remove it"
            yield (*path, key), "key", f"annotation '{key}' is written by the compiler ({fix})"


def _in(unit: str) -> str:
    """Said after a histogram's bounds when they are not in the unit a duration is written in."""
    return f" ({unit})" if per_second(unit) != 1 else ""


def latency_threshold(spec: Spec, path: _P, metric_key: str, below: Threshold) -> Iterator[Problem]:
    metric = spec.metrics.get(metric_key)
    if metric is None:
        return
    if below.kind not in ("seconds", "number"):
        yield path, "value", f"latency threshold '{below.text}' is not a duration (write it like 1s or 250ms)"
        return
    bounds = metric.bucket_bounds
    wanted = in_unit(below, metric.unit).value
    if bounds and wanted not in bounds:
        shown = ", ".join(format_decimal(b) for b in bounds) + _in(metric.unit)
        nearest = _duration_text(min(bounds, key=lambda b: abs(b - wanted)) / per_second(metric.unit))
        yield (
            path,
            "value",
            f"{below.text} is not a bucket boundary of '{metric_key}' (the nearest is {nearest}; use one of "
            f"{shown}, or add it to buckets)",
        )


def _duration_text(seconds: Decimal) -> str:
    """A bound as a threshold is written: whole milliseconds below a second, else seconds.

    >>> _duration_text(Decimal("0.256")), _duration_text(Decimal("0.00025")), _duration_text(Decimal("2.5"))
    ('256ms', '0.00025s', '2.5s')
    """
    millis = seconds * 1000
    return (
        f"{format_decimal(millis)}ms"
        if seconds < 1 and millis == millis.to_integral()
        else f"{format_decimal(seconds)}s"
    )


def alert_problems(spec: Spec) -> Iterator[Problem]:
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
            misfits = list(_threshold_fits(spec, (*path, "when", side), when, threshold))
            yield from misfits
            if not misfits:  # a threshold in the wrong unit is one error, not a second about its reach
                yield from _quantile_reachable(spec, (*path, "when", side), when, threshold)
        if when.promql is not None:
            from ..promql import instant_problem, parses

            problem = parses(when.promql)
            if problem:
                yield (*path, "when", "promql"), "value", f"promql is not valid PromQL: {problem} (fix the expression)"
            elif problem := instant_problem(
                when.promql, scalar="above/below compares instant vectors" if threshold is not None else None
            ):
                yield (*path, "when", "promql"), "value", f"promql cannot be an alert: {problem}"
        for label in alert.labels:
            if label in RESERVED_LABELS:
                yield (
                    (*path, "labels", label),
                    "key",
                    f"label '{label}' is set by the compiler (use the alert's own field instead)",
                )
        yield from own_annotations((*path, "annotations"), alert.annotations)
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
        if when.over is not None:
            yield from _range_fits(spec, (*path, "when", "over"), when)
        if when.ratio is not None:
            yield from ratio_by(spec, (*path, "when", "ratio"), when.ratio.bad, when.ratio.total)
        if when.is_gauge_ratio and when.value is not None and when.of is not None:
            yield from share_by(spec, (*path, "when"), when.value, when.of)
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


def share_by(spec: Spec, path: _P, value: MetricRef, of: MetricRef) -> Iterator[Problem]:
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
        import difflib  # for an error's "did you mean" only: not on a valid spec's path

        close = difflib.get_close_matches(title, titles, n=1)
        hint = f"did you mean '{close[0]}'?" if close else "name the title of a panel under dashboard.rows"
        yield path, "value", f"no panel is titled '{title}' ({hint})"


def ratio_by(
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


def _range_fits(spec: Spec, path: _P, when: Condition) -> Iterator[Problem]:
    # `over` widens the range of a rate for events that come a few times an hour or a day; a
    # range below the service's rate window would give rate() fewer than its scrapes.
    over, kind = when.over, when.kind
    if over is None:
        return
    if kind not in ("rate", "ratio"):
        yield path, "key", f"over is only for rate and ratio conditions; a {kind} condition has no rate (remove it)"
        return
    scrape = spec.service.scrape_interval
    least = rate_window(scrape)
    if over.ms % scrape.ms:
        # A range of whole scrape intervals holds the same number of samples at every evaluation;
        # any other range holds one more or one less in turn, and the rate jitters with it.
        whole = Duration(-(-over.ms // scrape.ms) * scrape.ms)
        yield (
            path,
            "value",
            f"over: {over} is not a whole number of scrape intervals of {scrape} (use {max(whole, least)})",
        )
    elif over < least:
        yield (
            path,
            "value",
            (
                f"over: {over} is shorter than the service's rate window {least} (the default range: rate() needs "
                f"{MIN_RATE_WINDOW_SCRAPES} scrapes of {spec.service.scrape_interval}; use at least {least}, or "
                "remove over)"
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
    if in_unit(threshold, metric.unit).value >= top:
        yield (
            path,
            "value",
            (
                f"the alert can never fire: histogram_quantile of '{ref.metric}' is at most its "
                f"highest bucket boundary {format_decimal(top)}{_in(metric.unit)}, which {threshold.text} does not "
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
        elif threshold.kind == "number" and threshold.value > 1:
            # A share is compared from 0 to 1: 90 is ninety times the whole, which never happens.
            yield (
                path,
                "value",
                f"'{threshold.text}' on a share is {threshold.text} times '{when.of.metric}', "
                f"{format_decimal(threshold.value * 100)}% (a bare number on a share is a fraction; write "
                f"{threshold.text}% if you mean percent, or {format_decimal(threshold.value * 100)}% if you mean that)",
            )
        if when.value is not None:
            yield from _share_units(spec, path[:-1], when.value.metric, when.of.metric)
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
    if kind == "value" and metric is not None and metric.states and threshold.kind == "number":
        yield from _outside_states(path, when, ref.metric, metric.states, threshold)
    if metric is None or metric.type not in METRIC_NEEDS[needs][0] or threshold.kind == "number":
        return  # an unknown or mistyped metric is reported once, by _refs
    if threshold.kind == "per_second" or threshold.kind not in _UNIT_KINDS[metric.unit]:
        given = _KIND_WORDS[threshold.kind]
        if metric.unit == "none":
            fix = f"write a plain number, or declare the unit of metrics.{ref.metric}"
        else:
            fix = f"write a plain number or a value in {metric.unit}"
        yield path, "value", f"'{threshold.text}' is {given} but '{ref.metric}' is measured in {metric.unit} ({fix})"


def _outside_states(
    path: _P, when: Condition, key: str, states: dict[int, str], threshold: Threshold
) -> Iterator[Problem]:
    """A value alert on a gauge of declared states whose threshold no state crosses: the gauge
    takes those values only, so the alert can never fire (its test and the drill would feed a
    value that never occurs)."""
    above = when.above is not None
    values = sorted(states)
    if (above and values[-1] > threshold.value) or (not above and values[0] < threshold.value):
        return
    side = "above" if above else "below"
    named = ", ".join(f"{v} ({states[v]})" for v in values)
    yield (
        path,
        "value",
        f"the alert can never fire: '{key}' takes only the values {named}, none {side} {threshold.text} "
        f"(alert on a state: {{state: {key}, is: {states[values[-1] if above else values[0]]}}})",
    )


def _share_units(spec: Spec, path: _P, part_key: str, whole_key: str) -> Iterator[Problem]:
    """A share of two gauges measured in different units (bytes over a count) means nothing."""
    part, whole = spec.metrics.get(part_key), spec.metrics.get(whole_key)
    if part is None or whole is None or "none" in (part.unit, whole.unit) or part.unit == whole.unit:
        return
    yield (
        (*path, "of"),
        "value",
        f"'{part_key}' is in {part.unit} but '{whole_key}' in {whole.unit}: a share of one over the "
        "other means nothing (make both gauges of one unit, e.g. used and limit bytes)",
    )
