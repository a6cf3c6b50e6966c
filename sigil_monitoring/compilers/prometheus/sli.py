"""The SLI chain: each SLI kind as PromQL, written once.

The ``Sli`` union is matched exhaustively here and nowhere else outside ``ir/build.py``: the
Prometheus rules, the promtool tests, the Grafana panels and the live drill reach an SLI's
specifics through these functions (tests, drill and lint match the narrower ``Stageable``). A new
SLI kind is a new case in ``sli_queries``, ``sli_series`` and ``stageable`` (mypy fails until all
three have it); ``stageable`` maps it to an existing shape when tests and drills can produce its
raw series that way, or to None (they then feed its recorded ratios / call it undrivable).

>>> from sigil_monitoring.ir.model import ErrorRatioSli
>>> sli_queries(ErrorRatioSli("1 - avg_over_time(up[$window])"), (), Duration.parse("5m"))
SliQueries(error_ratio='1 - avg_over_time(up[5m])', events=None)
"""

from __future__ import annotations

from typing import assert_never

from msgspec import Struct

from ... import conventions as names
from ... import promql
from ...ir.model import ErrorRatioSli, LatencySli, QueryRatioSli, RatioSli, Series, Sli, UpSli
from ...values.units import Duration


class SliQueries(Struct, frozen=True):
    """One SLI over one window: its error ratio (0..1) and, when the SLI counts events, the
    (bad events, all events) per second whose ratio it is (None for raw PromQL)."""

    error_ratio: str
    events: tuple[str, str] | None


def _ratio(sli: RatioSli, w: str, by: tuple[str, ...]) -> SliQueries:
    # Each side counts events: a counter, or a classic histogram's observations (its _count).
    part = promql.rate(sli.part.events, sli.part.matchers, w, by)
    total = promql.rate(sli.total.events, sli.total.matchers, w, by)
    if sli.part_is_bad:
        return SliQueries(f"{part} / {total}", (part, total))
    return SliQueries(f"1 - ({part} / {total})", (f"{total} - {part}", total))


def _latency(sli: LatencySli, w: str, by: tuple[str, ...]) -> SliQueries:
    metric, matchers = sli.histogram.metric.name, sli.histogram.matchers
    if sli.histogram.metric.type == "native_histogram":
        rate = promql.rate(metric, matchers, w, by)
        return SliQueries(
            f"1 - histogram_fraction(0, {sli.below_text}, {rate})",
            (
                f"histogram_count({rate}) * (1 - histogram_fraction(0, {sli.below_text}, {rate}))",
                f"histogram_count({rate})",
            ),
        )
    # The threshold bucket as Prometheus 2 ("1") and 3 ("1.0") both spell it.
    good = promql.rate(names.bucket_series(metric), matchers, w, by, extra=(promql.le_matcher(sli.below_text),))
    total = promql.rate(names.count_series(metric), matchers, w, by)
    return SliQueries(f"({total} - {good}) / {total}", (f"{total} - {good}", total))


def _up(sli: UpSli, w: str, by: tuple[str, ...]) -> SliQueries:
    avg_up = f"avg_over_time({promql.selector(sli.up.metric.name, sli.up.matchers)}[{w}])"
    avg = f"avg by ({', '.join(by)}) " if by else "avg "
    count = f"count by ({', '.join(by)}) " if by else "count "
    # Per target the share of the window it was down; all events: the number of targets.
    return SliQueries(f"1 - {avg}({avg_up})", (f"{promql.by_clause(by)}(1 - {avg_up})", f"{count}({avg_up})"))


def _query_ratio(sli: QueryRatioSli, w: str) -> SliQueries:
    # Each query is the spec's own expression: parenthesised, so `a + b` divides as a whole.
    part, total = (f"({q.replace('$window', w).strip()})" for q in (sli.part, sli.total))
    if sli.part_is_bad:
        return SliQueries(f"{part} / {total}", (part, total))
    return SliQueries(f"1 - ({part} / {total})", (f"{total} - {part}", total))


def sli_queries(sli: Sli, group_by: tuple[str, ...], window: Duration) -> SliQueries:
    """The SLI over ``window``, summed per ``group_by``, from the raw series.

    The error ratios keep Sloth's expressions, so burn alerts match Sloth's sample for sample.
    The events, summed over a period, weigh every second by its traffic, and a second without
    traffic adds 0 to both instead of making the ratio NaN.
    """
    w = str(window)
    match sli:
        case RatioSli():
            return _ratio(sli, w, group_by)
        case LatencySli():
            return _latency(sli, w, group_by)
        case UpSli():
            return _up(sli, w, group_by)
        case ErrorRatioSli(promql=expr):
            return SliQueries(expr.replace("$window", w).strip(), None)
        case QueryRatioSli():
            return _query_ratio(sli, w)
        case _:
            assert_never(sli)


def sli_series(sli: Sli) -> tuple[Series, ...]:
    """The catalog series the SLI reads (none for raw PromQL, unless it reads back as series)."""
    match sli:
        case RatioSli(part=part, total=total):
            return (part, total)
        case LatencySli(histogram=histogram):
            return (histogram,)
        case UpSli(up=up):
            return (up,)
        case ErrorRatioSli():
            return ()
        case QueryRatioSli(staged=staged):
            return sli_series(staged) if staged is not None else ()
        case _:
            assert_never(sli)


# The SLI shapes whose raw series a promtool test or the live drill knows how to produce.
Stageable = RatioSli | LatencySli | UpSli


def stageable(sli: Sli) -> Stageable | None:
    """The SLI as a shape whose raw series tests and drills can produce, or None when only its
    recorded error ratios can be fed (raw PromQL: which series make it bad is unknown, unless
    the queries are plain sums of one counter's rate: ``ir/query_sli.py``)."""
    match sli:
        case RatioSli() | LatencySli() | UpSli():
            return sli
        case ErrorRatioSli():
            return None
        case QueryRatioSli(staged=staged):
            return staged
        case _:
            assert_never(sli)
