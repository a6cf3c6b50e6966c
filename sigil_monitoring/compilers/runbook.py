"""Runbook target: one Markdown page per service for the on-call.

Each alert gets a ``## AlertName`` section; the alert's ``runbook_url`` points at its anchor.
"""

from __future__ import annotations

from decimal import Decimal
from typing import assert_never

from .. import conventions as names
from ..escape import code_span, markdown_block, markdown_inline, markdown_url
from ..ir.model import (
    AbsentCondition,
    Alert,
    BurnAlert,
    Comparison,
    GaugeRatioCondition,
    Model,
    PromqlCondition,
    QuantileCondition,
    RateCondition,
    RatioCondition,
    Service,
    Slo,
    StateCondition,
    ValueCondition,
)
from ..output.bundle import Artifact
from ..values.units import Duration, Threshold, format_decimal
from . import runbook_oncall as oncall


def compile(model: Model) -> list[Artifact]:  # the registry's verb
    return [
        Artifact(names.runbook_path(s.name), render_service(s), "text", s.source, header=False) for s in model.services
    ]


def _side(compare: Comparison) -> tuple[str, str]:
    """(``above`` or ``below``, the threshold as the spec writes it)."""
    return ("above" if compare.op == ">" else "below"), markdown_inline(compare.threshold.text)


_PER_WORDS = {"s": "second", "sec": "second", "m": "minute", "min": "minute", "h": "hour", "d": "day"}


def per_words(threshold: Threshold) -> str:
    """A rate threshold as words: ``0.5/h`` -> ``0.5 per hour``, a plain number per second.

    >>> from sigil_monitoring.values.units import parse_threshold
    >>> per_words(parse_threshold("0.5/h")), per_words(parse_threshold("2 / min")), per_words(parse_threshold("3"))
    ('0.5 per hour', '2 per minute', '3 per second')
    """
    # A rate threshold is digits (and a dot) over a unit word: nothing Markdown would read.
    if threshold.kind == "number":
        return f"{format_decimal(threshold.value)} per second"
    count, _, unit = threshold.text.partition("/")
    unit = unit.strip()
    return f"{format_decimal(Decimal(count.strip()))} per {_PER_WORDS.get(unit, unit)}"


def condition_words(alert: Alert, rate_window: Duration) -> str:
    """When a threshold alert fires, in the spec's words (the runbook's and the onboarding page's).

    ``rate_window`` is the service's: an alert whose rate runs over a range of its own (``over``)
    says so, in events per hour or day over that range ("more than 0.5 per hour over 3h").
    """
    over = alert.rate_window if alert.rate_window != rate_window else None
    match alert.condition:
        case QuantileCondition(series=series, quantile=quantile, compare=compare):
            side, threshold = _side(compare)
            return f"p{format_decimal(quantile * 100)} of {code_span(series.shown)} is {side} {threshold}"
        case RateCondition(series=series, compare=compare) if over is not None:
            more = "more" if compare.op == ">" else "less"
            return f"{code_span(series.events_shown)} increases {more} than {per_words(compare.threshold)} over {over}"
        case RatioCondition(bad=bad, total=total, compare=compare) if over is not None:
            side, threshold = _side(compare)
            return f"{code_span(bad.events_shown)} / {code_span(total.events_shown)} is {side} {threshold} over {over}"
        case RateCondition(series=series, compare=compare):
            faster = "faster" if compare.op == ">" else "slower"
            return f"{code_span(series.events_shown)} increases {faster} than {_side(compare)[1]}"
        case GaugeRatioCondition(part=part, whole=whole, compare=compare):
            side, threshold = _side(compare)
            return f"{code_span(part.shown)} as a share of `{whole.shown}` is {side} {threshold}"
        case RatioCondition(bad=bad, total=total, compare=compare):
            side, threshold = _side(compare)
            return f"{code_span(bad.events_shown)} / {code_span(total.events_shown)} is {side} {threshold}"
        case StateCondition(series=series, state=(value, name)):
            return f"{code_span(series.shown)} is in state {code_span(name)} (value {value})"
        case ValueCondition(series=series, compare=compare):
            side, threshold = _side(compare)
            # With `by`, the alert is the worst series of each group (compilers/prometheus/alerts.py).
            worst = "highest" if compare.op == ">" else "lowest"
            group = f" (its {worst} value per {', '.join(series.by)})" if series.by else ""
            return f"{code_span(series.shown)} is {side} {threshold}{group}"
        case AbsentCondition(series=series):
            return f"{code_span(series.shown)} is not reported at all"
        case PromqlCondition(promql=expr, compare=compare):
            if compare is None:
                return f"{code_span(expr)} returns series"
            side, threshold = _side(compare)
            return f"{code_span(expr)} is {side} {threshold}"
        case _:
            assert_never(alert.condition)


def held_words(for_: Duration) -> str:
    """``for 5m``, or ``(at once)`` for ``for: 0s``."""
    return f"for {for_}" if for_.ms else "(at once)"


def _alert_section(service: Service, alert: Alert, index: oncall.AlertIndex) -> list[str]:
    lines = [
        f"## {alert.name}",
        "",
        f"**Severity:** {alert.severity} · **Fires when:** {condition_words(alert, service.rate_window)} "
        f"{held_words(alert.for_)}.",
        "",
        markdown_inline(alert.summary),
        "",
    ]
    if alert.runbook:
        # The on-call's steps are Markdown on purpose (lists, code), but never headings or HTML,
        # which would take the anchors alerts link to.
        lines += ["### What to do", "", markdown_block(alert.runbook.rstrip()), ""]
    lines += [f"[Dashboard panel]({markdown_url(alert.dashboard_url)})", ""]
    return lines + _handling(service, alert.name, index)


def _handling(service: Service, alert: str, index: oncall.AlertIndex) -> list[str]:
    """Where the alert goes, what silences it, and the silence command for it."""
    lines = [f"**Goes to:** {oncall.paged(service, index.labels[alert], index)}.", ""]
    if causes := oncall.silenced_by(service, alert, index):
        lines += [f"**Silenced while** {' or '.join(causes)} fires (inhibition).", ""]
    return lines + ["Silence it:", "", "```sh", oncall.silence_command(service, alert), "```", ""]


def burn_words(slo: Slo, burn: BurnAlert, held: bool = True) -> str:
    """When an SLO's burn alert fires, in words: how fast, over which windows (``held``: and how long)."""
    pairs = ", ".join(f"{w.long}/{w.short} at {w.factor}x" for w in burn.windows)
    return (
        f"SLO `{slo.name}` burns its error budget "
        f"{'fast' if burn.tier == 'page' else 'steadily'} ({pairs})"
        + (f" {held_words(burn.for_)}" if held else "")
        + (f", one alert per {', '.join(f'`{label}`' for label in slo.group_by)}" if slo.group_by else "")
    )


def _lasts(slo: Slo, factor: Decimal) -> Duration:
    """How long the whole budget lasts at ``factor`` times the sustainable burn (to the minute)."""
    minutes = (Decimal(slo.window.ms) / factor / 60_000).to_integral_value()
    return Duration(int(minutes) * 60_000)


def _slo_section(service: Service, slo: Slo, index: oncall.AlertIndex) -> list[str]:
    lines = []
    # The same for both burn alerts of the SLO: worded once.
    budget = (
        f"The {slo.window} budget of {format_decimal(slo.error_budget * 100)} % errors "
        f"(objective {format_decimal(slo.objective)} %) will be spent early if this goes on."
    )
    for burn in slo.alerts:
        lowest = min(w.factor for w in burn.windows)
        lines += [
            f"## {burn.name}",
            "",
            f"**Severity:** {burn.severity} · **Fires when:** {burn_words(slo, burn)}.",
            "",
            *([slo.description, ""] if slo.description else []),
            budget
            + (
                f" Page now: even at the slowest burn that pages ({lowest}x) the whole budget is gone in "
                f"{_lasts(slo, lowest)}."
                if burn.tier == "page"
                else " Fix it this week."
            ),
            "",
        ]
        if burn.summary is not None:
            lines += [markdown_block(burn.summary), ""]
        # The SLO's own runbook text, then this tier's.
        todo = "\n\n".join(markdown_block(text.rstrip()) for text in (slo.runbook, burn.runbook) if text.strip())
        if todo:
            lines += ["### What to do", "", todo, ""]
        lines += [f"[Burn rate panel]({markdown_url(burn.dashboard_url)})", ""] + _handling(service, burn.name, index)
    return lines


def render_service(service: Service) -> str:
    lines = [f"# {markdown_inline(service.title)} runbook", ""]
    if service.description:
        lines += [markdown_inline(service.description), ""]
    lines += [f"Generated by sigil-monitoring from {code_span(service.source)}; edit the spec, not this page.", ""]
    if service.dashboard.url:
        lines += [f"Dashboard: [{markdown_inline(service.dashboard.title)}]({markdown_url(service.dashboard.url)})", ""]
    if service.slos:
        lines += ["| SLO | Objective | Window | Alerts |", "| --- | --- | --- | --- |"]
        for slo in service.slos:
            alert_links = ", ".join(f"[{b.name}](#{names.url_anchor(b.runbook_url)})" for b in slo.alerts) or "none"
            lines.append(f"| {slo.name} | {format_decimal(slo.objective)} % | {slo.window} | {alert_links} |")
        lines.append("")
    lines += oncall.section(service)
    index = oncall.AlertIndex.of(service)
    for alert in service.alerts:
        lines += _alert_section(service, alert, index)
    for slo in service.slos:
        lines += _slo_section(service, slo, index)
    lines += oncall.operations(service)
    return "\n".join(lines).rstrip("\n") + "\n"
