"""Command line: ``sigil-monitoring compile|validate|schema|check|diff``.

Exit codes: 0 ok, 1 drift or findings, 2 usage or spec error, 1 an environment error (the
filesystem refused: read-only, full, permission denied, something in the way), 70 an internal
error (a bug: EX_SOFTWARE of sysexits.h). Errors go to stderr as ``file:line:col: error: ...``
lines, every error of every spec at once; every other failure is one line too, never a traceback
(``SIGIL_MONITORING_TRACEBACK=1`` adds the traceback of an internal error, for its bug report).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from .errors import Diagnostic, FilesystemError, SpecError
from .records import asdict

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_ENVIRONMENT, EXIT_INTERNAL = 1, 70


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        raise SystemExit(EXIT_USAGE)


def _color(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def report(diagnostics: Sequence[Diagnostic], fmt: str = "text", stream: TextIO | None = None) -> None:
    """Errors and warnings: text lines on stderr (coloured on a terminal), or GitHub annotations /
    one JSON document on stdout, where CI tools read them."""
    from .errors import render

    if fmt != "text":
        (stream or sys.stdout).write(render(diagnostics, fmt))
        return
    stream = stream or sys.stderr
    colors = {"error": "\033[31m", "warning": "\033[33m"}
    reset = "\033[0m"
    for diag in diagnostics:
        text = str(diag)
        if _color(stream):
            text = text.replace(f": {diag.severity}: ", f": {colors[diag.severity]}{diag.severity}{reset}: ", 1)
        stream.write(text + "\n")


def report_errors(error: SpecError, stream: TextIO | None = None, fmt: str = "text") -> None:
    report(error.diagnostics, fmt, stream)


def spec_files(paths: Sequence[str]) -> list[str]:
    """Spec files as given; a folder stands for the ``*.yaml``/``*.yml`` files directly in it, sorted."""
    from pathlib import Path

    found: list[str] = []
    empty: list[Diagnostic] = []
    for path in paths:
        if Path(path).is_dir():
            inside = sorted(str(f) for f in Path(path).iterdir() if f.suffix in (".yaml", ".yml") and f.is_file())
            if not inside:
                empty.append(
                    Diagnostic(
                        path,
                        1,
                        1,
                        "a folder with no .yaml or .yml spec in it (give spec files, or the folder that holds them)",
                    )
                )
            found += inside
        else:
            found.append(path)
    if empty:
        raise SpecError(empty)
    return found


def load_all(paths: Sequence[str], *, strict: bool = False, fmt: str | None = "text"):  # type: ignore[no-untyped-def]
    """Load every spec (a folder means its specs), collecting the errors of all of them before failing.

    Warnings are reported (in ``fmt``; None: not at all, the caller reports them) and loading goes
    on; ``strict`` makes them errors.
    """
    from .spec.loader import load_spec

    specs, diagnostics = [], []
    for path in spec_files(paths):
        try:
            specs.append(load_spec(path))
        except SpecError as exc:
            diagnostics.extend(exc.diagnostics)
    if not diagnostics:
        seen: dict[str, str] = {}
        for spec in specs:
            name, source = spec.service.name, spec._source.display
            if name in seen:
                line, col = spec._source.position(("service", "name"))
                diagnostics.append(
                    Diagnostic(
                        source,
                        line,
                        col,
                        f"service '{name}' is also defined in {seen[name]} (give each spec its own service name)",
                    )
                )
            seen[name] = source
        diagnostics += _shared_dashboard_uids(specs)
    warnings = sorted(w for spec in specs for w in spec._warnings)
    if strict:
        diagnostics += [w.as_error() for w in warnings]
    elif warnings and not diagnostics and fmt is not None:
        report(warnings, fmt)
    if diagnostics:
        raise SpecError(diagnostics)
    return specs


def _shared_dashboard_uids(specs: Sequence[Any]) -> list[Diagnostic]:
    """Two services with one dashboard uid: the second import would replace the first dashboard,
    and one service's alerts would link to the other's panels."""
    from .conventions import dashboard_uid

    seen: dict[str, str] = {}
    out = []
    for spec in specs:
        uid = spec.dashboard.uid or dashboard_uid(spec.service.name)
        source = spec._source.display
        if uid in seen:
            line, col = spec._source.position(("dashboard", "uid"))
            out.append(
                Diagnostic(
                    source,
                    line,
                    col,
                    f"dashboard uid '{uid}' is also used by {seen[uid]} (give each service's dashboard its own uid)",
                )
            )
        seen.setdefault(uid, source)
    return out


def cmd_validate(args: argparse.Namespace) -> int:
    from .engines import check_support, chosen

    specs = load_all(args.specs, strict=args.strict, fmt=None if args.format == "json" else args.format)
    check_support(specs, [chosen(spec.targets) for spec in specs])  # engines the specs name themselves
    if args.format == "json":
        sys.stdout.write(
            json.dumps(
                {"valid": True, "specs": len(specs), "diagnostics": [asdict(w) for s in specs for w in s._warnings]},
                indent=2,
            )
            + "\n"
        )
    elif not args.quiet and args.format == "text":
        print(f"{len(specs)} spec(s) valid")
    return EXIT_OK


def cmd_compile(args: argparse.Namespace) -> int:
    from .incremental import compile_changed, up_to_date

    fresh = up_to_date(args.specs, args.out)
    if fresh is not None:  # same compiler, same specs, output untouched: nothing to build
        if not args.quiet:
            print(f"wrote {fresh} files to {args.out} (0 changed)")
        return EXIT_OK
    from .pipeline import inputs_of, rendered
    from .write import write_files

    specs = load_all(args.specs, strict=args.strict, fmt=args.format)
    # Only the services whose spec or output changed (for the spec's own targets; --target compiles all).
    bundle = compile_changed(specs, args.out) if args.target is None else None
    if bundle is not None:
        count, changed = write_files(bundle.items(), args.out, bundle.inputs, bundle.verified)
    else:  # rendered file by file into the stage, never all in memory
        count, changed = write_files(rendered(specs, args.target), args.out, inputs_of(specs))
    if not args.quiet:
        print(f"wrote {count} files to {args.out} ({len(changed)} changed)")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from .schema import schema_text

    sys.stdout.write(schema_text())
    return EXIT_OK


# The commands defined in this module; any other needs drift_cli/push_cli, whose import (json,
# subprocess, ...) costs every compile and validate a few ms when done unconditionally.
_OWN_COMMANDS = ("compile", "validate", "schema")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The CLI's parser; given the ``command`` about to run, only what that command needs.

    >>> def commands(parser): return sorted(parser._subparsers._group_actions[0].choices)
    >>> commands(build_parser("validate"))
    ['compile', 'schema', 'validate']
    >>> commands(build_parser())
    ['check', 'compile', 'diff', 'drill', 'fire-test', 'history', 'lint', 'push', 'rollback', 'schema', 'validate']
    """
    parser = _Parser(
        prog="sigil-monitoring",
        description="Compile a service's monitoring spec into dashboards, rules, routing and a runbook.",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    from . import engines

    def specs(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "specs", nargs="+", metavar="SPEC", help="spec YAML file(s), or a folder of them (its *.yaml/*.yml files)"
        )
        p.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print only errors")
        p.add_argument("--strict", action="store_true", help="treat warnings as errors (exit 2)")

    def output_format(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--format",
            choices=("text", "json", "github"),
            default="text",
            help="errors and warnings as text lines on stderr (default), one JSON document, or GitHub annotations (stdout)",
        )

    p = sub.add_parser(
        "compile",
        help="compile specs into an output folder",
        description="Compile specs; the output folder is swapped in atomically.",
    )
    specs(p)
    p.add_argument("--out", default="build", type=out_folder, metavar="DIR", help="output folder (default: build)")
    output_format(p)
    engines.add_target_option(p)
    p.set_defaults(func=cmd_compile)

    p = sub.add_parser(
        "validate",
        help="check specs without writing anything",
        description="Validate specs; exit 2 with every error when invalid.",
    )
    specs(p)
    output_format(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "schema",
        help="print the spec's JSON Schema",
        description="Print the JSON Schema of the spec format (schemas/spec.schema.json).",
    )
    p.set_defaults(func=cmd_schema)

    if command not in _OWN_COMMANDS:
        from . import drift_cli, live_cli, push_cli

        drift_cli.register(sub, specs)
        push_cli.register(sub, specs)
        live_cli.register(sub, specs)
    return parser


def out_folder(text: str) -> str:
    """An ``--out`` value: any path but the empty one, which would mean the working directory."""
    if not text.strip():
        raise argparse.ArgumentTypeError("--out needs a folder name, not an empty string")
    return text


def _command(argv: Sequence[str]) -> str | None:
    """The subcommand in ``argv``: its first word that is not an option (no top-level option takes a value)."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(_command(argv))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except SpecError as exc:
        fmt = getattr(args, "format", "text")
        report_errors(exc, fmt=fmt if fmt in ("json", "github") else "text")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of our output went away (``| head``): nothing left to say to anyone.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - so the interpreter's final flush is quiet
        return EXIT_ENVIRONMENT
    except FilesystemError as exc:
        sys.stderr.write(f"sigil-monitoring {args.command}: error: {exc}\n")
        return EXIT_ENVIRONMENT
    except ModuleNotFoundError as exc:
        # A dependency missing from this Python is the environment's fault, not a bug: say which.
        sys.stderr.write(
            f"sigil-monitoring {args.command}: error: No module named {exc.name!r} "
            "(install sigil-monitoring with its dependencies, e.g. pip install -e . in a virtual environment)\n"
        )
        return EXIT_ENVIRONMENT
    except (OSError, MemoryError) as exc:
        from .errors import filesystem_error

        if isinstance(exc, MemoryError):
            reason = "out of memory (give the process more memory, or split the specs)"
            sys.stderr.write(f"sigil-monitoring {args.command}: error: {reason}\n")
        else:
            sys.stderr.write(
                f"sigil-monitoring {args.command}: error: {filesystem_error(exc, os.fsdecode(exc.filename or '.'))}\n"
            )
        return EXIT_ENVIRONMENT
    except Exception as exc:  # noqa: BLE001 - the promise is one line, never a traceback
        report_internal(exc, args)
        return EXIT_INTERNAL


def report_internal(exc: BaseException, args: argparse.Namespace) -> None:
    """One line for a bug: the exception's type and where it was raised, never its text.

    The text of an exception can hold anything it was given, a token included; the type, the
    place and the spec are what a bug report needs.
    """
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "sigil_monitoring" in f.filename] or frames
    where = ""
    if ours:
        frame = ours[-1]
        where = f" at {frame.filename[frame.filename.rfind('sigil_monitoring') :]}:{frame.lineno}"
    inputs = " ".join(getattr(args, "specs", None) or getattr(args, "paths", None) or []) or "the command line"
    sys.stderr.write(
        f"sigil-monitoring {args.command}: internal error: {type(exc).__name__}{where} "
        f"(this is a bug in sigil-monitoring, please report it with the spec that caused it: {inputs})\n"
    )
    if os.environ.get("SIGIL_MONITORING_TRACEBACK"):
        traceback.print_exception(exc, file=sys.stderr)
