"""What ``adopt`` reads in a PromQL query: its selectors and the shapes our panels and alerts compile to.

A query with Grafana variables is parsed after replacing each variable outside a string by a
duration (``[$__rate_interval]`` becomes ``[5m]``); a variable inside a string stays as written, so
``{handler=~"$handler"}`` reads as the matcher ``handler=~"$handler"``.

>>> query = 'histogram_quantile(0.9, sum by (le) (rate(x_bucket{a="1"}[$__rate_interval])))'
>>> [(s.metric, s.functions) for s in selectors(query)]
[('x_bucket', ('histogram_quantile', 'rate'))]
>>> found = shape('sum by (code) (rate(http_requests_total{job="api"}[$__rate_interval]))')
>>> found.kind, found.selector.metric, found.selector.matchers, found.by
('rate', 'http_requests_total', (('job', '=', 'api'),), ('code',))
>>> normalised('sum  by (le) ( rate(x[5m]) )') == normalised('sum by(le)(rate(x[5m]))')
True
"""

from __future__ import annotations

import re
from typing import Any, Literal

import msgspec

Op = Literal["=", "!=", "=~", "!~"]
ShapeKind = Literal["rate", "increase", "quantile", "value", "ratio", "absent"]

_OPS: dict[str, Op] = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+|\[\[\w+\]\]")


class Selector(msgspec.Struct, frozen=True):
    metric: str
    matchers: tuple[tuple[str, Op, str], ...]
    functions: tuple[str, ...]  # the functions around it, outermost first


class Shape(msgspec.Struct, frozen=True):
    """A query of a shape our compiler writes: ``sum by (by) (rate(selector[w]))`` and the like."""

    kind: ShapeKind
    selector: Selector
    by: tuple[str, ...] = ()
    quantile: float | None = None
    total: Selector | None = None  # a ratio's denominator


def parse(expr: str) -> Any:
    """The promql_parser tree of ``expr`` (Grafana variables replaced), or None when it does not parse."""
    import promql_parser

    try:
        return promql_parser.parse(_without_variables(expr))
    except (ValueError, TypeError):
        return None


def _without_variables(expr: str) -> str:
    parts, last = [], 0
    for string in _STRINGS.finditer(expr):
        parts.append(_VARIABLE.sub("5m", expr[last : string.start()]))
        parts.append(string.group())
        last = string.end()
    parts.append(_VARIABLE.sub("5m", expr[last:]))
    return "".join(parts)


def selectors(expr: str) -> list[Selector]:
    """Every vector selector with a metric name in ``expr``, with the functions around it."""
    tree = parse(expr)
    found: list[Selector] = []
    if tree is not None:
        _walk(tree, (), found)
    return found


def _walk(node: Any, functions: tuple[str, ...], found: list[Selector]) -> None:
    import promql_parser as pp

    match node:
        case pp.VectorSelector():
            if node.name:
                found.append(_selector(node, functions))
        case pp.MatrixSelector():
            _walk(node.vector_selector, functions, found)
        case pp.Call():
            for arg in node.args:
                _walk(arg, (*functions, node.func.name), found)
        case pp.AggregateExpr():
            _walk(node.expr, functions, found)
            if node.param is not None:
                _walk(node.param, functions, found)
        case pp.BinaryExpr():
            _walk(node.lhs, functions, found)
            _walk(node.rhs, functions, found)
        case pp.ParenExpr() | pp.UnaryExpr() | pp.SubqueryExpr():
            _walk(node.expr, functions, found)
        case _:
            pass


def _selector(node: Any, functions: tuple[str, ...]) -> Selector:
    matchers = tuple(
        (m.name, _OPS[str(m.op).rsplit(".", 1)[-1]], m.value) for m in node.matchers.matchers if m.name != "__name__"
    )
    return Selector(node.name, matchers, functions)


def shape(expr: str) -> Shape | None:
    """The shape of ``expr`` when it is one our panels and alerts compile to, else None."""
    tree = parse(expr)
    return None if tree is None else _shape(_bare(tree))


def _shape(node: Any) -> Shape | None:
    import promql_parser as pp

    if isinstance(node, pp.VectorSelector) and node.name and node.offset is None and node.at is None:
        return Shape("value", _selector(node, ()))
    if isinstance(node, pp.Call) and node.func.name == "absent" and len(node.args) == 1:
        inner = _bare(node.args[0])
        if isinstance(inner, pp.VectorSelector) and inner.name:
            return Shape("absent", _selector(inner, ("absent",)))
    if isinstance(node, pp.Call) and node.func.name == "histogram_quantile" and len(node.args) == 2:
        q, inner = _bare(node.args[0]), _shape(_bare(node.args[1]))
        if isinstance(q, pp.NumberLiteral) and inner is not None and inner.kind == "rate" and inner.by == ("le",):
            return Shape("quantile", inner.selector, (), float(q.val))
    if isinstance(node, pp.AggregateExpr) and str(node.op) == "sum" and node.param is None:
        by = _by(node.modifier)
        inner = _bare(node.expr)
        if by is not None and isinstance(inner, pp.Call) and inner.func.name in ("rate", "increase"):
            arg = _bare(inner.args[0]) if len(inner.args) == 1 else None
            if isinstance(arg, pp.MatrixSelector) and arg.vector_selector.name:
                kind: ShapeKind = "rate" if inner.func.name == "rate" else "increase"
                return Shape(kind, _selector(arg.vector_selector, (inner.func.name,)), by)
    if isinstance(node, pp.BinaryExpr) and str(node.op) == "/" and node.modifier is None:
        part, whole = _shape(_bare(node.lhs)), _shape(_bare(node.rhs))
        if (
            part is not None
            and whole is not None
            and part.kind == whole.kind == "rate"
            and not part.by
            and not whole.by
        ):
            return Shape("ratio", part.selector, (), None, whole.selector)
    return None


def _by(modifier: Any) -> tuple[str, ...] | None:
    """The labels of ``by (...)``; () without a modifier; None for ``without``."""
    if modifier is None:
        return ()
    if str(modifier.type).endswith("By"):
        return tuple(modifier.labels)
    return None


def _bare(node: Any) -> Any:
    import promql_parser as pp

    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return node


def comparison(expr: str) -> tuple[str, str, float] | None:
    """``(left, op, number)`` of ``left > number`` / ``left < number`` (``bool`` not allowed), else None.

    >>> comparison('pg_up{job="shop"} < 1')
    ('pg_up{job="shop"}', '<', 1.0)
    """
    import promql_parser as pp

    tree = parse(expr)
    if not isinstance(tree, pp.BinaryExpr) or str(tree.op) not in ("<", ">") or tree.modifier is not None:
        return None
    rhs = _bare(tree.rhs)
    if not isinstance(rhs, pp.NumberLiteral):
        return None
    cut = re.search(r"[<>]\s*[-+0-9.eE]+\s*$", expr)
    if cut is None:
        return None
    return expr[: cut.start()].rstrip(), str(tree.op), float(rhs.val)


def normalised(expr: str) -> str:
    """``expr`` without the whitespace outside its strings: the same query written another way compares equal."""
    parts, last = [], 0
    for string in _STRINGS.finditer(expr):
        parts.append(re.sub(r"\s+", "", expr[last : string.start()]))
        parts.append(string.group())
        last = string.end()
    parts.append(re.sub(r"\s+", "", expr[last:]))
    return "".join(parts)
