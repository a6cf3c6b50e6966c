"""PromQL of every panel, built with ``sigil_monitoring.promql``.

Only the spec's own PromQL is parsed here (``check``, for a ``promql`` panel): text built by the
builders below from checked parts is not parsed again on every compile (at 10,000 SLOs that was
265,000 parses); the test suite parses every query the compiler writes instead
(``tests/test_generated_promql.py``).

Ad-hoc panels query the catalog metrics directly with ``$__rate_interval`` (Grafana picks a
window of at least four scrapes for the zoom level; dashboard-linter's rule). SLO panels reuse the
Prometheus target's recording rules (names from ``conventions``), so the dashboard shows exactly
what the burn-rate alerts evaluate.
"""

from __future__ import annotations

from decimal import Decimal

from msgspec.structs import replace

from ... import conventions as names
from ... import promql
from ...ir.model import Series, Slo
from ...values.units import Duration, format_decimal

RATE_WINDOW = "$__rate_interval"
RANGE = "$__range"

substitute = promql.substitute_grafana_variables


def check(expr: str) -> str:
    """Return the spec's own ``expr`` after making sure it parses once Grafana variables are substituted."""
    promql.check(substitute(expr))
    return expr


def variable_matchers(series: Series, variables: tuple[str, ...]) -> tuple[str, ...]:
    """``label=~"$label"`` for each dashboard variable the metric carries and ``where`` leaves open."""
    fixed = {m.label for m in series.matchers if m.is_equality}
    return tuple(f'{v}=~"${v}"' for v in variables if v in series.metric.labels and v not in fixed)


def _rate(
    series: Series, extra: tuple[str, ...], by: tuple[str, ...], window: str = RATE_WINDOW, fn: str = "rate"
) -> str:
    text = promql.rate(series.metric.name, series.matchers, window, by=by, extra=extra)
    return text if fn == "rate" else text.replace("(rate(", f"({fn}(", 1)


def _bucket_series(series: Series) -> Series:
    metric = series.metric
    if metric.type == "native_histogram":
        return series
    return replace(series, metric=replace(metric, name=names.bucket_series(metric.name)))


def _bucket_by(series: Series) -> tuple[str, ...]:
    return () if series.metric.type == "native_histogram" else ("le",)


def heatmap(series: Series, extra: tuple[str, ...]) -> str:
    """Per-bucket rates; Grafana's ``heatmap`` format turns cumulative ``le`` buckets into cells."""
    return _rate(_bucket_series(series), extra, _bucket_by(series))


def distribution(series: Series, extra: tuple[str, ...]) -> str:
    """Observations per bucket over the whole time range shown (an instant query)."""
    return _rate(_bucket_series(series), extra, _bucket_by(series), window=RANGE, fn="increase")


def quantile(series: Series, q: Decimal, extra: tuple[str, ...]) -> str:
    by = tuple(sorted({*series.by, *_bucket_by(series)}))
    return f"histogram_quantile({format_decimal(q)}, {_rate(_bucket_series(series), extra, by)})"


def _events(series: Series) -> Series:
    """The series counting the events: a classic histogram's observations are its ``_count``."""
    return replace(series, metric=replace(series.metric, name=series.events))


def rate(series: Series, extra: tuple[str, ...]) -> str:
    return _rate(_events(series), extra, series.by)


def increase(series: Series, extra: tuple[str, ...], per: Duration) -> str:
    """The events of each ``per`` window (a rate panel with ``per``), summed per ``by`` label."""
    return _rate(_events(series), extra, series.by, window=str(per), fn="increase")


def ratio(bad: Series, total: Series, extra_bad: tuple[str, ...], extra_total: tuple[str, ...]) -> str:
    """Bad over total events, per every ``by`` label of either side, as the ratio alerts compute it.

    The spec checks refuse a ``by`` label the other side does not carry.
    """
    by = tuple(dict.fromkeys((*bad.by, *total.by)))
    return f"{_rate(_events(bad), extra_bad, by)} / {_rate(_events(total), extra_total, by)}"


def share(part: Series, whole: Series, extra_part: tuple[str, ...], extra_whole: tuple[str, ...]) -> str:
    """A gauge as a share of another gauge, matched as the gauge_ratio alerts match it."""
    from ..prometheus.alerts import share_labels_of

    labels, on = share_labels_of(part, whole)
    return promql.share(
        promql.selector(part.metric.name, part.matchers, extra_part),
        promql.selector(whole.metric.name, whole.matchers, extra_whole),
        labels,
        on,
    )


def value(series: Series, extra: tuple[str, ...]) -> str:
    """A gauge as it is, or a counter as its per-second rate."""
    if series.metric.type == "counter":
        return rate(series, extra)
    text = promql.selector(series.metric.name, series.matchers, extra)
    return f"max by ({', '.join(series.by)}) ({text})" if series.by else text


def _slo_selector(service: str, slo: Slo) -> tuple[tuple[str, str], ...]:
    return ((names.SERVICE_LABEL, service), (names.SLO_LABEL, slo.name))


def slo_variable_matchers(slo: Slo, variables: tuple[str, ...]) -> tuple[str, ...]:
    """``handler=~"$handler"`` for each dashboard variable the SLO is split by: its records carry
    exactly its ``group_by`` labels, so only those can be filtered."""
    return tuple(f'{v}=~"${v}"' for v in variables if v in slo.group_by)


def slo_error_ratio(service: str, slo: Slo, window: Duration, variables: tuple[str, ...] = ()) -> str:
    return promql.selector(
        names.slo_error_ratio_record(str(window)),
        _slo_selector(service, slo),
        slo_variable_matchers(slo, variables),
    )


def slo_burn_rate(service: str, slo: Slo, window: Duration, variables: tuple[str, ...] = ()) -> str:
    """Burn rate = error ratio over the window / error budget (1 is spending exactly on budget)."""
    return f"{slo_error_ratio(service, slo, window, variables)} / {format_decimal(slo.error_budget)}"


def slo_budget_remaining(service: str, slo: Slo, variables: tuple[str, ...] = ()) -> str:
    return promql.selector(
        names.SLO_BUDGET_REMAINING_RECORD, _slo_selector(service, slo), slo_variable_matchers(slo, variables)
    )


def label_values(metric: str, selector: promql.Matchers, label: str) -> str:
    """The query of a dashboard variable: the label's values on this service's series."""
    return f"label_values({promql.selector(metric, selector)}, {label})"


def firing_alerts(service: str) -> str:
    return promql.selector("ALERTS", (("alertstate", "firing"), (names.SERVICE_LABEL, service)))
