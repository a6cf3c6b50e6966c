"""The ``convert`` command: Sloth, OpenSLO and Pyrra files in, our spec YAML out, with the loss
report (every value not carried, at its position in the source) at the top of each spec.

``compile`` and ``validate`` read those files directly; ``convert`` is for leaving the other
tool: the spec it writes is the one to keep and edit from then on.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Diagnostic, SpecError
from ..exits import Exit
from .common import write_text_file

if TYPE_CHECKING:
    from ..readers.draft import Draft


def register(sub: Any) -> None:
    """Add ``convert`` to the CLI."""
    p = sub.add_parser(
        "convert",
        help="convert Sloth, OpenSLO or Pyrra files into specs",
        description="Read Sloth (prometheus/v1, sloth.slok.dev/v1), OpenSLO (openslo/v1, v1alpha) and Pyrra "
        "(pyrra.dev/v1alpha1) files and write one spec per service, with the loss report (every value not "
        "carried, at its file:line:col) at its top. OpenSLO references are resolved across all the files given.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="the other tool's YAML files (or folders of them)")
    p.add_argument("--out", metavar="DIR", help="write <service>.yaml files into DIR (default: print to stdout)")
    p.add_argument(
        "--strict", action="store_true", help="any loss is an error (exit 2, one line per loss, nothing written)"
    )
    p.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="print only errors")
    p.set_defaults(func=cmd_convert)


def cmd_convert(args: argparse.Namespace) -> int:
    from ..output.request import read_specs
    from ..readers import read

    files, problems = read_specs(args.files)
    reading = read([(file.shown, file.data) for file in files])
    errors = [*problems, *reading.errors]
    for draft in reading.drafts:
        try:
            draft.spec()  # what convert writes, compile takes
        except SpecError as exc:
            errors += exc.diagnostics
    if args.strict or (not reading.drafts and not errors):
        # Nothing converted is no success: what was lost is why, said as errors (exit 2).
        errors += [loss.as_error() for loss in reading.losses] or [
            Diagnostic(
                file.shown, 1, 1, "nothing in it was converted: no SLO of a form the readers take (see docs/readers.md)"
            )
            for file in files
        ]
    if errors:
        raise SpecError(sorted(errors))
    texts = {_name(draft): _text(draft, reading.losses, args.out) for draft in reading.drafts}
    if args.out is None:
        sys.stdout.write("---\n".join(texts.values()))
    else:
        os.makedirs(args.out, exist_ok=True)
        for name, text in texts.items():
            write_text_file(Path(args.out) / name, text)
    if reading.losses and not getattr(args, "quiet", False):
        from .common import report

        report(reading.losses)
    if args.out is not None and not getattr(args, "quiet", False):
        print(f"wrote {len(texts)} spec(s) to {args.out} ({len(reading.losses)} value(s) not carried)")
    return Exit.OK


def _name(draft: Draft) -> str:
    return f"{draft.data['service']['name']}.yaml"


def _text(draft: Draft, losses: list[Diagnostic], out: str | None) -> str:
    """The spec as YAML: the loss report of its file on top, each SLO's origin above it."""
    from ..drafts.yaml_writer import DEFAULT_SCHEMA, dump_spec, schema_for

    mine = [loss for loss in losses if loss.file in draft.files]
    sources = ", ".join(sorted(draft.files))
    header = [f"Converted by `sigil-monitoring convert` from {sources} ({draft.tool})."]
    if mine:
        header.append(f"Not carried ({len(mine)}; `convert --strict` refuses them), where the source wrote each:")
        header += [f"  {loss.file}:{loss.line}:{loss.col}: {loss.message}" for loss in mine]
    else:
        header.append("Everything the source says is carried.")
    comments: dict[tuple[str | int, ...], str] = {path: text for path, text in draft.notes.items()}
    for key in draft.data.get("slos", {}):
        line, col = draft.origins.get(("slos", key), ((0, 0), (0, 0)))[0]
        if line:
            comments[("slos", key)] = f"from {draft.display}:{line}:{col}"
    ordered = _in_field_order(draft.data)
    schema = schema_for(os.path.join(out, _name(draft))) if out is not None else DEFAULT_SCHEMA
    return dump_spec(ordered, header=header, comments=comments, schema=schema)


def _in_field_order(data: dict[str, Any]) -> dict[str, Any]:
    """The spec's keys, its service's and each SLO's in the order the spec classes declare them
    (the order of the docs and examples), whatever order the reader met them in."""
    from ..spec.document import Spec
    from ..spec.service import Service
    from ..spec.slo import Slo

    def ordered(value: dict[str, Any], cls: Any) -> dict[str, Any]:
        return {key: value[key] for key in cls.__struct_encode_fields__ if key in value}

    out = ordered(data, Spec)
    out["service"] = ordered(out["service"], Service)
    if "slos" in out:
        out["slos"] = {name: ordered(slo, Slo) for name, slo in out["slos"].items()}
    return out
