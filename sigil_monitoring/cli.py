"""Command line: ``sigil-monitoring compile|validate|schema|check|diff``.

Exit codes: 0 ok, 1 drift or findings, 2 usage or spec error. Errors go to stderr as
``file:line:col: error: ...`` lines, every error of every spec at once.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from .errors import SpecError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        raise SystemExit(EXIT_USAGE)


def _color(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def report_errors(error: SpecError, stream: TextIO | None = None) -> None:
    stream = stream or sys.stderr
    red, reset = ("\033[31m", "\033[0m") if _color(stream) else ("", "")
    for diag in error.diagnostics:
        text = str(diag)
        stream.write(text.replace(": error: ", f": {red}error{reset}: ", 1) + "\n")


def spec_files(paths: Sequence[str]) -> list[str]:
    """Spec files as given; a folder stands for the ``*.yaml``/``*.yml`` files directly in it, sorted."""
    from pathlib import Path

    from .errors import Diagnostic

    found: list[str] = []
    empty: list[Diagnostic] = []
    for path in paths:
        if Path(path).is_dir():
            inside = sorted(str(f) for f in Path(path).iterdir() if f.suffix in (".yaml", ".yml") and f.is_file())
            if not inside:
                empty.append(Diagnostic(path, 1, 1, "a folder with no .yaml or .yml spec in it (give spec files, or the folder that holds them)"))
            found += inside
        else:
            found.append(path)
    if empty:
        raise SpecError(empty)
    return found


def load_all(paths: Sequence[str]):  # type: ignore[no-untyped-def]
    """Load every spec (a folder means its specs), collecting the errors of all of them before failing."""
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
                from .errors import Diagnostic

                line, col = spec._source.position(("service", "name"))
                diagnostics.append(Diagnostic(source, line, col, f"service '{name}' is also defined in {seen[name]} (give each spec its own service name)"))
            seen[name] = source
    if diagnostics:
        raise SpecError(diagnostics)
    return specs


def cmd_validate(args: argparse.Namespace) -> int:
    specs = load_all(args.specs)
    if not args.quiet:
        print(f"{len(specs)} spec(s) valid")
    return EXIT_OK


def cmd_compile(args: argparse.Namespace) -> int:
    from .incremental import compile_changed, up_to_date

    fresh = up_to_date(args.specs, args.out)
    if fresh is not None:  # same compiler, same specs, output untouched: nothing to build
        if not args.quiet:
            print(f"wrote {fresh} files to {args.out} (0 changed)")
        return EXIT_OK
    from .pipeline import compile_specs
    from .write import write_bundle

    specs = load_all(args.specs)
    bundle = compile_changed(specs, args.out)  # only the services whose spec or output changed
    if bundle is None:
        bundle = compile_specs(specs)
    changed = write_bundle(bundle, args.out)
    if not args.quiet:
        print(f"wrote {len(bundle)} files to {args.out} ({len(changed)} changed)")
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
    ['check', 'compile', 'diff', 'push', 'schema', 'validate']
    """
    parser = _Parser(prog="sigil-monitoring", description="Compile a service's monitoring spec into dashboards, rules, routing and a runbook.")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def specs(p: argparse.ArgumentParser) -> None:
        p.add_argument("specs", nargs="+", metavar="SPEC", help="spec YAML file(s), or a folder of them (its *.yaml/*.yml files)")
        p.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print only errors")

    p = sub.add_parser("compile", help="compile specs into an output folder", description="Compile specs; the output folder is swapped in atomically.")
    specs(p)
    p.add_argument("--out", default="build", metavar="DIR", help="output folder (default: build)")
    p.set_defaults(func=cmd_compile)

    p = sub.add_parser("validate", help="check specs without writing anything", description="Validate specs; exit 2 with every error when invalid.")
    specs(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("schema", help="print the spec's JSON Schema", description="Print the JSON Schema of the spec format (schemas/spec.schema.json).")
    p.set_defaults(func=cmd_schema)

    if command not in _OWN_COMMANDS:
        from . import drift_cli, push_cli

        drift_cli.register(sub, specs)
        push_cli.register(sub, specs)
    return parser


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
        report_errors(exc)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
