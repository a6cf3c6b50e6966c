"""Which incident each alert gets: per alert and per SLO burn tier of a (drill-mode) service, the
incident (``incidents``) that must make exactly that alert fire, or ``Undrivable`` with the reason.

A burn tier gets a fast or slow burn whose expected tiers come from the burn maths (``burns``);
a counter condition on a histogram's ``_sum`` or ``_bucket`` samples, a raw PromQL condition
without test inputs (unless it is true while a moving gauge stands still, ``motion``), a native
histogram and a quantile that cannot cross its threshold are not drivable.

>>> from sigil_monitoring import load_spec
>>> from sigil_monitoring.ir.build import build_model
>>> service = build_model([load_spec("specs/sigil-dna.yaml")]).services[0]
>>> [(type(i).__name__, i.alert) for i in plan(service)][:3]
[('LatencyAbove', 'EncodeLatencyHigh'), ('ErrorBurst', 'ErrorRateHigh'), ('StateIn', 'CircuitBreakerOpen')]
>>> burn = [i for i in plan(service) if isinstance(i, SloBurn)]
>>> [(i.alert, i.speed, round(i.multiple, 2), i.expected) for i in burn][1]
('EncodeAvailabilitySlowBurn', 'slow', 4.24, ('EncodeAvailabilitySlowBurn',))
"""

from __future__ import annotations

import re
from typing import assert_never

from ..compilers.prometheus.sli import stageable
from ..ir.model import (
    AbsentCondition,
    Alert,
    GaugeRatioCondition,
    LatencySli,
    PromqlCondition,
    PromqlTest,
    QuantileCondition,
    QueryRatioSli,
    RateCondition,
    RatioCondition,
    Series,
    Service,
    Slo,
    StateCondition,
    UpSli,
    ValueCondition,
    comparison,
    condition_series,
)
from . import burns
from .families import layout
from .incidents import (
    Disappear,
    ErrorBurst,
    GaugeCross,
    GaugeStill,
    Incident,
    LatencyAbove,
    PromqlInputs,
    RatioCross,
    SloBurn,
    StateIn,
    Undrivable,
)
from .motion import moving, still_reads

# A raw PromQL range over a gauge held still must fill within this (plus `for:`) to be driven.
STILL_RANGE_LIMIT = 30.0


def plan(service: Service) -> list[Incident | Undrivable]:
    """One entry per alert of ``service``: threshold alerts in spec order, then SLO burn tiers."""
    out: list[Incident | Undrivable] = [_threshold(service, a) for a in service.alerts]
    for slo in service.slos:
        out += _burns(slo, {m.name for m in service.metrics})
    return out


_SERIES = re.compile(r"^\s*([A-Za-z_:][\w:]*)\s*(?:\{(.*)\})?\s*$", re.S)
_LABEL = re.compile(r'(\w+)\s*=\s*"((?:[^"\\]|\\.)*)"')


def last_value(values: str) -> float | None:
    """The last sample of a promtool ``values`` string: ``'3x30'`` -> 3, ``'0+10x5'`` -> 50.

    >>> last_value("0+10x5"), last_value("1 2 120x3"), last_value("_x3 7")
    (50.0, 120.0, 7.0)
    """
    token = values.split()[-1] if values.split() else ""
    match = re.fullmatch(r"([-+]?[\d.e]+)(?:([-+][\d.e]+)?x(\d+))?", token)
    if match is None:
        return None
    start, step, count = match.groups()
    return float(start) + (float(step) * int(count) if step and count else 0.0)


def _inputs(service: Service, pairs: tuple[tuple[str, str], ...]) -> list[tuple[str, dict[str, str], float]] | str:
    gauges = {m.name for m in service.metrics if m.type == "gauge"}
    out = []
    for series, values in pairs:
        match = _SERIES.match(series)
        value = last_value(values)
        if match is None or value is None or match.group(1) not in gauges:
            return f"its test input {series} is not a catalog gauge with a plain value"
        out.append((match.group(1), {k: v.replace('\\"', '"') for k, v in _LABEL.findall(match.group(2) or "")}, value))
    return out


def _promql(service: Service, alert: Alert, expr: str, test: PromqlTest | None) -> Incident | Undrivable:
    # A condition true on a still gauge is driven by holding it still, test inputs or not: their
    # last values alone would hold the gauge flat on normal traffic too.
    still = _still(service, alert, expr)
    if still is not None:
        return still
    reason = "a raw PromQL condition without test inputs: the drill cannot tell which series make it true"
    if test is None or not test.firing:
        return Undrivable(alert.name, reason)
    quiet, firing = _inputs(service, test.quiet), _inputs(service, test.firing)
    for staged in (quiet, firing):
        if isinstance(staged, str):
            return Undrivable(alert.name, f"a raw PromQL condition: {staged}")
    assert not isinstance(quiet, str) and not isinstance(firing, str)
    return PromqlInputs(alert.name, tuple(quiet), tuple(firing), "time()" in expr)


def _still(service: Service, alert: Alert, expr: str) -> Incident | Undrivable | None:
    """A condition true while a moving gauge stands still: held still when it is that one
    comparison and its range fits in a drill step; not drivable when a range is longer."""
    moves = moving(service)  # a state or up gauge keeps exact values, so it never moves normally
    reads = [r for r in still_reads(expr, service.metrics) if r.metric in moves]
    for read in reads:
        if read.range_seconds + alert.for_.ms / 1000 > STILL_RANGE_LIMIT:
            return Undrivable(
                alert.name,
                f"{read.function}() over {read.metric} is true once {read.metric} stood still for its whole "
                f"{read.range_seconds:g}s range; raw PromQL keeps its own ranges in a drill, longer than a "
                f"drill step ({STILL_RANGE_LIMIT:g}s). Normal traffic moves {read.metric}, so it must stay quiet",
            )
    if len(reads) != 1 or not reads[0].whole:
        return None
    read = reads[0]
    metric = next(m for m in service.metrics if m.name == read.metric)
    return GaugeStill(alert.name, Series(metric, service.selector), read)


def _native(series: Series) -> bool:
    return series.metric.type == "native_histogram"


NATIVE_REASON = "native histograms need a protobuf scrape; the simulator's text exposition (prometheus-client) has none"


def _partial(service: Service, alert: Alert) -> Undrivable | None:
    """A counter condition on a histogram's ``_sum`` or ``_bucket`` samples: the drill moves a
    histogram through how many observations it gets and where they land, not those samples alone."""
    parts = layout(service.metrics)
    if isinstance(alert.condition, RateCondition | RatioCondition):
        for s in condition_series(alert.condition):
            part = parts[s.metric.name]
            if part.part in ("_sum", "_bucket"):
                return Undrivable(
                    alert.name,
                    f"it reads {s.metric.name}, the {part.part} samples of the {part.kind} {part.family}: "
                    "the drill drives a histogram by its observations (count and latency), not by those samples",
                )
    return None


def _threshold(service: Service, alert: Alert) -> Incident | Undrivable:
    partial = _partial(service, alert)
    if partial is not None:
        return partial
    compare = comparison(alert.condition)
    value = float(compare.threshold.value) if compare is not None else 0.0
    match alert.condition:
        case QuantileCondition(series=series) if _native(series):
            return Undrivable(alert.name, NATIVE_REASON)
        case QuantileCondition(series=series, compare=compare):
            if compare.op != ">":
                return Undrivable(alert.name, "a quantile below a threshold: the drill stages slow requests only")
            bounds = [float(b) for b in series.metric.buckets or ()] or _default_bounds()
            above = [b for b in bounds if b >= value]
            if len(above) < 2:
                return Undrivable(
                    alert.name,
                    f"no finite bucket lies above {compare.threshold.text}: "
                    "histogram_quantile can never exceed the threshold (add a bucket above it)",
                )
            return LatencyAbove(alert.name, series, value, above[1])
        case RateCondition(series=series, compare=compare):
            return ErrorBurst(alert.name, series, value, compare.op)
        case RatioCondition(bad=bad, total=total, compare=compare):
            if compare.op == ">" and value >= 1 and bad.metric.type == "counter":
                return Undrivable(alert.name, "a ratio of counters above 1 needs bad events outside the total")
            return RatioCross(alert.name, bad, total, value, compare.op)
        case GaugeRatioCondition(part=part, whole=whole, compare=compare):
            return RatioCross(alert.name, part, whole, value, compare.op)
        case StateCondition(series=series, state=(state, _)):
            states = series.metric.states or ()
            others = [v for v, _ in states if v != state]
            if not others:
                return Undrivable(alert.name, "the state gauge has no other state to be in normally")
            healthy = _healthy(states)
            return StateIn(alert.name, series, state, healthy if healthy != state else others[0])
        case ValueCondition(series=series, compare=compare):
            return GaugeCross(alert.name, series, value, compare.op)
        case AbsentCondition(series=series):
            return Disappear(alert.name, series)
        case PromqlCondition(promql=expr, test=test):
            return _promql(service, alert, expr, test)
        case _:
            assert_never(alert.condition)


_PARTS = ("_bucket", "_count", "_sum")  # the series of a classic histogram


def _unstaged(slo: Slo, catalog: set[str]) -> str | None:
    """Why the drill cannot produce the SLI's raw series, or None when it can."""
    sli = slo.sli
    if isinstance(sli, QueryRatioSli):
        if sli.staged is None:
            return f"the SLI is raw PromQL ({sli.unstaged}): the drill cannot tell which series make it burn"
        outside = sorted({s.metric.name for s in (sli.staged.part, sli.staged.total)} - catalog)
        histograms = sorted({n.rsplit("_", 1)[0] for n in outside if n.endswith(_PARTS)} & catalog)
        if histograms:  # Pyrra's latency indicator: good = _bucket{le}, total = _count
            return (
                f"the SLI's queries read the series of histogram {', '.join(histograms)} one by one; the drill "
                f"stages a histogram as a latency SLI (write sli: {{latency: ..., below: ...}} instead)"
            )
        if outside:
            return (
                f"the SLI's queries read {', '.join(outside)}, which the catalog does not declare and the drill "
                "therefore does not simulate (declare it under metrics:)"
            )
    elif stageable(sli) is None:
        return "the SLI is raw PromQL: the drill cannot tell which series make it burn"
    return None


def _burns(slo: Slo, catalog: set[str]) -> list[Incident | Undrivable]:
    out: list[Incident | Undrivable] = []
    staged = stageable(slo.sli)
    unstaged = _unstaged(slo, catalog)
    for burn in slo.alerts:
        speed = "fast" if burn.tier == "page" else "slow"
        multiple = burns.multiple(slo, speed)
        unclear = burns.ambiguous(slo, multiple)
        if staged is None or unstaged is not None:
            out.append(Undrivable(burn.name, unstaged or "the SLI cannot be staged"))
        elif isinstance(staged, LatencySli) and _native(staged.histogram):
            out.append(Undrivable(burn.name, NATIVE_REASON))
        elif unclear or burn.name not in burns.expected(slo, multiple):
            out.append(
                Undrivable(
                    burn.name,
                    f"no {speed} burn sets off exactly its tier: a burn of {multiple:g}x the budget is too close "
                    f"to the factors {', '.join(unclear) or 'of its own pairs'}",
                )
            )
        elif isinstance(staged, UpSli) and (why := burns.up_unreliable(slo, multiple)) is not None:
            out.append(Undrivable(burn.name, f"a {speed} burn of an up SLI is failed scrapes: {why}"))
        else:
            out.append(SloBurn(burn.name, slo, speed, multiple, burns.expected(slo, multiple)))
    return out


def _healthy(states: tuple[tuple[int, str], ...]) -> int:
    from ..defaults import HEALTHY_STATES

    return next((v for v, name in states if name in HEALTHY_STATES), states[0][0])


def _default_bounds() -> list[float]:
    from .simulator import EXPOSED_BUCKETS

    return list(EXPOSED_BUCKETS)
