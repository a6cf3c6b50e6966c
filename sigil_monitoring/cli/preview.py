"""The ``preview`` command: a picture of every dashboard, without Grafana.

``preview SPEC… [--out DIR]`` writes ``DIR/<service>.svg`` for each service, the grid of its
dashboard as the Grafana target compiles it (``sigil_monitoring/preview``). ``write_pictures`` is
shared with ``diff --preview``, which writes the before/after pair.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from ..exits import Exit
from .common import load_all, out_folder, spec_arguments, write_text_file


def write_pictures(folder: Path, pictures: Mapping[str, str], say: TextIO | None) -> None:
    """Write each ``file name -> SVG`` into ``folder`` (whole files only), naming each on ``say``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, svg in pictures.items():
        path = folder / name
        write_text_file(path, svg)
        if say is not None:
            say.write(f"wrote {path}\n")


def cmd_preview(args: argparse.Namespace) -> int:
    from ..conventions import preview_path
    from ..ir.build import build_model
    from ..preview import service_pictures

    specs = load_all(args.specs, strict=args.strict)
    pictures = {preview_path(name): svg for name, svg in service_pictures(build_model(specs)).items()}
    write_pictures(Path(args.out), pictures, None if getattr(args, "quiet", False) else sys.stdout)
    return Exit.OK


def register(sub: Any) -> None:
    """Add ``preview`` to the CLI."""
    p = sub.add_parser(
        "preview",
        help="draw each spec's dashboard as an SVG picture (no Grafana needed)",
        description="Write DIR/<service>.svg for every service: its dashboard's grid as Grafana lays it out "
        "(24 columns, the compiled gridPos), rows, panel titles and kinds, units, thresholds in their colours "
        "and the SLO panels. Self-contained SVG (no fonts, no scripts, no links); the same spec gives the same "
        "bytes. Exit 0; 2 on a spec error (nothing written); 1 when a picture cannot be written.",
    )
    spec_arguments(p)
    p.add_argument(
        "--out", default="preview", type=out_folder, metavar="DIR", help="folder for the pictures (default: preview)"
    )
    p.set_defaults(func=cmd_preview)
