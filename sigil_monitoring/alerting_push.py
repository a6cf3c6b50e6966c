"""``push --alerting``: compile the Grafana-managed alerting target in memory and save it through
Grafana's alerting provisioning API (``grafana_alerting_api``)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .spec.yaml_io import load as load_yaml


def push_specs(args: argparse.Namespace, specs: list[Any], token: str) -> int:
    """Push every spec's alerting resources; returns 1 when Grafana refused something, else 0."""
    from .grafana_alerting_api import AlertingClient, push_alerting
    from .grafana_api import GrafanaError
    from .pipeline import compile_specs

    bundle = compile_specs(specs, targets=["grafana_alerting"])
    rule_files = [load_yaml(data.decode()) for path, data in bundle.items()
                  if path.startswith("grafana-alerting/") and path.endswith(".rules.yml")]
    notifications = bundle.get("grafana-alerting/notifications.yml")
    client = AlertingClient(args.grafana_url, token, editable=args.editable_in_ui)
    try:
        done = push_alerting(client, args.folder_uid, rule_files, load_yaml(notifications.decode()) if notifications else None)
    except GrafanaError as err:
        sys.stderr.write(f"alerting: error: {err} (check the URL, the token's alerting permissions and --folder-uid)\n")
        return 1
    if not getattr(args, "quiet", False):
        for line in done:
            print(f"alerting: saved {line}")
    return 0
