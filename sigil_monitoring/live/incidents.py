"""The incident behind each alert, as the simulator can stage it: one struct per kind.

``planning.plan(service)`` picks, per alert and per SLO burn tier, the incident that must make
exactly that alert fire — or ``Undrivable`` with the reason. ``quiet``
sets the simulator's normal behaviour so no alert fires under normal traffic, ``inject`` starts
the incident, and ``Simulator.restore`` ends it. Ratios (error ratios, SLO error ratios) are
solved from the simulator's own rates, so a bad series that is also part of the total
(``code=~"5.."`` over all requests) gets the ratio asked for, not an approximation.

>>> from sigil_monitoring.ir.series import Metric
>>> up = Metric("up", "up", "gauge", "none", "", (), None, None)
>>> [s.metric.name for s in touched(Disappear("Down", Series(up, ())))]
['up']
"""

from __future__ import annotations

import time
from typing import assert_never

from msgspec import Struct

from ..compilers.prometheus import alerts as alert_rules
from ..compilers.prometheus import slo as slo_rules
from ..compilers.prometheus.sli import sli_series, stageable
from ..ir.model import (
    LatencySli,
    RatioSli,
    Series,
    Service,
    Slo,
    UpSli,
    comparison,
)
from ..promql import selector
from ..values.units import format_decimal
from . import burns
from .motion import WAVE, StillRead, moving, slope, threshold_read
from .simulator import NORMAL_RATE, Behaviour, SimSeries, Simulator

QUIET_SHARE = burns.NORMAL_SHARE  # normal traffic stays at a tenth of the nearest threshold
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
    (above every ticket factor, below every page factor) for the ticket tier. ``expected`` are the
    burn alerts of the SLO the burn maths says it sets off (``burns.expected``); the others of the
    SLO must stay quiet."""

    alert: str
    slo: Slo
    speed: str  # fast | slow
    multiple: float
    expected: tuple[str, ...] = ()

    @property
    def must_stay_quiet(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.slo.alerts if b.name not in self.expected)

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


class GaugeStill(Struct, frozen=True):
    """A gauge that moves on normal traffic stands still: a raw PromQL ``delta(g[30s]) == 0``
    (``motion.still_reads``) becomes true once its range holds only still samples."""

    alert: str
    series: Series
    read: StillRead


class Undrivable(Struct, frozen=True):
    alert: str
    reason: str


Incident = (
    LatencyAbove | ErrorBurst | RatioCross | StateIn | GaugeCross | Disappear | SloBurn | PromqlInputs | GaugeStill
)


# ------------------------------------------------------------------------ staging incidents
def _set(sim: Simulator, targets: list[SimSeries], normal: bool, **values: float | bool) -> None:
    def how(b: Behaviour) -> None:
        for key, value in values.items():
            setattr(b, key, value)

    sim.change(targets, how, normal=normal)


def _solve_rates(
    sim: Simulator, bad: Series, total: Series, ratio: float, normal: bool, by: tuple[str, ...] = ()
) -> None:
    """Scale the bad series' rates so sum(bad)/sum(total) == ratio, bad ones included in total or
    not, in every group of ``by`` labels (a ratio alert's ``by``, an SLO's ``group_by``): PromQL
    compares each group, so none may be left on the other side."""
    bad_series, total_series = sim.select(bad), sim.select(total)
    if not bad_series:
        raise ValueError(f"cannot reach an error ratio of {ratio:g} with {bad} over {total}: no bad series")
    _set(sim, bad_series, normal, rate=NORMAL_RATE)

    def group(s: SimSeries) -> tuple[str | None, ...]:
        return tuple(s.label(x) for x in by)

    for key in dict.fromkeys(map(group, bad_series)):
        bads = [s for s in bad_series if group(s) == key]
        totals = [s for s in total_series if group(s) == key]
        b = NORMAL_RATE * len(bads)
        overlap = NORMAL_RATE * sum(1 for s in bads if any(s is t for t in totals))
        t = sum(NORMAL_RATE if any(s is x for x in bads) else s.now.rate for s in totals)
        denominator = b - ratio * overlap
        if denominator <= 0:
            raise ValueError(f"cannot reach an error ratio of {ratio:g} with {bad} over {total}")
        _set(sim, bads, normal, rate=NORMAL_RATE * ratio * (t - overlap) / denominator)


def _gauge_ratio(sim: Simulator, part: Series, whole: Series, ratio: float, normal: bool) -> None:
    """Set each part gauge so every group's sum(part) / sum(whole) == ratio, grouped as the alert's
    share is (per its ``by`` labels, the whole matched on the labels it has)."""
    labels, on = alert_rules.share_labels_of(part, whole)
    parts, wholes = sim.select(part), sim.select(whole)
    for p in parts:
        group = [q for q in parts if all(q.label(x) == p.label(x) for x in labels)]
        limit = sum(w.now.value for w in wholes if all(w.label(x) == p.label(x) for x in on))
        _set(sim, [p], normal, value=ratio * limit / len(group))


def _share(threshold: float, op: str, inject: bool) -> float:
    """A share of a gauge's whole on the alerting side of ``op threshold`` (inject) or clearly on
    the quiet side: a third or three times the threshold, but only halfway to 1 above a threshold
    below 1 (healthy hosts of all hosts, clients of maxclients: a part never exceeds its whole,
    and a drill that showed 165 % of hosts healthy would show what cannot happen)."""
    if (op == ">") == inject:
        # At least 5 % past the threshold, more than a moving gauge's 1 % wave (motion.WAVE): for
        # 99 % of a whole that is 104 %, the least a drill can show and still be clear of it.
        return min(threshold * 3, max((1 + threshold) / 2, threshold * 1.05)) if threshold < 1 else threshold * 3
    return threshold / 3


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
            # Only lower (for `above`) or raise (for `below`) what other incidents' quiet staging
            # left: a later `rate below 1/min` on all requests must not lift the 5xx series that an
            # earlier `5xx above 1/s` held down, nor the other way round.
            targets = sim.select(series)
            if op == ">":
                cap = t * QUIET_SHARE / max(1, len(targets))
                for target in targets:
                    _set(sim, [target], True, rate=min(cap, target.normal.rate))
            elif sum(target.normal.rate for target in targets) < t / QUIET_SHARE:
                _set(sim, targets, True, rate=t / QUIET_SHARE + 1)
        case RatioCross(bad=bad, total=total, threshold=t, op=op):
            ratio = t * QUIET_SHARE if op == ">" else min(1.0, t / QUIET_SHARE) if t > 0 else 1.0
            if bad.metric.type == "gauge":
                _gauge_ratio(sim, bad, total, _share(t, op, inject=False), True)
            else:  # a counter, or a histogram counting events by its _count
                _solve_rates(sim, bad, total, ratio, True, bad.by)
        case StateIn(series=series, healthy=healthy):
            _set(sim, sim.select(series), True, value=float(healthy))
        case GaugeCross(series=series, threshold=t, op=op):
            _set(sim, sim.select(series), True, value=_cross(t, op, inject=False))
        case SloBurn(slo=slo):
            _stage_burn(sim, slo, float(slo.error_budget) * QUIET_SHARE, normal=True)
        case PromqlInputs(quiet=inputs, clock=clock):
            _stage_inputs(sim, inputs, clock, normal=True)
        case GaugeStill():
            pass  # the gauge moves on normal traffic (``move``)
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
                _gauge_ratio(sim, bad, total, _share(t, op, inject=True), False)
            else:  # a counter, or a histogram counting events by its _count
                _solve_rates(sim, bad, total, ratio, False, bad.by)
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
        case GaugeStill(series=series):
            sim.hold(sim.select(series))
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
            | GaugeStill(series=s)
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


def move(service: Service, sim: Simulator) -> None:
    """Set the normal motion of the gauges a condition needs moving (``motion.moving``): a steady
    climb, or a 1 % wave when a threshold condition reads the gauge too."""
    waved = threshold_read(service)
    for name, read in moving(service).items():
        metric = next(m for m in service.metrics if m.name == name)
        targets = sim.select(Series(metric, service.selector))
        if name in waved:
            _set(sim, targets, True, wave=WAVE)
        else:
            _set(sim, targets, True, slope=slope(read))


def _input_series(sim: Simulator, name: str, labels: dict[str, str]) -> list[SimSeries]:
    """The simulated series of an input (added when missing), and the metric's other series."""
    family = sim.layout[name].family if name in sim.layout else name
    same = [s for s in sim.series if s.family == family]
    exact = [s for s in same if dict(s.labels) == labels]
    return same if exact else same + [sim.add(same[0].metric, labels)] if same else []


def _stage_inputs(
    sim: Simulator, inputs: tuple[tuple[str, dict[str, str], float], ...], clock: bool, normal: bool
) -> None:
    shift = time.time() if clock else 0.0
    for name, labels, value in inputs:
        targets = _input_series(sim, name, labels)
        # The metric's other series follow the input, so none of them trips the alert on its own;
        # a firing input holds its value (a gauge that moves normally stands still).
        motion = {} if normal else {"slope": 0.0, "wave": 0.0}
        _set(sim, targets, normal, value=value + shift, **motion)


def inputs_touched(incident: Incident) -> set[str]:
    """Metric names a PromqlInputs incident sets (others report theirs through ``touched``)."""
    return {name for name, _, _ in incident.firing} if isinstance(incident, PromqlInputs) else set()


def _stage_burn(sim: Simulator, slo: Slo, ratio: float, normal: bool) -> None:
    match stageable(slo.sli):
        case RatioSli(part=part, total=total, part_is_bad=True):
            _solve_rates(sim, part, total, ratio, normal, slo.group_by)
        case RatioSli(part=part, total=total):
            _solve_rates(sim, part, total, 1.0 - ratio, normal, slo.group_by)
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
            # Normally fully up. An up gauge is 0 or 1, never in between: a burn is scrapes that
            # fail now and then, spread over the job's targets in turn (``simulator.up_fails``), so
            # `value: up, below: 1` with a `for:` stays quiet as on a real flaky target.
            size = burns.ring_size(slo)
            found = _up_ring(sim, up, size)
            for ring in [found] if size > 1 else [[s] for s in found]:
                for index, target in enumerate(ring):
                    _set(sim, [target], normal, value=1.0, down_share=0.0 if normal else ratio)
                    _set(sim, [target], True, ring_index=index, ring_size=len(ring))
        case None:
            raise AssertionError(f"SLO {slo.name} cannot be staged (planning makes it Undrivable)")
        case unknown:
            assert_never(unknown)


def _up_ring(sim: Simulator, up: Series, size: int) -> list[SimSeries]:
    """The up series a burn fails: with ``size`` > 1 (a label-less up gauge, ``burns.ring_size``)
    the job's one target gets ``size - 1`` more (``instance`` values, which Prometheus keeps: the
    drill scrapes with ``honor_labels``), added once and normally up like it."""
    found = sim.select(up)
    if len(found) == 1 and size > 1:
        base = dict(found[0].labels)
        found += [sim.add(up.metric, {**base, "instance": f"target-{n}"}) for n in range(1, size)]
    return found


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
