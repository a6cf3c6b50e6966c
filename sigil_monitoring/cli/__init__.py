"""Command line: ``sigil-monitoring compile|validate|schema|check|convert|diff|preview|push|history|rollback|drill|
lint|fire-test|adopt|init``.

One module per command group, each adding its commands to the parser with ``register``:
``compile`` (compile, validate, schema, check), ``convert``, ``diff``, ``preview``, ``push`` (push,
history, rollback, alerting), ``live`` (drill, lint, fire-test) and ``drafts`` (adopt, init);
``common`` holds what they share. This package is the only code that imports the commands; the rest of
sigil-monitoring never imports it.

Exit codes (``exits.Exit``): 0 ok, 1 drift or findings, 2 usage or spec error, 1 an environment
error (the filesystem refused: read-only, full, permission denied, something in the way; a
Python module missing from this installation, named with its install command), 70 an
internal error (a bug: EX_SOFTWARE of sysexits.h). Errors go to stderr as ``file:line:col: error:
...`` lines, every error of every spec at once; every other failure is one line too, never a
traceback (``SIGIL_MONITORING_TRACEBACK=1`` adds the traceback of an internal error, for its bug
report).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ..errors import FilesystemError, RemoteFailure, SpecError
from ..exits import Exit
from .common import Parser, UsageError, report_errors

# The commands of ``compile``; any other needs diff/push/live, whose import (json, subprocess,
# ...) costs every compile and validate a few ms when done unconditionally.
_COMPILE_COMMANDS = ("check", "compile", "schema", "validate")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The CLI's parser; given the ``command`` about to run, only what that command needs.

    >>> def commands(parser): return sorted(parser._subparsers._group_actions[0].choices)
    >>> commands(build_parser("validate"))
    ['check', 'compile', 'schema', 'validate']
    >>> print(*commands(build_parser()))
    adopt check compile convert diff drill fire-test history init lint preview push rollback schema validate
    """
    from . import compile

    parser = Parser(
        prog="sigil-monitoring",
        description="Compile a service's monitoring spec into dashboards, rules, routing and a runbook.",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    compile.register(sub)
    if command not in _COMPILE_COMMANDS:
        from . import convert, diff, drafts, live, preview, push

        convert.register(sub)
        diff.register(sub)
        preview.register(sub)
        push.register(sub)
        live.register(sub)
        drafts.register(sub)
    return parser


def _command(argv: Sequence[str]) -> str | None:
    """The subcommand in ``argv``: its first word that is not an option (no top-level option takes a value)."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        parser = build_parser(_command(argv))
    except ModuleNotFoundError as exc:  # a command's module needs a dependency this Python lacks
        from ..dependencies import report

        return report(exc, _command(argv))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except SpecError as exc:
        fmt = getattr(args, "format", "text")
        report_errors(exc, fmt=fmt if fmt in ("json", "github") else "text")
        return Exit.USAGE
    except UsageError as exc:
        sys.stderr.write(f"sigil-monitoring {args.command}: error: {exc}\n")
        return Exit.USAGE
    except KeyboardInterrupt:
        return Exit.INTERRUPTED
    except BrokenPipeError:
        # The reader of our output went away (``| head``): nothing left to say to anyone.
        sys.stdout = open(os.devnull, "w")  # so the interpreter's final flush is quiet
        return Exit.ENVIRONMENT
    except FilesystemError as exc:
        sys.stderr.write(f"sigil-monitoring {args.command}: error: {exc}\n")
        return Exit.ENVIRONMENT
    except ModuleNotFoundError as exc:  # the environment's fault, not a bug: one line naming it
        from ..dependencies import report

        return report(exc, args.command)
    except RemoteFailure as exc:  # a server's failure the command did not word itself: still one line
        sys.stderr.write(f"sigil-monitoring {args.command}: error: {exc}\n")
        return Exit.ENVIRONMENT
    except (OSError, MemoryError) as exc:
        from ..errors import environment_error

        if isinstance(exc, MemoryError):
            reason = "out of memory (give the process more memory, or split the specs)"
            sys.stderr.write(f"sigil-monitoring {args.command}: error: {reason}\n")
        else:
            sys.stderr.write(f"sigil-monitoring {args.command}: error: {environment_error(exc)}\n")
        return Exit.ENVIRONMENT
    except Exception as exc:  # the promise is one line, never a traceback
        report_internal(exc, args)
        return Exit.INTERNAL


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
