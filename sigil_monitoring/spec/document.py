"""The whole spec document: ``apiVersion``, ``service``, ``metrics`` and the optional sections."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from .alerts import Alert
from .dashboard import Dashboard
from .routing import Routing
from .service import Metric, Service
from .slo import Slo
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

    # Where the spec came from, for error positions and generated headers (set by the loader).
    _source: Any = PrivateAttr(None)
    # Warnings found by the loader (semantic.warnings), as Diagnostics.
    _warnings: list[Any] = PrivateAttr(default_factory=list)

    @model_validator(mode="after")
    def _resolve_derived(self) -> Spec:
        """Derived catalog entries take their base's name, type, unit, labels and buckets.

        An unknown or derived base is left unresolved (type None) and reported, at its line, by
        ``semantic.check``; everything else treats an unresolved entry as already broken.
        """
        resolved = {}
        for key, metric in self.metrics.items():
            base = self.metrics.get(metric.from_) if metric.from_ is not None else None
            if base is not None and base.from_ is None:
                metric = base.model_copy(update={
                    "from_": metric.from_, "where": metric.where, "help": metric.help or base.help,
                    "unit": metric.unit if "unit" in metric.model_fields_set else base.unit,
                })
            resolved[key] = metric
        object.__setattr__(self, "metrics", resolved)
        return self
