"""PromQL text built from catalog metrics, with label values escaped, and checked by a parser.

Both the Prometheus and the Grafana compiler build their queries here, so a panel and the alert it
explains always query the same series.

>>> from sigil_monitoring.values.matchers import Matcher
>>> selector("sigil_error_total", (("job", "sigil-dna"), Matcher("code", "=~", "5..")))
'sigil_error_total{job="sigil-dna",code=~"5.."}'
>>> rate("x_total", (("job", "a"),), "5m", by=("operation",))
'sum by (operation) (rate(x_total{job="a"}[5m]))'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from . import conventions as names
from .values import matchers as label_matchers
from .values.matchers import Matcher

# Matcher objects, or (label, value) pairs for the labels the compiler sets itself (equality).
Matchers = Sequence[Matcher | tuple[str, str]]


class PromQLBug(AssertionError):
    """The compiler wrote PromQL that does not parse: a bug in sigil-monitoring, not in the spec."""


escape = label_matchers.escape


def matchers_text(matchers: Matchers, extra: tuple[str, ...] = ()) -> str:
    if type(matchers) is tuple and type(extra) is tuple:
        return _matchers_text_cached(matchers, extra)
    return _matchers_text(matchers, extra)


def _matchers_text(matchers: Matchers, extra: tuple[str, ...]) -> str:
    parts = [(m if isinstance(m, Matcher) else label_matchers.equal(*m)).text() for m in matchers] + list(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


# Every rule of a service repeats its selector (at 10,000 SLOs, 895,000 calls of few distinct
# matcher sets); matchers are frozen, so equal ones write equal text.
_matchers_text_cached = lru_cache(maxsize=4096)(_matchers_text)


def selector(metric: str, matchers: Matchers, extra: tuple[str, ...] = ()) -> str:
    return metric + matchers_text(matchers, extra)


def by_clause(by: tuple[str, ...]) -> str:
    return f"sum by ({', '.join(by)}) " if by else "sum "


def rate(metric: str, matchers: Matchers, window: str, by: tuple[str, ...] = (), extra: tuple[str, ...] = ()) -> str:
    return f"{by_clause(by)}(rate({selector(metric, matchers, extra)}[{window}]))"


def bucket_rate(metric: str, matchers: Matchers, window: str, by: tuple[str, ...] = ()) -> str:
    return rate(names.bucket_series(metric), matchers, window, by=tuple(sorted({"le", *by})))


def quantile(q: str, metric: str, matchers: Matchers, window: str, by: tuple[str, ...] = ()) -> str:
    return f"histogram_quantile({q}, {bucket_rate(metric, matchers, window, by)})"


def native_quantile(q: str, metric: str, matchers: Matchers, window: str, by: tuple[str, ...] = ()) -> str:
    return f"histogram_quantile({q}, {rate(metric, matchers, window, by)})"


def le_matcher(bound: str) -> str:
    """Match a bucket boundary as Prometheus 2 (``1``) and 3 (``1.0``) both write it."""
    import re

    escaped = re.escape(bound).replace("\\", "\\\\")
    suffix = "" if "." in bound else "(\\\\.0)?"
    return f'le=~"{escaped}{suffix}"'


def share(part: str, whole: str, labels: Sequence[str], on: Sequence[str]) -> str:
    """``part / whole`` of two gauge selectors, summed per ``labels``; when the denominator has only
    the labels ``on``, matched on those with ``group_left`` (one limit for many parts).

    >>> share('conns{job="pg"}', 'max_conns{job="pg"}', ("instance",), ("instance",))
    'sum by (instance) (conns{job="pg"}) / sum by (instance) (max_conns{job="pg"})'
    >>> share("a", "b", ("instance", "db"), ("instance",))
    'sum by (instance, db) (a) / on (instance) group_left sum by (instance) (b)'
    """
    numerator = f"{by_clause(tuple(labels))}({part})"
    denominator = f"{by_clause(tuple(on))}({whole})"
    if tuple(on) == tuple(labels):
        return f"{numerator} / {denominator}"
    return f"{numerator} / on ({', '.join(on)}) group_left {denominator}"


def check(expr: str) -> str:
    """Return ``expr`` unchanged after making sure it parses; raise ``PromQLBug`` if not.

    For the spec's own PromQL as the compiler places it (a ``promql`` panel, variables
    substituted), which the spec check parsed already: a failure here is our bug. Text the
    builders above make from checked parts is not parsed on every compile (265,000 parses at
    10,000 SLOs); ``tests/test_generated_promql.py`` parses all of it.

    >>> check('sum(rate(x_total{job="a"}[5m]))')
    'sum(rate(x_total{job="a"}[5m]))'
    """
    import promql_parser

    try:
        promql_parser.parse(expr)
    except ValueError as exc:
        raise PromQLBug(f"generated PromQL does not parse ({exc}): {expr}") from None
    return expr


def parses(expr: str) -> str | None:
    """None when ``expr`` parses as Prometheus 2 reads it, else the complaint (for user-written PromQL).

    >>> parses('rate(up{a="[5m"}[5m] offset 1h) > 0.5') is None
    True
    >>> parses("time() - 5m")
    'unexpected duration 5m; Prometheus 2 takes a number here, its seconds: 300'
    """
    import promql_parser

    try:
        promql_parser.parse(expr)
    except ValueError as exc:
        return str(exc)
    return _bare_duration(expr)


# promql-parser reads a duration outside a range or offset as its seconds (Prometheus 3 does), but
# Prometheus 2 refuses it ("unexpected duration"): the rule file would fail `promtool check rules`.
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_RANGES = re.compile(r"\[[^\]]*\]|\boffset\s*-?\s*[\dsmhdwy]+")
_DURATION = re.compile(r"(?<![\w.])((?:\d+(?:ms|[smhdwy]))+)(?![\w.])")


def _bare_duration(expr: str) -> str | None:
    text = _RANGES.sub(" ", _STRINGS.sub('""', expr))
    found = _DURATION.search(text)
    if found is None:
        return None
    from .values.units import Duration

    seconds = Duration.parse(found.group(1)).ms / 1000
    return f"unexpected duration {found.group(1)}; Prometheus 2 takes a number here, its seconds: {seconds:g}"


def instant_problem(expr: str, *, scalar: str | None, what: str = "an alert") -> str | None:
    """Why ``expr`` (which parses) cannot be the expression of ``what``, or None.

    Prometheus evaluates a rule's expression as an instant query and refuses any result but an
    instant vector or a scalar. ``scalar`` says why a scalar does not do either (None: it does):
    compared with a threshold (``expr > 1``), two scalars need ``bool`` and then always give a
    value; an SLI's error ratio is split by labels and fed as series by its tests.

    >>> instant_problem("up == 0", scalar=None) is None
    True
    >>> instant_problem("up[5m]", scalar=None)
    'the expression is a range vector; an alert needs an instant vector (e.g. rate(x[5m]) instead of x[5m])'
    >>> instant_problem('"abc"', scalar=None)
    'the expression is a string; an alert needs an instant vector (e.g. up == 0)'
    >>> instant_problem("time()", scalar="above/below compares instant vectors")
    'the expression is a scalar, and above/below compares instant vectors (wrap it: vector(time()))'
    """
    import promql_parser

    kind = value_type(promql_parser.parse(expr))
    if kind == "matrix":
        return f"the expression is a range vector; {what} needs an instant vector (e.g. rate(x[5m]) instead of x[5m])"
    if kind == "string":
        return f"the expression is a string; {what} needs an instant vector (e.g. up == 0)"
    if kind == "scalar" and scalar is not None:
        return f"the expression is a scalar, and {scalar} (wrap it: vector({expr.strip()}))"
    return None


def value_type(node: object) -> str:
    """``vector``, ``scalar``, ``matrix`` or ``string``: what a parsed expression evaluates to.

    >>> import promql_parser
    >>> [value_type(promql_parser.parse(e)) for e in ("up", "-(1 + 2)", "up[5m:]", '"s"', "sum(up) > 1")]
    ['vector', 'scalar', 'matrix', 'string', 'vector']
    """
    import promql_parser as pp

    match node:
        case pp.NumberLiteral():
            return "scalar"
        case pp.StringLiteral():
            return "string"
        case pp.MatrixSelector() | pp.SubqueryExpr():
            return "matrix"
        case pp.ParenExpr() | pp.UnaryExpr():
            return value_type(node.expr)
        case pp.Call():
            return str(node.func.return_type).rsplit(".", 1)[-1].lower()
        case pp.BinaryExpr():
            sides = {value_type(node.lhs), value_type(node.rhs)}
            return "scalar" if sides == {"scalar"} else "vector"
        case _:
            return "vector"  # selectors and aggregations


# Grafana's built-in and template variables, replaced by sample values before parsing: the
# parser knows neither, and a `$x` in a range selector is not PromQL.
_GRAFANA_VARIABLE = re.compile(r"\$\{?(__rate_interval|__interval|__range)\}?")
_TEMPLATE_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)")


def substitute_grafana_variables(expr: str) -> str:
    """``expr`` with Grafana variables replaced by values the PromQL parser accepts.

    >>> substitute_grafana_variables('rate(x{a=~"$a"}[$__rate_interval])')
    'rate(x{a=~"a"}[5m])'
    """
    text = _GRAFANA_VARIABLE.sub("5m", expr)
    return _TEMPLATE_VARIABLE.sub(lambda m: m.group(1) or m.group(2), text)
