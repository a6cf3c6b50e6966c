"""Save a compiled Grafana-managed alerting target (``grafana-alerting/`` of a bundle) through
Grafana's alerting provisioning API (``grafana_alerting_api``), then remove the rules and contact
points of the pushed services that the spec no longer has (``alerting_cleanup``). ``push
--alerting`` calls it after the dashboards, whose push creates the folder the rule groups go into;
with ``--dry-run`` it only lists what it would remove."""

from __future__ import annotations

from collections.abc import Collection, Mapping
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
    services: Collection[str] = (),
    dry_run: bool = False,
) -> list[str]:
    """Save the rule groups, contact points and policies of ``files`` and remove what ``services``
    no longer have; one line per resource saved or removed (``dry_run``: only the removals, as
    "would remove ...", and nothing is written).

    Raises ``grafana_api.GrafanaError`` when Grafana refuses something.
    """
    from .alerting_cleanup import find_stale, remove
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
    points = load_yaml(notifications.decode()) if notifications else None
    rule_uids = {rule["uid"] for doc in rule_files for group in doc["groups"] for rule in group["rules"]}
    contact_uids = {i["uid"] for point in (points or {}).get("contactPoints", []) for i in point["receivers"]}
    if dry_run:
        return [f"would remove {s.line()}" for s in find_stale(transport, services, rule_uids, contact_uids)]
    done = [f"saved {line}" for line in push_alerting(transport, folder_uid, rule_files, points)]
    return done + remove(transport, find_stale(transport, services, rule_uids, contact_uids))
