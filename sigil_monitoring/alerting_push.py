"""``push --alerting``: compile the Grafana-managed alerting target in memory and save it through
Grafana's alerting provisioning API (``grafana_alerting_api``), after the dashboards (whose push
creates the folder the rule groups go into)."""

from __future__ import annotations

import argparse
import sys

from .spec.yaml_io import load as load_yaml


def push_specs(args: argparse.Namespace, token: str) -> int:
    """Push every spec's alerting resources; returns 1 when Grafana refused something, else 0."""
    from .cli import load_all
    from .grafana_alerting_api import PROVENANCE_HEADER, push_alerting
    from .grafana_api import GrafanaError, Transport
    from .pipeline import compile_specs

    bundle = compile_specs(load_all(args.specs), targets=["grafana_alerting"])
    rule_files = [
        load_yaml(data.decode())
        for path, data in bundle.items()
        if path.startswith("grafana-alerting/") and path.endswith(".rules.yml")
    ]
    notifications = bundle.get("grafana-alerting/notifications.yml")
    headers = {PROVENANCE_HEADER: "true"} if args.editable_in_ui else {}
    try:
        transport = Transport(args.grafana_url, token, retries=max(args.retries, 0), headers=headers)
        done = push_alerting(
            transport, args.folder_uid, rule_files, load_yaml(notifications.decode()) if notifications else None
        )
    except GrafanaError as err:
        sys.stderr.write(f"alerting: error: {err} (check the token's alerting permissions and --folder-uid)\n")
        return 1
    if not getattr(args, "quiet", False):
        for line in done:
            print(f"alerting: saved {line}")
    return 0
