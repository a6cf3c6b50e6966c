"""The three panels of an SLO: error ratio against the budget, budget left, burn rate by window.

They read the Prometheus target's SLO recording rules (``slo:sli_error:ratio_rate<window>`` and
``slo:period_error_budget_remaining:ratio`` with ``service`` and ``slo`` labels), so the panels
show the very series the burn-rate alerts evaluate.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from ... import defaults
from ...ir.dashboard import Panel
from ...ir.model import Slo
from ...values.units import format_decimal
from . import options, queries
from .context import PALETTE_COLORS, THRESHOLD_COLORS, Context, num
from .model import FieldConfig, FieldDefaults, Threshold, Thresholds
from .model import Panel as GPanel
from .panels import STAT_OPTIONS, base, target, timeseries_options


# The field configs below are the same for every SLO of one budget or one set of burn factors:
# each is built once (cached by Decimals and colours, whose equal values write the same JSON:
# ``num``), so GrafanaModel.to_json converts it once.
@cache
def _sli_lines(error_budget: Decimal) -> FieldConfig:
    steps = (Threshold(color="green", value=None), Threshold(color="red", value=num(error_budget)))
    return _lines(steps, "percentunit")


@cache
def _burn_lines(factors: tuple[tuple[Decimal, str], ...]) -> FieldConfig:
    steps = (Threshold(color="green", value=None), *(Threshold(color=color, value=num(f)) for f, color in factors))
    return _lines(steps, "short")


@cache
def _budget_field_config() -> FieldConfig:
    steps = tuple(Threshold(color=color, value=None if v is None else num(v)) for v, color in defaults.BUDGET_STEPS)
    return FieldConfig(
        defaults=FieldDefaults(unit="percentunit", color=THRESHOLD_COLORS, thresholds=Thresholds(steps=steps))
    )


def _lines(steps: tuple[Threshold, ...], unit: str) -> FieldConfig:
    """Time series whose thresholds are reference lines (budget, burn factors), drawn dashed."""
    return FieldConfig(
        defaults=FieldDefaults(
            unit=unit,
            color=PALETTE_COLORS,
            thresholds=Thresholds(steps=steps),
            custom=_DASHED,
        )
    )


# Shared by every SLO panel (built once, converted to JSON once: GrafanaModel.to_json).
_DASHED = options.GraphFieldConfig(thresholds_style=options.ThresholdsStyle(mode="dashed"), axis_soft_min=0)


def _legend() -> options.TimeSeriesOptions:
    return timeseries_options(("mean", "max", "lastNotNull"))


def _group(slo: Slo, legend: str, alone: bool = False) -> str:
    """The legend of a split SLO's series names its group: ``{{handler}} error ratio (5m)``
    (``alone``: the group replaces the legend, e.g. one budget stat per handler)."""
    groups = " ".join("{{" + label + "}}" for label in slo.group_by)
    if not groups:
        return legend
    return groups if alone else f"{groups} {legend}"


def sli(ctx: Context, panel: Panel, slo: Slo) -> GPanel:
    short = min(slo.windows)
    budget = format_decimal(slo.error_budget * 100)
    targets = (
        target(
            0,
            queries.slo_error_ratio(ctx.service.name, slo, short, ctx.variables),
            _group(slo, f"error ratio ({short})"),
        ),
        target(
            1,
            queries.slo_error_ratio(ctx.service.name, slo, slo.window, ctx.variables),
            _group(slo, f"error ratio ({slo.window})"),
        ),
    )
    meaning = (
        f"SLO {slo.name}: {slo.description or 'share of bad events'} Objective {format_decimal(slo.objective)} %, "
        f"so the error budget is {budget} % of events over {slo.window} (the dashed red line)."
    ).replace("  ", " ")
    action = f"The {slo.window} line above the budget line means the SLO is already missed for this period."
    return base(
        ctx,
        panel,
        "timeseries",
        meaning,
        action,
        targets=targets,
        options=_legend(),
        field_config=_sli_lines(slo.error_budget),
    )


def budget(ctx: Context, panel: Panel, slo: Slo) -> GPanel:
    tgt = target(
        0, queries.slo_budget_remaining(ctx.service.name, slo, ctx.variables), _group(slo, slo.name, alone=True)
    )
    meaning = (
        f"Share of the {slo.window} error budget of SLO {slo.name} still left (100 % = untouched, "
        "below 0 % = SLO missed)."
    )
    action = "Below 25 %: slow down risky changes; below 0 %: spend the time on reliability."
    return base(
        ctx,
        panel,
        "stat",
        meaning,
        action,
        targets=(tgt,),
        options=STAT_OPTIONS,
        field_config=_budget_field_config(),
    )


def burn(ctx: Context, panel: Panel, slo: Slo) -> GPanel:
    windows = sorted({w.long for b in slo.alerts for w in b.windows}) or [min(slo.windows)]
    targets = tuple(
        target(i, queries.slo_burn_rate(ctx.service.name, slo, w, ctx.variables), _group(slo, f"{w} window"))
        for i, w in enumerate(windows)
    )
    factors: dict[Decimal, str] = {}
    for b in slo.alerts:
        for w in b.windows:
            factors.setdefault(w.factor, defaults.SEVERITY_COLORS.get(b.severity, "red"))
    tiers = ", ".join(f"{w.long} above {w.factor}x ({b.tier})" for b in slo.alerts for w in b.windows)
    meaning = (
        f"How fast SLO {slo.name} spends its error budget, per window: 1 spends exactly the budget over "
        f"{slo.window}. Dashed lines are the alert factors" + (f": {tiers}." if tiers else ".")
    )
    action = "A page fires when a long window and its short window both stay above their factor."
    return base(
        ctx,
        panel,
        "timeseries",
        meaning,
        action,
        targets=targets,
        options=_legend(),
        field_config=_burn_lines(tuple(sorted(factors.items()))),
    )
