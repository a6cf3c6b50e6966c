"""A query ratio SLI's raw PromQL read back as series, when it has the one shape that allows it.

``bad_query``/``total_query`` are the spec's own PromQL, so which raw series make the SLI burn is
unknown in general, as for ``error_ratio``. But the common shape, the one Sloth's and Pyrra's
examples and every RED dashboard write, is a sum of one counter's rate:
``sum(rate(metric{matchers}[$window]))`` (``sum by (...)`` naming exactly the SLO's ``group_by``).
For that shape the query selects the same events as a ratio SLI on that counter with those
matchers, so the promtool tests and the drill stage it as one (``RatioSli``). Anything else
(offsets, ``or`` matchers, other functions, several metrics) is not read back, and the reason is
kept for the report.

>>> series = plain_rate('sum(rate(http_requests_total{code=~"5.."}[$window]))', (), {})
>>> series.metric.name, series.metric.type, [m.text() for m in series.matchers]
('http_requests_total', 'counter', ['code=~"5.."'])
>>> plain_rate("sum(rate(a_total[$window])) + sum(rate(b_total[$window]))", (), {})
'it is not sum(rate(metric{...}[$window]))'
>>> plain_rate("sum by (route) (rate(a_total[$window]))", (), {})
'it sums by route, the SLO by nothing'
"""

from __future__ import annotations

from collections.abc import Mapping

from ..values.matchers import Matcher, Op
from .series import Metric, Series

_OPS: dict[str, Op] = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}
NOT_PLAIN = "it is not sum(rate(metric{...}[$window]))"


def plain_rate(query: str, group_by: tuple[str, ...], catalog: Mapping[str, Metric]) -> Series | str:
    """The series ``query`` sums the rate of, or why it is not of that shape.

    ``catalog``: the service's metrics by Prometheus name; a counter there is used as it is, any
    other name becomes a counter of its own (tests can feed it; the drill simulates only the catalog).
    """
    import promql_parser as pp

    node = pp.parse(query.replace("$window", "5m"))
    if not (isinstance(node, pp.AggregateExpr) and str(node.op) == "sum" and isinstance(node.expr, pp.Call)):
        return NOT_PLAIN
    by = tuple(node.modifier.labels) if node.modifier is not None else ()
    if node.modifier is not None and str(node.modifier.type) != "AggModifierType.By":
        return NOT_PLAIN
    if sorted(by) != sorted(group_by):
        return f"it sums by {', '.join(by) or 'nothing'}, the SLO by {', '.join(group_by) or 'nothing'}"
    call = node.expr
    if call.func.name != "rate" or len(call.args) != 1 or not isinstance(call.args[0], pp.MatrixSelector):
        return NOT_PLAIN
    vector = call.args[0].vector_selector
    if vector.name is None or vector.offset is not None or vector.at is not None or vector.matchers.or_matchers:
        return NOT_PLAIN
    matchers = []
    for m in vector.matchers.matchers:
        if m.name == "__name__":
            return NOT_PLAIN
        matchers.append(Matcher(m.name, _OPS[str(m.op)], m.value))
    found = catalog.get(vector.name)
    metric = (
        found
        if found is not None and found.type == "counter"
        else Metric(vector.name, vector.name, "counter", "none", "", tuple(m.label for m in matchers), None, None)
    )
    return Series(metric, tuple(matchers), by, tuple(matchers))
