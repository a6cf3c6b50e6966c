"""What every command shares: the argument parser's class and options, loading specs with
every error at once, and reporting diagnostics."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

import msgspec

from ..errors import Diagnostic, SpecError
from ..exits import Exit

if TYPE_CHECKING:
    from ..output.request import SpecFile
    from ..spec.document import Spec


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        raise SystemExit(Exit.USAGE)


def _color(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def report(diagnostics: Sequence[Diagnostic], fmt: str = "text", stream: TextIO | None = None) -> None:
    """Errors and warnings: text lines on stderr (coloured on a terminal), or GitHub annotations /
    one JSON document on stdout, where CI tools read them."""
    from ..errors import render

    if fmt != "text":
        (stream or sys.stdout).write(render(diagnostics, fmt))
        return
    stream = stream or sys.stderr
    colors = {"error": "\033[31m", "warning": "\033[33m"}
    reset = "\033[0m"
    color = _color(stream)  # once: a spec of 10,000 SLOs may warn 10,000 times
    for diag in diagnostics:
        text = str(diag)
        if color:
            text = text.replace(f": {diag.severity}: ", f": {colors[diag.severity]}{diag.severity}{reset}: ", 1)
        stream.write(text + "\n")


def report_errors(error: SpecError, stream: TextIO | None = None, fmt: str = "text") -> None:
    report(error.diagnostics, fmt, stream)


def load_all(
    paths: Sequence[str], *, strict: bool = False, fmt: str | None = "text", templates: list[str] | None = None
) -> list[Spec]:
    """Load every spec (a folder means its specs), collecting the errors of all of them before failing.

    Warnings are reported (in ``fmt``; None: not at all, the caller reports them) and loading goes
    on; ``strict`` makes them errors. ``templates`` gets the templates among them (``load_read``).
    """
    from ..output.request import read_specs

    return load_read(*read_specs(paths), strict=strict, fmt=fmt, templates=templates)


def load_read(
    files: Sequence[SpecFile],
    problems: Sequence[Diagnostic],
    *,
    strict: bool = False,
    fmt: str | None = "text",
    templates: list[str] | None = None,
) -> list[Spec]:
    """``load_all`` of specs already read (``output.request.read_specs``): each is read only once.
    ``templates`` gets the templates among ``files``, each checked on its own (``_template``)."""
    from ..readers import is_foreign
    from ..spec.loader import parse_spec

    specs: list[Spec] = []
    diagnostics = list(problems)
    foreign = []  # Sloth, OpenSLO and Pyrra files: read together (a reference may cross files)
    for file in files:
        if is_foreign(file.data):
            foreign.append((file.shown, file.data))
            continue
        try:
            if b"Template" in file.data and _template(file):  # checked on its own; not a spec
                if templates is not None:
                    templates.append(file.shown)
                continue
            specs.append(parse_spec(file.data, file.shown))
        except SpecError as exc:
            diagnostics.extend(exc.diagnostics)
    losses: list[Diagnostic] = []
    if foreign:
        from ..readers import load

        read, losses, errors = load(foreign)
        specs += read
        diagnostics += errors
    if not diagnostics:
        seen: dict[str, str] = {}
        for spec in specs:
            name, source = spec.service.name, spec._source.display
            if name in seen:
                diagnostics.append(
                    Diagnostic(
                        *_where(spec, ("service", "name")),
                        f"service '{name}' is also defined in {seen[name]} (give each spec its own service name)",
                    )
                )
            seen[name] = source
        diagnostics += _shared_dashboard_uids(specs)
        diagnostics += _second_catch_alls(specs)
    warnings = warnings_of(specs, losses)
    if strict:
        diagnostics += [w.as_error() for w in warnings]
    elif warnings and not diagnostics and fmt is not None:
        report(warnings, fmt)
    if diagnostics:
        raise SpecError(diagnostics)
    return specs


def warnings_of(specs: Sequence[Spec], losses: Sequence[Diagnostic] = ()) -> list[Diagnostic]:
    """The warnings of loaded specs (and of reading other tools' files), as ``load_read`` reports them."""
    # One line per warning: a template's own (a null that removes nothing) comes with each spec extending it.
    return sorted({*losses, *(w for spec in specs for w in spec._warnings)})


def _template(file: SpecFile) -> bool:
    """Whether ``file`` is a template (``kind: Template``); one is checked on its own (YAML, keys,
    parameters, the templates it extends, its placeholders), as the pre-commit hook passes a
    changed template with the changed specs. Its users are checked by compiling them (``check``),
    which the template change makes stale."""
    from ..spec.template_document import KIND
    from ..spec.templates import check_template
    from ..spec.yaml_io import YamlProblem, decode, load

    try:
        doc = load(decode(file.data))
    except YamlProblem:
        return False  # the spec loader reports it
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        return False
    check_template(file.data, file.shown)
    return True


def _shared_dashboard_uids(specs: Sequence[Spec]) -> list[Diagnostic]:
    """Two services with one dashboard uid: the second import would replace the first dashboard,
    and one service's alerts would link to the other's panels."""
    from ..conventions import dashboard_uid

    seen: dict[str, str] = {}
    out = []
    for spec in specs:
        uid = spec.dashboard.uid or dashboard_uid(spec.service.name)
        source = spec._source.display
        if uid in seen:
            out.append(
                Diagnostic(
                    *_where(spec, ("dashboard", "uid")),
                    f"dashboard uid '{uid}' is also used by {seen[uid]} (give each service's dashboard its own uid)",
                )
            )
        seen.setdefault(uid, source)
    return out


def _second_catch_alls(specs: Sequence[Spec]) -> list[Diagnostic]:
    """Alertmanager has one root route: only one spec of a compile may say where the alerts no
    service routes go (``routing.catch_all``)."""
    first: str | None = None
    out = []
    for spec in specs:
        if spec.routing is None or spec.routing.catch_all is None:
            continue
        if first is None:
            first = spec._source.display
            continue
        line, col = spec._source.position(("routing", "catch_all"))
        out.append(
            Diagnostic(
                spec._source.display,
                line,
                col,
                f"routing.catch_all is also set in {first}: Alertmanager has one root route (keep it in one spec)",
            )
        )
    return out


def spec_arguments(p: argparse.ArgumentParser, again: bool = False) -> None:
    """The arguments of every command that reads specs; ``again``: none given means the spec files
    the output folder was last compiled from (``output/fleet_guard``), as a rollback recompiles them."""
    p.add_argument(
        "specs",
        nargs="*" if again else "+",
        metavar="SPEC",
        help="spec YAML file(s), or a folder of them (its *.yaml/*.yml files)"
        + ("; none: the spec files --out was last compiled from" if again else ""),
    )
    p.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print only errors")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors (exit 2)")


def timeout_argument(p: argparse.ArgumentParser) -> None:
    """``--timeout SECONDS`` of the commands that talk to a server (``remote.budget``)."""
    from ..remote.budget import TIMEOUT_HELP

    p.add_argument("--timeout", type=float, metavar="SECONDS", help=TIMEOUT_HELP)


class UsageError(Exception):
    """A wrong command line: printed as ``sigil-monitoring <command>: error: ...``, exit 2."""


class EnvFlag(msgspec.Struct, frozen=True):
    """A server flag whose default is an environment variable (the ticket's ``$PROMETHEUS_URL``)."""

    variable: str
    metavar: str
    what: str  # what is missing, in the one-line error


# Every flag that names a server or its credential, and the variable that is its default: the one
# table every command's ``register`` uses (``env_flag``) and reads back (``env_value``).
ENV_FLAGS: dict[str, EnvFlag] = {
    "--prometheus-url": EnvFlag("PROMETHEUS_URL", "URL", "Prometheus URL"),
    "--alertmanager-url": EnvFlag("ALERTMANAGER_URL", "URL", "Alertmanager URL"),
    "--grafana-url": EnvFlag("GRAFANA_URL", "URL", "Grafana URL"),
    "--token-file": EnvFlag("GRAFANA_ADMIN_TOKEN", "FILE", "Grafana token"),
}


def env_flag(p: argparse.ArgumentParser, flag: str, help: str) -> None:
    """Add ``flag`` with its variable from ``ENV_FLAGS`` named in the help as its default."""
    p.add_argument(flag, metavar=ENV_FLAGS[flag].metavar, help=f"{help} (default: ${ENV_FLAGS[flag].variable})")


def env_value(args: argparse.Namespace, flag: str) -> str:
    """The flag's value, else its variable's; ``UsageError`` naming both when neither is set.

    >>> import argparse, os
    >>> os.environ.pop("ALERTMANAGER_URL", None) and None
    >>> env_value(argparse.Namespace(alertmanager_url="http://am:9093"), "--alertmanager-url")
    'http://am:9093'
    >>> env_value(argparse.Namespace(alertmanager_url=None), "--alertmanager-url")
    Traceback (most recent call last):
    ...
    sigil_monitoring.cli.common.UsageError: no Alertmanager URL: give --alertmanager-url URL or set $ALERTMANAGER_URL
    """
    entry = ENV_FLAGS[flag]
    value = getattr(args, flag.removeprefix("--").replace("-", "_"), None) or os.environ.get(entry.variable, "")
    if not value.strip():
        raise missing(flag)
    return str(value)


def missing(flag: str) -> UsageError:
    """The error for a flag given neither on the command line nor in its variable."""
    entry = ENV_FLAGS[flag]
    return UsageError(f"no {entry.what}: give {flag} {entry.metavar} or set ${entry.variable}")


def out_folder(text: str) -> str:
    """An ``--out`` value: any path but the empty one, which would mean the working directory."""
    if not text.strip():
        raise argparse.ArgumentTypeError("--out needs a folder name, not an empty string")
    return text


def write_text_file(path: Path, text: str) -> None:
    """Write beside the target and rename, so a reader never sees half a file (drill reports, pictures)."""
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _where(spec: Spec, path: tuple[str, ...]) -> tuple[str, int, int]:
    """Where the value at ``path`` of a loaded spec was written (its file, or a template's)."""
    file, line, col = spec._source.locate(path)
    return str(file), int(line), int(col)
