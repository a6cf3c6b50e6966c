"""The alerts part of ``adopt``: alerting rules become spec alerts, typed (``value``, ``absent``)
only when the typed alert compiles to the rule's very expression, ``promql`` otherwise; the
labels and annotations the compiler writes itself are left out and reported.
"""

from __future__ import annotations

import re
from typing import Any, assert_never

from ..conventions import COMPILER_LABELS
from ..spec.alert_checks import _OWN_ANNOTATIONS  # the annotations an alert's own fields write
from ..values.units import DURATION_UNITS, per_second
from .adopt_context import Context, Summary, catalog_ref, compile_draft, refusal, skeleton
from .promql_reading import comparison, normalised, shape
from .rules_source import Rule
from .yaml_writer import commented_out

_TEXT_FIELDS: tuple[str, ...] = ("summary", "description", "runbook", "annotations")


_SEVERITIES = ("critical", "warning", "info")
# Annotations the compiler sets itself on every alert (its labels: conventions.COMPILER_LABELS).
_COMPILER_ANNOTATIONS = frozenset(_OWN_ANNOTATIONS)


def draft_alerts(alerts: list[Rule], ctx: Context, summary: Summary, comments: dict[Any, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for rule in alerts:
        name = _alert_name(rule.name, out)
        alert = _alert_fields(rule, summary, name)
        notes: list[str] = []
        typed = _condition(rule.expr, ctx)
        if typed is not None and _alert_compiles_to(ctx, {**alert, "when": typed}, name, rule.expr):
            alert = {"when": typed, **alert}
            summary.typed.append(f"alert {name}: {next(iter(typed))}")
        else:
            texts = {key: alert.pop(key) for key in _TEXT_FIELDS if key in alert}
            alert = {"when": {"promql": rule.expr}, **alert}
            if not _alert_compiles_to(ctx, alert, name, rule.expr):
                summary.dropped.append(
                    f"alert {name}: its expression is refused ({refusal(ctx, {'alerts': {name: alert}})})"
                )
                continue
            if texts and _alert_compiles_to(ctx, {**alert, **texts}, name, rule.expr):
                alert.update(texts)
            elif texts:
                refused = refusal(ctx, {"alerts": {name: {**alert, **texts}}})
                summary.dropped.append(f"alert {name}: {', '.join(texts)} (refused: {refused})")
            notes = []
            if typed is None:
                why = "not a threshold on one metric"
            elif compile_draft({**skeleton(ctx), "alerts": {name: {**alert, "when": typed}}}) is None:
                why = f"a {next(iter(typed))} threshold the spec refuses as typed"
            else:
                why = f"a {next(iter(typed))} threshold: typed, it compiles to another expression (see its comment)"
                reads = (
                    "the recording rules this tool writes"
                    if next(iter(typed)) in ("rate", "ratio", "quantile")
                    else "the service selector on every query"
                )
                notes.append(f"Typed, this alert would read as below, but compile to another expression ({reads}):")
                notes.append(commented_out({"when": typed}).rstrip("\n"))
            summary.raw.append(f"alert {name}: {why}")
        if name != rule.name:
            notes.insert(0, f"was {rule.name} in {rule.file} (alert names are CamelCase here)")
        if notes:
            comments[("alerts", name)] = "\n".join(notes)
        out[name] = alert
    return out


def _alert_name(name: str, taken: dict[str, Any]) -> str:
    camel = "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)
    camel = camel if re.fullmatch(r"[A-Z][A-Za-z0-9]*", camel) else f"Alert{camel}"
    candidate, n = camel[:110], 1
    while candidate in taken:
        n += 1
        candidate = f"{camel[:110]}{n}"
    return candidate


def _alert_fields(rule: Rule, summary: Summary, name: str) -> dict[str, Any]:
    alert: dict[str, Any] = {}
    if rule.for_:
        alert["for"] = rule.for_
    if rule.keep_firing_for:
        alert["keep_firing_for"] = rule.keep_firing_for
    severity = rule.labels.get("severity", "")
    if severity in _SEVERITIES:
        alert["severity"] = severity
    labels = {k: v for k, v in rule.labels.items() if k not in COMPILER_LABELS}
    lost = sorted(
        k
        for k in rule.labels
        if k in COMPILER_LABELS - {"severity"} or (k == "severity" and severity not in _SEVERITIES)
    )
    if lost:
        summary.dropped.append(f"alert {name}: labels {', '.join(lost)} (the compiler sets them)")
    summary_text = rule.annotations.get("summary", "")
    if summary_text and "\n" not in summary_text:
        alert["summary"] = summary_text
    if rule.annotations.get("description"):
        alert["description"] = rule.annotations["description"]
    if rule.annotations.get("runbook_url"):
        alert["runbook"] = f"Runbook: {rule.annotations['runbook_url']}"
    if labels:
        alert["labels"] = labels
    annotations = {
        k: v for k, v in rule.annotations.items() if k not in _COMPILER_ANNOTATIONS and not k.startswith("__")
    }
    if annotations:
        alert["annotations"] = annotations
    return alert


def _condition(expr: str, ctx: Context) -> dict[str, Any] | None:
    """The typed condition ``expr`` reads as: ``absent(x)``, or a threshold on a value, a rate, a
    ratio of two rates or a histogram quantile of one catalog metric; None for anything else."""
    found = shape(expr)
    if found is not None and found.kind == "absent":
        ref = catalog_ref(found.selector, ctx)
        return None if ref is None else {"absent": ref}
    compared = comparison(expr)
    if compared is None:
        return None
    left, op, number = compared
    inner = shape(left)
    side = "above" if op == ">" else "below"
    if inner is None:
        return None
    ref = catalog_ref(inner.selector, ctx, inner.by if inner.kind == "rate" else ())
    if ref is None:
        return None
    match inner.kind:
        case "value":
            return {"value": ref, side: _number(number)}
        case "rate":
            return {"rate": ref, side: _number(number)}
        case "ratio":
            total = catalog_ref(inner.total, ctx) if inner.total else None
            return None if total is None else {"ratio": {"bad": ref, "total": total}, side: _number(number)}
        case "quantile":
            if inner.quantile is None:
                return None
            entry = ctx.catalog.get(inner.selector.metric)
            unit = entry.unit if entry is not None else "none"
            if unit not in DURATION_UNITS:  # a plain number is in the metric's unit
                return {"quantile": inner.quantile, "of": ref, side: _number(number)}
            millis = number * 1000 / float(per_second(unit))
            return {"quantile": inner.quantile, "of": ref, side: f"{int(millis)}ms"} if millis.is_integer() else None
        case "increase" | "absent":
            return None
        case unreachable:
            assert_never(unreachable)


def _number(value: float) -> int | float:
    return int(value) if value.is_integer() else value


def _alert_compiles_to(ctx: Context, alert: dict[str, Any], name: str, expr: str) -> bool:
    from ..spec.yaml_io import load

    spec = {**skeleton(ctx), "alerts": {name: alert}}
    bundle = compile_draft(spec)
    if bundle is None:
        return False
    rules = load(bundle[f"{ctx.name}/prometheus/alerts.rules.yml"].decode())
    compiled = [r["expr"] for g in rules["groups"] for r in g["rules"] if r.get("alert") == name]
    return [normalised(e) for e in compiled] == [normalised(expr)]
