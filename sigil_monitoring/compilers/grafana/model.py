"""Typed Grafana classic-dashboard objects: Python names in snake_case, the wire format in camelCase.

Only what the compiler emits is modelled. ``None`` fields are left out of the JSON, except where
Grafana needs an explicit ``null`` (the first threshold step, see ``Threshold``).
Field names follow the official JSON Schema (grafana-foundation-sdk, dashboard.jsonschema.json).
Plain typed records (``base.GrafanaModel``): nothing validates them when they are built.
"""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

from .base import GrafanaModel


class DatasourceRef(GrafanaModel, frozen=True, kw_only=True):
    type: str
    uid: str


class GridPos(GrafanaModel, frozen=True, kw_only=True):
    h: int
    w: int
    x: int
    y: int


class Threshold(GrafanaModel, frozen=True, kw_only=True):
    # The first step stands for -Infinity and must carry an explicit null: the schema requires
    # the key, and Grafana reads a missing value as 0.
    keep_none: ClassVar[frozenset[str]] = frozenset({"value"})
    color: str
    value: float | int | None = None


class Thresholds(GrafanaModel, frozen=True, kw_only=True):
    mode: str = "absolute"
    steps: tuple[Threshold, ...]


class MappingResult(GrafanaModel, frozen=True, kw_only=True):
    text: str
    color: str
    index: int


class ValueMap(GrafanaModel, frozen=True, kw_only=True):
    type: str = "value"
    options: dict[str, MappingResult]


class FieldColor(GrafanaModel, frozen=True, kw_only=True):
    mode: str
    fixed_color: str | None = None


class Link(GrafanaModel, frozen=True, kw_only=True):
    """A dashboard or panel link; the schema wants every key even for plain URL links."""

    title: str
    type: str = "link"
    url: str | None = None
    icon: str = "external link"
    tooltip: str = ""
    tags: tuple[str, ...] = ()
    as_dropdown: bool = False
    target_blank: bool = True
    include_vars: bool = False
    keep_time: bool = False


class FieldDefaults(GrafanaModel, frozen=True, kw_only=True):
    unit: str | None = None
    min: float | int | None = None
    max: float | int | None = None
    decimals: int | None = None
    color: FieldColor | None = None
    thresholds: Thresholds | None = None
    mappings: tuple[ValueMap, ...] = ()
    custom: GrafanaModel | dict[str, Any] = msgspec.field(default_factory=dict)


class FieldConfig(GrafanaModel, frozen=True, kw_only=True):
    defaults: FieldDefaults
    overrides: tuple[dict[str, Any], ...] = ()


class Target(GrafanaModel, frozen=True, kw_only=True):
    """A Prometheus query of a panel (prometheus.jsonschema.json, ``Dataquery``)."""

    ref_id: str
    expr: str
    datasource: DatasourceRef
    legend_format: str | None = None
    format: str | None = None  # time_series (default) | table | heatmap
    instant: bool | None = None
    range: bool | None = None
    interval: str | None = None
    editor_mode: str = "code"


class Panel(GrafanaModel, frozen=True, kw_only=True):
    id: int
    type: str
    title: str
    description: str
    grid_pos: GridPos
    datasource: DatasourceRef | None = None
    targets: tuple[Target, ...] = ()
    links: tuple[Link, ...] = ()
    options: GrafanaModel | dict[str, Any] = msgspec.field(default_factory=dict)
    field_config: FieldConfig = msgspec.field(default_factory=lambda: FieldConfig(defaults=FieldDefaults()))
    plugin_version: str | None = None


class RowPanel(GrafanaModel, frozen=True, kw_only=True):
    id: int
    type: str = "row"
    title: str
    collapsed: bool
    grid_pos: GridPos
    panels: tuple[Panel, ...] = ()


class VariableOption(GrafanaModel, frozen=True, kw_only=True):
    text: str | tuple[str, ...]
    value: str | tuple[str, ...]
    selected: bool | None = None


class Variable(GrafanaModel, frozen=True, kw_only=True):
    type: str  # datasource | query
    name: str
    label: str
    query: str | dict[str, Any]
    current: VariableOption | None = None
    datasource: DatasourceRef | None = None
    definition: str | None = None
    description: str | None = None
    hide: int = 0
    refresh: int = 1  # 1: on dashboard load, 2: on time range change
    regex: str = ""
    sort: int | None = None
    multi: bool = False
    include_all: bool = False
    all_value: str | None = None
    options: tuple[VariableOption, ...] = ()
    skip_url_sync: bool = False


class Annotation(GrafanaModel, frozen=True, kw_only=True):
    name: str
    datasource: DatasourceRef
    enable: bool = True
    hide: bool = False
    icon_color: str
    built_in: int | None = None
    type: str | None = None
    target: dict[str, Any] | None = None
    expr: str | None = None
    step: str | None = None
    title_format: str | None = None
    text_format: str | None = None
    tag_keys: str | None = None
    use_value_for_time: bool | None = None


class TimeRange(GrafanaModel, frozen=True, kw_only=True):
    from_: str
    to: str = "now"


class Dashboard(GrafanaModel, frozen=True, kw_only=True):
    uid: str
    title: str
    description: str
    tags: tuple[str, ...]
    timezone: str = "browser"
    editable: bool = True
    graph_tooltip: int = 1  # shared crosshair: one cursor across the time series of an incident
    time: TimeRange
    refresh: str
    schema_version: int
    panels: tuple[Panel | RowPanel, ...]
    templating: dict[str, tuple[Variable, ...]]
    annotations: dict[str, tuple[Annotation, ...]]
    links: tuple[Link, ...]
    fiscal_year_start_month: int = 0
    live_now: bool = False
    week_start: str = ""
