"""SLO rules: SLI error ratios per window, budget metadata, and multi-window multi-burn-rate alerts.

The alerting scheme is the Google SRE workbook's
(https://sre.google/workbook/alerting-on-slos/#6-multiwindow-multi-burn-rate-alerts): a tier fires
when, for one of its window pairs, both the long and the short window burn the error budget faster
than ``factor`` times the sustainable rate. Metadata names follow Sloth's ``slo:*`` series, and
every rule carries ``service`` and ``slo`` labels so SLOs sharing a metric never collide. All
budget arithmetic is Decimal (``1 - 0.999`` is ``0.001``, never ``0.0009999999999999432``).
"""

from __future__ import annotations

from decimal import Decimal

from ... import conventions as names
from ... import promql
from ...escape import template_text
from ...ir.model import BurnAlert, BurnWindow, Service, Slo
from ...spec.units import Duration, format_decimal
from .rules import AlertingRule, Labels, RecordingRule, RuleGroup, merge_labels

DAY_MS = 24 * 3600 * 1000


def slo_labels(service: Service, slo: Slo) -> Labels:
    """The labels every rule of this SLO carries."""
    return merge_labels(service.labels, ((names.SLO_LABEL, slo.name),))


def record_selector(service: Service, slo: Slo, record: str) -> str:
    return promql.selector(record, ((names.SERVICE_LABEL, service.name), (names.SLO_LABEL, slo.name)))


def ratio_selector(service: Service, slo: Slo, window: Duration) -> str:
    return record_selector(service, slo, names.slo_error_ratio_record(str(window)))


def sli_expr(slo: Slo, window: Duration) -> str:
    """The error ratio (0..1) of the SLI over ``window``, from the raw series."""
    w, by = str(window), slo.group_by
    # ir.build resolves the series each kind of SLI names (the spec requires them per kind).
    if slo.kind == "ratio":
        assert slo.total is not None, f"ratio SLO {slo.name} has no total"
        total = promql.rate(slo.total.metric.name, slo.total.matchers, w, by)
        if slo.bad is not None:
            return f"{promql.rate(slo.bad.metric.name, slo.bad.matchers, w, by)} / {total}"
        assert slo.good is not None, f"ratio SLO {slo.name} has neither bad nor good"
        return f"1 - ({promql.rate(slo.good.metric.name, slo.good.matchers, w, by)} / {total})"
    if slo.kind == "latency":
        assert slo.latency is not None and slo.below_text is not None, f"latency SLO {slo.name} is incomplete"
        metric, matchers = slo.latency.metric.name, slo.latency.matchers
        if slo.latency.metric.type == "native_histogram":
            return f"1 - histogram_fraction(0, {slo.below_text}, {promql.rate(metric, matchers, w, by)})"
        total = promql.rate(names.count_series(metric), matchers, w, by)
        # The threshold bucket as Prometheus 2 ("1") and 3 ("1.0") both spell it.
        good = promql.rate(names.bucket_series(metric), matchers, w, by, extra=(promql.le_matcher(slo.below_text),))
        return f"({total} - {good}) / {total}"
    if slo.kind == "up":
        assert slo.up is not None, f"up SLO {slo.name} has no series"
        avg = f"avg by ({', '.join(by)}) " if by else "avg "
        return f"1 - {avg}(avg_over_time({promql.selector(slo.up.metric.name, slo.up.matchers)}[{w}]))"
    assert slo.error_ratio is not None, f"{slo.kind} SLO {slo.name} has no error_ratio"
    return slo.error_ratio.replace("$window", w).strip()


def recording_rules(service: Service, slo: Slo) -> tuple[RecordingRule, ...]:
    """SLI ratios for every window, then objective/budget metadata and burn rates."""
    labels = slo_labels(service, slo)
    shortest = slo.windows[0]
    rules = []
    for window in slo.windows:
        if window == slo.window:
            # The whole SLO period from the shortest record (as Sloth does): a raw rate over 30 days
            # would read a month of samples at every evaluation.
            expr = f"avg_over_time({ratio_selector(service, slo, shortest)}[{window}])"
        else:
            expr = sli_expr(slo, window)
        rules.append(RecordingRule(names.slo_error_ratio_record(str(window)), expr, labels))
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
        pairs.append(f"({ratio_selector(service, slo, w.long)} > {threshold}\n"
                     f"and\n{ratio_selector(service, slo, w.short)} > {threshold})")
    return "\nor\n".join(pairs)


def burn_labels(service: Service, slo: Slo, burn: BurnAlert) -> Labels:
    return merge_labels(service.labels, slo.labels, (
        (names.SLO_LABEL, slo.name), (names.SEVERITY_LABEL, burn.severity), (names.BURN_TIER_LABEL, burn.tier),
    ))


def burn_summary(slo: Slo, burn: BurnAlert) -> str:
    speed = "fast" if burn.tier == "page" else "steadily"
    return f"SLO {slo.name} is burning its {slo.window} error budget {speed}."


def burn_description(service: Service, slo: Slo, burn: BurnAlert) -> str:
    pairs = " or ".join(f"{format_decimal(w.factor)}x over {w.long} and {w.short}" for w in burn.windows)
    return (
        f"{template_text(slo.description) + ' ' if slo.description else ''}Error ratio {{{{ $value | humanizePercentage }}}} "
        f"over the long window burns the budget of {format_decimal(slo.error_budget * 100)} % "
        f"(objective {format_decimal(slo.objective)} % over {slo.window}) at more than {pairs}. "
        f"Service {service.name}."
    )


def burn_rule(service: Service, slo: Slo, burn: BurnAlert) -> AlertingRule:
    return AlertingRule(
        alert=burn.name, expr=burn_expr(service, slo, burn), for_=burn.for_, labels=burn_labels(service, slo, burn),
        summary=burn_summary(slo, burn), description=burn_description(service, slo, burn),
        runbook_url=burn.runbook_url, dashboard_url=burn.dashboard_url,
        dashboard_uid=service.dashboard.uid, panel_id=burn.panel_id,
    )


def slo_group(service: Service, slo: Slo) -> RuleGroup:
    """One group per SLO: records first, so the alerts read ratios of the same evaluation."""
    rules = recording_rules(service, slo) + tuple(burn_rule(service, slo, b) for b in slo.alerts)
    return RuleGroup(names.rule_group(service.name, names.slo_concern(slo.name)), rules)
