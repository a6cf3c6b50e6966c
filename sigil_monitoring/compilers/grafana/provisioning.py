"""Grafana file provisioning: one dashboard provider per service, pointing at its output folder.

Format: https://grafana.com/docs/grafana/latest/administration/provisioning/#dashboards .
Mount the compiled ``build/`` folder at ``defaults.GRAFANA_BUILD_MOUNT`` and this file under
``/etc/grafana/provisioning/dashboards/``; Grafana then loads the dashboards without the API.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import TYPE_CHECKING

import msgspec

from ... import conventions as names
from ... import defaults
from ...output.bundle import Artifact
from ...output.render import Rendered, item_lines
from .base import GrafanaModel

if TYPE_CHECKING:
    # For the annotation only: the ir model imports the spec's types, which this leaf does not need.
    from ...ir.model import Model, Service


class ProviderOptions(GrafanaModel, frozen=True, kw_only=True):
    path: str
    folders_from_files_structure: bool = False


class Provider(GrafanaModel, frozen=True, kw_only=True):
    name: str
    org_id: int = 1
    folder: str
    type: str = "file"
    # Stale-file removal in the writer deletes a dashboard dropped from the spec; let it go.
    disable_deletion: bool = False
    update_interval_seconds: int = defaults.GRAFANA_PROVISIONING_INTERVAL_SECONDS
    # The spec is the source of truth: edits in the UI would be overwritten on the next compile.
    allow_ui_updates: bool = False
    options: ProviderOptions


class Providers(GrafanaModel, frozen=True, kw_only=True):
    api_version: int = 1
    providers: tuple[Provider, ...]


def build(model: Model) -> Providers:
    """The providers of every service in ``model``, in spec order."""
    return Providers(providers=tuple(provider(s) for s in model.services))


def provider(service: Service) -> Provider:
    """The provider of one service's dashboards: its folder, and where its files are mounted."""
    return Provider(
        name=service.name,
        folder=service.dashboard.folder,
        options=ProviderOptions(
            path=posixpath.join(
                defaults.GRAFANA_BUILD_MOUNT, posixpath.dirname(names.dashboard_path(service.name, "classic"))
            )
        ),
    )


class Piece(msgspec.Struct, frozen=True):
    """One service's part of the provisioning file, written (``render.item_lines``), which a fleet
    compile keeps for the services it does not load (alertmanager/pieces.py says why)."""

    source: str  # the spec, named in the file's header
    provider: str  # its provider: an item of ``providers``


_ITEMS = 2  # the indent of a top-level list's items


def piece(service: Service) -> Piece:
    return Piece(service.source, item_lines([provider(service).to_json()], _ITEMS))


def assemble(pieces: Sequence[Piece]) -> list[Artifact]:
    """The provisioning file of the services whose pieces these are, in order; none for no service."""
    if not pieces:
        return []
    document = Providers(providers=()).to_json()
    document["providers"] = Rendered("\n".join(p.provider for p in pieces), _ITEMS)  # its last key
    source = ", ".join(p.source for p in pieces)
    return [Artifact(names.GRAFANA_PROVISIONING_PATH, document, "yaml", source)]
