"""Grafana file provisioning: one dashboard provider per service, pointing at its output folder.

Format: https://grafana.com/docs/grafana/latest/administration/provisioning/#dashboards .
Mount the compiled ``build/`` folder at ``defaults.GRAFANA_BUILD_MOUNT`` and this file under
``/etc/grafana/provisioning/dashboards/``; Grafana then loads the dashboards without the API.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from ... import conventions as names
from ... import defaults
from .base import GrafanaModel

if TYPE_CHECKING:
    # For the annotation only: the ir model imports the spec's types, which this leaf does not need.
    from ...ir.model import Model


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
    return Providers(
        providers=tuple(
            Provider(
                name=s.name,
                folder=s.dashboard.folder,
                options=ProviderOptions(
                    path=posixpath.join(
                        defaults.GRAFANA_BUILD_MOUNT, posixpath.dirname(names.dashboard_path(s.name, "classic"))
                    )
                ),
            )
            for s in model.services
        )
    )
