"""Kubernetes target (Prometheus Operator): one PrometheusRule per service, optionally one
AlertmanagerConfig per service, and the notification templates as a ConfigMap.

Per service (``targets.kubernetes``: namespace, labels for the operator's ``ruleSelector`` /
``alertmanagerConfigSelector``)::

    <service>/kubernetes/prometheusrule.yaml        monitoring.coreos.com/v1 PrometheusRule
    <service>/kubernetes/alertmanagerconfig.yaml    monitoring.coreos.com/v1alpha1 (alertmanager_config: true)
    kubernetes/<namespace>/sigil-monitoring-templates.yaml   ConfigMap with the notification templates

The PrometheusRule holds the Prometheus target's groups unchanged (without empty ones), so both
targets evaluate the same rules. Objects follow the CRDs of prometheus-operator 0.93
(https://prometheus-operator.dev/docs/api-reference/api/); the tests validate them strictly
against those schemas.
"""

from __future__ import annotations

from typing import Any

from ... import conventions as names
from ...ir.model import Model, Service
from ...output.bundle import Artifact
from ..rulesets import groups_of
from .alertmanager_config import TEMPLATES_CONFIGMAP, alertmanager_config, templates_configmap
from .options import options as kubernetes_options

RULE_API_VERSION = "monitoring.coreos.com/v1"


def metadata(service: Service, name: str) -> dict[str, Any]:
    options = kubernetes_options(service)
    labels = {names.SERVICE_LABEL: service.name, **dict(options.labels)}
    return {"name": name, "namespace": options.namespace, "labels": dict(sorted(labels.items()))}


def prometheus_rule(service: Service) -> dict[str, Any] | None:
    """The service's PrometheusRule, or None when it has no rules (an empty object is noise)."""
    groups = groups_of(service)
    if not groups:
        return None
    return {
        "apiVersion": RULE_API_VERSION,
        "kind": "PrometheusRule",
        "metadata": metadata(service, names.kubernetes_object_name(service.name)),
        "spec": {"groups": groups},
    }


def compile(model: Model) -> list[Artifact]:  # the registry's verb
    artifacts = []
    configs = []
    for service in model.services:
        rule = prometheus_rule(service)
        if rule is not None:
            artifacts.append(
                Artifact(names.kubernetes_path(service.name, "PrometheusRule"), rule, "yaml", service.source)
            )
        if kubernetes_options(service).alertmanager_config and (routing := service.routing) is not None:
            name = names.kubernetes_object_name(service.name)
            configs.append(service)
            artifacts.append(
                Artifact(
                    names.kubernetes_path(service.name, "AlertmanagerConfig"),
                    alertmanager_config(service, routing, metadata(service, name)),
                    "yaml",
                    service.source,
                )
            )
    if configs:
        source = ", ".join(dict.fromkeys(s.source for s in configs))
        # One per namespace: a ConfigMap is read only by an Alertmanager resource of its namespace.
        for namespace in sorted({kubernetes_options(s).namespace for s in configs}):
            artifacts.append(
                Artifact(
                    f"kubernetes/{namespace}/{TEMPLATES_CONFIGMAP}.yaml", templates_configmap(namespace), "yaml", source
                )
            )
    return artifacts
