"""Grafana target: classic dashboard JSON, the v2 resource when asked, and file provisioning.

>>> from sigil_monitoring import load_spec
>>> from sigil_monitoring.ir.build import build_model
>>> [a.path for a in compile(build_model([load_spec("specs/minimal.yaml")]))]
['hello/grafana/hello.json', 'grafana-provisioning/dashboards.yml']
"""

from __future__ import annotations

from ... import conventions as names
from ...ir.model import Model
from ...output.bundle import Artifact
from . import dashboard, provisioning, v2


def compile(model: Model) -> list[Artifact]:  # the registry's verb
    """Dashboards of every service, then one provisioning file for all of them."""
    out = []
    for service in model.services:
        classic = dashboard.build(service)
        formats = service.dashboard.formats
        if "classic" in formats:
            out.append(
                Artifact(
                    names.dashboard_path(service.name, "classic"),
                    classic.json_document(),
                    "json",
                    service.source,
                    header=False,
                )
            )
        if "v2" in formats:
            resource = v2.build(
                service, classic if service.dashboard.grafana_version >= 9 else dashboard.build(service, current=True)
            )
            out.append(
                Artifact(
                    names.dashboard_path(service.name, "v2"),
                    resource.json_document(),
                    "json",
                    service.source,
                    header=False,
                )
            )
    return out + compile_shared(model)


def compile_shared(model: Model) -> list[Artifact]:
    """The file that depends on every service: one provisioning file for all the dashboards,
    assembled from each service's piece (``provisioning.piece``), which a fleet compile keeps."""
    return provisioning.assemble([provisioning.piece(service) for service in model.services])


shared_piece = provisioning.piece
assemble = provisioning.assemble
