"""SLO rules: SLI error ratios per window, budget metadata, and multi-window multi-burn-rate alerts.

The alerting scheme is the Google SRE workbook's
(https://sre.google/workbook/alerting-on-slos/#6-multiwindow-multi-burn-rate-alerts): a tier fires
when, for one of its window pairs, both the long and the short window burn the error budget faster
than ``factor`` times the sustainable rate (windows and factors: ``ir/burn.py``). The error ratio
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


def _ratio_rates(slo: Slo, w: str) -> tuple[str, str]:
    """(bad or good events, all events) per second of a ratio SLI."""
    assert slo.total is not None, f"ratio SLO {slo.name} has no total"
    part = slo.bad if slo.bad is not None else slo.good
    assert part is not None, f"ratio SLO {slo.name} has neither bad nor good"
    return (
        promql.rate(part.metric.name, part.matchers, w, slo.group_by),
        promql.rate(slo.total.metric.name, slo.total.matchers, w, slo.group_by),
    )


def _classic_latency_rates(slo: Slo, w: str) -> tuple[str, str]:
    """(all requests, requests within the threshold) per second of a classic-histogram SLI."""
    assert slo.latency is not None and slo.below_text is not None, f"latency SLO {slo.name} is incomplete"
    metric, matchers, by = slo.latency.metric.name, slo.latency.matchers, slo.group_by
    # The threshold bucket as Prometheus 2 ("1") and 3 ("1.0") both spell it.
    good = promql.rate(names.bucket_series(metric), matchers, w, by, extra=(promql.le_matcher(slo.below_text),))
    return promql.rate(names.count_series(metric), matchers, w, by), good


def _up_avg(slo: Slo, w: str) -> str:
    assert slo.up is not None, f"up SLO {slo.name} has no series"
    return f"avg_over_time({promql.selector(slo.up.metric.name, slo.up.matchers)}[{w}])"


def _native(slo: Slo) -> bool:
    return slo.latency is not None and slo.latency.metric.type == "native_histogram"


def sli_events(slo: Slo, window: Duration) -> tuple[str, str] | None:
    """(bad events, all events) per second of the SLI over ``window``; None for raw PromQL.

    Their ratio is the error ratio; summed over a period they weigh every second by its traffic,
    and a second without traffic adds 0 to both instead of making the ratio NaN.
    """
    w, by = str(window), slo.group_by
    # ir.build resolves the series each kind of SLI names (the spec requires them per kind).
    if slo.kind == "ratio":
        part, total = _ratio_rates(slo, w)
        return (part if slo.bad is not None else f"{total} - {part}"), total
    if slo.kind == "latency" and _native(slo):
        assert slo.latency is not None
        rate = promql.rate(slo.latency.metric.name, slo.latency.matchers, w, by)
        return (
            f"histogram_count({rate}) * (1 - histogram_fraction(0, {slo.below_text}, {rate}))",
            f"histogram_count({rate})",
        )
    if slo.kind == "latency":
        total, good = _classic_latency_rates(slo, w)
        return f"{total} - {good}", total
    if slo.kind == "up":
        # Per target the share of the window it was down; all events: the number of targets.
        count = f"count by ({', '.join(by)}) " if by else "count "
        return f"{promql.by_clause(by)}(1 - {_up_avg(slo, w)})", f"{count}({_up_avg(slo, w)})"
    return None


def sli_expr(slo: Slo, window: Duration) -> str:
    """The error ratio (0..1) of the SLI over ``window``, from the raw series.

    These keep Sloth's expressions, so burn alerts match Sloth's sample for sample.
    """
    w, by = str(window), slo.group_by
    if slo.kind == "ratio":
        part, total = _ratio_rates(slo, w)
        return f"{part} / {total}" if slo.bad is not None else f"1 - ({part} / {total})"
    if slo.kind == "latency" and _native(slo):
        assert slo.latency is not None
        return f"1 - histogram_fraction(0, {slo.below_text}, {promql.rate(slo.latency.metric.name, slo.latency.matchers, w, by)})"
    if slo.kind == "latency":
        total, good = _classic_latency_rates(slo, w)
        return f"({total} - {good}) / {total}"
    if slo.kind == "up":
        avg = f"avg by ({', '.join(by)}) " if by else "avg "
        return f"1 - {avg}({_up_avg(slo, w)})"
    assert slo.error_ratio is not None, f"{slo.kind} SLO {slo.name} has no error_ratio"
    return slo.error_ratio.replace("$window", w).strip()


def period_events(service: Service, slo: Slo) -> tuple[RecordingRule, RecordingRule]:
    """The numerator and denominator records over the shortest window, to sum over the period."""
    shortest, labels = slo.windows[0], slo_labels(service, slo)
    events = sli_events(slo, shortest)
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
        RecordingRule(names.slo_error_ratio_record(str(w)), sli_expr(slo, w), labels)
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
        f"{template_text(slo.description) + ' ' if slo.description else ''}Error ratio {{{{ $value | humanizePercentage }}}} "
        f"over the long window{' for' + group if group else ''} burns the budget of {format_decimal(slo.error_budget * 100)} % "
        f"(objective {format_decimal(slo.objective)} % over {slo.window}) at more than {pairs}. "
        f"Service {service.name}."
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
