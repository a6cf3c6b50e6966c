"""The ``push`` command: compile specs in memory and save their dashboards through Grafana's API.

File provisioning needs no command (point Grafana at ``grafana-provisioning/dashboards.yml``);
``push`` is for Grafana instances managed through the API. The token is read from a file, sent
only in the Authorization header, and never printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import Diagnostic, SpecError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def register(sub: Any, specs: Callable[[argparse.ArgumentParser], None]) -> None:
    p = sub.add_parser(
        "push", help="save the compiled dashboards in Grafana through its HTTP API",
        description="Compile specs in memory and POST each service's classic dashboard to "
                    "/api/dashboards/db (create or update by uid). Exit 1 when Grafana refuses one.",
    )
    specs(p)
    p.add_argument("--grafana-url", required=True, metavar="URL", help="Grafana base URL, e.g. https://grafana.example.com")
    p.add_argument("--token-file", required=True, metavar="FILE", help="file holding a service-account token (Editor)")
    p.add_argument("--folder-uid", metavar="UID", help="folder to save into (default: Grafana's root folder)")
    p.add_argument("--message", default="sigil-monitoring push", help="version message shown in Grafana's history")
    p.add_argument("--no-overwrite", action="store_true", help="refuse (412) when Grafana's copy changed since it was pushed")
    p.add_argument("--alerting", action="store_true", help="also save Grafana-managed alert rules, contact points and "
                   "policies through /api/v1/provisioning (needs --folder-uid; see docs/engines.md)")
    p.add_argument("--editable-in-ui", action="store_true", help="with --alerting: send X-Disable-Provenance: true, so "
                   "the resources stay editable in Grafana's UI")
    p.set_defaults(func=cmd_push)


def _token(path: str) -> str:
    try:
        token = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise SpecError([Diagnostic(path, 1, 1, f"cannot read the token file: {reason} (write the Grafana token into it)")]) from None
    if not token:
        raise SpecError([Diagnostic(path, 1, 1, "the token file is empty (write the Grafana service-account token into it)")])
    return token


def cmd_push(args: argparse.Namespace) -> int:
    from . import conventions as names
    from .cli import load_all
    from .grafana_api import GrafanaError, push_dashboard
    from .pipeline import compile_specs

    token = _token(args.token_file)
    specs = load_all(args.specs)
    if args.alerting and not args.folder_uid:
        sys.stderr.write("sigil-monitoring push: error: --alerting needs --folder-uid (Grafana keeps alert rules in a folder)\n")
        return EXIT_USAGE
    bundle = compile_specs(specs, targets=["grafana"])
    failed = 0
    for spec in specs:
        service = spec.service.name
        dashboard = json.loads(bundle[names.dashboard_path(service, "classic")])
        try:
            reply = push_dashboard(args.grafana_url, token, dashboard, folder_uid=args.folder_uid,
                                   message=args.message, overwrite=not args.no_overwrite)
        except GrafanaError as err:
            failed += 1
            sys.stderr.write(f"{service}: error: {err} (check the URL, the token's role and --folder-uid)\n")
            continue
        if not getattr(args, "quiet", False):
            print(f"{service}: saved version {reply.get('version')} at {args.grafana_url.rstrip('/')}{reply.get('url', '')}")
    if args.alerting:
        from .alerting_push import push_specs

        failed += push_specs(args, specs, token)
    return EXIT_FAILED if failed else EXIT_OK
