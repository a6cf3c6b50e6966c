"""The ``targets`` section: which outputs a spec compiles to, and each engine's options.

Absent, a spec compiles to the default outputs (Prometheus rules, Grafana dashboards,
Alertmanager, runbook). Present, each key names one target; ``{}`` or an empty value takes the
target's defaults. ``compile --target`` overrides the section's choice, never its options.

>>> t = Targets.model_validate({"kubernetes": {"namespace": "obs"}, "victoriametrics": None})
>>> t.chosen(), t.kubernetes.namespace
(('kubernetes', 'victoriametrics'), 'obs')
>>> Targets().kubernetes.namespace  # options default even for a target named only on the CLI
'monitoring'
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from . import checks
from .behaviour import TargetsBehaviour
from .types import Labels, SpecModel

# Kubernetes object names and namespaces are DNS-1123 labels
# (https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names).
_K8sName = Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
# Mimir tenant ids: letters, digits and ``!-_.*'()``, at most 150 characters
# (https://grafana.com/docs/mimir/latest/configure/about-tenant-ids/); we keep to a safe subset.
_Tenant = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,150}$")]
Strategy = Literal["warn", "abort"]


class Prometheus(SpecModel):
    """Plain Prometheus rule files and promtool tests (``<service>/prometheus/``)."""


class Grafana(SpecModel):
    """Dashboards and their provisioning file."""


class Alertmanager(SpecModel):
    """One ``alertmanager.yml`` for every routed service."""


class Runbook(SpecModel):
    """``<service>/runbook.md``."""


class Kubernetes(SpecModel):
    """Prometheus Operator objects: a PrometheusRule per service, optionally an AlertmanagerConfig."""

    namespace: _K8sName = Field("monitoring", description="Namespace of the generated objects.")
    labels: Labels = Field(
        default_factory=dict,
        description="Labels on every object, for the operator's ruleSelector / alertmanagerConfigSelector.",
    )
    alertmanager_config: bool = Field(
        False, description="Also write an AlertmanagerConfig (monitoring.coreos.com/v1alpha1) from the routing section."
    )
    secret: _K8sName | None = Field(
        None,
        description="Secret holding the receivers' credentials (default: <service>-alertmanager); keys are the secret files' base names.",
    )


class Mimir(SpecModel):
    """Grafana Mimir / Cortex ruler files, in the format ``mimirtool rules load`` reads."""

    tenant: _Tenant = Field(
        "anonymous",
        description="Tenant (X-Scope-OrgID) the rules are loaded into; 'anonymous' when multi-tenancy is off.",
    )
    namespace: _K8sName | None = Field(None, description="Ruler namespace (default: the service name).")
    source_tenants: list[_Tenant] = Field(
        default_factory=list, description="Tenants the rules query (federated rule groups; needs tenant federation on)."
    )


class Thanos(SpecModel):
    """Thanos Ruler rule files."""

    partial_response_strategy: Strategy | dict[str, Strategy] | None = Field(
        None,
        description="warn or abort for every group, or a mapping from group concern (recording, alerts, slo-<name>) to it.",
    )


class VictoriaMetrics(SpecModel):
    """vmalert rule files (VictoriaMetrics 1.79)."""


class GrafanaAlerting(SpecModel):
    """Grafana-managed alert rules, contact points and notification policies (provisioning files)."""

    datasource_uid: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")] = Field(
        "prometheus", description="UID of the Prometheus data source the rules query."
    )
    folder: str | None = Field(
        None, description="Folder (title) of the rule groups (default: service.links.folder, else sigil-monitoring)."
    )
    interval: Annotated[str, Field(pattern=r"^[1-9][0-9]*(0s|m|h)$")] = Field(
        "1m", description="Evaluation interval of the rule groups (a multiple of 10s)."
    )
    root_contact_point: str = Field(
        "grafana-default-email",
        description="Contact point of the root notification policy (alerts no service route takes).",
    )


class Targets(TargetsBehaviour, SpecModel):
    """Outputs to compile; each key present turns its target on."""

    prometheus: Annotated[
        Prometheus, BeforeValidator(checks.empty_is_default, json_schema_input_type=Prometheus | None)
    ] = Field(default_factory=Prometheus)
    grafana: Annotated[Grafana, BeforeValidator(checks.empty_is_default, json_schema_input_type=Grafana | None)] = (
        Field(default_factory=Grafana)
    )
    alertmanager: Annotated[
        Alertmanager, BeforeValidator(checks.empty_is_default, json_schema_input_type=Alertmanager | None)
    ] = Field(default_factory=Alertmanager)
    runbook: Annotated[Runbook, BeforeValidator(checks.empty_is_default, json_schema_input_type=Runbook | None)] = (
        Field(default_factory=Runbook)
    )
    kubernetes: Annotated[
        Kubernetes, BeforeValidator(checks.empty_is_default, json_schema_input_type=Kubernetes | None)
    ] = Field(default_factory=Kubernetes)
    mimir: Annotated[Mimir, BeforeValidator(checks.empty_is_default, json_schema_input_type=Mimir | None)] = Field(
        default_factory=Mimir
    )
    thanos: Annotated[Thanos, BeforeValidator(checks.empty_is_default, json_schema_input_type=Thanos | None)] = Field(
        default_factory=Thanos
    )
    victoriametrics: Annotated[
        VictoriaMetrics, BeforeValidator(checks.empty_is_default, json_schema_input_type=VictoriaMetrics | None)
    ] = Field(default_factory=VictoriaMetrics)
    grafana_alerting: Annotated[
        GrafanaAlerting, BeforeValidator(checks.empty_is_default, json_schema_input_type=GrafanaAlerting | None)
    ] = Field(default_factory=GrafanaAlerting)
