"""The ``diff`` command: what changes between two output folders, two specs, or a spec and a git
revision, in monitoring terms (semantic diffs).

Imported whenever a command outside ``cli.compile`` runs, so everything heavy (compilers,
deepdiff) is imported inside the command.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..exits import Exit
from .common import UsageError, load_all, out_folder


def _compile(specs: list[Any], targets: Any = None) -> Any:
    from ..output.pipeline import compile_specs

    return compile_specs(specs, targets)


def _folder(path: Path) -> dict[str, bytes]:
    """The generated files of an output folder (those in its manifest), or all its files."""
    from ..conventions import MANIFEST_PATH
    from ..output.outdir import LOCK_NAME, read_inside
    from ..output.write import read_manifest

    manifest = read_manifest(path)
    rels = (
        list(manifest)
        if manifest
        else [
            f.relative_to(path).as_posix() for f in sorted(path.rglob("*")) if f.name not in (MANIFEST_PATH, LOCK_NAME)
        ]
    )
    # read_inside: only regular files inside the folder, whatever the manifest names.
    return {rel: data for rel in rels if (data := read_inside(path, rel)) is not None}


def _git_show(spec: str, rev: str) -> bytes:
    p = Path(spec)
    if not rev or rev.startswith("-") or any(c in rev for c in "\0\n\r"):
        # Anything git could read as an option (``--output=x`` writes a file) is refused; the
        # --end-of-options below is the second lock on the same door.
        raise UsageError(f"{rev!r} is not a git revision (give a commit, branch or tag, e.g. --against HEAD~1)")
    # ``REV:./name`` is resolved relative to the folder git runs in, wherever the repo root is.
    proc = subprocess.run(
        ["git", "show", "--end-of-options", f"{rev}:./{p.name}"], cwd=p.parent.absolute(), capture_output=True
    )
    if proc.returncode != 0:
        reason = proc.stderr.decode(errors="replace").strip().splitlines()
        raise UsageError(f"cannot read {spec} at {rev}: {reason[-1] if reason else 'git show failed'}")
    return proc.stdout


def _sides(args: argparse.Namespace) -> tuple[dict[str, bytes], dict[str, bytes], tuple[str, ...]]:
    """Both bundles, and the alerts the new side's specs turn off (empty when it is a folder)."""
    from ..errors import display_path
    from ..output.request import spec_files
    from ..spec.loader import read_spec

    if args.against is not None:
        paths = spec_files(args.paths)
        # The specs on disk first: a FIFO or a device among them is refused before git runs.
        new_specs = load_all(paths, fmt=None)
        old_specs = [
            _load_as(_git_show(p, args.against), f"{args.against}:{display_path(p)}", display_path(p)) for p in paths
        ]
        return dict(_compile(old_specs, args.target)), dict(_compile(new_specs, args.target)), _disabled(new_specs)
    if len(args.paths) != 2:
        raise UsageError("give two things to compare: OLD NEW (folders or specs), or SPEC --against REV")
    old, new = (Path(p) for p in args.paths)
    for p in (old, new):
        if not p.exists():
            raise UsageError(f"{p}: no such file or folder")
    if old.is_dir() and new.is_dir():
        return _folder(old), _folder(new), ()
    if old.is_file() and new.is_file():
        # Both compiled under the new spec's name, so the generated headers do not differ.
        shown = display_path(new)
        new_specs = load_all([str(new)], fmt=None)
        return (
            dict(_compile([_load_as(read_spec(old), display_path(old), shown)], args.target)),
            dict(_compile(new_specs, args.target)),
            _disabled(new_specs),
        )
    left = _folder(old) if old.is_dir() else dict(_compile(load_all([str(old)], fmt=None), args.target))
    if new.is_dir():
        return left, _folder(new), ()
    new_specs = load_all([str(new)], fmt=None)
    return left, dict(_compile(new_specs, args.target)), _disabled(new_specs)


def _disabled(specs: list[Any]) -> tuple[str, ...]:
    return tuple(name for spec in specs for name in spec.disabled_alert_names)


def _load_as(data: bytes, where: str, shown: str) -> Any:
    """Parse spec text whose errors name ``where`` but whose output names ``shown``, so two
    versions of one spec compile to files that differ only where the specs do."""
    from ..spec.loader import parse_spec

    parse_spec(data, where)
    return parse_spec(data, shown)


def cmd_diff(args: argparse.Namespace) -> int:
    from ..semdiff import diff_bundles, mark_disabled, render_json, render_text

    old, new, disabled = _sides(args)
    changes = mark_disabled(diff_bundles(old, new), disabled)
    if args.preview is not None:
        _write_pair(Path(args.preview), old, new, None if args.quiet else sys.stderr)
    if not args.quiet:
        sys.stdout.write(render_json(changes) if args.format == "json" else render_text(changes))
    return Exit.FINDINGS if changes else Exit.OK


def _write_pair(folder: Path, old: dict[str, bytes], new: dict[str, bytes], say: Any) -> None:
    """``<service>.before.svg`` and ``<service>.after.svg`` for each classic dashboard that differs
    between the sides (only the side that has it, for one added or removed)."""
    from ..conventions import dashboard_path, preview_path
    from ..preview import bundle_pictures
    from .preview import write_pictures

    changed = {rel for rel in old.keys() | new.keys() if old.get(rel) != new.get(rel)}
    pictures = {}
    for side, files in (("before", old), ("after", new)):
        for service, svg in bundle_pictures(files).items():
            if dashboard_path(service, "classic") in changed:
                pictures[preview_path(service, side)] = svg
    write_pictures(folder, pictures, say)


def register(sub: Any) -> None:
    """Add ``diff`` to the CLI."""
    from ..engines import add_target_option

    p = sub.add_parser(
        "diff",
        help="semantic diff of two output folders, two specs, or a spec and a git revision",
        description="Report what changes between OLD and NEW in monitoring terms (alerts, thresholds, panels, "
        "routes). Each side is an output folder or a spec (compiled in memory). Exit 0 when equal, 1 when they "
        "differ, 2 on errors.",
    )
    p.add_argument("paths", nargs="+", metavar="OLD NEW", help="two folders or specs; with --against, the spec(s) only")
    p.add_argument("--against", metavar="REV", help="compare the spec(s) with their version at git revision REV")
    p.add_argument(
        "--format", choices=["text", "json"], default="text", help="report as text (default) or JSON for tooling"
    )
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print no changes, only errors: the exit code says same (0) or different (1)",
    )
    p.add_argument(
        "--preview",
        metavar="DIR",
        type=out_folder,
        help="also write DIR/<service>.before.svg and .after.svg, pictures of each classic dashboard that "
        "changed (see the preview command)",
    )
    add_target_option(p)  # specs are compiled for these targets, as compile --target would
    p.set_defaults(func=cmd_diff)
