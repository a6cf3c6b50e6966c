"""Typed objects of the ``dashboard.grafana.app/v2`` resource (dashboardv2.jsonschema.json).

Every v2 object is a ``{kind, spec}`` pair; ``Kind`` builds them so the kinds read as in the
schema. Panel ``options`` and ``fieldConfig`` are the classic ones, unchanged.
"""

from __future__ import annotations

from typing import Any

import msgspec

from .base import GrafanaModel
from .model import Link


class Kind(GrafanaModel, frozen=True, kw_only=True):
    kind: str
    spec: GrafanaModel | dict[str, Any] | None


class DataQuery(GrafanaModel, frozen=True, kw_only=True):
    kind: str = "DataQuery"
    group: str = "prometheus"
    version: str = "v0"
    datasource: dict[str, str] = msgspec.field(default_factory=lambda: {"name": "${datasource}"})
    spec: dict[str, Any]


class VersionedKind(GrafanaModel, frozen=True, kw_only=True):
    kind: str
    group: str
    version: str = ""
    spec: GrafanaModel | dict[str, Any]


class PanelQuerySpec(GrafanaModel, frozen=True, kw_only=True):
    query: DataQuery
    ref_id: str
    hidden: bool = False


class QueryGroupSpec(GrafanaModel, frozen=True, kw_only=True):
    queries: tuple[Kind, ...]
    transformations: tuple[Kind, ...] = ()
    query_options: dict[str, Any] = msgspec.field(default_factory=dict)


class DataLink(GrafanaModel, frozen=True, kw_only=True):
    title: str
    url: str
    target_blank: bool = True


class PanelSpec(GrafanaModel, frozen=True, kw_only=True):
    id: int
    title: str
    description: str
    links: tuple[DataLink, ...]
    data: Kind
    viz_config: VersionedKind


class GridItemSpec(GrafanaModel, frozen=True, kw_only=True):
    x: int
    y: int
    width: int
    height: int
    element: dict[str, str]


class RowSpec(GrafanaModel, frozen=True, kw_only=True):
    title: str
    collapse: bool
    layout: Kind


class AnnotationSpec(GrafanaModel, frozen=True, kw_only=True):
    name: str
    query: DataQuery
    enable: bool = True
    hide: bool = False
    icon_color: str
    built_in: bool | None = None


class TimeSettings(GrafanaModel, frozen=True, kw_only=True):
    timezone: str = "browser"
    from_: str
    to: str = "now"
    auto_refresh: str
    auto_refresh_intervals: tuple[str, ...] = ("5s", "10s", "30s", "1m", "5m", "15m", "30m", "1h", "2h", "1d")
    hide_timepicker: bool = False
    fiscal_year_start_month: int = 0


class DashboardSpec(GrafanaModel, frozen=True, kw_only=True):
    title: str
    description: str
    tags: tuple[str, ...]
    cursor_sync: str = "Crosshair"
    editable: bool = True
    preload: bool = False
    live_now: bool = False
    elements: dict[str, Kind]
    layout: Kind
    variables: tuple[Kind, ...]
    annotations: tuple[Kind, ...]
    links: tuple[Link, ...]
    time_settings: TimeSettings


class Resource(GrafanaModel, frozen=True, kw_only=True):
    api_version: str = "dashboard.grafana.app/v2"
    kind: str = "Dashboard"
    metadata: dict[str, str]
    spec: DashboardSpec
