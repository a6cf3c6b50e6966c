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

from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal
from functools import lru_cache

import msgspec

from ..defaults import (
    BURN_FACTOR_QUANTUM,
    BURN_WINDOWS,
    LONG_WINDOW_TOLERANCE,
    MIN_BURN_WINDOW,
    MIN_RATE_WINDOW_SCRAPES,
    REFERENCE_SLO_WINDOW,
    WINDOW_LADDER,
    BurnWindowPolicy,
)
from .units import Duration

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


@lru_cache(maxsize=256)
def burn_windows(slo_window: Duration, scrape_interval: Duration) -> tuple[BurnWindow, ...]:
    """The burn windows for an SLO over ``slo_window``, scaled from the 30-day reference.

    Short windows never go below four scrape intervals, so ``rate()`` always has samples.
    The result is an immutable tuple of frozen records (msgspec Structs), so sharing it between SLOs is safe.
    """
    scale = Decimal(slo_window.ms) / Decimal(REFERENCE_SLO_WINDOW.ms)
    floor = max(Duration(scrape_interval.ms * MIN_RATE_WINDOW_SCRAPES), MIN_BURN_WINDOW)
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
