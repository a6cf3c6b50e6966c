"""What every panel builder needs to know besides the panel: the service, its alerts, the options."""

from __future__ import annotations

from decimal import Decimal
from functools import cache, cached_property, lru_cache

import msgspec

from ... import defaults
from ...ir.model import Alert, BurnAlert, Service, Slo, StateCondition, comparison
from .model import DatasourceRef, FieldColor, Threshold, Thresholds

# Every panel and target names the datasource through the dashboard's `datasource` variable, so
# the same JSON works in every Grafana without import-time `__inputs`.
DATASOURCE = DatasourceRef(type="prometheus", uid="${datasource}")
THRESHOLD_COLORS = FieldColor(mode="thresholds")
PALETTE_COLORS = FieldColor(mode="palette-classic")
UNITS = {
    "seconds": "s",
    "milliseconds": "ms",
    "bytes": "bytes",
    "ratio": "percentunit",
    "percent": "percent",
    "none": "short",
}
# Each Grafana panel type this target writes, as a reader names it (the onboarding page, preview).
PANEL_TYPE_WORDS = {
    "timeseries": "time series",
    "heatmap": "heatmap",
    "bargauge": "bar chart",
    "stat": "stat",
    "gauge": "gauge",
    "state-timeline": "state timeline",
    "text": "text",
    "graph": "graph",  # Grafana 8's
}


class Context(msgspec.Struct, frozen=True, dict=True):  # dict: a __dict__ for the cached_property indexes
    service: Service
    legacy: bool  # Grafana 8: legacy heatmap, older schemaVersion

    @property
    def variables(self) -> tuple[str, ...]:
        return self.service.dashboard.variables

    def alert(self, name: str) -> Alert | None:
        return self._alerts.get(name)

    def burn(self, name: str) -> tuple[Slo, BurnAlert] | None:
        return self._burns.get(name)

    # Every panel asks for its alerts by name: index them once per dashboard (a scan per question
    # made the dashboard of a 10,000-SLO spec quadratic). setdefault keeps the first of a name.
    @cached_property
    def _alerts(self) -> dict[str, Alert]:
        index: dict[str, Alert] = {}
        for a in self.service.alerts:
            index.setdefault(a.name, a)
        return index

    @cached_property
    def _burns(self) -> dict[str, tuple[Slo, BurnAlert]]:
        index: dict[str, tuple[Slo, BurnAlert]] = {}
        for s in self.service.slos:
            for b in s.alerts:
                index.setdefault(b.name, (s, b))
        return index

    def slo(self, name: str) -> Slo:
        return self._slos[name]  # a panel's slo is always one of the service's

    def alerted_states(self, metric: str) -> frozenset[str]:
        """The states of the gauge ``metric`` that an alert of the service fires on (``is:``)."""
        return self._alerted.get(metric, frozenset())

    @cached_property
    def _alerted(self) -> dict[str, frozenset[str]]:
        index: dict[str, set[str]] = {}
        for a in self.service.alerts:
            if isinstance(a.condition, StateCondition):
                index.setdefault(a.condition.series.metric.name, set()).add(a.condition.state[1])
        return {name: frozenset(states) for name, states in index.items()}

    @cached_property
    def _slos(self) -> dict[str, Slo]:
        return {s.name: s for s in reversed(self.service.slos)}  # reversed: the first of a name wins


def num(value: Decimal) -> int | float:
    """A Decimal as the JSON number Grafana compares against (ints stay ints)."""
    return int(value) if value == value.to_integral_value() else float(value)


def alert_thresholds(
    ctx: Context, values: tuple[Decimal, ...], alert_names: tuple[str, ...], scale: int = 1
) -> Thresholds:
    """Threshold steps that colour the region where an alert would fire, by its severity.

    ``scale`` multiplies every threshold: a panel of counts per hour draws a per-second rate
    alert's threshold at 3600 times its value.

    A step starts at its value and lasts until the next one; the first stands for -Infinity.
    A region is bad when a ``>`` alert's threshold lies at or below it or a ``<`` alert's
    threshold lies above it; the worst severity wins.
    """
    return rule_thresholds(threshold_rules(ctx, values, alert_names, scale))


# (threshold, op, severity) of each alert, and the panel's own values: all alert_thresholds
# depends on. Decimals and strs, so equal rules are steps of the same JSON (``num``).
ThresholdRules = tuple[tuple[tuple[Decimal, str, str], ...], tuple[Decimal, ...]]


def threshold_rules(
    ctx: Context, values: tuple[Decimal, ...], alert_names: tuple[str, ...], scale: int = 1
) -> ThresholdRules:
    """What ``alert_thresholds`` colours by: a key for the panels whose steps are the same."""
    # One rule per alert, not per value: two alerts at one threshold (a warning and a critical)
    # both count, so the worse severity colours the region whatever their declaration order.
    rules = [
        (compare.threshold.value * scale, compare.op, a.severity)
        for a in map(ctx.alert, alert_names)
        if a is not None and (compare := comparison(a.condition)) is not None
    ]
    values = tuple(value * scale for value in values)
    rules += [(value, ">", "warning") for value in values if all(value != t for t, _, _ in rules)]
    return tuple(rules), values


# Panels with the same rules share one object: GrafanaModel.to_json converts it once. Bounded: a
# long-lived process (the library, a fleet) compiles many specs, each with its own threshold sets.
@lru_cache(maxsize=1024)
def rule_thresholds(key: ThresholdRules) -> Thresholds:
    rules, values = key
    points: list[Decimal | None] = [None, *sorted(set(values))]
    rank = list(defaults.SEVERITY_COLORS)
    steps: list[Threshold] = []
    for point in points:
        bad = [
            sev
            for t, op, sev in rules
            if (op == ">" and point is not None and t <= point) or (op == "<" and (point is None or t > point))
        ]
        color = defaults.SEVERITY_COLORS[min(bad, key=rank.index)] if bad else "green"
        if not steps or steps[-1].color != color:
            steps.append(Threshold(color=color, value=None if point is None else num(point)))
    return Thresholds(steps=tuple(steps))


@cache  # one object for every panel: GrafanaModel.to_json converts a shared object once
def plain_thresholds() -> Thresholds:
    return Thresholds(steps=(Threshold(color="green", value=None),))
