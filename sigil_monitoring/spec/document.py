"""The whole spec document: ``apiVersion``, ``service``, ``metrics`` and the optional sections."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from . import rules
from .alerts import Alert
from .dashboard import Dashboard
from .routing import Routing
from .service import Metric, Service
from .slo import Slo
from .targets import Targets
from .types import AlertName, LogicalName, SloName, SpecModel


class Spec(SpecModel):
    """One service's monitoring spec (``apiVersion: sigil-monitoring/v1``)."""

    api_version: Literal["sigil-monitoring/v1"] = Field(alias="apiVersion")
    service: Service
    metrics: dict[LogicalName, Metric] = Field(min_length=1, description="Catalog: logical name -> scraped metric.")
    slos: dict[SloName, Slo] = Field(default_factory=dict)
    alerts: dict[AlertName, Alert] = Field(default_factory=dict)
    dashboard: Dashboard = Field(default_factory=Dashboard)
    routing: Routing | None = None
    targets: Targets = Field(
        default_factory=Targets,
        description="Outputs to compile and engine options (default: prometheus, grafana, alertmanager, runbook).",
    )

    # Where the spec came from, for error positions and generated headers (set by the loader).
    _source: Any = PrivateAttr(None)
    # Warnings found by the loader (semantic.warnings), as Diagnostics.
    _warnings: list[Any] = PrivateAttr(default_factory=list)

    _resolve_derived = model_validator(mode="after")(rules.resolve_derived)
