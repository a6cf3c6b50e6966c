"""Warnings: what a valid spec may still get wrong (it compiles; ``--strict`` refuses it).

Dropped burn-window pairs that can never fire, a selector without a ``job``, receivers no route
uses, numbers in a summary that disagree with the threshold, metric names against Prometheus'
naming conventions, variables Grafana would expand in the spec's text (``grafana_variables``), a
paging alert with no runbook text (``paging``). Like
``semantic.check``, each returns ``(path, 'key' or 'value', message)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import Problem
from .grafana_variables import variable_warnings
from .overlaps import series_overlaps
from .paging import unguided_pages

if TYPE_CHECKING:
    from .document import Spec


def warnings(spec: Spec) -> list[Problem]:
    """Things that are valid but probably wrong: printed as warnings, errors under ``--strict``."""
    return [
        *_selector_warning(spec),
        *_unused_routing(spec),
        *_summary_numbers(spec),
        *_naming_hints(spec),
        *_dropped_pairs(spec),
        *variable_warnings(spec),
        *series_overlaps(spec),
        *unguided_pages(spec),
    ]


def _dropped_pairs(spec: Spec) -> Iterator[Problem]:
    # A window pair that can never fire is left out of its tier's rule (the tier keeps the others):
    # say so, since that tier then misses the burns only that pair would catch.
    # A tier's own pairs (alerting.<tier>.windows) that cannot fire are errors (spec/burn_checks.py).
    from ..values.burn_rates import can_fire, error_budget

    for name, slo in spec.slos.items():
        budget = error_budget(slo.objective)
        for tier in ("page", "ticket"):
            if getattr(slo.alerting, tier).windows is not None:
                continue
            pairs = slo.tier_windows(tier, spec.service.scrape_interval)
            dropped = [w for w in pairs if not can_fire(w, budget)]
            if getattr(slo.alerting, tier).enabled and dropped and len(dropped) < len(pairs):
                kept = ", ".join(f"{w.long}/{w.short}" for w in pairs if can_fire(w, budget))
                lost = ", ".join(f"{w.long}/{w.short} ({w.factor} x {budget} >= 1)" for w in dropped)
                yield (
                    ("slos", name, "objective"),
                    "value",
                    (
                        f"the {tier} tier's {lost} can never fire and is left out; the tier alerts on {kept} only "
                        f"(raise the objective to keep every pair)"
                    ),
                )


def _selector_warning(spec: Spec) -> Iterator[Problem]:
    if not spec.service.selector:
        yield (
            ("service", "name"),
            "key",
            (
                "the service has no selector, so every query matches the series of every job that "
                "exposes these metrics (add selector: {job: <scrape job>})"
            ),
        )


def _unused_routing(spec: Spec) -> Iterator[Problem]:
    routing = spec.routing
    if routing is None:
        return
    used = {name for route in routing.routes for name in route.to}
    used.add(routing.default or next(iter(routing.receivers)))
    if routing.catch_all is not None:
        used.add(routing.catch_all)
    for name in routing.receivers:
        if name not in used:
            yield (
                ("routing", "receivers", name),
                "key",
                f"receiver '{name}' is used by no route and is not the default (route alerts to it, or remove it)",
            )
    intervals = {name for route in routing.routes for name in (*route.mute_when, *route.active_when)}
    for name in routing.mute:
        if name not in intervals:
            yield (
                ("routing", "mute", name),
                "key",
                f"time interval '{name}' is used by no route (name it in a route's mute_when or active_when, "
                "or remove it)",
            )


# A number with a unit in a summary, as a person writes it: "1 s", "10 GiB", "5 %", "1/min".
_STATED = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?(ms|s|m|h|d|%|[KMGT]i?B|/s|/min|/h)(?![\w])")


def _summary_numbers(spec: Spec) -> Iterator[Problem]:
    from ..values.units import parse_threshold

    for name, alert in spec.alerts.items():
        threshold = alert.when.above or alert.when.below
        if alert.summary is None or threshold is None:
            continue
        for number, unit in _STATED.findall(alert.summary):
            try:
                stated = parse_threshold(number + unit)
            except ValueError:
                continue
            if stated.kind == threshold.kind and stated.value != threshold.value:
                yield (
                    ("alerts", name, "summary"),
                    "value",
                    (
                        f"the summary says {number} {unit} but the threshold is {threshold.text} "
                        f"(update the summary, or leave it out to have it written from the threshold)"
                    ),
                )


def _naming_hints(spec: Spec) -> Iterator[Problem]:
    from ..conventions import COUNT_SUFFIX, SUM_SUFFIX

    for key, metric in spec.metrics.items():
        suffix = next((s for s in (COUNT_SUFFIX, SUM_SUFFIX) if (metric.name or "").endswith(s)), None)
        if metric.from_ is None and metric.type == "histogram" and metric.name is not None and suffix:
            yield (
                ("metrics", key, "name"),
                "value",
                (
                    f"'{metric.name}' reads like the histogram's {suffix} series: queries will read "
                    f"{metric.name}_bucket (write name: {metric.name.removesuffix(suffix)}, unless the exporter "
                    "names the histogram so)"
                ),
            )
        if (
            metric.from_ is None
            and metric.type == "gauge"
            and metric.name is not None
            and metric.name.endswith("_total")
        ):
            yield (
                ("metrics", key, "type"),
                "value",
                (f"'{metric.name}' ends in _total, the suffix of counters (declare type: counter if it only grows)"),
            )
