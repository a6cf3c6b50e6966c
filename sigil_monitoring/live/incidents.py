"""The incident behind each alert, as the simulator can stage it: one struct per kind.

``plan(service)`` reads a (drill-mode) service and returns, per alert and per SLO burn tier, the
incident that must make exactly that alert fire — or ``Undrivable`` with the reason. ``quiet``
sets the simulator's normal behaviour so no alert fires under normal traffic, ``inject`` starts
the incident, and ``Simulator.restore`` ends it. Ratios (error ratios, SLO error ratios) are
solved from the simulator's own rates, so a bad series that is also part of the total
(``code=~"5.."`` over all requests) gets the ratio asked for, not an approximation.

>>> from sigil_monitoring import load_spec
>>> from sigil_monitoring.ir.build import build_model
>>> service = build_model([load_spec("specs/sigil-dna.yaml")]).services[0]
>>> [(type(i).__name__, i.alert) for i in plan(service)][:3]
[('LatencyAbove', 'EncodeLatencyHigh'), ('ErrorBurst', 'ErrorRateHigh'), ('StateIn', 'CircuitBreakerOpen')]
>>> burn = [i for i in plan(service) if isinstance(i, SloBurn)]
>>> [(i.alert, i.speed, round(i.multiple, 2)) for i in burn][:2]
[('EncodeAvailabilityFastBurn', 'fast', 21.6), ('EncodeAvailabilitySlowBurn', 'slow', 4.24)]
"""

from __future__ import annotations

import math
import re
import time
from typing import assert_never

from msgspec import Struct

from ..compilers.prometheus import alerts as alert_rules
from ..compilers.prometheus import slo as slo_rules
from ..compilers.prometheus.sli import sli_series, stageable
from ..ir.model import (
    AbsentCondition,
    Alert,
    GaugeRatioCondition,
    LatencySli,
    PromqlCondition,
    PromqlTest,
    QuantileCondition,
    RateCondition,
    RatioCondition,
    RatioSli,
    Series,
    Service,
    Slo,
    StateCondition,
    UpSli,
    ValueCondition,
    comparison,
)
from ..promql import selector
from ..values.units import format_decimal
from .simulator import NORMAL_RATE, Behaviour, SimSeries, Simulator

QUIET_SHARE = 0.1  # normal traffic stays at a tenth of the nearest threshold
BURST = 20.0  # an injected rate is this multiple of its threshold (at least 1/s)


class LatencyAbove(Struct, frozen=True):
    """Every observation of the histogram lands in the bucket above the quantile's threshold."""

    alert: str
    series: Series
    threshold: float
    slow_at: float


class ErrorBurst(Struct, frozen=True):
    """The counter series the alert's matchers select count at BURST x the threshold (or stop, for "<")."""

    alert: str
    series: Series
    threshold: float
    op: str


class RatioCross(Struct, frozen=True):
    """bad / total crosses the alert's threshold: counters' rates (a ``ratio`` alert) or a gauge as a
    share of another (a ``gauge_ratio`` alert: connections of max connections)."""

    alert: str
    bad: Series
    total: Series
    threshold: float
    op: str


class StateIn(Struct, frozen=True):
    """The state gauge sits at the alert's state."""

    alert: str
    series: Series
    value: int
    healthy: int


class GaugeCross(Struct, frozen=True):
    """The gauge crosses its limit."""

    alert: str
    series: Series
    threshold: float
    op: str


class Disappear(Struct, frozen=True):
    """Every series the ``absent()`` selector matches stops being exported."""

    alert: str
    series: Series


class SloBurn(Struct, frozen=True):
    """The SLI's error ratio becomes ``multiple`` x the error budget: fast for the page tier, slow
    (above every ticket factor, below every page factor) for the ticket tier."""

    alert: str
    slo: Slo
    speed: str  # fast | slow
    multiple: float

    @property
    def error_ratio(self) -> float:
        return min(1.0, self.multiple * float(self.slo.error_budget))


class PromqlInputs(Struct, frozen=True):
    """A promql alert staged from its spec ``test:`` inputs: catalog gauges set to the last value of
    the ``quiet`` inputs normally and of the ``firing`` ones during the incident. promtool evaluates
    tests from time 0, so when the expression reads ``time()`` the values are shifted by the clock."""

    alert: str
    quiet: tuple[tuple[str, dict[str, str], float], ...]  # (metric name, labels, value)
    firing: tuple[tuple[str, dict[str, str], float], ...]
    clock: bool


class Undrivable(Struct, frozen=True):
    alert: str
    reason: str


Incident = LatencyAbove | ErrorBurst | RatioCross | StateIn | GaugeCross | Disappear | SloBurn | PromqlInputs


# ------------------------------------------------------------------------------------ planning
def plan(service: Service) -> list[Incident | Undrivable]:
    """One entry per alert of ``service``: threshold alerts in spec order, then SLO burn tiers."""
    out: list[Incident | Undrivable] = [_threshold(service, a) for a in service.alerts]
    for slo in service.slos:
        out += _burns(slo)
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
    reason = "a raw PromQL condition without test inputs: the drill cannot tell which series make it true"
    if test is None or not test.firing:
        return Undrivable(alert.name, reason)
    quiet, firing = _inputs(service, test.quiet), _inputs(service, test.firing)
    for staged in (quiet, firing):
        if isinstance(staged, str):
            return Undrivable(alert.name, f"a raw PromQL condition: {staged}")
    assert not isinstance(quiet, str) and not isinstance(firing, str)
    return PromqlInputs(alert.name, tuple(quiet), tuple(firing), "time()" in expr)


def _native(series: Series) -> bool:
    return series.metric.type == "native_histogram"


NATIVE_REASON = "native histograms need a protobuf scrape; the simulator's text exposition (prometheus-client) has none"


def _threshold(service: Service, alert: Alert) -> Incident | Undrivable:
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


def _burns(slo: Slo) -> list[Incident | Undrivable]:
    factors = {t: [float(w.factor) for b in slo.alerts if b.tier == t for w in b.windows] for t in ("page", "ticket")}
    out: list[Incident | Undrivable] = []
    staged = stageable(slo.sli)
    for burn in slo.alerts:
        if staged is None:
            out.append(Undrivable(burn.name, "the SLI is raw PromQL: the drill cannot tell which series make it burn"))
        elif isinstance(staged, LatencySli) and _native(staged.histogram):
            out.append(Undrivable(burn.name, NATIVE_REASON))
        elif burn.tier == "page":
            out.append(SloBurn(burn.name, slo, "fast", max(factors["page"]) * 1.5))
        elif factors["page"]:
            # Geometric middle between the tiers: above every ticket factor, below every page factor.
            out.append(SloBurn(burn.name, slo, "slow", math.sqrt(max(factors["ticket"]) * min(factors["page"]))))
        else:
            out.append(SloBurn(burn.name, slo, "slow", max(factors["ticket"]) * 1.5))
    return out


def _healthy(states: tuple[tuple[int, str], ...]) -> int:
    from ..defaults import HEALTHY_STATES

    return next((v for v, name in states if name in HEALTHY_STATES), states[0][0])


def _default_bounds() -> list[float]:
    from .simulator import DEFAULT_BUCKETS

    return list(DEFAULT_BUCKETS)


# ------------------------------------------------------------------------ staging incidents
def _set(sim: Simulator, targets: list[SimSeries], normal: bool, **values: float | bool) -> None:
    def how(b: Behaviour) -> None:
        for key, value in values.items():
            setattr(b, key, value)

    sim.change(targets, how, normal=normal)


def _solve_rates(sim: Simulator, bad: Series, total: Series, ratio: float, normal: bool) -> None:
    """Scale the bad series' rate so sum(bad)/sum(total) == ratio, bad ones included in total or not."""
    bad_series, total_series = sim.select(bad), sim.select(total)
    _set(sim, bad_series, normal, rate=NORMAL_RATE)
    b = NORMAL_RATE * len(bad_series)
    overlap = NORMAL_RATE * sum(1 for s in bad_series if s in total_series)
    t = sum(NORMAL_RATE if s in bad_series else s.now.rate for s in total_series)
    denominator = b - ratio * overlap
    if not bad_series or denominator <= 0:
        raise ValueError(f"cannot reach an error ratio of {ratio:g} with {bad} over {total}")
    _set(sim, bad_series, normal, rate=NORMAL_RATE * ratio * (t - overlap) / denominator)


def _gauge_ratio(sim: Simulator, part: Series, whole: Series, ratio: float, normal: bool) -> None:
    """Set each part gauge so every group's sum(part) / sum(whole) == ratio, grouped as the alert's
    share is (per its ``by`` labels, the whole matched on the labels it has)."""
    labels, on = alert_rules.share_labels_of(part, whole)
    parts, wholes = sim.select(part), sim.select(whole)
    for p in parts:
        group = [q for q in parts if all(q.label(x) == p.label(x) for x in labels)]
        limit = sum(w.now.value for w in wholes if all(w.label(x) == p.label(x) for x in on))
        _set(sim, [p], normal, value=ratio * limit / len(group))


def _cross(threshold: float, op: str, inject: bool) -> float:
    """A value on the alerting side of ``op threshold`` (inject) or clearly on the quiet side."""
    above = (op == ">") == inject
    scale = abs(threshold) or 1.0
    return threshold + scale if above else threshold - scale * (0.5 if threshold > 0 else 1.0)


def quiet(incident: Incident, sim: Simulator) -> None:
    """Make normal behaviour stay clear of this incident's alert."""
    match incident:
        case LatencyAbove() | Disappear():
            pass  # normal observations land below the lowest bucket; normal series are all present
        case ErrorBurst(series=series, threshold=t, op=op):
            targets = sim.select(series)
            rate = t * QUIET_SHARE / max(1, len(targets)) if op == ">" else (t / QUIET_SHARE + 1)
            _set(sim, targets, True, rate=min(rate, NORMAL_RATE) if op == ">" else rate)
        case RatioCross(bad=bad, total=total, threshold=t, op=op):
            ratio = t * QUIET_SHARE if op == ">" else min(1.0, t / QUIET_SHARE) if t > 0 else 1.0
            if bad.metric.type == "gauge":
                ratio = t / 3 if op == ">" else t * 3
            (_gauge_ratio if bad.metric.type == "gauge" else _solve_rates)(sim, bad, total, ratio, True)
        case StateIn(series=series, healthy=healthy):
            _set(sim, sim.select(series), True, value=float(healthy))
        case GaugeCross(series=series, threshold=t, op=op):
            _set(sim, sim.select(series), True, value=_cross(t, op, inject=False))
        case SloBurn(slo=slo):
            _stage_burn(sim, slo, float(slo.error_budget) * QUIET_SHARE, normal=True)
        case PromqlInputs(quiet=inputs, clock=clock):
            _stage_inputs(sim, inputs, clock, normal=True)
        case _:
            assert_never(incident)


def inject(incident: Incident, sim: Simulator) -> None:
    """Start the incident (``Simulator.restore`` ends it)."""
    match incident:
        case LatencyAbove(series=series, slow_at=at):
            _set(sim, sim.select(series), False, slow_at=at, slow_fraction=1.0)
        case ErrorBurst(series=series, threshold=t, op=op):
            _set(sim, sim.select(series), False, rate=max(t * BURST, 1.0) if op == ">" else 0.0)
        case RatioCross(bad=bad, total=total, threshold=t, op=op):
            # Three times the threshold, or halfway to 1: bad events that are part of the total
            # cannot make up all of it while other series still count.
            ratio = min(t * 3, (1 + t) / 2) if op == ">" else t / 3
            if bad.metric.type == "gauge":
                ratio = t * 3 if op == ">" else t / 3
            (_gauge_ratio if bad.metric.type == "gauge" else _solve_rates)(sim, bad, total, ratio, False)
        case StateIn(series=series, value=value):
            _set(sim, sim.select(series), False, value=float(value))
        case GaugeCross(series=series, threshold=t, op=op):
            _set(sim, sim.select(series), False, value=_cross(t, op, inject=True))
        case Disappear(series=series):
            _set(sim, sim.select(series), False, present=False)
        case SloBurn(slo=slo):
            _stage_burn(sim, slo, incident.error_ratio, normal=False)
        case PromqlInputs(firing=inputs, clock=clock):
            _stage_inputs(sim, inputs, clock, normal=False)
        case _:
            assert_never(incident)


def touched(incident: Incident) -> tuple[Series, ...]:
    """The series an incident changes: incidents touching none in common can run at the same time."""
    match incident:
        case (
            LatencyAbove(series=s)
            | ErrorBurst(series=s)
            | StateIn(series=s)
            | GaugeCross(series=s)
            | Disappear(series=s)
        ):
            return (s,)
        case RatioCross(bad=bad, total=total):
            return (bad, total)
        case SloBurn(slo=slo):
            return sli_series(slo.sli)
        case PromqlInputs():
            return ()  # its series are named in the inputs: see inputs_touched
        case _:
            assert_never(incident)


def _input_series(sim: Simulator, name: str, labels: dict[str, str]) -> list[SimSeries]:
    """The simulated series of an input (added when missing), and the metric's other series."""
    same = [s for s in sim.series if s.metric.name == name]
    exact = [s for s in same if dict(s.labels) == labels]
    return same if exact else same + [sim.add(same[0].metric, labels)] if same else []


def _stage_inputs(
    sim: Simulator, inputs: tuple[tuple[str, dict[str, str], float], ...], clock: bool, normal: bool
) -> None:
    shift = time.time() if clock else 0.0
    for name, labels, value in inputs:
        targets = _input_series(sim, name, labels)
        # The metric's other series follow the input, so none of them trips the alert on its own.
        _set(sim, targets, normal, value=value + shift)


def inputs_touched(incident: Incident) -> set[str]:
    """Metric names a PromqlInputs incident sets (others report theirs through ``touched``)."""
    return {name for name, _, _ in incident.firing} if isinstance(incident, PromqlInputs) else set()


def _stage_burn(sim: Simulator, slo: Slo, ratio: float, normal: bool) -> None:
    match stageable(slo.sli):
        case RatioSli(part=part, total=total, part_is_bad=True):
            _solve_rates(sim, part, total, ratio, normal)
        case RatioSli(part=part, total=total):
            _solve_rates(sim, part, total, 1.0 - ratio, normal)
        case LatencySli(histogram=histogram, below=below):
            bounds = sim.select(histogram)[0].bounds if sim.select(histogram) else ()
            above = [b for b in bounds if b > float(below)]
            _set(
                sim,
                sim.select(histogram),
                normal,
                slow_at=above[0] if above else float(below) * 2,
                slow_fraction=ratio,
            )
        case UpSli(up=up):
            # Normally fully up: an up gauge is 0 or 1, and `value: up, below: 1` alerts on less.
            _set(sim, sim.select(up), normal, value=1.0 if normal else 1.0 - ratio)
        case None:
            raise AssertionError(f"SLO {slo.name} cannot be staged (planning makes it Undrivable)")
        case unknown:
            assert_never(unknown)


# ------------------------------------------------------------------------------ the signal
class Signal(Struct, frozen=True):
    """What the report plots for an alert: a PromQL expression and the line it must cross."""

    expr: str
    threshold: float


def signal(service: Service, incident: Incident) -> Signal:
    match incident:
        case SloBurn(slo=slo, alert=name):
            burn = next(b for b in slo.alerts if b.name == name)
            window = burn.windows[0]
            budget = format_decimal(slo.error_budget)
            return Signal(f"{slo_rules.ratio_selector(service, slo, window.long)} / {budget}", float(window.factor))
        case Disappear(series=series):
            return Signal(f"count({selector(series.metric.name, series.matchers)}) or vector(0)", 0.5)
        case StateIn(series=series, value=value):
            return Signal(selector(series.metric.name, series.matchers), float(value))
    alert = next(a for a in service.alerts if a.name == incident.alert)
    compare = comparison(alert.condition)
    expr = alert_rules.condition_expr(service, alert.condition, alert.rate_window, compared=False)
    return Signal(expr, float(compare.threshold.value) if compare is not None else 0.0)
