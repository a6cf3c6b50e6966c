"""The ``push``, ``history`` and ``rollback`` commands: compiled dashboards in Grafana, through its API.

Imported at CLI start-up, so the HTTP client, the compilers and semdiff are imported inside the
commands. The token comes from ``--token-file`` or ``$GRAFANA_ADMIN_TOKEN`` (never the command
line), is sent only in the Authorization header, and never printed: not in errors, dry runs,
history or rollback reports.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import Diagnostic, SpecError
from ..exits import Exit
from .common import ENV_FLAGS, UsageError, env_flag, env_value, load_all, missing, spec_arguments, timeout_argument

TOKEN_ENV = ENV_FLAGS["--token-file"].variable
MAX_TOKEN_FILE = 64 * 1024


def _common(p: argparse.ArgumentParser) -> None:
    spec_arguments(p)
    env_flag(p, "--grafana-url", "Grafana base URL, e.g. https://grafana.example.com")
    env_flag(
        p, "--token-file", "file whose first non-comment line is a service-account token; the variable holds the token"
    )
    p.add_argument(
        "--api",
        choices=["auto", "legacy", "k8s"],
        default="auto",
        help="classic /api/dashboards, Grafana 12/13's /apis/dashboard.grafana.app, or auto: /apis when served "
        "(default)",
    )
    p.add_argument(
        "--namespace", default="default", help="k8s API namespace: 'default' for org 1, 'org-<id>' for others"
    )
    p.add_argument(
        "--retries",
        type=int,
        default=3,
        metavar="N",
        help="retries after a 5xx answer or a connection error (default 3)",
    )
    timeout_argument(p)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "push",
        help="save the compiled dashboards in Grafana, refusing to overwrite changes made there",
        description="Compile specs in memory and save each service's classic dashboard by uid. A dashboard "
        "changed in Grafana since our last push is refused (exit 1) with who changed it, when, "
        "and the semantic diff; --force replaces it. --dry-run only shows the diff.",
    )
    _common(p)
    p.add_argument(
        "--folder-uid", metavar="UID", help="folder to save into, created when missing (default: the root folder)"
    )
    p.add_argument("--message", default="", help="added to the version message (which names the spec and git revision)")
    p.add_argument("--force", action="store_true", help="overwrite changes made in Grafana since our last push")
    p.add_argument(
        "--dry-run", action="store_true", help="show the semantic diff against Grafana's version; change nothing"
    )
    p.add_argument(
        "--alerting",
        action="store_true",
        help="also save Grafana-managed alert rules, contact points and policies through /api/v1/provisioning, "
        "and remove the rules and contact points this tool created that the spec no longer has "
        "(needs --folder-uid; see docs/engines.md)",
    )
    p.add_argument(
        "--editable-in-ui",
        action="store_true",
        help="with --alerting: send X-Disable-Provenance: true, so the resources stay editable in Grafana's UI",
    )
    p.set_defaults(func=_run("push"))

    p = sub.add_parser(
        "history",
        help="list the versions Grafana keeps of each service's dashboard",
        description="List versions (newest first) with author, time and message.",
    )
    _common(p)
    p.set_defaults(func=_run("history"))

    p = sub.add_parser(
        "rollback",
        help="restore an older version of each service's dashboard in Grafana",
        description="Restore a version as a new version (Grafana keeps the history) and print the "
        "semantic diff it applied.",
    )
    _common(p)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--to-version", type=int, metavar="N", help="the version to restore")
    which.add_argument("--previous", action="store_true", help="the version before the current one")
    which.add_argument(
        "--to-file",
        metavar="FILE.json",
        help='a dashboard file (classic JSON, an import file {"dashboard": ...} or a v2 resource), saved under '
        "its own uid (docs/grafana-api.md)",
    )
    p.add_argument(
        "--as-ours",
        action="store_true",
        help="with --to-file: save it as a new version of the spec's dashboard, so every link to ours shows it",
    )
    p.add_argument(
        "--retire",
        action="store_true",
        help="with --to-file: then delete the spec's dashboard (refused if changed in Grafana, until --force)",
    )
    p.add_argument("--force", action="store_true", help="with --retire: delete ours even if changed in Grafana")
    p.add_argument(
        "--folder-uid", metavar="UID", help="with --to-file: folder to save into (default: Grafana's, else ours)"
    )
    p.add_argument(
        "--input",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="with --to-file of an export for sharing externally: the value of its input NAME (e.g. "
        "DS_PROMETHEUS=<datasource uid>), as Grafana's import form asks (repeatable)",
    )
    p.add_argument("--dry-run", action="store_true", help="show what the rollback would change; change nothing")
    p.set_defaults(func=_run("rollback"))


def read_token(path: str | None) -> str:
    """The token: the first non-empty line of ``path`` not starting with ``#``, else ``$GRAFANA_ADMIN_TOKEN``."""
    from ..remote.grafana_api import GrafanaError, check_token

    if path is None:
        token = os.environ.get(TOKEN_ENV, "").strip()
        if not token:
            raise missing("--token-file")
        try:
            return check_token(token)
        except GrafanaError as err:
            raise UsageError(f"{TOKEN_ENV}: {err}") from None
    from ..fsread import NotRegularFile, TooLarge, read_regular

    # The same bounded, never-blocking read as a spec (a FIFO as the token file hung push).
    try:
        text = read_regular(path, MAX_TOKEN_FILE).decode("utf-8")
    except NotRegularFile:
        raise SpecError(
            [Diagnostic(path, 1, 1, "the token file is not a regular file (give a file holding the token)")]
        ) from None
    except TooLarge:
        raise SpecError(
            [Diagnostic(path, 1, 1, "the token file is larger than 64 KiB (it should hold one token line)")]
        ) from None
    except OSError as exc:
        raise SpecError(
            [Diagnostic(path, 1, 1, f"cannot read the token file: {exc.strerror} (write the Grafana token into it)")]
        ) from None
    except UnicodeDecodeError:
        raise SpecError(
            [Diagnostic(path, 1, 1, "the token file is not UTF-8 text (write the Grafana token into it)")]
        ) from None
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if line and not line.startswith("#"):
            try:
                return check_token(line)
            except GrafanaError as err:
                raise SpecError([Diagnostic(path, number, 1, str(err))]) from None
    raise SpecError(
        [Diagnostic(path, 1, 1, "the token file is empty (write the Grafana service-account token into it)")]
    )


def _git_revision(spec: str) -> str:
    try:
        proc = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(spec).parent.absolute(),
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def _backends(args: argparse.Namespace, transport: Any) -> tuple[Any, Any]:
    """(backend for classic dashboards, backend for v2 resources or None)."""
    from ..remote.grafana_api import Legacy
    from ..remote.grafana_k8s import K8s, discover

    if args.api == "legacy":
        return Legacy(transport), None
    classic, v2 = discover(transport)
    if classic is None:
        if args.api == "k8s":
            raise UsageError(
                "this Grafana serves no dashboard.grafana.app v1 or v1beta1 API (Grafana 12+; use --api legacy)"
            )
        return Legacy(transport), None
    return K8s(transport, classic, args.namespace), K8s(transport, v2, args.namespace) if v2 else None


def _targets(args: argparse.Namespace, v2: bool) -> list[Any]:
    """One target per service: its v2 resource when the spec emits one and ``v2`` (Grafana serves
    v2 dashboards), else its classic JSON."""
    import json

    from .. import conventions as names
    from ..errors import display_path
    from ..output.pipeline import compile_specs
    from ..remote.ship import PUSH_MARKER, Target

    specs = load_all(args.specs)
    bundle = compile_specs(specs, targets=["grafana"])
    out = []
    for spec in specs:
        service, source = spec.service.name, display_path(spec._source.display)
        rev = _git_revision(spec._source.display)
        message = (
            f"{PUSH_MARKER} {source}"
            + (f" @ {rev}" if rev else "")
            + (f": {args.message}" if getattr(args, "message", "") else "")
        )
        path = names.dashboard_path(service, "classic")
        uid = json.loads(bundle[path])["uid"]
        if v2 and names.dashboard_path(service, "v2") in bundle:
            path = names.dashboard_path(service, "v2")
        data = json.loads(bundle[path])
        data = data["spec"] if path.endswith(".v2.json") else data
        folder = getattr(args, "folder_uid", None)
        out.append(Target(service, uid, path, data, folder, spec.service.links.folder or folder or "", message))
    return out


def _run(command: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return _execute(command, args)
        except UsageError as exc:
            sys.stderr.write(f"sigil-monitoring {command}: error: {exc}\n")
            return Exit.USAGE

    return run


def _execute(command: str, args: argparse.Namespace) -> int:
    from ..remote import ship
    from ..remote.budget import Budget, UrlError, timeout_seconds
    from ..remote.file_rollback import restore_file
    from ..remote.grafana_api import GrafanaError, Transport
    from ..remote.preflight import Preflight

    token = read_token(args.token_file)
    specs_ok = _targets(args, v2=False)  # spec errors (exit 2) before any request
    dashboard_file = _dashboard_file(args, specs_ok) if command == "rollback" else None
    if getattr(args, "alerting", False) and not args.folder_uid:
        raise UsageError("--alerting needs --folder-uid (Grafana keeps alert rules in a folder)")
    try:
        budget = Budget(timeout_seconds(args.timeout))
        transport = Transport(env_value(args, "--grafana-url"), token, retries=max(args.retries, 0), budget=budget)
    except (GrafanaError, UrlError) as err:
        raise UsageError(str(err)) from None
    report = ship.Report(sys.stdout, sys.stderr, transport.base_url, quiet=getattr(args, "quiet", False))
    try:
        classic, v2 = _backends(args, transport)
    except GrafanaError as err:
        sys.stderr.write(f"sigil-monitoring {command}: error: {err} ({_hint(err)})\n")
        return Exit.FINDINGS
    targets = _targets(args, v2=True) if v2 is not None else specs_ok
    failed = 0
    for target in targets:
        backend = v2 if target.path.endswith(".v2.json") else classic
        try:
            if command == "push":
                rc = ship.push(backend, target, report, args.force, args.dry_run, Preflight(transport))
            elif command == "history":
                rc = ship.history(backend, target, report)
            elif dashboard_file is not None:
                rc = restore_file(
                    backend,
                    classic if dashboard_file.kind == "classic" else v2,
                    target,
                    dashboard_file,
                    report,
                    as_ours=args.as_ours,
                    retire=args.retire,
                    force=args.force,
                    dry_run=args.dry_run,
                )
            else:
                rc = ship.rollback(backend, target, report, None if args.previous else args.to_version, args.dry_run)
        except GrafanaError as err:
            rc = report.fail(target.service, err, _hint(err))
        failed += rc != Exit.OK
    if command == "push" and args.alerting:
        failed += _push_alerting(args, token, budget) != Exit.OK
    return Exit.FINDINGS if failed else Exit.OK


def _dashboard_file(args: argparse.Namespace, targets: list[Any]) -> Any:
    """The ``--to-file`` dashboard (None without it); usage errors for flags that need it."""
    from ..remote.dashboard_file import read_dashboard

    if args.to_file is None:
        if args.as_ours or args.retire or args.folder_uid or args.input:
            raise UsageError("--as-ours, --retire, --folder-uid and --input go with --to-file FILE.json")
        return None
    if args.as_ours and args.retire:
        raise UsageError("--as-ours keeps the spec's dashboard (showing the file); --retire deletes it: choose one")
    if len(targets) != 1:
        raise UsageError(
            f"--to-file restores one dashboard: give the one spec whose dashboard it replaces, not {len(targets)}"
        )
    inputs = {}
    for item in args.input:
        name, equals, value = item.partition("=")
        if not name or not equals:
            raise UsageError(f"--input {item!r}: give NAME=VALUE, e.g. --input DS_PROMETHEUS=prometheus-main")
        inputs[name] = value
    found = read_dashboard(args.to_file, inputs)
    if args.retire and found.uid in ("", targets[0].uid):
        raise UsageError(
            f"{args.to_file} has {'no uid' if not found.uid else 'the uid of our dashboard'}: --retire would delete "
            "what it restores (use --as-ours)"
        )
    return found


def _push_alerting(args: argparse.Namespace, token: str, budget: Any) -> Exit:
    """``push --alerting``: the Grafana-managed alerting target, compiled in memory and saved
    after the dashboards (whose push creates the folder the rule groups go into)."""
    from ..output.pipeline import compile_specs
    from ..remote.alerting_push import push_bundle_alerting
    from ..remote.grafana_api import GrafanaError

    specs = load_all(args.specs)
    bundle = compile_specs(specs, targets=["grafana_alerting"])
    try:
        done = push_bundle_alerting(
            bundle,
            env_value(args, "--grafana-url"),
            token,
            folder_uid=args.folder_uid,
            retries=args.retries,
            editable_in_ui=args.editable_in_ui,
            budget=budget,
            services={spec.service.name for spec in specs},
            dry_run=args.dry_run,
        )
    except GrafanaError as err:
        sys.stderr.write(f"alerting: error: {err} (check the token's alerting permissions and --folder-uid)\n")
        return Exit.FINDINGS
    if not getattr(args, "quiet", False):
        for line in done:
            print(f"alerting: {line}")
    return Exit.OK


def _hint(err: Any) -> str:
    from ..remote.file_rollback import NO_API
    from ..remote.http import KINDS, advice

    if err.reason == NO_API:
        return "a v2 dashboard needs Grafana 13, or 12 with the v2 API enabled; else restore a classic export of it"
    if err.reason in KINDS:  # no answer, or not one Grafana would give
        return advice(err.reason, "--grafana-url")
    if err.status == 401:
        return "the token is wrong or expired: check --token-file or $GRAFANA_ADMIN_TOKEN"
    if err.status == 403:
        return "the token's service account lacks the Editor role on this folder"
    if err.status == 404:
        return "no such dashboard or version in Grafana: see `sigil-monitoring history`"
    if err.status >= 500:
        return "Grafana failed; retried with backoff, try again later"
    if err.status == 0:
        return "check --grafana-url and the network"
    return "check the URL, the token's role and --folder-uid"
