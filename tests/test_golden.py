"""Every spec in specs/ compiles to exactly the files in golden/<spec name>/, byte for byte.

Run ``pytest tests/test_golden.py --update-golden`` to rewrite them, then review the diff.
"""

from __future__ import annotations

import shutil

import pytest
from conftest import GOLDEN, SPECS

from sigil_monitoring import compile_spec, load_spec


@pytest.mark.parametrize("spec_path", SPECS, ids=lambda p: p.stem)
def test_spec_compiles_to_its_golden_files(spec_path, update_golden, monkeypatch):
    monkeypatch.chdir(spec_path.parent.parent)  # headers name the spec relative to the repo
    bundle = compile_spec(load_spec(f"specs/{spec_path.name}"))
    golden = GOLDEN / spec_path.stem
    if update_golden:
        shutil.rmtree(golden, ignore_errors=True)
        for rel, data in bundle.items():
            (golden / rel).parent.mkdir(parents=True, exist_ok=True)
            (golden / rel).write_bytes(data)
    on_disk = {p.relative_to(golden).as_posix(): p.read_bytes() for p in golden.rglob("*") if p.is_file()}
    assert sorted(on_disk) == sorted(bundle), "the set of generated files changed (run with --update-golden and review)"
    for rel, data in bundle.items():
        assert data == on_disk[rel], f"{rel} differs from golden (run with --update-golden and review the diff)"
