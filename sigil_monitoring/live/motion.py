"""How gauges move on normal traffic, decided from what the conditions read.

Most gauges hold their value: a threshold alert's normal value sits well away from its threshold
and a flat line is the clearest timeline. But a raw PromQL condition that is true while a gauge
stands still — ``delta(offset[10m]) == 0`` (a stuck consumer), ``changes(x[5m]) < 1``,
``deriv(x[5m]) == 0`` — fires on a flat gauge, so on normal traffic such a gauge moves: it
climbs steadily (an offset, a counter kept as a gauge) when no threshold alert reads it, or
waves gently around its value (1 %, never near a threshold) when one does. Holding it still is
then the incident, which the drill can drive when the condition's range fits in a drill step
(raw PromQL keeps its own ranges: the drill scales only the rules it writes).

>>> from sigil_monitoring.ir.series import Metric
>>> offset = Metric("offset", "kafka_consumergroup_current_offset", "gauge", "none", "", (), None, None)
>>> stuck = "delta(kafka_consumergroup_current_offset[10m]) == 0"
>>> [(r.metric, r.function, r.range_seconds) for r in still_reads(stuck, [offset])]
[('kafka_consumergroup_current_offset', 'delta', 600.0)]
>>> still_reads("changes(kafka_consumergroup_current_offset[5m]) > 3", [offset])
[]
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from typing import Any

from msgspec import Struct

from ..ir.model import Metric, PromqlCondition, Service, StateCondition, UpSli, condition_series

# Functions of a range of gauge samples that are 0 when the gauge stands still.
STILL_IS_ZERO = frozenset(
    {
        "delta",
        "idelta",
        "deriv",
        "changes",
        "resets",
        "stddev_over_time",
        "stdvar_over_time",
        "rate",
        "irate",
        "increase",
    }
)
# Wrappers that keep a 0 at 0 (and carry the still function's value through).
TRANSPARENT = frozenset({"abs", "sum", "max", "min", "avg", "ceil", "floor", "round", "sgn"})
COMPARE: dict[str, Callable[[float, float], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
WAVE = 0.01  # a moving gauge read by a threshold alert waves by 1 % of its value


class StillRead(Struct, frozen=True):
    """A comparison that holds while ``metric`` stands still: ``function(metric[range]) op number``."""

    metric: str
    function: str
    range_seconds: float
    number: float
    whole: bool  # the comparison is the whole condition (holding the gauge still makes it true)


def _still_call(node: Any, gauges: set[str]) -> tuple[str, str, float] | None:
    """(gauge, function, range) when ``node`` is a still-is-zero function of one catalog gauge."""
    import promql_parser as pp

    while True:
        if isinstance(node, pp.ParenExpr | pp.UnaryExpr):
            node = node.expr
        elif isinstance(node, pp.AggregateExpr) and str(node.op) in TRANSPARENT:
            node = node.expr
        elif isinstance(node, pp.Call) and node.func.name in TRANSPARENT and node.args:
            node = node.args[0]
        else:
            break
    if not (isinstance(node, pp.Call) and node.func.name in STILL_IS_ZERO and node.args):
        return None
    matrix = node.args[0]
    if not isinstance(matrix, pp.MatrixSelector) or matrix.vector_selector.name not in gauges:
        return None
    return matrix.vector_selector.name, node.func.name, matrix.range.total_seconds()


def still_reads(expr: str, metrics: Iterable[Metric]) -> list[StillRead]:
    """The comparisons in ``expr`` that a flat catalog gauge makes true."""
    import promql_parser as pp

    gauges = {m.name for m in metrics if m.type == "gauge" and not m.states}
    try:
        root = pp.parse(expr)
    except ValueError:
        return []
    found: list[StillRead] = []

    def visit(node: Any) -> None:
        if not isinstance(node, pp.BinaryExpr) or str(node.op) not in COMPARE:
            return
        for call, number, flipped in ((node.lhs, node.rhs, False), (node.rhs, node.lhs, True)):
            read = _still_call(call, gauges)
            if read is None or not isinstance(number, pp.NumberLiteral):
                continue
            compare = COMPARE[str(node.op)]
            holds = compare(number.val, 0.0) if flipped else compare(0.0, number.val)
            if holds:
                found.append(StillRead(*read, abs(number.val), str(node) == str(_unwrapped(pp, root))))

    pp.walk(root, visit)
    return found


def _unwrapped(pp: Any, node: Any) -> Any:
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return node


def threshold_read(service: Service) -> set[str]:
    """Gauge names a threshold condition or an SLI reads (those wave rather than climb)."""
    from ..compilers.prometheus.sli import sli_series

    read = {s.metric.name for a in service.alerts for s in condition_series(a.condition)}
    read |= {s.metric.name for slo in service.slos for s in sli_series(slo.sli)}
    return read


def moving(service: Service) -> dict[str, StillRead]:
    """The gauges of ``service`` that move on normal traffic, each with the read that needs it."""
    out: dict[str, StillRead] = {}
    for alert in service.alerts:
        if isinstance(alert.condition, PromqlCondition):
            for read in still_reads(alert.condition.promql, service.metrics):
                out.setdefault(read.metric, read)
    # A gauge an SLI or a state alert reads as 0/1 or as a state must keep exact values.
    exact = {
        s.metric.name
        for a in service.alerts
        if isinstance(a.condition, StateCondition)
        for s in condition_series(a.condition)
    } | {slo.sli.up.metric.name for slo in service.slos if isinstance(slo.sli, UpSli)}
    return {name: read for name, read in out.items() if name not in exact}


def slope(read: StillRead) -> float:
    """Per second: enough that the still function is clearly away from its number over its range."""
    return max(1.0, 2 * read.number, 2 * read.number / max(read.range_seconds, 1.0))
