"""The spec files a fleet's output folder was compiled from: a compile that would drop some of
them, while they are still there, is refused.

One spec of a fleet compiled alone into the fleet's folder (a rollback by hand, a command copied
from elsewhere) would delete every other service's dashboards, rules and tests, and the shared
Alertmanager config would route for that one service only. The manifest records the spec files
of each compile (templates left out: they have no files of their own) as paths relative to the
output folder, so that a later compile finds them whatever folder it runs from. A spec deleted
or moved is gone from the fleet on purpose: its files go. A folder compiled from one spec takes
whatever spec is compiled into it next.

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> for name in ("a", "b"): _ = (root / f"{name}.yaml").write_text("apiVersion: sigil-monitoring/v1\\n")
>>> _ = (root / "t.yaml").write_text("apiVersion: sigil-monitoring/v1\\nkind: Template\\n")
>>> files = [SpecFile(str(root / n), (root / n).read_bytes()) for n in ("a.yaml", "b.yaml", "t.yaml")]
>>> recorded(files, root / "build")
['../a.yaml', '../b.yaml']
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from ..errors import display_path
from .outdir import manifest_json
from .request import SpecFile

KEY = "spec_files"  # under the manifest's "inputs"; CompileRequest.recorded ignores it
_TEMPLATE = re.compile(rb"(?m)^kind:\s*[\"']?Template[\"']?\s*(#.*)?$")


def _is_template(file: SpecFile) -> bool:
    """``kind: Template`` as templates write it; anything less plain is parsed to be sure."""
    if _TEMPLATE.search(file.data):
        return True
    if b"Template" not in file.data:
        return False
    from ..spec.yaml_io import YamlProblem, decode, load

    try:
        doc = load(decode(file.data))
    except YamlProblem:
        return False
    return isinstance(doc, dict) and doc.get("kind") == "Template"


def _folder(out: str | os.PathLike[str]) -> str:
    """The output folder as the system resolves it, as the writer does (``d/../b`` through a link
    ``d`` is the link target's sibling: ``..`` is not taken off the text first)."""
    return os.path.realpath(Path(out).absolute())


def _relative(path: str, base: str, folders: dict[str, str]) -> str:
    """``path`` relative to ``base``, its folder resolved as the system does (one ``realpath`` and
    one ``relpath`` per folder, not per file: a fleet's 1,000 specs share a few folders).

    >>> _relative("/srv/fleet/specs/a.yaml", "/srv/fleet/build", {})
    '../specs/a.yaml'
    """
    where, name = os.path.split(os.path.abspath(path))
    folder = folders.get(where)
    if folder is None:
        folder = folders[where] = os.path.relpath(os.path.realpath(where), base)
    return name if folder == "." else f"{folder}/{name}"


def recorded(files: Sequence[SpecFile], out: str | os.PathLike[str]) -> list[str]:
    """What the manifest records: each spec file (not a template), relative to the output folder."""
    base, folders = _folder(out), dict[str, str]()
    return [_relative(f.path, base, folders) for f in files if not _is_template(f)]


def compiled_from(out: str | os.PathLike[str]) -> list[str] | None:
    """The spec files the output folder's last compile recorded, as paths to give ``compile``
    (relative to the working folder when under it); None when its manifest records none."""
    base = _folder(out)
    before = _recorded(base)
    if before is None:
        return None
    return [display_path(os.path.normpath(os.path.join(base, rel))) for rel in before]


def _recorded(base: str) -> list[str] | None:
    manifest = manifest_json(Path(base))
    inputs = manifest.get("inputs") if isinstance(manifest, dict) else None
    if not isinstance(inputs, dict):
        return None
    before = inputs.get(KEY)
    if isinstance(before, list):
        return [rel for rel in before if isinstance(rel, str)]
    # A folder compiled before the manifest recorded spec files: the request's names, as shown
    # then (relative to that compile's working folder, most likely this one).
    specs = inputs.get("specs")
    if not isinstance(specs, list):
        return None
    shown = [s[0] for s in specs if isinstance(s, list) and s and isinstance(s[0], str)]
    return [os.path.relpath(os.path.realpath(name), base) for name in shown if os.path.isfile(name)]


def left_out(files: Sequence[SpecFile], out: str | os.PathLike[str]) -> list[str]:
    """The spec files the folder's last compile had, that are still there (and still specs) and
    that ``files`` leave out, as messages show them; none for a folder of one spec."""
    base = _folder(out)
    before = _recorded(base)
    if before is None or len(before) < 2:
        return []
    folders: dict[str, str] = {}
    given = {_relative(f.path, base, folders) for f in files}
    missing = [rel for rel in before if rel not in given]  # usually none
    if not missing:
        return []
    real = {os.path.realpath(f.path) for f in files}  # the same file by another path (a link) is given
    left = []
    for rel in missing:
        path = os.path.normpath(os.path.join(base, rel))
        if not os.path.isfile(path) or os.path.realpath(path) in real:
            continue
        try:
            with open(path, "rb") as file:
                if _is_template(SpecFile(path, file.read(1 << 20))):
                    continue  # a spec that became a template has no files of its own
        except OSError:
            continue
        left.append(display_path(path))
    return left


def refusal(left: Sequence[str], out: str) -> str:
    """The one line that refuses the compile (or the check) of a request that leaves out ``left``."""
    named = ", ".join(left[:3]) + (f" and {len(left) - 3} more" if len(left) > 3 else "")
    return (
        f"{out} was compiled from {len(left)} more spec(s) that are still there ({named}); compiling without "
        f"them would delete their files and their routes (give them too, as before: e.g. their folder, or "
        f"no spec at all to compile what {out} was compiled from; or remove {out} to start over)"
    )
