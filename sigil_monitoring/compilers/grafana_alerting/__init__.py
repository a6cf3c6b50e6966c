"""Grafana-managed alerting target: the Prometheus + Alertmanager outputs as Grafana alerting
provisioning files (``apiVersion: 1``), for teams that keep their alerts in Grafana.

Outputs::

    grafana-alerting/<service>.rules.yml               alert rule groups (query chain + condition)
    grafana-alerting/notifications.yml                 contact points, notification policies, mute timings, templates
    <service>/grafana-alerting/recording.rules.yml     the recording rules, for the Prometheus data source

Point Grafana's ``provisioning/alerting`` folder at ``grafana-alerting/`` (file provisioning
locks the resources in the UI), or ``push --alerting`` them through the HTTP provisioning API.
The recording rules must keep running in the data source: the SLO burn alerts query what they
record, and Grafana evaluates only the alerts.
"""

from __future__ import annotations

from ... import conventions as names
from ...ir.model import Model
from ...output.bundle import Artifact
from .notifications import document
from .rules import options, recording_document, rule_groups

FOLDER = "grafana-alerting"


def compile(model: Model) -> list[Artifact]:  # the registry's verb
    artifacts = []
    for service in model.services:
        groups = rule_groups(service)
        if groups:
            artifacts.append(
                Artifact(
                    f"{FOLDER}/{service.name}.rules.yml", {"apiVersion": 1, "groups": groups}, "yaml", service.source
                )
            )
        recording = recording_document(service)
        if recording is not None:
            artifacts.append(
                Artifact(
                    names.engine_rules_path(service.name, FOLDER, names.RECORDING_CONCERN),
                    recording,
                    "yaml",
                    service.source,
                )
            )
    if model.services:
        notifications = document(model, options(model.services[0]).root_contact_point)
        if notifications is not None:
            source = ", ".join(dict.fromkeys(s.source for s in model.services if s.routing is not None))
            artifacts.append(Artifact(f"{FOLDER}/notifications.yml", notifications, "yaml", source))
    return artifacts
