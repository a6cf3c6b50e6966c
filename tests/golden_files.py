"""Compare a compiled bundle with a golden folder byte for byte, or rewrite the folder."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path


def check_golden(bundle: Mapping[str, bytes], golden: Path, update: bool) -> None:
    """With ``update``, replace ``golden`` by ``bundle``; then assert they hold the same files and bytes."""
    if update:
        shutil.rmtree(golden, ignore_errors=True)
        for rel, data in bundle.items():
            (golden / rel).parent.mkdir(parents=True, exist_ok=True)
            (golden / rel).write_bytes(data)
    on_disk = {p.relative_to(golden).as_posix(): p.read_bytes() for p in golden.rglob("*") if p.is_file()}
    assert sorted(on_disk) == sorted(bundle), "the set of generated files changed (run with --update-golden and review)"
    for rel, data in bundle.items():
        assert data == on_disk[rel], f"{rel} differs from golden (run with --update-golden and review the diff)"
