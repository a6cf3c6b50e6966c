"""Multi-window multi-burn-rate maths, exact in Decimal, computed once per (SLO window, scrape interval).

Standalone (no internal model, no pydantic), so ``validate`` checks the tiers without importing
the IR. ``burn_windows`` is cached: its ladder snapping takes ~120 ``Decimal.ln`` a call, it is
asked twice per SLO (the semantic checks, then the IR), and a fleet has a handful of distinct
(window, scrape interval) pairs however many SLOs it has.

>>> [str(w.factor) for w in burn_windows(Duration.parse("30d"), Duration.parse("15s"))]
['14.4', '6', '3', '1']
>>> [str(w.factor) for w in burn_windows(Duration.parse("28d"), Duration.parse("15s"))]
['13.44', '5.6', '2.8', '0.9333']
>>> [(str(w.long), str(w.short)) for w in burn_windows(Duration.parse("7d"), Duration.parse("15s"))]
[('15m', '1m'), ('1h', '5m'), ('6h', '30m'), ('12h', '1h')]
>>> burn_windows(Duration.parse("30d"), Duration.parse("15s")) is burn_windows(Duration.parse("30d"), Duration.parse("15s"))
True
>>> error_budget(Decimal("99.9"))
Decimal('0.001')
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from .defaults import (
    BURN_FACTOR_QUANTUM,
    BURN_WINDOWS,
    MIN_BURN_WINDOW,
    MIN_RATE_WINDOW_SCRAPES,
    REFERENCE_SLO_WINDOW,
    WINDOW_LADDER,
)
from .spec.units import Duration


@dataclass(frozen=True)
class BurnWindow:
    tier: str  # page | ticket
    long: Duration
    short: Duration
    factor: Decimal  # burn-rate multiple of the error budget
    budget_consumed: Decimal


def error_budget(objective_percent: Decimal) -> Decimal:
    """1 - objective as an exact ratio: 99.9 -> 0.001 (never 0.0009999999999999432)."""
    return (Decimal(100) - objective_percent) / Decimal(100)


def _snap(ms: Decimal, floor: Duration) -> Duration:
    """The ladder window nearest to ``ms`` (on a log scale), at least ``floor``."""
    candidates = [d for d in WINDOW_LADDER if d >= floor] or [floor]
    best = min(candidates, key=lambda d: abs((Decimal(d.ms) / ms).ln()))
    return best


@lru_cache(maxsize=256)
def burn_windows(slo_window: Duration, scrape_interval: Duration) -> tuple[BurnWindow, ...]:
    """The burn windows for an SLO over ``slo_window``, scaled from the 30-day reference.

    Short windows never go below four scrape intervals, so ``rate()`` always has samples.
    The result is an immutable tuple of frozen dataclasses, so sharing it between SLOs is safe.
    """
    scale = Decimal(slo_window.ms) / Decimal(REFERENCE_SLO_WINDOW.ms)
    floor = max(Duration(scrape_interval.ms * MIN_RATE_WINDOW_SCRAPES), MIN_BURN_WINDOW)
    out = []
    for policy in BURN_WINDOWS:
        long = _snap(Decimal(policy.long.ms) * scale, floor)
        short = _snap(Decimal(policy.short.ms) * scale, floor)
        if short >= long:
            short = max((d for d in WINDOW_LADDER if d < long), default=floor)
        factor = policy.budget_consumed * Decimal(slo_window.ms) / Decimal(long.ms)
        factor = factor.quantize(BURN_FACTOR_QUANTUM, rounding=ROUND_HALF_EVEN).normalize()
        out.append(BurnWindow(policy.tier, long, short, factor, policy.budget_consumed))
    return tuple(out)


def never_fires(window: BurnWindow, budget: Decimal) -> bool:
    """An error ratio cannot exceed 1, so factor x budget >= 1 can never be reached."""
    return window.factor * budget >= 1
