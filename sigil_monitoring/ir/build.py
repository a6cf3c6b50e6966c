"""Spec classes -> the internal model: defaults applied, references resolved, names and ids given.

The spec was checked by the loader, so a failure here is a bug, not a user error.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from msgspec import Struct
from msgspec.structs import replace

from .. import conventions as names
from .. import defaults
from ..spec.derived import chained_matchers, root_of
from ..spec.grafana_variables import dashboard_variables
from ..values.burn_rates import can_fire, error_budget
from ..values.units import Duration, format_decimal, in_unit
from . import dashboard_plan
from .dashboard import Dashboard, Panel, Row
from .given import given
from .model import (
    AbsentCondition,
    Alert,
    BurnAlert,
    Comparison,
    Condition,
    ErrorRatioSli,
    GaugeRatioCondition,
    LatencySli,
    Metric,
    Model,
    PromqlCondition,
    PromqlTest,
    QuantileCondition,
    QueryRatioSli,
    RateCondition,
    RatioCondition,
    RatioSli,
    Series,
    Service,
    Sli,
    Slo,
    StateCondition,
    UpSli,
    ValueCondition,
    comparison,
)
from .options import copy_options
from .routing import routing_of

if TYPE_CHECKING:  # the spec is read, never imported at run time: the IR builder stays import-cheap
    from ..spec.alerts import Alert as SpecAlert
    from ..spec.document import Spec
    from ..spec.refs import MetricRef
    from ..spec.slo import Sli as SpecSli


def build_model(specs: list[Spec]) -> Model:
    """The internal model of one or more validated specs (one service each)."""
    return Model(tuple(build_service(spec) for spec in specs))


class _Context(Struct, frozen=True):
    """What every part of one service's model needs: the spec, resolved metrics, panel layout."""

    spec: Spec
    metrics: dict[str, Metric]
    labels: dict[str, str]  # service-wide labels on every rule and alert
    rows: tuple[Row, ...]
    uid: str
    dashboard_title: str
    anchors: dict[str, str]  # alert name -> its runbook anchor, unique on the page
    burn_names: dict[tuple[str, str], str]  # (SLO, tier) -> its burn alert's name, enabled tiers only

    def series(self, ref: MetricRef) -> Series:
        narrowed = chained_matchers(self.spec.metrics, ref.metric) + tuple(ref.where.values())
        return Series(
            self.metrics[ref.metric], tuple(self.spec.service.selector.values()) + narrowed, tuple(ref.by), narrowed
        )

    def dashboard_url(self, panel_id: int | None) -> str:
        # Relative to Grafana's root when the spec does not say where Grafana is.
        return names.panel_url(self.spec.service.links.grafana or "", self.uid, self.dashboard_title, panel_id)

    def runbook_url(self, alert: str) -> str:
        return names.runbook_url(self.spec.service.links.runbooks, self.spec.service.name, self.anchors[alert])


def build_service(spec: Spec) -> Service:
    svc = spec.service
    # A derived entry is its root metric (one set of recording rules) plus the matchers of its chain
    # (in series()).
    metrics = {
        key: Metric(
            key=key,
            name=m.name,
            type=m.type,
            unit=m.unit,
            help=m.help,
            labels=tuple(m.labels),
            buckets=tuple(m.bucket_bounds) if m.buckets is not None else None,
            states=tuple(sorted(m.states.items())) if m.states else None,
        )
        for key, m in spec.metrics.items()
        if m.from_ is None and m.name is not None and m.type is not None
    }
    catalog = dict(metrics)
    metrics.update({key: catalog[root_of(spec.metrics, key) or ""] for key, m in spec.metrics.items() if m.from_})
    common = names.record_labels(svc.name, svc.team, svc.labels)
    title = svc.title or svc.name
    # The runbook's sections, in page order: threshold alerts, then each SLO's burn alerts.
    burn_names = {
        (slo, tier): names.slo_alert_name(slo, tier)
        for slo, s in spec.slos.items()
        for tier in ("page", "ticket")
        if getattr(s.alerting, tier).enabled
    }
    sections = [*spec.enabled_alerts, *burn_names.values()]
    ctx = _Context(
        spec,
        metrics,
        common,
        (),
        spec.dashboard.uid or names.dashboard_uid(svc.name),
        spec.dashboard.title or title,
        names.runbook_anchors(sections),
        burn_names,
    )
    ctx = replace(ctx, rows=dashboard_plan.layout(dashboard_plan.drafts_from_spec(spec, ctx.series)))

    slos = tuple(_slo(ctx, name) for name in spec.slos)
    alerts = tuple(_alert(ctx, name, a) for name, a in spec.enabled_alerts.items())

    annotate: dict[int, tuple[tuple[str, ...], tuple[Decimal, ...]]] = {}
    panels = {panel.id: panel for row in ctx.rows for panel in row.panels}
    for alert in alerts:
        if alert.panel_id is not None:
            names_, thresholds = annotate.get(alert.panel_id, ((), ()))
            compare = comparison(alert.condition)
            drawn = compare is not None and dashboard_plan.plots_compared_value(alert.condition, panels[alert.panel_id])
            value = (compare.threshold.value,) if compare is not None and drawn else ()
            annotate[alert.panel_id] = (names_ + (alert.name,), thresholds + value)
    for slo in slos:
        for burn in slo.alerts:
            if burn.panel_id is not None:
                names_, thresholds = annotate.get(burn.panel_id, ((), ()))
                annotate[burn.panel_id] = (names_ + (burn.name,), thresholds)
    rows = dashboard_plan.with_alerts(ctx.rows, annotate)

    variables = dashboard_variables(spec)
    dashboard = Dashboard(
        uid=ctx.uid,
        title=ctx.dashboard_title,
        tags=tuple(spec.dashboard.tags),
        time=spec.dashboard.time,
        refresh=spec.dashboard.refresh,
        variables=tuple(variables),
        grafana_version=spec.dashboard.grafana_version,
        formats=tuple(dict.fromkeys(spec.dashboard.formats)),
        rows=rows,
        url=ctx.dashboard_url(None) if svc.links.grafana else None,
        folder=svc.links.folder,
    )
    source = spec._source.display if spec._source is not None else f"{svc.name}.yaml"
    return Service(
        name=svc.name,
        title=title,
        description=svc.description,
        team=svc.team,
        source=source,
        labels=tuple(sorted(common.items())),
        selector=tuple(svc.selector.values()),
        scrape_interval=svc.scrape_interval,
        rate_window=defaults.rate_window(svc.scrape_interval),
        grafana_url=svc.links.grafana,
        runbooks_url=svc.links.runbooks,
        metrics=tuple(catalog.values()),
        slos=slos,
        alerts=alerts,
        dashboard=dashboard,
        routing=routing_of(spec),
        targets=copy_options(spec.targets),
        templates=tuple(name for name, _ in spec._source.templates) if spec._source is not None else (),
    )


def _slo(ctx: _Context, name: str) -> Slo:
    spec, series_of, runbook_url = ctx.spec, ctx.series, ctx.runbook_url
    slo = spec.slos[name]
    sli = slo.sli
    budget = error_budget(slo.objective)
    scrape = spec.service.scrape_interval
    windows = {tier: slo.tier_windows(tier, scrape) for tier in ("page", "ticket")}
    panel = dashboard_plan.panel_for_slo(ctx.rows, name)
    panel_id = panel.id if panel else None
    dashboard_url = ctx.dashboard_url(panel_id)  # both tiers link the same panel: one URL
    alerts = []
    for tier in ("page", "ticket"):
        options = getattr(slo.alerting, tier)
        # Pairs whose threshold is 1 or more can never fire; spec.semantic rejects a tier left empty.
        tier_windows = tuple(w for w in windows[tier] if can_fire(w, budget))
        if not options.enabled:
            continue
        alert_name = ctx.burn_names[name, tier]
        alerts.append(
            BurnAlert(
                name=alert_name,
                tier=tier,
                severity=options.severity or defaults.TIER_SEVERITY[tier],
                for_=_or_default(options.for_, defaults.TIER_FOR[tier]),
                windows=tier_windows,
                panel_id=panel_id,
                runbook_url=runbook_url(alert_name),
                dashboard_url=dashboard_url,
                keep_firing_for=options.keep_firing_for,
                labels=tuple(sorted({**slo.alerting.labels, **options.labels}.items())),
                annotations=tuple(sorted({**slo.alerting.annotations, **options.annotations}.items())),
                summary=options.summary or slo.summary,
                description=options.description,
                runbook=options.runbook,
            )
        )
    # Every window of both tiers (a disabled tier's too, as before custom windows), each recorded once.
    all_windows = sorted({d for pairs in windows.values() for w in pairs for d in (w.long, w.short)} | {slo.window})
    return Slo(
        name=name,
        objective=slo.objective,
        error_budget=budget,
        window=slo.window,
        description=slo.description,
        sli=_sli(sli, series_of, tuple(slo.group_by), ctx.metrics),
        group_by=tuple(slo.group_by),
        labels=tuple(sorted(slo.alerting.labels.items())),
        alerts=tuple(alerts),
        windows=tuple(all_windows),
        runbook=slo.runbook,
    )


def _sli(
    sli: SpecSli, series_of: dashboard_plan.SeriesOf, group_by: tuple[str, ...], catalog: dict[str, Metric]
) -> Sli:
    """The spec's SLI shape (which of its optional fields are given) as its kind."""
    match sli.kind:
        case "ratio":
            part = sli.bad if sli.bad is not None else given(sli.good, "a ratio SLI's bad or good")
            return RatioSli(series_of(part), series_of(given(sli.total, "a ratio SLI's total")), sli.bad is not None)
        case "latency":
            series = series_of(given(sli.latency, "a latency SLI's histogram"))
            below = in_unit(given(sli.below, "a latency SLI's below"), series.metric.unit).value
            return LatencySli(series, below, format_decimal(below))
        case "up":
            return UpSli(series_of(given(sli.up, "an up SLI's series")))
        case "query_ratio":
            return _query_ratio(sli, group_by, catalog)
        case _:
            return ErrorRatioSli(given(sli.error_ratio, "an SLI's error_ratio"))


def _query_ratio(sli: SpecSli, group_by: tuple[str, ...], catalog: dict[str, Metric]) -> QueryRatioSli:
    from .query_sli import plain_rate

    part = sli.bad_query if sli.bad_query is not None else given(sli.good_query, "a query SLI's bad or good query")
    total = given(sli.total_query, "a query SLI's total_query")
    by_name = {m.name: m for m in catalog.values()}
    sides = [plain_rate(part, group_by, by_name), plain_rate(total, group_by, by_name)]
    match sides:
        case [Series() as part_series, Series() as total_series]:
            staged = RatioSli(part_series, total_series, sli.bad_query is not None)
            return QueryRatioSli(part, total, sli.bad_query is not None, staged)
    field = "bad_query" if sli.bad_query is not None else "good_query"
    why = next(
        f"{name}: {reason}"
        for name, reason in zip((field, "total_query"), sides, strict=True)
        if isinstance(reason, str)
    )
    return QueryRatioSli(part, total, sli.bad_query is not None, unstaged=why)


def _or_default(value: Duration | None, default: Duration) -> Duration:
    # `for: 0s` is a real choice (fire at once), not a missing value: test for None, not falsiness.
    return default if value is None else value


_DEFAULT_SUMMARY = {
    "quantile": "p{q} {metric_lower} is {side} {threshold}.",
    "rate": "{metric} rate is {side} {threshold}.",  # not "happen more often": a name may be no plural, or below
    "ratio": "{metric} ratio is {side} {threshold}.",
    "state": "{metric} is {state}.",
    "value": "{metric} is {side} {threshold}.",
    "gauge_ratio": "{metric} is {side} {threshold} of {total}.",
    "absent": "{metric} is not reported.",
    "promql": "{alert} condition holds.",
}
_DEFAULT_SUMMARY_PROMQL_THRESHOLD = "{alert}: the value is {side} {threshold}."


def _alert_kind(alert: SpecAlert) -> str:
    kind = alert.when.kind
    return "gauge_ratio" if kind == "value" and alert.when.is_gauge_ratio else kind


def _condition(kind: str, alert: SpecAlert, series_of: dashboard_plan.SeriesOf) -> Condition:
    """The spec's condition shape (which of its optional fields are given) as its kind."""
    when = alert.when
    threshold = when.above or when.below
    op = ">" if when.above is not None else "<"
    compare = Comparison(op, threshold) if threshold is not None else None

    def compared_in(unit: str) -> Comparison:
        """The threshold against a value measured in ``unit`` (a duration becomes milliseconds)."""
        return Comparison(op, in_unit(given(threshold, f"a {kind} alert's threshold"), unit))

    match kind:
        case "quantile":
            quantile = Decimal(repr(given(when.quantile, "a quantile alert's quantile")))
            histogram = series_of(given(when.of, "a quantile alert's histogram"))
            return QuantileCondition(histogram, quantile, compared_in(histogram.metric.unit))
        case "rate":
            return RateCondition(
                series_of(given(when.rate, "a rate alert's counter")), given(compare, f"a {kind} alert's threshold")
            )
        case "ratio":
            ratio = given(when.ratio, "a ratio alert's sides")
            return RatioCondition(
                series_of(ratio.bad), series_of(ratio.total), given(compare, f"a {kind} alert's threshold")
            )
        case "state":
            series = series_of(given(when.state, "a state alert's gauge"))
            # The loader checked the state is one of the metric's.
            state = next(s for s in series.metric.states or () if s[1] == when.is_)
            return StateCondition(series, state)
        case "value":
            gauge = series_of(given(when.value, "a value alert's gauge"))
            return ValueCondition(gauge, compared_in(gauge.metric.unit))
        case "gauge_ratio":
            part = series_of(given(when.value, "a share alert's gauge"))
            return GaugeRatioCondition(
                part,
                series_of(given(when.of, "a share alert's whole")),
                given(compare, f"a {kind} alert's threshold"),
            )
        case "absent":
            return AbsentCondition(series_of(given(when.absent, "an absent alert's metric")))
        case _:
            test = None
            if alert.test is not None:
                test = PromqlTest(
                    firing=tuple((t.series, t.values) for t in alert.test.firing),
                    quiet=tuple((t.series, t.values) for t in alert.test.quiet),
                    labels=tuple(sorted(alert.test.labels.items())),
                    value=alert.test.value,
                )
            unit = when.unit or "none"
            compare = compared_in(unit) if threshold is not None else None
            return PromqlCondition(given(when.promql, "a promql alert's expression"), unit, compare, test)


def _summary(name: str, kind: str, alert: SpecAlert) -> str:
    """The spec's summary, or one in words from the condition (static text, no template)."""
    if alert.summary:
        return alert.summary
    when = alert.when
    # Named after the spec's entries (a derived metric's own key, not its base metric's).
    ref = {
        "quantile": when.of,
        "rate": when.rate,
        "state": when.state,
        "value": when.value,
        "gauge_ratio": when.value,
        "absent": when.absent,
        "ratio": when.ratio.bad if when.ratio else None,
    }.get(kind)
    total_ref = when.of if kind == "gauge_ratio" else None
    threshold = when.above or when.below
    metric_text = dashboard_plan.human(ref.metric).lower() if ref is not None else name
    template = (
        _DEFAULT_SUMMARY_PROMQL_THRESHOLD if kind == "promql" and threshold is not None else _DEFAULT_SUMMARY[kind]
    )
    return template.format(
        q=format_decimal(Decimal(repr(when.quantile)) * 100) if when.quantile is not None else "",
        metric=metric_text[:1].upper() + metric_text[1:],
        metric_lower=metric_text,
        side="above" if when.above is not None else "below",
        threshold=threshold.text if threshold else "",
        state=when.is_,
        alert=name,
        total=dashboard_plan.human(total_ref.metric).lower() if total_ref is not None else "",
    )


def _alert(ctx: _Context, name: str, alert: SpecAlert) -> Alert:
    kind = _alert_kind(alert)
    condition = _condition(kind, alert, ctx.series)
    panel: Panel | None
    if alert.panel is not None:
        panel = next(p for row in ctx.rows for p in row.panels if p.title == alert.panel)
    else:
        panel = dashboard_plan.panel_for_alert(ctx.rows, condition)
    labels = {**ctx.labels, **alert.labels, names.SEVERITY_LABEL: alert.severity}
    return Alert(
        name=name,
        condition=condition,
        # `over` is the range of a rate or ratio condition; the service's rate window by default.
        rate_window=_or_default(alert.when.over, defaults.rate_window(ctx.spec.service.scrape_interval)),
        for_=_or_default(alert.for_, defaults.DEFAULT_ALERT_FOR),
        severity=alert.severity,
        summary=_summary(name, kind, alert),
        description=alert.description,
        runbook=alert.runbook,
        labels=tuple(sorted(labels.items())),
        inhibits="symptoms" in alert.inhibit_targets,
        panel_id=panel.id if panel else None,
        runbook_url=ctx.runbook_url(name),
        dashboard_url=ctx.dashboard_url(panel.id if panel else None),
        keep_firing_for=alert.keep_firing_for,
        annotations=tuple(sorted(alert.annotations.items())),
        inhibits_slos="slos" in alert.inhibit_targets,
    )
