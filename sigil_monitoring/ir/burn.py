"""The burn-rate maths, for the internal model; it lives in ``sigil_monitoring.values.burn_rates`` so
``validate`` can import it without the IR."""

from __future__ import annotations

from ..values.burn_rates import BurnWindow, burn_windows, can_fire, error_budget, lowest_objective_for, workbook_factor

__all__ = ["BurnWindow", "burn_windows", "can_fire", "error_budget", "lowest_objective_for", "workbook_factor"]
