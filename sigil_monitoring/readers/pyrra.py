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

import math
from fractions import Fraction

from ..conventions import COMPILER_LABELS
from ..errors import Diagnostic
from .draft import Draft, put_ratio
from .registry import TOOLS
from .tree import Node

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
                key,
                f"the object's {key} is not part of our spec",
                "the PrometheusRule's namespace and labels come from targets.kubernetes",
            )
    draft = Draft.empty(root.file.display, root.file.text, TOOLS["pyrra"])
    slo_name = str(name.value)
    draft.put(("service", "name"), slo_name, name)
    base = ("slos", slo_name)
    draft.put(base, {}, name)
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
        (indicator or spec).lose(
            None,
            f"SLO '{slo_name}' has no indicator we can carry, so it is not converted",
            "give it ratio, latency, latencyNative or bool_gauge",
        )
        return
    _alerting(spec.child("alerting"), draft, base, str(window.value) if window is not None else "28d", target)
    for key in ("partial_response_strategy", "performanceOverAccuracy", "ruleOutput"):
        spec.lose(key, "a Pyrra rule-generation option with no equivalent in our spec", "remove it")
    if draft.finish(queries):
        drafts.append(draft)


def _indicator(indicator: Node, draft: Draft, base: tuple[str, ...]) -> list[str]:
    for kind in ("ratio", "latency", "latencyNative", "bool_gauge"):
        node = indicator.child(kind)
        if node is None:
            continue
        grouping = node.take("grouping")
        by = [str(label) for label in grouping.value] if grouping is not None and grouping.value else []
        # connect-go's metrics name the RPC service `service`, a label every record and alert of
        # ours carries of its own: grouped by it, the groups would collide.
        if ours := [label for label in by if label in COMPILER_LABELS]:
            node.lose(
                "grouping",
                f"grouping by {', '.join(ours)}, a label sigil-monitoring sets on every record and alert",
                f"rename it when scraping, e.g. to exported_{ours[0]}, and group by that",
            )
            by = [label for label in by if label not in COMPILER_LABELS]
        if by:
            draft.put((*base, "group_by"), by, grouping)
        aggregate = f"sum by ({', '.join(by)}) " if by else "sum"
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


def _alerting(alerting: Node | None, draft: Draft, base: tuple[str, ...], window: str, target: Node | None) -> None:
    off = False
    if alerting is not None:
        disabled, burnrates = alerting.take("disabled"), alerting.take("burnrates")
        off = (disabled is not None and disabled.value is True) or (burnrates is not None and burnrates.value is False)
        alerting.lose("name", "our burn alerts are named by the compiler", "they are <Slo>FastBurn and <Slo>SlowBurn")
        alerting.lose("absent", "no absent() alert is generated for an SLO", "write one under alerts: if you need it")
        alerting.lose(
            "absentName", "no absent() alert is generated for an SLO", "write one under alerts: if you need it"
        )
        alerting.lose("severities", "Pyrra's severity names are not carried", "set alerting.page/ticket.severity")
    for tier in ("page", "ticket"):
        if off:
            draft.put((*base, "alerting", tier, "enabled"), False, alerting)
        else:
            pairs = _windows(tier, window, target)
            if pairs:
                draft.put((*base, "alerting", tier, "windows"), pairs, None)
                draft.note((*base, "alerting", tier, "windows"), f"Pyrra's window pairs for a {window} SLO.")
            else:
                draft.put((*base, "alerting", tier, "enabled"), False, None)


def _windows(tier: str, window: str, target: Node | None) -> list[dict[str, object]]:
    """Pyrra's window pairs of one tier for an SLO window, rounded to the minute as Pyrra rounds.

    A pair whose factor times the error budget reaches 1 can never fire (no error ratio exceeds
    1): Pyrra writes its rule anyway, our spec refuses it, so it is left out and reported at the
    target that makes it so.
    """
    from decimal import Decimal, InvalidOperation

    from ..values.units import Duration

    try:
        minutes = Fraction(Duration.parse(window).ms, 60_000)
    except ValueError:
        minutes = Fraction(28 * 24 * 60)
    try:
        budget = 1 - Decimal(str(target.value)) / 100 if target is not None else Decimal(0)
    except InvalidOperation:
        budget = Decimal(0)  # the spec's objective check reports the target at its position
    pairs = []
    for name, long, short, factor in _PAIRS:
        if name != tier:
            continue
        pair = {"long": _duration(minutes * long), "short": _duration(minutes * short), "factor": factor}
        if factor * budget >= 1 and target is not None:
            target.lose(
                None,
                f"Pyrra's {tier} pair {pair['long']}/{pair['short']} x{factor} can never fire at this target "
                f"({factor} x {budget} >= 1) and is left out",
                "lower the target's error budget or write the tier's windows: by hand",
            )
            continue
        pairs.append(pair)
    return pairs


def _duration(minutes: Fraction) -> str:
    """Minutes rounded as Pyrra rounds them (Go's ``Duration.Round``: to the minute, halves away
    from zero), in the largest whole unit.

    >>> _duration(Fraction(1440)), _duration(Fraction(361, 2)), _duration(Fraction(5))
    ('1d', '181m', '5m')
    """
    whole = math.floor(minutes + Fraction(1, 2))
    for unit, size in (("d", 1440), ("h", 60)):
        if whole % size == 0:
            return f"{whole // size}{unit}"
    return f"{whole}m"
