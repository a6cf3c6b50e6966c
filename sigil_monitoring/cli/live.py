"""The live commands: ``drill``, ``lint --prometheus-url`` and ``fire-test --alertmanager-url``.

They talk to real servers (the drill starts its own on 127.0.0.1); the compilers stay pure and
only these commands and the writer touch the world. Exit codes: 0 passed, 1 findings or failed
alerts, 2 usage or spec error.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import Diagnostic, SpecError
from ..exits import Exit
from .common import (
    ENV_FLAGS,
    UsageError,
    env_flag,
    env_value,
    load_all,
    spec_arguments,
    timeout_argument,
    write_text_file,
)

PROMETHEUS_URL_ENV = ENV_FLAGS["--prometheus-url"].variable  # for the commands that still read it by hand


def register(sub: Any) -> None:
    p = sub.add_parser(
        "drill",
        help="fire drill: every alert on real Prometheus + Alertmanager fed by a simulator",
        description="Compile in memory, start Prometheus and Alertmanager on 127.0.0.1 with the compiled rules "
        "and routing (receivers captured locally, time scaled down), and for each alert inject its "
        "incident, wait for the notification at the expected receiver, clear it and wait for the "
        "resolved one. Exit 1 when an alert fails or normal traffic alerts.",
    )
    spec_arguments(p)
    p.add_argument(
        "--alert", action="append", metavar="NAME", help="drill only this alert, NAME or SERVICE/NAME (repeatable)"
    )
    p.add_argument(
        "--report",
        metavar="FILE",
        help="write the report with its charts here (.html for HTML, .json for JSON, else Markdown); "
        "without it the terminal gets a text summary",
    )
    p.add_argument(
        "--format",
        choices=("markdown", "html", "json"),
        help="report format (default: from --report's suffix); json without --report prints to stdout",
    )
    p.set_defaults(func=cmd_drill)

    p = sub.add_parser(
        "lint",
        help="check a running Prometheus against the spec",
        description="Check that every catalog metric exists with its type and labels, pinned label values exist, "
        "panel queries and rule expressions return data, and histogram buckets hold every latency "
        "threshold. Exit 1 on findings.",
    )
    spec_arguments(p)
    env_flag(p, "--prometheus-url", "Prometheus base URL, e.g. http://prometheus:9090")
    timeout_argument(p)
    p.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="findings as text lines, JSON, or GitHub annotations",
    )
    p.set_defaults(func=cmd_lint)

    p = sub.add_parser(
        "fire-test",
        help="send a synthetic test alert to an Alertmanager, then resolve it",
        description="Post each alert (or --alert NAME) with exactly the labels and annotations the real one carries, "
        "marked as a test in its annotations, so on-call sees it arrive; resolve it after --resolve-after.",
    )
    spec_arguments(p)
    env_flag(p, "--alertmanager-url", "Alertmanager base URL, e.g. http://alertmanager:9093")
    p.add_argument(
        "--alert", action="append", metavar="NAME", help="only this alert (repeatable); default: every alert"
    )
    p.add_argument(
        "--resolve-after", default="2m", metavar="DURATION", help="how long the test alert fires (default 2m)"
    )
    p.add_argument(
        "--check-silence",
        nargs="?",
        const="30s",
        metavar="HOLD",
        help="first prove the runbook's silence: add it with the runbook's amtool command, check Alertmanager holds "
        "the test alert back for HOLD (default 30s, longer than group_wait), expire it with the runbook's commands "
        "and check the next one goes out (needs amtool)",
    )
    timeout_argument(p)
    p.set_defaults(func=cmd_fire_test)


def _progress(quiet: bool) -> Callable[[str], None]:
    if quiet:
        return lambda _line: None
    from ..escape import one_line  # a progress line can quote a server's reply

    def say(line: str) -> None:
        # One write per line, its newline included: the drill reports from several threads, and
        # print() writes the text and the newline separately, so two lines could run together.
        sys.stderr.write(one_line(line) + "\n")
        sys.stderr.flush()

    return say


def _sigterm_as_interrupt() -> None:
    """SIGTERM unwinds like Ctrl-C, so every server the drill started is stopped."""
    import threading

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():  # signal handlers live in the main thread
        signal.signal(signal.SIGTERM, interrupt)


def _known_alerts(specs: list[Any], wanted: list[str] | None) -> None:
    if not wanted:
        return
    from ..ir.build import build_model

    services = build_model(specs).services
    pairs = {(s.name, a.name) for s in services for a in s.alerts}
    pairs |= {(s.name, b.name) for s in services for slo in s.slos for b in slo.alerts}
    names = {a for _, a in pairs} | {f"{s}/{a}" for s, a in pairs}
    unknown = [w for w in wanted if w not in names]
    if unknown:
        raise SpecError(
            [
                Diagnostic(
                    "--alert",
                    1,
                    1,
                    f"no alert named {u!r} in the spec(s) (known: {', '.join(sorted({a for _, a in pairs}))})",
                )
                for u in unknown
            ]
        )


def cmd_drill(args: argparse.Namespace) -> int:
    from ..live.drill import run_drill
    from ..live.net import ALERTMANAGER_NAMES, PROMETHEUS_NAMES, binary
    from ..live.report import render

    fmt = args.format or _format_of(args.report)
    if not args.report and fmt in ("markdown", "html"):
        print(
            f"drill: error: --format {fmt} has charts (SVG) and goes to a file: add --report FILE "
            "(without it the terminal gets a text summary)",
            file=sys.stderr,
        )
        return Exit.USAGE
    specs = load_all(args.specs)
    _known_alerts(specs, args.alert)
    missing = [
        n
        for n, names in (("prometheus", PROMETHEUS_NAMES), ("prometheus-alertmanager", ALERTMANAGER_NAMES))
        if not binary(names)
    ]
    if missing:
        print(
            f"drill: error: {' and '.join(missing)} not found on PATH (install the Debian packages prometheus "
            "and prometheus-alertmanager)",
            file=sys.stderr,
        )
        return Exit.USAGE
    _sigterm_as_interrupt()
    result = run_drill(specs, args.alert, progress=_progress(args.quiet or not sys.stderr.isatty() and fmt == "json"))
    if args.report:
        write_text_file(Path(args.report), render(result, fmt))
        print(f"{result.verdict}; report: {args.report}")
    elif fmt == "json":
        sys.stdout.write(render(result, "json"))
        print(result.verdict, file=sys.stderr)
    else:  # the terminal: the summary table and the verdict, last; just the verdict with -q
        sys.stdout.write(render(result, "text") if not args.quiet else result.verdict + "\n")
    return Exit.OK if result.passed else Exit.FINDINGS


def _format_of(report: str | None) -> str:
    """The report format a ``--report`` file name implies; ``text`` for the terminal."""
    if report is None:
        return "text"
    suffix = Path(report).suffix.lower()
    return {".html": "html", ".htm": "html", ".json": "json"}.get(suffix, "markdown")


def _remote(args: argparse.Namespace, option: str) -> tuple[str, Any]:
    """The checked server URL (``option``, else its variable) and the command's time budget;
    ``UsageError`` (exit 2) for a missing or bad one."""
    from ..remote.budget import Budget, UrlError, timeout_seconds
    from ..remote.http import check_url

    try:
        return check_url(env_value(args, option), option), Budget(timeout_seconds(args.timeout))
    except UrlError as exc:
        raise UsageError(str(exc)) from None


def cmd_lint(args: argparse.Namespace) -> int:
    from ..live.lint import lint, render_findings
    from ..remote.http import RemoteError, advice

    specs = load_all(args.specs)
    url, budget = _remote(args, "--prometheus-url")
    try:
        findings = lint(specs, url, budget)
    except RemoteError as err:
        print(f"sigil-monitoring lint: error: {err} ({advice(err.kind, '--prometheus-url')})", file=sys.stderr)
        return Exit.ENVIRONMENT
    text = render_findings(findings, args.format)
    if text:
        sys.stdout.write(text)
    if not findings and not args.quiet and args.format == "text":
        print("no findings")
    return Exit.FINDINGS if findings else Exit.OK


def cmd_fire_test(args: argparse.Namespace) -> int:
    from ..live.fire_test import fire_test
    from ..live.net import AMTOOL_NAMES, binary
    from ..values.units import Duration

    durations = {}
    for flag, text in (("--resolve-after", args.resolve_after), ("--check-silence", args.check_silence)):
        try:
            durations[flag] = Duration.parse(text).ms / 1000 if text is not None else None
        except ValueError as exc:
            raise SpecError([Diagnostic(flag, 1, 1, str(exc))]) from None
    specs = load_all(args.specs)
    _known_alerts(specs, args.alert)
    url, budget = _remote(args, "--alertmanager-url")
    if args.check_silence is not None and not binary(AMTOOL_NAMES):
        raise UsageError(
            "--check-silence runs the runbook's amtool commands: amtool is not on PATH (install the "
            "Debian package prometheus-alertmanager)"
        )
    _sigterm_as_interrupt()
    sent = fire_test(
        specs,
        url,
        args.alert,
        durations["--resolve-after"] or 0,
        _progress(args.quiet),
        budget.seconds,
        durations["--check-silence"],
    )
    return Exit.OK if sent else Exit.FINDINGS
