"""SLO rules: SLI error ratios per window, budget metadata, and multi-window multi-burn-rate alerts.

The alerting scheme is the Google SRE workbook's
(https://sre.google/workbook/alerting-on-slos/#6-multiwindow-multi-burn-rate-alerts): a tier fires
when, for one of its window pairs, both the long and the short window burn the error budget faster
than ``factor`` times the sustainable rate (windows and factors: ``values/burn_rates.py``). The error ratio
over the whole SLO period is bad over all events, summed from records of the shortest window, so
it is weighted by traffic and never NaN for lack of it. Metadata names follow Sloth's ``slo:*``
series, and every rule carries ``service`` and ``slo`` labels so SLOs sharing a metric never
collide. All budget arithmetic is Decimal (``1 - 0.999`` is ``0.001``, never ``0.0009999999999999432``).
"""

from __future__ import annotations

from decimal import Decimal

from ... import conventions as names
from ... import promql
from ...escape import template_text
from ...ir.model import BurnAlert, BurnWindow, Service, Slo
from ...values.units import Duration, format_decimal
from .rules import AlertingRule, Labels, RecordingRule, RuleGroup, merge_labels
from .sli import sli_queries

DAY_MS = 24 * 3600 * 1000


def slo_labels(service: Service, slo: Slo) -> Labels:
    """The labels every rule of this SLO carries."""
    return merge_labels(service.labels, ((names.SLO_LABEL, slo.name),))


def record_selector(service: Service, slo: Slo, record: str) -> str:
    return promql.selector(record, ((names.SERVICE_LABEL, service.name), (names.SLO_LABEL, slo.name)))


def ratio_selector(service: Service, slo: Slo, window: Duration) -> str:
    return record_selector(service, slo, names.slo_error_ratio_record(str(window)))


def period_events(service: Service, slo: Slo) -> tuple[RecordingRule, RecordingRule]:
    """The numerator and denominator records over the shortest window, to sum over the period."""
    shortest, labels = slo.windows[0], slo_labels(service, slo)
    events = sli_queries(slo.sli, slo.group_by, shortest).events
    if events is None:
        # A raw expression gives no traffic: average its valid samples over time instead. A NaN
        # ratio (no traffic) fails both comparisons, so it counts in neither sum.
        ratio = ratio_selector(service, slo, shortest)
        events = f"{ratio} >= 0", f"{ratio} >= bool 0"
    bad, total = events
    return (
        RecordingRule(names.slo_error_numerator_record(str(shortest)), bad, labels),
        RecordingRule(names.slo_error_denominator_record(str(shortest)), total, labels),
    )


def period_ratio_expr(service: Service, slo: Slo) -> str:
    """Bad over all events of the whole SLO period, from the shortest window's records.

    A raw rate over 30 days would read a month of samples at every evaluation; an average of the
    5m ratios (Sloth's way) weighs a quiet night like a busy day and turns NaN for the whole
    period after a single evaluation without traffic.
    """
    shortest, period = str(slo.windows[0]), str(slo.window)
    bad = record_selector(service, slo, names.slo_error_numerator_record(shortest))
    total = record_selector(service, slo, names.slo_error_denominator_record(shortest))
    return f"sum_over_time({bad}[{period}]) / sum_over_time({total}[{period}])"


def recording_rules(service: Service, slo: Slo) -> tuple[RecordingRule, ...]:
    """SLI ratios for every window, then objective/budget metadata and burn rates."""
    labels = slo_labels(service, slo)
    shortest = slo.windows[0]
    rules = [
        RecordingRule(names.slo_error_ratio_record(str(w)), sli_queries(slo.sli, slo.group_by, w).error_ratio, labels)
        for w in slo.windows
        if w != slo.window
    ]
    rules += period_events(service, slo)
    rules.append(RecordingRule(names.slo_error_ratio_record(str(slo.window)), period_ratio_expr(service, slo), labels))
    budget = format_decimal(slo.error_budget)
    days = format_decimal(Decimal(slo.window.ms) / DAY_MS)
    period_burn = record_selector(service, slo, names.SLO_PERIOD_BURN_RECORD)
    rules += [
        RecordingRule(names.SLO_OBJECTIVE_RECORD, f"vector({format_decimal(slo.objective / 100)})", labels),
        RecordingRule(names.SLO_ERROR_BUDGET_RECORD, f"vector({budget})", labels),
        RecordingRule(names.SLO_PERIOD_DAYS_RECORD, f"vector({days})", labels),
        RecordingRule(names.SLO_CURRENT_BURN_RECORD, f"{ratio_selector(service, slo, shortest)} / {budget}", labels),
        RecordingRule(names.SLO_PERIOD_BURN_RECORD, f"{ratio_selector(service, slo, slo.window)} / {budget}", labels),
        RecordingRule(names.SLO_BUDGET_REMAINING_RECORD, f"1 - {period_burn}", labels),
    ]
    return tuple(rules)


def burn_threshold(slo: Slo, window: BurnWindow) -> Decimal:
    """The error ratio at which ``window`` burns: factor x error budget, exact."""
    return window.factor * slo.error_budget


def burn_expr(service: Service, slo: Slo, burn: BurnAlert) -> str:
    pairs = []
    for w in burn.windows:
        threshold = format_decimal(burn_threshold(slo, w))
        pairs.append(
            f"({ratio_selector(service, slo, w.long)} > {threshold}\n"
            f"and\n{ratio_selector(service, slo, w.short)} > {threshold})"
        )
    return "\nor\n".join(pairs)


def burn_labels(service: Service, slo: Slo, burn: BurnAlert) -> Labels:
    return merge_labels(
        service.labels,
        burn.labels,
        (
            (names.SLO_LABEL, slo.name),
            (names.SEVERITY_LABEL, burn.severity),
            (names.BURN_TIER_LABEL, burn.tier),
        ),
    )


def burn_summary(slo: Slo, burn: BurnAlert) -> str:
    """The spec's static summary, or one that names the SLO, its split and the tier's speed."""
    if burn.summary is not None:
        return burn.summary
    speed = "fast" if burn.tier == "page" else "steadily"
    split = f" (per {', '.join(slo.group_by)})" if slo.group_by else ""
    return f"SLO {slo.name}{split} is burning its {slo.window} error budget {speed}."


def burn_description(service: Service, slo: Slo, burn: BurnAlert) -> str:
    if burn.description is not None:
        return burn.description
    pairs = " or ".join(f"{format_decimal(w.factor)}x over {w.long} and {w.short}" for w in burn.windows)
    # A split SLO names the group that burns: one alert per handler, each saying which.
    group = "".join(f" {label}={{{{ $labels.{label} }}}}" for label in slo.group_by)
    return (
        f"{template_text(slo.description) + ' ' if slo.description else ''}"
        f"Error ratio {{{{ $value | humanizePercentage }}}} over the long window{' for' + group if group else ''} "
        "burns the budget of "
        f"{format_decimal(slo.error_budget * 100)} % (objective {format_decimal(slo.objective)} % over "
        f"{slo.window}) at more than {pairs}. Service {service.name}."
    )


def burn_rule(service: Service, slo: Slo, burn: BurnAlert) -> AlertingRule:
    return AlertingRule(
        alert=burn.name,
        expr=burn_expr(service, slo, burn),
        for_=burn.for_,
        labels=burn_labels(service, slo, burn),
        summary=burn_summary(slo, burn),
        description=burn_description(service, slo, burn),
        runbook_url=burn.runbook_url,
        dashboard_url=burn.dashboard_url,
        dashboard_uid=service.dashboard.uid,
        panel_id=burn.panel_id,
        keep_firing_for=burn.keep_firing_for,
        extra_annotations=burn.annotations,
    )


def slo_group(service: Service, slo: Slo) -> RuleGroup:
    """One group per SLO: records first, so the alerts read ratios of the same evaluation."""
    rules = recording_rules(service, slo) + tuple(burn_rule(service, slo, b) for b in slo.alerts)
    return RuleGroup(names.rule_group(service.name, names.slo_concern(slo.name)), rules)
