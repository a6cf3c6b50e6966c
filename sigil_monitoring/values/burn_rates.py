"""Multi-window multi-burn-rate maths, exact in Decimal, computed once per (SLO window, scrape interval).

Standalone (no internal model, no pydantic), so ``validate`` checks the tiers without importing
the IR. ``burn_windows`` is cached: its ladder search takes dozens of ``Decimal.ln`` a call, it is
asked twice per SLO (the semantic checks, then the IR), and a fleet has a handful of distinct
(window, scrape interval) pairs however many SLOs it has.


Each window pair of the Google SRE workbook (``defaults.BURN_WINDOWS``) spends a fixed share of the
budget within its long window (2 %, 5 %, 10 %, 10 %). For an SLO window other than 30d the long
window is scaled and moved up to a round duration, and the factor is derived from the window
actually used: ``factor = budget consumed x SLO window / long window``. So a firing alert always
means the workbook's share of the budget is gone, and a tier never misses a burn multiple the
workbook's tier catches (no factor exceeds 14.4 / 6 / 3 / 1 by more than
``defaults.LONG_WINDOW_TOLERANCE``).

>>> def show(window, scrape="15s"):
...     windows = burn_windows(Duration.parse(window), Duration.parse(scrape))
...     return [(str(w.long), str(w.short), str(w.factor)) for w in windows]
>>> show("30d")
[('1h', '5m', '14.4'), ('6h', '30m', '6'), ('1d', '2h', '3'), ('3d', '6h', '1')]
>>> show("28d")
[('1h', '5m', '13.44'), ('6h', '30m', '5.6'), ('1d', '2h', '2.8'), ('3d', '6h', '0.9333')]
>>> show("7d")
[('15m', '1m', '13.44'), ('1h30m', '6m', '5.6'), ('6h', '30m', '2.8'), ('18h', '1h30m', '0.9333')]
>>> show("365d")
[('12h', '1h', '14.6'), ('3d', '6h', '6.0833'), ('14d', '1d', '2.6071'), ('45d', '3d', '0.8111')]
>>> error_budget(Decimal("99.9"))
Decimal('0.001')

A pair whose threshold ``factor x budget`` is 1 or more can never fire (an error ratio is at most
1); the tier keeps its other pairs. At 92 % the page tier keeps only 6h/30m:

>>> budget = error_budget(Decimal(92))
>>> windows = burn_windows(Duration.parse("30d"), Duration.parse("15s"))
>>> [str(w.long) for w in windows if w.tier == "page" and can_fire(w, budget)]
['6h']
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from functools import lru_cache

import msgspec

from ..defaults import (
    BUDGET_SHARE_QUANTUM,
    BURN_FACTOR_QUANTUM,
    BURN_WINDOWS,
    LONG_WINDOW_TOLERANCE,
    MIN_BURN_WINDOW,
    MIN_RATE_WINDOW_SCRAPES,
    REFERENCE_SLO_WINDOW,
    WINDOW_LADDER,
    BurnWindowPolicy,
)
from .units import Duration, format_decimal, plain_decimal

MINUTE_MS = 60_000


class BurnWindow(msgspec.Struct, frozen=True):
    tier: str  # page | ticket
    long: Duration
    short: Duration
    factor: Decimal  # burn-rate multiple of the error budget
    budget_consumed: Decimal


def error_budget(objective_percent: Decimal) -> Decimal:
    """1 - objective as an exact ratio: 99.9 -> 0.001 (never 0.0009999999999999432)."""
    return (Decimal(100) - objective_percent) / Decimal(100)


def workbook_factor(policy: BurnWindowPolicy) -> Decimal:
    """The pair's factor for the 30-day reference window: 14.4, 6, 3, 1."""
    return policy.budget_consumed * Decimal(REFERENCE_SLO_WINDOW.ms) / Decimal(policy.long.ms)


def _long(exact_ms: Decimal, floor: Duration) -> Duration:
    """The shortest round window not (much) shorter than ``exact_ms``, at least ``floor``.

    Beyond the ladder (SLO windows of years) the exact window, rounded up to a minute.
    """
    at_least = exact_ms * (1 - LONG_WINDOW_TOLERANCE)
    if floor.ms >= at_least:
        return floor
    for d in WINDOW_LADDER:
        if d >= floor and d.ms >= at_least:
            return d
    minutes = (exact_ms / MINUTE_MS).to_integral_value(rounding=ROUND_CEILING)
    return max(Duration(int(minutes) * MINUTE_MS), floor)


def _short(exact_ms: Decimal, floor: Duration, long: Duration) -> Duration:
    """The round window nearest to ``exact_ms`` (on a log scale), at least ``floor``, below ``long``."""
    candidates = [d for d in WINDOW_LADDER if floor <= d < long]
    if not candidates:
        return long if floor >= long else floor
    return min(candidates, key=lambda d: abs((Decimal(d.ms) / exact_ms).ln()))


def shortest_window(scrape_interval: Duration) -> Duration:
    """No burn window is shorter: ``rate()`` needs MIN_RATE_WINDOW_SCRAPES samples in it.

    >>> str(shortest_window(Duration.parse("15s"))), str(shortest_window(Duration.parse("1m")))
    ('1m', '4m')
    """
    return max(Duration(scrape_interval.ms * MIN_RATE_WINDOW_SCRAPES), MIN_BURN_WINDOW)


@lru_cache(maxsize=256)
def burn_windows(slo_window: Duration, scrape_interval: Duration) -> tuple[BurnWindow, ...]:
    """The burn windows for an SLO over ``slo_window``, scaled from the 30-day reference.

    Short windows never go below four scrape intervals, so ``rate()`` always has samples.
    The result is an immutable tuple of frozen records (msgspec Structs), so sharing it between SLOs is safe.
    """
    scale = Decimal(slo_window.ms) / Decimal(REFERENCE_SLO_WINDOW.ms)
    floor = shortest_window(scrape_interval)
    out = []
    for policy in BURN_WINDOWS:
        long = _long(Decimal(policy.long.ms) * scale, floor)
        short = _short(Decimal(policy.short.ms) * scale, floor, long)
        factor = policy.budget_consumed * Decimal(slo_window.ms) / Decimal(long.ms)
        factor = factor.quantize(BURN_FACTOR_QUANTUM, rounding=ROUND_HALF_EVEN).normalize()
        out.append(BurnWindow(policy.tier, long, short, factor, policy.budget_consumed))
    return tuple(out)


def can_fire(window: BurnWindow, budget: Decimal) -> bool:
    """An error ratio cannot exceed 1, so a pair whose factor x budget >= 1 is never reached."""
    return window.factor * budget < 1


def lowest_objective_for(windows: tuple[BurnWindow, ...]) -> Decimal:
    """The lowest objective (percent, two decimals) at which one of ``windows`` can fire.

    >>> w = BurnWindow("page", Duration.parse("6h"), Duration.parse("30m"), Decimal(6), Decimal("0.05"))
    >>> lowest_objective_for((w,))
    Decimal('83.34')
    >>> lowest_objective_for((BurnWindow("page", w.long, w.short, Decimal(5), w.budget_consumed),))
    Decimal('80.01')
    """
    factor = min(w.factor for w in windows)
    # Fires when factor x (100 - objective) / 100 < 1, i.e. objective > 100 - 100 / factor.
    bound = Decimal(100) - Decimal(100) / factor
    step = Decimal("0.01")
    objective = bound.quantize(step, rounding=ROUND_CEILING)
    return objective + step if objective == bound else objective


def own_window(
    tier: str,
    slo_window: Duration,
    scrape_interval: Duration,
    long: Duration,
    short: Duration | None,
    factor: Decimal | None,
    budget_share: Decimal | None,
) -> BurnWindow:
    """A window pair the spec gives a tier itself (``alerting.page.windows``), with the same maths
    as the defaults: the short window defaults to long/12 moved to a round duration, and a
    ``budget_share`` (0.02 for 2 %) becomes ``factor = budget consumed x SLO window / long``.

    >>> def show(long, short=None, factor=None, share=None, window="30d"):
    ...     w = own_window("page", D(window), D("15s"), D(long), short and D(short), factor, share)
    ...     return str(w.long), str(w.short), str(w.factor), str(w.budget_consumed)
    >>> D = Duration.parse
    >>> show("1h", "5m", factor=Decimal("14.4"))
    ('1h', '5m', '14.4', '0.02')
    >>> show("2h", share=Decimal("0.05"), window="28d")
    ('2h', '10m', '16.8', '0.05')
    """
    if short is None:
        short = _short(Decimal(long.ms) / 12, shortest_window(scrape_interval), long)
    ratio = Decimal(slo_window.ms) / Decimal(long.ms)
    if factor is None:
        consumed = budget_share if budget_share is not None else Decimal(0)
        factor = plain_decimal((consumed * ratio).quantize(BURN_FACTOR_QUANTUM, rounding=ROUND_HALF_EVEN))
    else:
        consumed = plain_decimal((factor / ratio).quantize(BUDGET_SHARE_QUANTUM, rounding=ROUND_HALF_EVEN))
    return BurnWindow(tier, long, short, factor, consumed)


def own_window_problems(
    window: BurnWindow,
    slo_window: Duration,
    scrape_interval: Duration,
    budget: Decimal,
    *,
    short_given: bool,
    by_budget: bool,
) -> list[tuple[str, str]]:
    """What makes a pair of ``own_window`` wrong, as (its field: long, short or threshold, message).

    >>> D = Duration.parse
    >>> w = own_window("page", D("30d"), D("15s"), D("1h"), D("1h"), Decimal(2000), None)
    >>> budget = error_budget(Decimal("99.9"))
    >>> for field, text in own_window_problems(w, D("30d"), D("15s"), budget, short_given=True, by_budget=False):
    ...     print(field, "|", text[:60])
    short | short window 1h is not shorter than long window 1h (use abou
    threshold | this pair can never fire: factor 2000 x error budget 0.001 =
    """
    out = []
    floor = shortest_window(scrape_interval)
    if window.long > slo_window:
        out.append(
            ("long", f"long window {window.long} is longer than the SLO window {slo_window} (use at most {slo_window})")
        )
    if window.short >= window.long:
        if short_given:
            hint = _short(Decimal(window.long.ms) / 12, floor, window.long)
            out.append(
                (
                    "short",
                    f"short window {window.short} is not shorter than long window {window.long} "
                    f"(use about long/12, e.g. {hint})",
                )
            )
        else:
            out.append(
                (
                    "long",
                    f"long window {window.long} leaves no short window of at least {floor} below it "
                    f"(rate() needs {MIN_RATE_WINDOW_SCRAPES} scrapes; use a long window above {floor})",
                )
            )
    elif window.short < floor:
        out.append(
            (
                "short",
                f"short window {window.short} is shorter than {floor}: rate() needs {MIN_RATE_WINDOW_SCRAPES} scrape "
                f"intervals of {scrape_interval} (and at least {MIN_BURN_WINDOW}) (use at least {floor})",
            )
        )
    if not can_fire(window, budget):
        most = 1 / budget
        share = most * window.long.ms / slo_window.ms * 100
        fix = (
            f"a budget below {format_decimal(share.quantize(Decimal('0.01'), rounding=ROUND_FLOOR))}%"
            if by_budget
            else f"a factor below {format_decimal(most.quantize(BURN_FACTOR_QUANTUM, rounding=ROUND_FLOOR))}"
        )
        out.append(
            (
                "threshold",
                f"this pair can never fire: factor {window.factor} x error budget {budget} = "
                f"{format_decimal(window.factor * budget)} is not below 1, and no error ratio exceeds 1 "
                f"(use {fix}, or raise the objective)",
            )
        )
    return out
