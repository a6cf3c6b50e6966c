"""Pyrra's ``pyrra.dev/v1alpha1`` ``ServiceLevelObjective`` as our spec: one service per object,
named by ``metadata.name``, with one SLO of the same name.

Field by field (https://github.com/pyrra-dev/pyrra/blob/main/kubernetes/api/v1alpha1/servicelevelobjective_types.go):

- ``target`` (a percentage, as text) -> ``objective``; ``window`` -> ``window``; ``description``;
- ``indicator.ratio`` (``errors`` over ``total`` selectors) -> a query ratio SLI of their rates;
  ``latency`` (``success``: a ``_bucket`` selector with its ``le``, over ``total``) -> the same
  with good events; ``latencyNative`` (a native histogram ``total`` and a ``latency``) -> the share
  of observations below ``latency`` from ``histogram_fraction``; ``bool_gauge`` (a 0/1 gauge) ->
  the share of samples at 0 over the window; each ``grouping`` -> ``group_by`` (one budget per value);
- ``alerting.disabled`` or ``burnrates: false`` -> both tiers disabled; Pyrra's four window pairs
  scaled to the SLO window (slo/rules.go, ``Windows``) -> our page and ticket tiers' windows.

Lost, each named in the loss report: the object's metadata (namespace, labels: the PrometheusRule's),
the alert names, severities and absent alerts, Thanos and rule-output options.
"""

from __future__ import annotations

from fractions import Fraction

from ..errors import Diagnostic
from .draft import Draft, put_ratio
from .tree import Node

TOOL = "Pyrra"
# Pyrra's window pairs for a 28-day SLO, scaled to the SLO's window (slo/rules.go, Windows):
# (tier, long, short, factor) as fractions of the SLO window.
_PAIRS = (
    ("page", Fraction(1, 28 * 24), Fraction(1, 28 * 24 * 12), 14),
    ("page", Fraction(1, 28 * 4), Fraction(1, 28 * 24 * 2), 7),
    ("ticket", Fraction(1, 28), Fraction(1, 28 * 12), 2),
    ("ticket", Fraction(1, 7), Fraction(1, 28 * 4), 1),
)


def read(root: Node, drafts: list[Draft], errors: list[Diagnostic]) -> None:
    root.take("apiVersion")
    root.take("kind")
    root.take("status")
    metadata, spec = root.child("metadata"), root.child("spec")
    name = metadata.take("name") if metadata is not None else None
    if name is None or spec is None:
        errors.append(root.error("a ServiceLevelObjective needs metadata.name and spec", "key"))
        return
    if metadata is not None:
        for key in ("namespace", "labels", "annotations"):
            metadata.lose(
                key, f"the object's {key} is not part of our spec (the PrometheusRule's come from targets.kubernetes)"
            )
    draft = Draft.empty(root.file.display, root.file.text)
    slo_name = str(name.value)
    draft.put(("service", "name"), slo_name, name)
    base = ("slos", slo_name)
    target = spec.take("target")
    if target is not None:
        draft.put((*base, "objective"), f"{target.value}%", target)
    window = spec.take("window")
    if window is not None:
        draft.put((*base, "window"), str(window.value), window)
    description = spec.text("description")
    if description:
        draft.put((*base, "description"), description, spec.child("description"))
    indicator = spec.child("indicator")
    queries = _indicator(indicator, draft, base) if indicator is not None else []
    if not queries:
        (indicator or spec).lose(None, f"SLO '{slo_name}' has no indicator we can carry, so it is not converted")
        return
    _alerting(spec.child("alerting"), draft, base, str(window.value) if window is not None else "28d")
    for key in ("partial_response_strategy", "performanceOverAccuracy", "ruleOutput"):
        spec.lose(key, f"{key} is a Pyrra rule-generation option with no equivalent in our spec")
    if draft.finish(queries):
        drafts.append(draft)


def _indicator(indicator: Node, draft: Draft, base: tuple[str, ...]) -> list[str]:
    for kind in ("ratio", "latency", "latencyNative", "bool_gauge"):
        node = indicator.child(kind)
        if node is None:
            continue
        grouping = node.take("grouping")
        by = [str(label) for label in grouping.value] if grouping is not None and grouping.value else []
        if by:
            draft.put((*base, "group_by"), by, grouping)
        aggregate = f"sum by ({', '.join(by)}) " if by else "sum "
        match kind:
            case "ratio":
                errors, total = _metric(node, "errors"), _metric(node, "total")
                if errors is None or total is None:
                    return []
                return put_ratio(draft, base, node, bad=_rate(aggregate, errors), total=_rate(aggregate, total))
            case "latency":
                success, total = _metric(node, "success"), _metric(node, "total")
                if success is None or total is None:
                    return []
                return put_ratio(draft, base, node, good=_rate(aggregate, success), total=_rate(aggregate, total))
            case "latencyNative":
                total, latency = _metric(node, "total"), node.text("latency")
                if total is None or latency is None:
                    return []
                seconds = _seconds(latency)
                rate = f"rate({total}[$window])"
                good = f"{aggregate}(histogram_fraction(0, {seconds}, {rate}) * histogram_count({rate}))"
                return put_ratio(draft, base, node, good=good, total=f"{aggregate}(histogram_count({rate}))")
            case _:
                gauge = node.text("metric")
                if gauge is None:
                    return []
                good, samples = f"sum_over_time({gauge}[$window])", f"count_over_time({gauge}[$window])"
                ratio = f"1 - ({aggregate}({good}) / {aggregate}({samples}))"
                draft.put((*base, "sli", "error_ratio"), ratio, node)
                return [ratio]
    return []


def _metric(node: Node, key: str) -> str | None:
    query = node.child(key)
    return query.text("metric") if query is not None else None


def _rate(aggregate: str, selector: str) -> str:
    return f"{aggregate}(rate({selector}[$window]))"


def _seconds(duration: str) -> str:
    from ..values.units import Duration

    try:
        return f"{Duration.parse(duration).ms / 1000:g}"
    except ValueError:
        return duration  # the spec's PromQL check reports it at its position


def _alerting(alerting: Node | None, draft: Draft, base: tuple[str, ...], window: str) -> None:
    from ..spec.slo import BurnTier

    off = False
    if alerting is not None:
        disabled, burnrates = alerting.take("disabled"), alerting.take("burnrates")
        off = (disabled is not None and disabled.value is True) or (burnrates is not None and burnrates.value is False)
        alerting.lose("name", "our burn alerts are named from the service and the SLO (conventions), not given a name")
        alerting.lose("absent", "absent alerts are not generated: the SLO's rules have no absent() alert")
        alerting.lose("absentName", "absent alerts are not generated: the SLO's rules have no absent() alert")
        alerting.lose("severities", "our tiers' severities are critical (page) and warning (ticket)")
    for tier in ("page", "ticket"):
        if off:
            draft.put((*base, "alerting", tier, "enabled"), False, alerting)
        elif "windows" in BurnTier.__struct_fields__:
            draft.put((*base, "alerting", tier, "windows"), _windows(tier, window), None)


def _windows(tier: str, window: str) -> list[dict[str, object]]:
    """Pyrra's window pairs of one tier for an SLO window, rounded to the minute as Pyrra rounds."""
    from ..values.units import Duration

    try:
        minutes = Fraction(Duration.parse(window).ms, 60_000)
    except ValueError:
        minutes = Fraction(28 * 24 * 60)
    return [
        {"long": f"{round(minutes * long)}m", "short": f"{round(minutes * short)}m", "factor": factor}
        for name, long, short, factor in _PAIRS
        if name == tier
    ]
