"""What an alert's drill timeline plots, in the spec's units and words.

Prometheus holds rates per second, latencies in seconds, sizes in bytes and ratios as 0..1; the
spec says ``1/min``, ``250ms``, ``10GiB``, ``5%``. The chart shows values in the unit the spec's
threshold was written in (``values.units.parse_threshold`` reads it) and labels the threshold with
the spec's own text. A burn alert fires when the burn rate over *both* windows of its first pair
exceeds the factor, so its chart has both lines.

>>> from sigil_monitoring.values.units import in_unit, parse_threshold
>>> display(parse_threshold("1/min")), display(parse_threshold("250ms")), display(parse_threshold("5%"))
(('/min', 60.0), ('ms', 1000.0), ('%', 100.0))
>>> display(parse_threshold("10GiB")), display(parse_threshold("2h")), display(parse_threshold("3"))
(('GiB', 9.313225746154785e-10), ('h', 0.0002777777777777778), ('', 1.0))
>>> display(parse_threshold("1h30m")), display(parse_threshold("2/s"))
(('s', 1.0), ('/s', 1.0))
>>> display(in_unit(parse_threshold("1h30m"), "milliseconds"), "milliseconds")  # 5,400,000 ms: in seconds
('s', 0.001)
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..compilers.prometheus import slo as slo_rules
from ..compilers.prometheus.alerts import value_unit
from ..ir.model import Service, comparison
from ..values.units import Threshold, format_decimal, per_second
from . import incidents as inc
from .results import Chart, Line

_SINGLE = re.compile(r"^(\d+(?:\.\d+)?)\s*/?\s*([A-Za-z]+)$")  # "1/min", "10GiB", "250ms"; not "1h30m"
_NAMES = {"m": "min"}  # "5m" and "1/m" are minutes
_QUANTITY = {"quantile": "latency quantile", "gaugeratio": "ratio", "promql": "expression"}


def display(threshold: Threshold, unit: str = "seconds") -> tuple[str, float]:
    """The unit a threshold was written in and the factor from the compared value's ``unit`` to it:
    the spec's number over the value the threshold was compared as (``1/min`` = 1/60 per second,
    ``250ms`` = 250 of a metric in milliseconds)."""
    match threshold.kind:
        case "ratio":
            return "%", 100.0
        case "number":
            return "", 1.0
    single = _SINGLE.match(threshold.text.strip())
    if single is None or not threshold.value:
        if threshold.kind == "seconds" and threshold.value:  # "1h30m": in seconds, whatever the metric's unit
            return "s", float(1 / per_second(unit))
        return (
            ("s", 1.0) if threshold.kind == "seconds" else ("/s", 1.0) if threshold.kind == "per_second" else ("B", 1.0)
        )
    unit = _NAMES.get(single.group(2), single.group(2))
    return ("/" if threshold.kind == "per_second" else "") + unit, float(Decimal(single.group(1)) / threshold.value)


def chart(service: Service, incident: inc.Incident) -> Chart:
    """The chart of ``incident``'s alert in (drill-mode) ``service``."""
    signal = inc.signal(service, incident)
    match incident:
        case inc.SloBurn(slo=slo, alert=name):
            burn = next(b for b in slo.alerts if b.name == name)
            window, budget = burn.windows[0], format_decimal(slo.error_budget)
            short = f"{slo_rules.ratio_selector(service, slo, window.short)} / {budget}"
            factor = format_decimal(window.factor)
            return Chart(
                "burn rate (error ratio / budget)",
                "×",
                1.0,
                signal.threshold,
                f"{factor}× ({burn.tier} tier)",
                [Line(f"long window {window.long}", signal.expr), Line(f"short window {window.short}", short)],
            )
        case inc.Disappear():
            return Chart("series exported", "", 1.0, signal.threshold, "absent: none", [Line("series", signal.expr)])
        case inc.StateIn(value=value):
            alert = next(a for a in service.alerts if a.name == incident.alert)
            state = getattr(alert.condition, "state", (value, str(value)))[1]
            return Chart("state", "", 1.0, signal.threshold, f"state {state} (= {value})", [Line("value", signal.expr)])
    alert = next(a for a in service.alerts if a.name == incident.alert)
    compare = comparison(alert.condition)
    if compare is None:
        return Chart("value", "", 1.0, signal.threshold, f"{signal.threshold:g}", [Line("value", signal.expr)])
    unit, scale = display(compare.threshold, value_unit(alert.condition))
    side = "above" if compare.op == ">" else "below"
    kind = type(alert.condition).__name__.removesuffix("Condition").lower()
    return Chart(
        _QUANTITY.get(kind, kind),
        unit,
        scale,
        signal.threshold,
        f"{side} {compare.threshold.text}",
        [Line("value", signal.expr)],
    )
