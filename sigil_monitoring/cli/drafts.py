"""The drafting commands: ``adopt`` (a spec from a Grafana dashboard and rule files) and ``init``
(a spec from an exporter's metrics, a file, a URL or a running Prometheus).

Both write one spec through ``drafts.yaml_writer`` and check that it validates and compiles before
anything is written; an input that is not what it should be is one positioned error, exit 2,
and no file is touched.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from ..errors import Diagnostic, SpecError
from ..exits import Exit
from .common import UsageError, env_flag, env_value, timeout_argument, write_text_file


def register(sub: Any) -> None:
    p = sub.add_parser(
        "adopt",
        help="draft a spec from a Grafana dashboard JSON and Prometheus rule files",
        description="Draft a spec from an existing Grafana dashboard (classic JSON or the v2 resource) and "
        "Prometheus rule files: the catalog from the queries' selectors, typed panels and alerts where the "
        "typed form compiles to the same query, raw promql otherwise; a summary says which.",
    )
    p.add_argument("dashboard", metavar="DASHBOARD.json", help="the dashboard's JSON model (Share > Export)")
    p.add_argument("rules", nargs="*", metavar="RULES.yml", help="Prometheus rule files whose alerts to adopt")
    p.add_argument("--out", metavar="SPEC.yaml", help="write the draft here (default: print it)")
    p.add_argument("--name", help="the service name (default: from the selector's job, else the dashboard title)")
    p.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print no summary")
    p.set_defaults(func=cmd_adopt)

    p = sub.add_parser(
        "init",
        help="draft a spec from an exporter's /metrics or a running Prometheus",
        description="Draft a spec from the metrics a service exposes: the catalog from # HELP/# TYPE, a dashboard "
        "with a row per family group, and RED SLOs (commented out when unsure).",
    )
    source = p.add_mutually_exclusive_group()
    source.add_argument(
        "--from-metrics", metavar="URL_OR_FILE", help="the Prometheus text exposition: a file, or an http(s) URL"
    )
    env_flag(source, "--prometheus-url", "read a running Prometheus's metadata and series APIs")
    p.add_argument("--job", required=True, help="the job label Prometheus scrapes the service under")
    p.add_argument("--out", metavar="SPEC.yaml", help="write the draft here (default: print it)")
    p.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print no summary")
    timeout_argument(p)
    p.set_defaults(func=cmd_init)


def _read(path: str) -> str:
    from ..fsread import NotRegularFile, TooLarge, read_regular
    from ..spec.yaml_io import limit

    try:
        data = read_regular(path, limit("MAX_BYTES"))
    except OSError as exc:
        raise SpecError([Diagnostic(path, 1, 1, f"cannot read the file: {exc.strerror} (check the path)")]) from None
    except NotRegularFile as exc:
        raise SpecError([Diagnostic(path, 1, 1, f"{exc.kind}, not a regular file (give a file)")]) from None
    except TooLarge as exc:
        raise SpecError([Diagnostic(path, 1, 1, f"the file is over {exc.limit} bytes (give a smaller one)")]) from None
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SpecError([Diagnostic(path, line, 1, "not UTF-8 text (save the file as UTF-8)")]) from None


def cmd_adopt(args: argparse.Namespace) -> int:
    from ..drafts.adopt import adopt
    from ..drafts.catalog import service_name
    from ..drafts.grafana_source import read_dashboard
    from ..drafts.rules_source import read_rules

    problems: list[Diagnostic] = []
    board = rules = None
    try:
        board = read_dashboard(_read(args.dashboard), args.dashboard)
    except SpecError as exc:
        problems += exc.diagnostics
    rules = []
    for path in args.rules:
        try:
            rules += read_rules(_read(path), path)
        except SpecError as exc:
            problems += exc.diagnostics
    if args.name is not None and service_name(args.name) != args.name:
        problems.append(
            Diagnostic(
                "--name", 1, 1, f"{args.name!r} is not a service name (use 2-40 lowercase letters, digits and dashes)"
            )
        )
    if problems:
        raise SpecError(problems)
    draft = adopt(board, rules, args.name)
    header = [
        f"Drafted by: sigil-monitoring adopt {' '.join(os.path.basename(p) for p in [args.dashboard, *args.rules])}"
    ]
    header += ["Review it: typed panels and alerts compile to the queries they had; raw promql stayed as written."]
    _write(args, draft.spec, header, draft.comments, "")
    if not getattr(args, "quiet", False):
        (sys.stdout if args.out else sys.stderr).write(draft.summary.text())
    return Exit.OK


def cmd_init(args: argparse.Namespace) -> int:
    from ..drafts.init import families_from_prometheus, init_draft
    from ..remote.budget import Budget, UrlError, timeout_seconds
    from ..remote.http import RemoteError, advice, check_url

    source = args.from_metrics
    option = "--from-metrics"
    try:
        if source is not None and not source.startswith(("http://", "https://")):
            text = _read(source)
            families = _families(text, source)
        else:
            # the flag, else $PROMETHEUS_URL; neither: the one missing-flag line, naming the file alternative
            url = source or _prometheus_url(args)
            option = "--from-metrics" if source else "--prometheus-url"
            budget = Budget(timeout_seconds(args.timeout))
            if source:
                families = _families(_fetch(check_url(url, option), budget), url)
            else:
                families = families_from_prometheus(check_url(url, option), args.job, budget)
    except UrlError as exc:
        print(f"sigil-monitoring init: error: {exc}", file=sys.stderr)
        return Exit.USAGE
    except RemoteError as err:
        print(f"sigil-monitoring init: error: {err} ({advice(err.kind, option)})", file=sys.stderr)
        return Exit.ENVIRONMENT
    draft = init_draft(families, args.job)
    header = [f"Drafted by: sigil-monitoring init --job {args.job}", "Review the types, units and SLOs."]
    _write(args, draft.spec, header, draft.comments, "")
    if not getattr(args, "quiet", False):
        stream = sys.stdout if args.out else sys.stderr
        stream.write(
            f"{len(draft.spec['metrics'])} metrics, {len(draft.spec.get('slos', {}))} SLOs written, "
            f"{len(draft.suggestions.get('slos', {}))} suggested (commented out), {len(draft.skipped)} skipped\n"
        )
        stream.writelines(f"  skipped: {item}\n" for item in draft.skipped)
    return Exit.OK


def _families(text: str, where: str) -> Any:
    from ..drafts.init import families_from_text

    try:
        return families_from_text(text)
    except ValueError as exc:
        raise SpecError(
            [Diagnostic(where, 1, 1, f"not the Prometheus text format: {exc} (give an exporter's /metrics output)")]
        ) from None


def _fetch(url: str, budget: Any) -> str:
    from ..remote.http import Client

    reply = Client(url, budget, what=f"the exporter at {url}").request("GET", "")
    return reply.body.decode("utf-8", errors="replace")


def _write(args: argparse.Namespace, spec: dict[str, Any], header: list[str], comments: Any, footer: str) -> None:
    """Write the draft (or print it) once it validates and compiles; a failure here is our bug."""
    from ..drafts.yaml_writer import DEFAULT_SCHEMA, dump_spec, schema_for
    from ..output.pipeline import compile_spec
    from ..spec.loader import parse_spec

    schema = schema_for(args.out) if args.out and os.path.exists("schemas/spec.schema.json") else DEFAULT_SCHEMA
    text = dump_spec(spec, header=header, comments=comments, footer=footer, schema=schema)
    try:
        compile_spec(parse_spec(text, args.out or "<draft>"))
    except SpecError as exc:  # every part was checked on its own: a refusal of the whole is our bug (exit 70)
        raise AssertionError(f"the draft does not validate: {len(exc.diagnostics)} errors") from None
    if not args.out:
        sys.stdout.write(text)
        return
    write_text_file(Path(args.out), text)


def _prometheus_url(args: argparse.Namespace) -> str:
    try:
        return env_value(args, "--prometheus-url")
    except UsageError as exc:
        raise UsageError(f"{exc}, or read an exporter's metrics with --from-metrics URL_OR_FILE") from None
