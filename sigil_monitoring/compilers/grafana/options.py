"""Panel ``options`` and ``fieldConfig.defaults.custom`` of each visualization, fully spelled out.

Every option is written, not just the ones that differ from Grafana's defaults: a heatmap with
empty options is taken for the old Angular heatmap and migrated on load, and a complete object
validates against the panel's official schema (``<panel>.jsonschema.json#/definitions/Options``).
"""

from __future__ import annotations

from .base import GrafanaModel


class Legend(GrafanaModel, frozen=True, kw_only=True):
    display_mode: str = "list"  # list | table | hidden
    placement: str = "bottom"
    show_legend: bool = True
    calcs: tuple[str, ...] = ()


class Tooltip(GrafanaModel, frozen=True, kw_only=True):
    mode: str = "multi"  # single | multi | none
    sort: str = "desc"


class HideFrom(GrafanaModel, frozen=True, kw_only=True):
    legend: bool = False
    tooltip: bool = False
    viz: bool = False


class ScaleDistribution(GrafanaModel, frozen=True, kw_only=True):
    type: str = "linear"
    log: int | None = None


class ReduceOptions(GrafanaModel, frozen=True, kw_only=True):
    calcs: tuple[str, ...] = ("lastNotNull",)
    fields: str = ""
    values: bool = False


# --- time series -----------------------------------------------------------------------------


class TimeSeriesOptions(GrafanaModel, frozen=True, kw_only=True):
    legend: Legend
    tooltip: Tooltip = Tooltip()


class Stacking(GrafanaModel, frozen=True, kw_only=True):
    mode: str = "none"
    group: str = "A"


class ThresholdsStyle(GrafanaModel, frozen=True, kw_only=True):
    mode: str  # off | line | dashed | area | line+area | dashed+area


class GraphFieldConfig(GrafanaModel, frozen=True, kw_only=True):
    draw_style: str = "line"
    line_interpolation: str = "linear"
    line_width: int = 1
    fill_opacity: int = 10
    gradient_mode: str = "none"
    show_points: str = "never"
    point_size: int = 5
    span_nulls: bool = False
    insert_nulls: bool = False
    stacking: Stacking = Stacking()
    axis_placement: str = "auto"
    axis_label: str = ""
    axis_color_mode: str = "text"
    axis_border_show: bool = False
    axis_centered_zero: bool = False
    axis_soft_min: float | int | None = None
    scale_distribution: ScaleDistribution = ScaleDistribution()
    bar_alignment: int = 0
    hide_from: HideFrom = HideFrom()
    thresholds_style: ThresholdsStyle = ThresholdsStyle(mode="off")


# --- heatmap (Grafana 9+) ----------------------------------------------------------------------


class HeatmapColor(GrafanaModel, frozen=True, kw_only=True):
    mode: str = "scheme"
    scheme: str = "Oranges"
    fill: str = "dark-orange"
    scale: str = "exponential"
    exponent: float = 0.5
    steps: int = 64
    reverse: bool = False


class HeatmapYAxis(GrafanaModel, frozen=True, kw_only=True):
    unit: str
    axis_placement: str = "left"
    reverse: bool = False


class HeatmapTooltip(GrafanaModel, frozen=True, kw_only=True):
    mode: str = "single"
    y_histogram: bool = True
    show_color_scale: bool = False


class HeatmapLegend(GrafanaModel, frozen=True, kw_only=True):
    show: bool = True


class Exemplars(GrafanaModel, frozen=True, kw_only=True):
    color: str = "rgba(255,0,255,0.7)"


class RowsFrame(GrafanaModel, frozen=True, kw_only=True):
    layout: str = "auto"


class FilterValues(GrafanaModel, frozen=True, kw_only=True):
    le: float = 1e-9


class CellValues(GrafanaModel, frozen=True, kw_only=True):
    unit: str | None = None


class HeatmapOptions(GrafanaModel, frozen=True, kw_only=True):
    # Prometheus already buckets the data (format "heatmap"): Grafana must not bucket it again.
    calculate: bool = False
    cell_gap: int = 1
    cell_values: CellValues = CellValues()
    color: HeatmapColor = HeatmapColor()
    exemplars: Exemplars = Exemplars()
    filter_values: FilterValues = FilterValues()
    legend: HeatmapLegend = HeatmapLegend()
    rows_frame: RowsFrame = RowsFrame()
    selection_mode: str = "x"
    show_value: str = "never"
    tooltip: HeatmapTooltip = HeatmapTooltip()
    y_axis: HeatmapYAxis


class HeatmapFieldConfig(GrafanaModel, frozen=True, kw_only=True):
    hide_from: HideFrom = HideFrom()
    scale_distribution: ScaleDistribution = ScaleDistribution()


# --- state timeline --------------------------------------------------------------------------


class StateTimelineOptions(GrafanaModel, frozen=True, kw_only=True):
    show_value: str = "auto"
    row_height: float = 0.9
    merge_values: bool = True
    align_value: str = "left"
    legend: Legend = Legend()
    tooltip: Tooltip = Tooltip(mode="single", sort="none")


class StateTimelineFieldConfig(GrafanaModel, frozen=True, kw_only=True):
    line_width: int = 0
    fill_opacity: int = 70
    span_nulls: bool = False
    insert_nulls: bool = False
    hide_from: HideFrom = HideFrom()


# --- stat, gauge, bar gauge, text ------------------------------------------------------------


class StatOptions(GrafanaModel, frozen=True, kw_only=True):
    graph_mode: str = "area"
    color_mode: str = "value"
    justify_mode: str = "auto"
    text_mode: str = "auto"
    wide_layout: bool = True
    show_percent_change: bool = False
    percent_change_color_mode: str = "standard"
    orientation: str = "auto"
    reduce_options: ReduceOptions = ReduceOptions()


class GaugeOptions(GrafanaModel, frozen=True, kw_only=True):
    show_threshold_labels: bool = False
    show_threshold_markers: bool = True
    sizing: str = "auto"
    min_viz_width: int = 75
    min_viz_height: int = 75
    orientation: str = "auto"
    reduce_options: ReduceOptions = ReduceOptions()


class BarGaugeOptions(GrafanaModel, frozen=True, kw_only=True):
    """Bucket counts side by side: the distribution of a histogram over the dashboard's range."""

    display_mode: str = "gradient"
    orientation: str = "vertical"
    value_mode: str = "color"
    name_placement: str = "auto"
    show_unfilled: bool = True
    sizing: str = "auto"
    min_viz_width: int = 8
    min_viz_height: int = 16
    max_viz_height: int = 300
    legend: Legend = Legend(show_legend=False)
    reduce_options: ReduceOptions = ReduceOptions()


class CodeOptions(GrafanaModel, frozen=True, kw_only=True):
    language: str = "plaintext"
    show_line_numbers: bool = False
    show_mini_map: bool = False


class TextOptions(GrafanaModel, frozen=True, kw_only=True):
    mode: str = "markdown"
    content: str
    code: CodeOptions = CodeOptions()
