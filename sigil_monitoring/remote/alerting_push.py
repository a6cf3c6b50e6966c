"""Save a compiled Grafana-managed alerting target (``grafana-alerting/`` of a bundle) through
Grafana's alerting provisioning API (``grafana_alerting_api``). ``push --alerting`` calls it after
the dashboards, whose push creates the folder the rule groups go into."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..spec.yaml_io import load as load_yaml

if TYPE_CHECKING:
    from .budget import Budget


def push_bundle_alerting(
    files: Mapping[str, bytes],
    grafana_url: str,
    token: str,
    *,
    folder_uid: str,
    retries: int,
    editable_in_ui: bool,
    budget: Budget | None = None,
) -> list[str]:
    """Save the rule groups, contact points and policies of ``files``; one line per saved resource.

    Raises ``grafana_api.GrafanaError`` when Grafana refuses something.
    """
    from .grafana_alerting_api import PROVENANCE_HEADER, push_alerting
    from .grafana_api import Transport

    rule_files = [
        load_yaml(data.decode())
        for path, data in files.items()
        if path.startswith("grafana-alerting/") and path.endswith(".rules.yml")
    ]
    notifications = files.get("grafana-alerting/notifications.yml")
    headers = {PROVENANCE_HEADER: "true"} if editable_in_ui else {}
    transport = Transport(grafana_url, token, retries=max(retries, 0), headers=headers, budget=budget)
    return push_alerting(
        transport, folder_uid, rule_files, load_yaml(notifications.decode()) if notifications else None
    )
