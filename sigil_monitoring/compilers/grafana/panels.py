"""One ir ``Panel`` -> one Grafana panel, by kind; ids, positions and titles come from the ir as is.

The ir decided where each panel stands and which alerts it shows (alerts link to panel ids), so
builders here only choose the visualization, its queries and its options.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache, lru_cache

from ... import defaults
from ...ir.dashboard import (
    GaugePanel,
    Panel,
    PercentilesPanel,
    PromqlPanel,
    RatePanel,
    StatPanel,
)
from ...ir.dashboard import Limits as IrLimits
from ...ir.model import Metric, Series
from ...values.units import format_decimal
from . import describe, options, queries
from .base import GrafanaModel
from .context import (
    DATASOURCE,
    PALETTE_COLORS,
    THRESHOLD_COLORS,
    UNITS,
    Context,
    ThresholdRules,
    alert_thresholds,
    plain_thresholds,
    rule_thresholds,
    threshold_rules,
)
from .model import FieldConfig, FieldDefaults, GridPos, MappingResult, Target, Thresholds, ValueMap
from .model import Panel as GPanel

Limits = tuple[float | int | None, float | int | None]  # axis (min, max); None: from the data


def unit_of(metric: Metric) -> str:
    return UNITS.get(metric.unit, "short")


def ref_id(i: int) -> str:
    return chr(ord("A") + i) if i < 26 else f"Q{i}"


def target(
    i: int,
    expr: str,
    legend: str | None = None,
    *,
    format: str | None = None,  # Target's field
    instant: bool | None = None,
    range: bool | None = None,
    interval: str | None = None,
) -> Target:
    return Target(
        ref_id=ref_id(i),
        expr=expr,
        datasource=DATASOURCE,
        legend_format=legend,
        format=format,
        instant=instant,
        range=range,
        interval=interval,
    )


def legend_of(series: Series, fallback: str) -> str:
    return " ".join("{{" + label + "}}" for label in series.by) or fallback


def base(
    ctx: Context,
    panel: Panel,
    kind: str,
    meaning: str,
    action: str = "",
    *,
    targets: tuple[Target, ...] = (),
    options: GrafanaModel | None = None,
    field_config: FieldConfig | None = None,
) -> GPanel:
    """A panel at the ir's position with description, runbook links and the datasource variable
    (no ``options``: an empty object; no ``field_config``: empty defaults)."""
    return GPanel(
        id=panel.id,
        type=kind,
        title=panel.title,
        grid_pos=GridPos(h=panel.h, w=panel.w, x=panel.x, y=panel.y),
        description=describe.description(ctx, panel, meaning, action),
        links=describe.links(ctx, panel),
        datasource=DATASOURCE if kind != "text" else None,
        targets=targets,
        options=options if options is not None else {},
        field_config=field_config if field_config is not None else FieldConfig(defaults=FieldDefaults()),
    )


def _field_config(
    unit: str,
    thresholds: Thresholds | None = None,
    custom: GrafanaModel | None = None,
    mappings: tuple[ValueMap, ...] = (),
    limits: Limits | None = None,
) -> FieldConfig:
    """Field defaults of panels coloured by thresholds (stat, gauge, bar gauge, state timeline).

    ``limits`` is the (min, max) of the axis; without it Grafana scales to the data (None fields
    are left out of the JSON).
    """
    low, high = limits if limits is not None else (None, None)
    return FieldConfig(
        defaults=FieldDefaults(
            unit=unit,
            color=THRESHOLD_COLORS,
            thresholds=thresholds or plain_thresholds(),
            custom=custom if custom is not None else {},
            mappings=mappings,
            min=low,
            max=high,
        )
    )


def _graph(ctx: Context, panel: Panel, unit: str, limits: Limits | None = None, bars: int | None = None) -> FieldConfig:
    """Time series field config; alert thresholds are drawn as lines in their severity colour.

    ``bars``: the panel draws counts per that many seconds as bars, so a per-second alert threshold
    is drawn at its count per bar."""
    rules = threshold_rules(ctx, panel.thresholds, panel.alerts, bars or 1) if panel.thresholds else None
    low, high = limits if limits is not None else (None, None)
    return _graph_config(unit, low, high, (type(low), type(high)), bars is not None, rules)


# Many time series panels share one field config (same unit, limits and alert rules): built once,
# converted to JSON once. ``types``: equal limits may differ in JSON (1 == 1.0), the key tells them apart.
# Bounded, as ``context.rule_thresholds``: units, limits and rules vary from spec to spec.
@lru_cache(maxsize=1024)
def _graph_config(
    unit: str,
    low: float | int | None,
    high: float | int | None,
    types: tuple[type, type],
    bars: bool,
    rules: ThresholdRules | None,
) -> FieldConfig:
    return FieldConfig(
        defaults=FieldDefaults(
            unit=unit,
            color=PALETTE_COLORS,
            min=low,
            max=high,
            thresholds=rule_thresholds(rules) if rules is not None else plain_thresholds(),
            custom=_graph_custom(rules is not None, bars),
        )
    )


# The options every panel of a kind shares, built once: GrafanaModel.to_json converts a shared
# object once (2,000 time series panels of 1,000 SLOs have three distinct field configs).
@cache
def _graph_custom(drawn: bool, bars: bool) -> options.GraphFieldConfig:
    style = options.ThresholdsStyle(mode="line" if drawn else "off")
    if bars:
        return options.GraphFieldConfig(thresholds_style=style, draw_style="bars", fill_opacity=80)
    return options.GraphFieldConfig(thresholds_style=style)


@cache
def timeseries_options(calcs: tuple[str, ...]) -> options.TimeSeriesOptions:
    """A time series panel's options: a table legend of ``calcs``."""
    return options.TimeSeriesOptions(legend=options.Legend(display_mode="table", calcs=calcs))


STAT_OPTIONS = options.StatOptions()


def _timeseries(
    ctx: Context,
    panel: Panel,
    targets: tuple[Target, ...],
    unit: str,
    meaning: str,
    action: str,
    calcs: tuple[str, ...] = ("mean", "max", "lastNotNull"),
    limits: Limits | None = None,
    bars: int | None = None,
) -> GPanel:
    return base(
        ctx,
        panel,
        "timeseries",
        meaning,
        action,
        targets=targets,
        options=timeseries_options(calcs),
        field_config=_graph(ctx, panel, unit, limits, bars),
    )


def heatmap(ctx: Context, panel: Panel, series: Series) -> GPanel:
    extra = queries.variable_matchers(series, ctx.variables)
    unit = unit_of(series.metric)
    meaning = (
        f"How many {series.shown} observations fall in each bucket per second, over time. {series.metric.help}".strip()
    )
    action = "A new band higher up is a new slow mode: compare with the percentiles panel beside it."
    tgt = target(0, queries.heatmap(series, extra), "{{le}}", format="heatmap")
    if ctx.legacy:
        from .legacy import legacy_heatmap

        return legacy_heatmap(base(ctx, panel, "heatmap", meaning, action, targets=(tgt,)), unit)
    return base(
        ctx,
        panel,
        "heatmap",
        meaning,
        action,
        targets=(tgt,),
        options=options.HeatmapOptions(
            y_axis=options.HeatmapYAxis(unit=unit), cell_values=options.CellValues(unit="short")
        ),
        field_config=FieldConfig(defaults=FieldDefaults(custom=options.HeatmapFieldConfig())),
    )


def percentiles(ctx: Context, panel: Panel, shown: PercentilesPanel) -> GPanel:
    series = shown.series
    extra = queries.variable_matchers(series, ctx.variables)
    quantiles = shown.quantiles or defaults.DEFAULT_QUANTILES
    targets = tuple(
        target(i, queries.quantile(series, q, extra), f"p{format_decimal(q * 100)} {legend_of(series, '')}".strip())
        for i, q in enumerate(quantiles)
    )
    qs = "/".join(f"p{format_decimal(q * 100)}" for q in quantiles)
    meaning = f"{qs} of {series.shown} over {queries.RATE_WINDOW} windows. {series.metric.help}".strip()
    # The threshold line is there only when an alert on these quantiles links to the panel.
    crossed = "crosses the threshold line" if panel.thresholds else "climbs"
    action = f"If the top line {crossed}, check the heatmap for a new slow mode and the dependencies below."
    return _timeseries(ctx, panel, targets, unit_of(series.metric), meaning, action)


def histogram(ctx: Context, panel: Panel, series: Series) -> GPanel:
    extra = queries.variable_matchers(series, ctx.variables)
    meaning = (
        f"Distribution of {series.shown}: observations per bucket over the selected time range "
        f"(bars labelled by upper bound le). {series.metric.help}"
    ).strip()
    tgt = target(0, queries.distribution(series, extra), "{{le}}", format="heatmap", instant=True, range=False)
    return base(
        ctx,
        panel,
        "bargauge",
        meaning,
        "A shift of the bars towards low buckets means weaker values.",
        targets=(tgt,),
        options=options.BarGaugeOptions(),
        field_config=_field_config("short"),
    )


def rate(ctx: Context, panel: Panel, shown: RatePanel) -> GPanel:
    series, per = shown.series, shown.per
    extra = queries.variable_matchers(series, ctx.variables)
    legend = legend_of(series, series.metric.name)
    by = f", split by {', '.join(series.by)}" if series.by else ""
    if per is None:
        meaning = f"Per-second rate of {series.events_shown}{by}. {series.metric.help}".strip()
        return _timeseries(
            ctx,
            panel,
            (target(0, queries.rate(series, extra), legend),),
            "ops",
            meaning,
            "A step change usually follows a deploy or a dependency failure.",
        )
    # One bar per window: the query's step is the window itself (Target.interval is Grafana's
    # minimum step), so every bar counts the events of one whole window, not a moving sum.
    # "Encodes per 1h", but a metric name as it is: "kube_pod_..._total{...} per 1h".
    events = series.events_shown
    shown_events = events if "_" in events.split(" ", 1)[0] else events[:1].upper() + events[1:]
    meaning = f"{shown_events} per {per}{by}, one bar per {per}. {series.metric.help}".strip()
    return _timeseries(
        ctx,
        panel,
        (target(0, queries.increase(series, extra, per), legend, interval=str(per)),),
        "short",
        meaning,
        f"Each bar counts one {per}: a bar above its neighbours is a burst, an empty one a {per} without any "
        f"(for work due every {per}: it stopped).",
        calcs=("sum", "max", "lastNotNull"),
        bars=per.seconds,
    )


def error_ratio(ctx: Context, panel: Panel, bad: Series, total: Series) -> GPanel:
    expr = queries.ratio(
        bad, total, queries.variable_matchers(bad, ctx.variables), queries.variable_matchers(total, ctx.variables)
    )
    legend = " ".join("{{" + label + "}}" for label in bad.by if label in total.by) or "ratio"
    meaning = f"Share of {total.events_shown} that is {bad.events_shown} (0 to 100 %)."
    return _timeseries(
        ctx,
        panel,
        (target(0, expr, legend),),
        "percentunit",
        meaning,
        "Compare with the rate panel: a rising ratio at a steady rate is a real failure, not load.",
    )


def state_color(name: str, alerted: frozenset[str] = frozenset()) -> str:
    """A state's colour: red for one an alert fires on (``alerted``) or named as broken, green for
    one named as healthy, yellow for the rest.

    >>> state_color("alarm"), state_color("alarm", frozenset({"alarm"})), state_color("open")
    ('yellow', 'red', 'red')
    """
    if name in alerted:
        kind = "broken"
    else:
        kind = "healthy" if name in defaults.HEALTHY_STATES else "broken" if name in defaults.BROKEN_STATES else "other"
    return defaults.STATE_COLORS[kind]


def states_of(metric: Metric) -> tuple[tuple[int, str], ...]:
    """The metric's states; a gauge named ``*_up`` reads 1 as up and 0 as down."""
    if metric.states:
        return metric.states
    if metric.name == "up" or metric.name.endswith("_up"):
        return ((0, "down"), (1, "up"))
    return ()


def mappings(metric: Metric, alerted: frozenset[str] = frozenset()) -> tuple[ValueMap, ...]:
    """Each state as its name and colour (``alerted``: the states an alert fires on, drawn red)."""
    states = states_of(metric)
    if not states:
        return ()
    colours = {v: state_color(n, alerted) for v, n in states}
    return (
        ValueMap(options={str(v): MappingResult(text=n, color=colours[v], index=i) for i, (v, n) in enumerate(states)}),
    )


def timeline(ctx: Context, panel: Panel, series: Series) -> GPanel:
    tgt = target(
        0, queries.value(series, queries.variable_matchers(series, ctx.variables)), legend_of(series, "{{instance}}")
    )
    states = states_of(series.metric)
    names = ", ".join(f"{v} = {n}" for v, n in states)
    meaning = f"State of {series.shown} over time ({names}). {series.metric.help}".strip()
    alerted = ctx.alerted_states(series.metric.name)
    # Red only where some state is drawn red (alerted or named as broken): not for {idle, busy}.
    red = any(state_color(n, alerted) == defaults.STATE_COLORS["broken"] for _, n in states)
    flapping = "a row that changes colour often is flapping."
    return base(
        ctx,
        panel,
        "state-timeline",
        meaning,
        f"Red spans show how long it was in a broken state; {flapping}" if red else flapping.capitalize(),
        targets=(tgt,),
        options=options.StateTimelineOptions(),
        field_config=_field_config(
            "short", custom=options.StateTimelineFieldConfig(), mappings=mappings(series.metric, alerted)
        ),
    )


def _limits(limits: IrLimits, unit: str) -> Limits | None:
    """The spec's min/max; a share or a ratio spans 0..100 % unless the spec says otherwise."""
    low, high = limits
    if unit == "percentunit":
        low = Decimal(0) if low is None else low
        high = Decimal(1) if high is None else high
    if (low, high) == (None, None):
        return None
    return (_number(low), _number(high))


def _number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral() else float(value)


def single_value(ctx: Context, panel: Panel, shown: StatPanel | GaugePanel) -> GPanel:
    """``stat`` and ``gauge``: the last value (or share of another gauge), coloured by the alert thresholds it shows."""
    series = shown.series
    kind = "stat" if isinstance(shown, StatPanel) else "gauge"  # the Grafana panel type
    extra = queries.variable_matchers(series, ctx.variables)
    if shown.of is not None:
        whole = shown.of
        expr = queries.share(series, whole, extra, queries.variable_matchers(whole, ctx.variables))
        unit = "percentunit"
        meaning = f"{series.shown} as a share of {whole.shown} (0 to 100 %). {series.metric.help}".strip()
    else:
        expr = queries.value(series, extra)
        unit = "ops" if series.metric.type == "counter" else unit_of(series.metric)
        meaning = f"Current value of {series.shown}. {series.metric.help}".strip()
    tgt = target(0, expr, legend_of(series, "{{instance}}"))
    thresholds = alert_thresholds(ctx, panel.thresholds, panel.alerts) if panel.thresholds else None
    opts = STAT_OPTIONS if isinstance(shown, StatPanel) else options.GaugeOptions()
    limits = _limits(shown.limits, unit)
    action = "Orange or red means an alert on this value fires or is about to." if thresholds else ""
    return base(
        ctx,
        panel,
        kind,
        meaning,
        action,
        targets=(tgt,),
        options=opts,
        field_config=_field_config(
            unit, thresholds, mappings=mappings(series.metric, ctx.alerted_states(series.metric.name)), limits=limits
        ),
    )


def raw_promql(ctx: Context, panel: Panel, shown: PromqlPanel) -> GPanel:
    """A panel of the spec's own PromQL: a time series with alert threshold lines, or a stat."""
    unit = UNITS.get(shown.unit, "short")
    tgt = target(0, queries.check(shown.promql.strip()), shown.legend or "__auto")
    meaning = f"`{shown.promql.strip()}`"
    if shown.display == "stat":
        thresholds = alert_thresholds(ctx, panel.thresholds, panel.alerts) if panel.thresholds else None
        return base(
            ctx,
            panel,
            "stat",
            meaning,
            "",
            targets=(tgt,),
            options=STAT_OPTIONS,
            field_config=_field_config(unit, thresholds, limits=_limits(shown.limits, unit)),
        )
    return _timeseries(ctx, panel, (tgt,), unit, meaning, "", limits=_limits(shown.limits, unit))


def text(ctx: Context, panel: Panel, content: str) -> GPanel:
    return base(ctx, panel, "text", "", options=options.TextOptions(content=content))
