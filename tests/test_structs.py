"""Every record is a ``msgspec.Struct``: what a compile and a validate import, and what they do not.

``dataclasses`` compiles six methods per class with ``exec`` (~5 M instructions a class), and
pydantic builds its models at import: neither is on the common path (docs/architecture.md,
"Records: msgspec.Struct"; docs/performance.md has the measured cost of ``import msgspec``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import REPO

SPEC = "specs/sigil-dna.yaml"


def _imported(*argv: str) -> set[str]:
    code = (
        "import json, sys; from sigil_monitoring.cli import main; "
        f"code = main({list(argv)!r}); print(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_compile_and_validate_use_structs_and_define_no_dataclass(tmp_path: Path):
    compiled = _imported("compile", "-q", SPEC, "--out", str(tmp_path / "out"))
    assert "msgspec" in compiled and "dataclasses" not in compiled and "pydantic" not in compiled
    validated = _imported("validate", "-q", SPEC)
    assert "msgspec" in validated and "dataclasses" not in validated and "pydantic" not in validated


def test_no_module_of_the_package_defines_a_dataclass_or_a_home_made_record():
    package = REPO / "sigil_monitoring"
    offenders = [
        str(path.relative_to(REPO))
        for path in sorted(package.rglob("*.py"))
        if any(
            marker in path.read_text(encoding="utf-8")
            for marker in ("@dataclass", "dataclass_transform", "from .records", "from ..records")
        )
    ]
    # spec/types.py is the pydantic vocabulary of the error path: its dataclasses are pydantic
    # annotation markers (metadata in ``Annotated``), imported only when pydantic explains a spec.
    assert offenders in ([], ["sigil_monitoring/spec/types.py"]), offenders
