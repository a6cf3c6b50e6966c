"""The whole spec document: ``apiVersion``, ``service``, ``metrics`` and the optional sections."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from msgspec import field

from . import rules
from .alerts import Alert
from .dashboard import Dashboard
from .routing import Routing
from .service import Metric, Service
from .slo import Slo
from .struct import ModelRules, SpecStruct
from .targets import TARGETS_DESCRIPTION, Targets

if TYPE_CHECKING:
    from pydantic import Field

    from ..errors import Diagnostic
    from .source import Source
    from .types import AlertName, LogicalName, SloName


class Spec(SpecStruct, frozen=True, kw_only=True):
    """One service's monitoring spec (``apiVersion: sigil-monitoring/v1``)."""

    api_version: Literal["sigil-monitoring/v1"] = field(name="apiVersion")
    service: Service
    metrics: Annotated[
        dict[LogicalName, Metric], Field(min_length=1, description="Catalog: logical name -> scraped metric.")
    ]
    slos: dict[SloName, Slo] = field(default_factory=dict)
    alerts: dict[AlertName, Alert] = field(default_factory=dict)
    dashboard: Dashboard = field(default_factory=Dashboard)
    routing: Routing | None = None
    targets: Annotated[
        Targets,
        Field(
            description=TARGETS_DESCRIPTION,
        ),
    ] = field(default_factory=Targets)

    model_rules: ClassVar[ModelRules] = (rules.resolve_derived,)

    # Where the spec came from, for error positions and generated headers, and the warnings found
    # while loading it (hints.warnings, as Diagnostics): set by the loader (``loaded``), kept in
    # the struct's __dict__ beside the fields, so they take no part in equality.
    _source: ClassVar[Any] = None  # a Source once loaded
    _warnings: ClassVar[list[Diagnostic]] = []

    @property
    def enabled_alerts(self) -> dict[str, Alert]:
        """The threshold alerts that are compiled: those not ``enabled: false``."""
        return {name: alert for name, alert in self.alerts.items() if alert.enabled}

    @property
    def disabled_alert_names(self) -> tuple[str, ...]:
        """Every alert the spec names but turns off: threshold alerts and SLO burn tiers with
        ``enabled: false`` (what ``diff`` reports as disabled rather than just removed)."""
        from ..conventions import slo_alert_name

        tiers = (
            slo_alert_name(name, tier)
            for name, slo in self.slos.items()
            for tier in ("page", "ticket")
            if not getattr(slo.alerting, tier).enabled
        )
        return (*(name for name, alert in self.alerts.items() if not alert.enabled), *tiers)

    def loaded(self, source: Source, warnings: list[Diagnostic]) -> Spec:
        """This spec, remembering where it came from and what the loader warned about."""
        self.__dict__.update(_source=source, _warnings=warnings)
        return self


__all__ = ["Spec"]
