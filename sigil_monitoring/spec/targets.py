"""The ``targets`` section: which outputs a spec compiles to, and each engine's options.

Absent, a spec compiles to the default outputs (Prometheus rules, Grafana dashboards,
Alertmanager, runbook). Present, each key names one target; ``{}`` or an empty value takes the
target's defaults. ``compile --target`` overrides the section's choice, never its options.
The section has one key per target of the registry (``compilers/registry.py``), whose record names
the options model defined here.

>>> t = Targets.model_validate({"kubernetes": {"namespace": "obs"}, "victoriametrics": None})
>>> sorted(t.model_fields_set), t.kubernetes.namespace
(['kubernetes', 'victoriametrics'], 'obs')
>>> Targets().kubernetes.namespace  # options default even for a target named only on the CLI
'monitoring'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BeforeValidator, Field, create_model

from . import checks
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


# --- the section: one field per registered target (compilers/registry.py), in registry order ---------


def _option_models() -> dict[str, type[SpecModel]]:
    """Each registered target's options model, by target name (``module:Class`` in the registry)."""
    import importlib

    from ..compilers.registry import TARGETS

    found: dict[str, type[SpecModel]] = {}
    for target in TARGETS:
        module, _, name = target.options.partition(":")
        # This module is still being imported when it builds the section: read its own models directly.
        found[target.name] = globals()[name] if module == __name__ else getattr(importlib.import_module(module), name)
    return found


def _section() -> type[SpecModel]:
    """The ``targets:`` section's model; a key absent or empty takes the target's default options."""
    fields: dict[str, Any] = {
        name: (
            Annotated[model, BeforeValidator(checks.empty_is_default, json_schema_input_type=model | None)],
            Field(default_factory=model),
        )
        for name, model in _option_models().items()
    }
    return create_model(  # type: ignore[no-any-return, call-overload]
        "Targets", __base__=SpecModel, __doc__=_TARGETS_DOC, __module__=__name__, **fields
    )


_TARGETS_DOC = "Outputs to compile; each key present turns its target on."

if TYPE_CHECKING:

    class Targets(SpecModel):
        """Outputs to compile; each key present turns its target on (one field per registered target)."""

        def __getattr__(self, name: str) -> Any: ...

else:
    Targets = _section()
