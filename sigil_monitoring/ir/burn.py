"""The burn-rate maths as the IR uses it; it lives in ``sigil_monitoring.burn_rates`` so that
``validate`` can check the tiers without importing the IR.

>>> from sigil_monitoring.spec.units import Duration
>>> [str(w.factor) for w in burn_windows(Duration.parse("30d"), Duration.parse("15s"))]
['14.4', '6', '3', '1']
"""

from __future__ import annotations

from ..burn_rates import BurnWindow, burn_windows, error_budget, never_fires

__all__ = ["BurnWindow", "burn_windows", "error_budget", "never_fires"]
