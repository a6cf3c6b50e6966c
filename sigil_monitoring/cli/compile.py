"""The ``compile``, ``validate``, ``check`` and ``schema`` commands: specs in, an output folder
(or a verdict on one) out.

Imported by every run of the command line, so everything heavy (compilers, the writer, semdiff)
is imported inside the commands.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from ..exits import Exit
from .common import UsageError, load_all, load_read, out_folder, report, spec_arguments, warnings_of


def output_format(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="errors and warnings as text lines on stderr (default), one JSON document, or GitHub annotations (stdout)",
    )


def register(sub: Any) -> None:
    """Add ``compile``, ``validate``, ``schema`` and ``check`` to the CLI."""
    from ..engines import add_target_option

    p = sub.add_parser(
        "compile",
        help="compile specs into an output folder",
        description="Compile specs; the output folder is swapped in atomically.",
    )
    spec_arguments(p, again=True)
    p.add_argument("--out", default="build", type=out_folder, metavar="DIR", help="output folder (default: build)")
    output_format(p)
    add_target_option(p)
    p.set_defaults(func=cmd_compile)

    p = sub.add_parser(
        "validate",
        help="check specs without writing anything",
        description="Validate specs; exit 2 with every error when invalid.",
    )
    spec_arguments(p)
    output_format(p)
    p.add_argument(
        "--show-merged",
        action="store_true",
        help="print each valid spec as merged from its templates (extend:), each value with the file:line "
        "it was written at",
    )
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "schema",
        help="print the spec's JSON Schema",
        description="Print the JSON Schema of the spec format (schemas/spec.schema.json).",
    )
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser(
        "check",
        help="exit 1 when an output folder is not what the specs compile to",
        description="Compile in memory and compare with DIR: stale, hand-edited, missing and "
        "no-longer-generated files, each with its changes. Exit 0 when up to date, 1 on "
        "drift, 2 on a spec error. A folder as SPEC means its *.yaml files.",
    )
    spec_arguments(p, again=True)
    p.add_argument(
        "--out", required=True, type=out_folder, metavar="DIR", help="the output folder to check (as given to compile)"
    )
    p.add_argument(
        "--format",
        choices=["text", "json", "github"],
        default="text",
        help="report as text (default), JSON for tooling, or GitHub annotations",
    )
    add_target_option(p)  # check what `compile --target` wrote
    p.add_argument(
        "--thorough",
        action="store_true",
        help="read and hash every generated file, even those whose size, inode and mtime are as the "
        "last compile left them (by default those are trusted, as git and make trust them)",
    )
    p.set_defaults(func=cmd_check)


def cmd_validate(args: argparse.Namespace) -> int:
    from ..engines import check_support

    templates: list[str] = []  # checked on their own: counted, so a template given alone is not "0 specs"
    fmt = None if args.format == "json" else args.format
    specs = load_all(args.specs, strict=args.strict, fmt=fmt, templates=templates)
    check_support(specs, [spec.targets.chosen() for spec in specs])  # engines the specs name themselves
    if args.format == "json":
        from msgspec.structs import asdict

        sys.stdout.write(
            json.dumps(
                {
                    "valid": True,
                    "specs": len(specs),
                    "templates": len(templates),
                    "diagnostics": [asdict(w) for w in sorted({w for s in specs for w in s._warnings})],
                },
                indent=2,
            )
            + "\n"
        )
    elif not args.quiet and args.format == "text":
        counted = [f"{len(specs)} spec(s)"] if specs or not templates else []
        counted += [f"{len(templates)} template(s)"] if templates else []
        print(f"{' and '.join(counted)} valid")
    if args.show_merged:
        from ..spec.merged import show_merged

        sys.stdout.write("".join(show_merged(spec._source.display) for spec in specs))
    return Exit.OK


def _request(files: Any, args: argparse.Namespace) -> Any:
    """The compile request of ``files``; the manifest's, when there is one, names the templates of
    every spec whose text it recorded (no parse of those specs)."""
    from ..output.incremental import recorded_request
    from ..output.request import compile_request

    # The manifest is read here only for specs that may extend templates: a plain spec's request
    # is its hash alone (up_to_date reads the manifest anyway; this would read it twice).
    extending = any(b"extend" in file.data for file in files)
    recorded = recorded_request(args.out) if extending else None
    return compile_request(files, targets=args.target, strict=args.strict, recorded=recorded)


def _refuse_dropping(files: Any, out: Any) -> None:
    """Refuse a request that leaves out specs a fleet's folder was compiled from (``fleet_guard``),
    as a problem of the folder's manifest, which records them (so --format json and github say it too)."""
    from ..conventions import MANIFEST_PATH
    from ..errors import Diagnostic, SpecError, display_path
    from ..output import fleet_guard

    left = fleet_guard.left_out(files, out)
    if left:
        manifest = display_path(os.path.join(out, MANIFEST_PATH))
        raise SpecError([Diagnostic(manifest, 1, 1, fleet_guard.refusal(left, str(out)))])


def _specs_again(args: argparse.Namespace) -> None:
    """No spec given: the spec files the output folder was last compiled from (a rollback)."""
    if args.specs:
        return
    from ..output import fleet_guard  # only then: the ordinary compile names its specs

    again = fleet_guard.compiled_from(args.out)
    if not again:
        raise UsageError(
            f"give the specs to compile ({args.out} records none to compile again: it was not compiled by this "
            "version, or does not exist)"
        )
    args.specs = again


def _inputs(inputs: Any, files: Any, out: Any) -> Any:
    """The request as the manifest records it, with the spec files (``fleet_guard``)."""
    from ..output import fleet_guard

    return None if inputs is None else {**inputs, fleet_guard.KEY: fleet_guard.recorded(files, out)}


def cmd_compile(args: argparse.Namespace) -> int:
    from ..output.incremental import compile_changed, compile_fleet, remember, up_to_date
    from ..output.request import read_specs

    _specs_again(args)
    files, problems = read_specs(args.specs)  # first, and once: through the loader's checks
    if problems:  # unreadable specs: every problem reported at once, before any output is looked at
        load_read(files, problems, strict=args.strict, fmt=args.format)
    request = _request(files, args)
    fresh = up_to_date(request, args.out)
    if fresh is not None:  # the very same request, output untouched: nothing to build
        if not args.quiet:
            print(f"wrote {fresh} files to {args.out} (0 changed)")
        return Exit.OK
    _refuse_dropping(files, args.out)
    from ..errors import SpecError
    from ..output.pipeline import rendered
    from ..output.write import write_files

    # Only the specs whose input changed are loaded; the others come from the fleet cache. Their
    # warnings are said once the fleet path is taken (or fails): when it cannot be, every spec is
    # loaded below, and says its warnings then.
    loaded: list[Any] = []

    def load_changed(changed: Any) -> list[Any]:
        specs = load_read(changed, problems, strict=args.strict, fmt=None)
        loaded.extend(specs)
        return specs

    try:
        bundle = compile_fleet(files, args.out, request, load_changed)
    except SpecError:
        _say(warnings_of(loaded), args.format)
        raise
    if bundle is not None:
        _say(warnings_of(loaded), args.format)
    else:
        specs = load_read(files, problems, strict=args.strict, fmt=args.format)
        # Only the services whose spec or output changed (for the spec's own targets; --target compiles all).
        bundle = compile_changed(specs, args.out, request)
    if bundle is not None:
        count, changed = write_files(
            bundle.entries(), args.out, _inputs(bundle.inputs, files, args.out), bundle.verified
        )
    else:  # rendered file by file into the stage, never all in memory
        models: list[Any] = []
        count, changed = write_files(
            rendered(specs, args.target, models), args.out, _inputs(request.record(), files, args.out)
        )
        remember(request, specs, models[0].services if models else ())
    if not args.quiet:
        print(f"wrote {count} files to {args.out} ({len(changed)} changed)")
    return Exit.OK


def _say(warnings: list[Any], fmt: str) -> None:
    if warnings:
        report(warnings, fmt)


def cmd_schema(args: argparse.Namespace) -> int:
    from ..schema import schema_text

    sys.stdout.write(schema_text())
    return Exit.OK


def cmd_check(args: argparse.Namespace) -> int:
    from ..output.drift import find_drift
    from ..output.incremental import compile_changed, compile_fleet, up_to_date
    from ..output.request import read_specs

    _specs_again(args)
    files, problems = read_specs(args.specs)  # first, and once: through the loader's checks
    request = None if problems else _request(files, args)
    # The very same request (specs, --target, --strict, limits, compiler), output untouched: no
    # drift and nothing to build.
    trust = not args.thorough
    fresh = up_to_date(request, args.out, trust) if request is not None else None
    if fresh is not None:
        if args.format == "json":
            sys.stdout.write(_check_json([]))
        elif not args.quiet:
            print(f"{args.out} is up to date ({fresh} files)")
        return Exit.OK
    _refuse_dropping(files, args.out)  # what compile would refuse is no drift to report
    # Warnings go to stderr unless annotations were asked for: stdout holds the JSON report.
    fmt = "github" if args.format == "github" else "text"
    bundle = None
    loaded: list[Any] = []  # the specs loaded: those whose input changed, or all of them

    def load(some: Any) -> list[Any]:
        loaded[:] = load_read(some, problems, strict=args.strict, fmt=fmt)
        return loaded

    if request is not None:  # only the specs whose input changed are loaded (a template: all its users)
        bundle = compile_fleet(files, args.out, request, load, trust)
    if bundle is None:
        specs = load(files)
        bundle = compile_changed(specs, args.out, request, trust)  # only what changed
    if bundle is None:
        from ..output.pipeline import compile_specs

        bundle = compile_specs(specs, args.target)
    drift = find_drift(bundle, args.out)
    if drift and request is not None:
        drift = _named_causes(drift, loaded, args.out)
    if args.format == "json":
        sys.stdout.write(_check_json(drift))
    elif args.format == "github":
        # One annotation per drifted file, on the generated file (GitHub shows it in the PR's files).
        sys.stdout.write("".join(f"::error file={args.out}/{item.path}::{item.why}\n" for item in drift))
    elif drift:
        sys.stdout.write(_check_text(drift, args))
    elif not args.quiet:
        print(f"{args.out} is up to date ({len(bundle)} files)")
    return Exit.FINDINGS if drift else Exit.OK


def _named_causes(drift: list[Any], specs: list[Any], out: str) -> list[Any]:
    """``drift`` with each stale file saying what changed since the recorded compile: a service's
    files its spec or templates by name ("templates/http-api.yaml changed"), a shared file every
    changed input of the services loaded, rather than "the spec changed"."""
    from ..output.incremental import recorded_request
    from ..output.request import SpecInput, changed_inputs, in_words, text_hash

    recorded = recorded_request(out)
    if recorded is None:
        return drift
    before = {spec.shown: spec for spec in recorded.specs}
    causes: dict[str, str] = {}
    everything: dict[str, None] = {}  # every changed input, in the specs' order, once
    for spec in specs:
        source = spec._source
        was = before.get(source.display) if source is not None else None
        if was is None:
            continue
        names = changed_inputs(was, SpecInput(was.shown, text_hash(source.text), source.templates))
        if names:
            causes[spec.service.name] = in_words(["the spec" if n == was.shown else n for n in names])
            everything.update(dict.fromkeys(names))
    shared = in_words(list(everything)) if everything else None
    named = []
    for item in drift:
        cause = causes.get(item.path.split("/", 1)[0], shared)
        named.append(item.because(cause) if item.state == "stale" and cause else item)
    return named


def _changes(item: Any) -> list[Any]:
    from ..semdiff import diff_file

    if item.on_disk is None or item.compiled is None or item.path.endswith(".sigil-manifest.json"):
        return []
    return diff_file(item.path, item.on_disk, item.compiled)


def _check_text(drift: list[Any], args: argparse.Namespace) -> str:
    lines = [f"{args.out} is out of date: {len(drift)} generated file(s) differ from what the specs compile to"]
    lines.append("(each change reads: on disk → what compile writes)")
    for item in drift:
        lines.append(f"{item.path}: {item.why}")
        lines += [f"  {change}" for change in _changes(item)]
    import shlex

    # Quoted for a shell, so the line can be pasted as it is; compile takes folders as check does.
    targets = f" --target {','.join(args.target)}" if args.target else ""
    lines.append(f"run: sigil-monitoring compile {shlex.join(args.specs)} --out {shlex.quote(args.out)}{targets}")
    return "".join(line + "\n" for line in lines)


def _check_json(drift: list[Any]) -> str:
    files = [
        {
            "path": d.path,
            "state": d.state,
            # What of the spec's input changed ("templates/http-api.yaml changed"), when known.
            **({"cause": d.cause} if d.cause else {}),
            "changes": [{"what": c.what, "name": c.name, "detail": c.detail, "text": str(c)} for c in _changes(d)],
        }
        for d in drift
    ]
    return json.dumps({"up_to_date": not drift, "files": files}, indent=2, ensure_ascii=False) + "\n"
