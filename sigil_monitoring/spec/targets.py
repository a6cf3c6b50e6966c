"""The ``targets`` section: which outputs a spec compiles to, and each engine's options.

Absent, a spec compiles to the default outputs (Prometheus rules, Grafana dashboards,
Alertmanager, runbook, onboarding page). Present, each key names one target; ``{}`` or an empty value takes the
target's defaults. ``compile --target`` overrides the section's choice, never its options.

>>> from sigil_monitoring.spec.pydantic_models import validate
>>> t = validate(Targets, {"kubernetes": {"namespace": "obs"}, "victoriametrics": None})
>>> t.chosen(), t.kubernetes.namespace
(('kubernetes', 'victoriametrics'), 'obs')
>>> Targets().kubernetes.namespace  # options default even for a target named only on the CLI
'monitoring'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from msgspec import field

from .struct import SpecStruct

if TYPE_CHECKING:
    from pydantic import Field

    from .types import (
        ContactPointName,
        GrafanaAlertingFolder,
        K8sLabels,
        K8sNamespace,
        K8sObjectName,
        MimirNamespace,
        Tenant,
    )
Strategy = Literal["warn", "abort"]


class Prometheus(SpecStruct, frozen=True, kw_only=True):
    """Plain Prometheus rule files and promtool tests (``<service>/prometheus/``)."""


class Grafana(SpecStruct, frozen=True, kw_only=True):
    """Dashboards and their provisioning file."""


class Alertmanager(SpecStruct, frozen=True, kw_only=True):
    """One ``alertmanager.yml`` for every routed service."""


class Runbook(SpecStruct, frozen=True, kw_only=True):
    """``<service>/runbook.md``."""


class Onboarding(SpecStruct, frozen=True, kw_only=True):
    """``<service>/onboarding.md``: the dashboard tour and alert policy for a new SRE."""


class Kubernetes(SpecStruct, frozen=True, kw_only=True):
    """Prometheus Operator objects: a PrometheusRule per service, optionally an AlertmanagerConfig."""

    namespace: Annotated[K8sNamespace, Field(description="Namespace of the generated objects.")] = "monitoring"
    labels: Annotated[
        K8sLabels,
        Field(description="Labels on every object, for the operator's ruleSelector / alertmanagerConfigSelector."),
    ] = field(default_factory=dict)
    alertmanager_config: Annotated[
        bool,
        Field(
            description="Also write an AlertmanagerConfig (monitoring.coreos.com/v1alpha1) from the routing section."
        ),
    ] = False
    secret: Annotated[
        K8sObjectName | None,
        Field(
            description="Secret holding the receivers' credentials (default: <service>-alertmanager); keys are the "
            "secret files' base names."
        ),
    ] = None


class Mimir(SpecStruct, frozen=True, kw_only=True):
    """Grafana Mimir / Cortex ruler files, in the format ``mimirtool rules load`` reads."""

    tenant: Annotated[
        Tenant,
        Field(description="Tenant (X-Scope-OrgID) the rules are loaded into; 'anonymous' when multi-tenancy is off."),
    ] = "anonymous"
    namespace: Annotated[
        MimirNamespace | None, Field(description="Ruler namespace (default: the service name); names the rule file.")
    ] = None
    source_tenants: Annotated[
        list[Tenant], Field(description="Tenants the rules query (federated rule groups; needs tenant federation on).")
    ] = field(default_factory=list)


class Thanos(SpecStruct, frozen=True, kw_only=True):
    """Thanos Ruler rule files."""

    partial_response_strategy: Annotated[
        Strategy | dict[str, Strategy] | None,
        Field(
            description="warn or abort for every group, or a mapping from group concern (recording, alerts, "
            "slo-<name>) to it."
        ),
    ] = None


class VictoriaMetrics(SpecStruct, frozen=True, kw_only=True):
    """vmalert rule files (VictoriaMetrics 1.79)."""


class GrafanaAlerting(SpecStruct, frozen=True, kw_only=True):
    """Grafana-managed alert rules, contact points and notification policies (provisioning files)."""

    datasource_uid: Annotated[
        Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")],
        Field(description="UID of the Prometheus data source the rules query."),
    ] = "prometheus"
    folder: Annotated[
        GrafanaAlertingFolder | None,
        Field(description="Folder (title) of the rule groups (default: service.links.folder, else sigil-monitoring)."),
    ] = None
    interval: Annotated[
        Annotated[str, Field(pattern=r"^[1-9][0-9]*(0s|m|h)$")],
        Field(description="Evaluation interval of the rule groups (a multiple of 10s)."),
    ] = "1m"
    root_contact_point: Annotated[
        ContactPointName,
        Field(description="Contact point of the root notification policy (alerts no service route takes)."),
    ] = "grafana-default-email"


# --- the section: one field per registered target (compilers/registry.py), in registry order ---------


def _chosen(self: Any) -> tuple[str, ...]:
    """The targets the section names, in registry order."""
    from ..compilers.registry import chosen_from

    return chosen_from(self.model_fields_set)


def _description() -> str:
    """The ``targets:`` field's description, naming the registry's default targets."""
    from ..compilers.registry import DEFAULT_TARGETS

    return f"Outputs to compile and engine options (default: {', '.join(DEFAULT_TARGETS)})."


TARGETS_DESCRIPTION = _description()


def _section() -> type[SpecStruct]:
    """The ``targets:`` section: a key absent or empty takes the target's default options."""
    import importlib

    import msgspec

    from ..compilers.registry import TARGETS

    fields = []
    for target in TARGETS:
        module, _, name = target.options.partition(":")
        # This module is still being imported when it builds the section: read its own classes directly.
        options = globals()[name] if module == __name__ else getattr(importlib.import_module(module), name)
        # Annotations are text, read only on the error path (spec/struct.py); the options class is named
        # by the module namespace the error path evaluates them in.
        globals().setdefault(name, options)
        annotation = (
            f"Annotated[{name}, BeforeValidator(checks.empty_is_default, json_schema_input_type={name} | None)]"
        )
        fields.append((target.name, annotation, field(default_factory=options)))
    section = msgspec.defstruct(
        "Targets",
        fields,
        bases=(SpecStruct,),
        module=__name__,
        frozen=True,
        kw_only=True,
        namespace={"chosen": _chosen},
    )
    section.__doc__ = "Outputs to compile; each key present turns its target on."
    assert issubclass(section, SpecStruct)  # defstruct is typed as making a plain Struct
    return section


if TYPE_CHECKING:

    class Targets(SpecStruct, frozen=True, kw_only=True):
        """Outputs to compile; each key present turns its target on (one field per registered target)."""

        def chosen(self) -> tuple[str, ...]: ...
        def __getattr__(self, name: str) -> Any: ...

else:
    Targets = _section()
