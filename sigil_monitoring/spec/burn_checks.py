"""The checks of an SLO's burn tiers: can each tier fire, and are its own window pairs sound.

A tier on the default windows keeps the pairs that can fire (``spec/hints.py`` warns about the
others) and only a tier left with none is an error. A tier's own pairs (``alerting.page.windows``)
were written one by one, so each pair that cannot fire, or does not fit the SLO window and the
scrape interval, is an error at that pair (``values/burn_rates.own_window_problems``).

"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import Problem

if TYPE_CHECKING:
    from .document import Spec

TIERS = ("page", "ticket")


def tier_problems(spec: Spec) -> Iterator[Problem]:
    from ..values.burn_rates import can_fire, error_budget, lowest_objective_for, own_window_problems

    scrape = spec.service.scrape_interval
    for name, slo in spec.slos.items():
        path = ("slos", name)
        budget = error_budget(slo.objective)
        for tier_name in TIERS:
            tier = getattr(slo.alerting, tier_name)
            windows = slo.tier_windows(tier_name, scrape)
            if tier.windows is not None:
                seen: dict[tuple[int, int], int] = {}
                for index, (pair, window) in enumerate(zip(tier.windows, windows, strict=True)):
                    at = (*path, "alerting", tier_name, "windows", index)
                    problems = own_window_problems(
                        window,
                        slo.window,
                        scrape,
                        budget,
                        short_given=pair.short is not None,
                        by_budget=pair.budget is not None,
                    )
                    for field, message in problems:
                        where = ("budget" if pair.budget is not None else "factor") if field == "threshold" else field
                        yield (*at, where), "value", message
                    first = seen.setdefault((window.long.ms, window.short.ms), index)
                    if first != index:
                        yield (
                            (*at, "long"),
                            "value",
                            f"the {tier_name} tier has the pair {window.long}/{window.short} twice "
                            f"(windows[{first}] and windows[{index}]; remove one)",
                        )
            # A default pair that cannot fire is left out of the rule (ir.build); only a tier left
            # with no pair at all is a mistake worth stopping for.
            elif tier.enabled and not any(can_fire(w, budget) for w in windows):
                thresholds = " and ".join(f"{w.factor} x {budget}" for w in windows)
                yield (
                    (*path, "objective"),
                    "value",
                    (
                        f"the {tier_name} tier can never fire: its burn thresholds (factor x error budget) "
                        f"{thresholds} are all >= 1, above any error ratio (raise the objective to at least "
                        f"{lowest_objective_for(windows)} %, or set alerting.{tier_name}.enabled: false)"
                    ),
                )
