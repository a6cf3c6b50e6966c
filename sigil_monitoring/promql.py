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


@lru_cache(maxsize=4096)
def check(expr: str) -> str:
    """Return ``expr`` unchanged after making sure it parses; raise ``PromQLBug`` if not.

    Cached (bounded; a failure raises and is not cached): the same expression is built again
    and again (``vector(30)`` once per SLO, a shared ratio by every rule that reads it), and the
    parse is the self-check's whole cost. At 1,000 SLOs, 26,000 rule checks are of 17,500
    distinct expressions.
    """
    import promql_parser

    try:
        promql_parser.parse(expr)
    except ValueError as exc:
        raise PromQLBug(f"generated PromQL does not parse ({exc}): {expr}") from None
    return expr


def parses(expr: str) -> str | None:
    """None when ``expr`` parses, else the parser's complaint (for user-written PromQL)."""
    import promql_parser

    try:
        promql_parser.parse(expr)
    except ValueError as exc:
        return str(exc)
    return None


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
