"""Every spec in tests/engine_cases/ compiles, for the targets its section names, to exactly the
files in golden/engines-<case>/ (``pytest tests/test_golden_engines.py --update-golden``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import GOLDEN, REPO

from sigil_monitoring import compile_spec, load_spec

CASES = sorted((Path(__file__).parent / "engine_cases").glob("*.yaml"))


@pytest.mark.parametrize("spec_path", CASES, ids=lambda p: p.stem)
def test_an_engine_case_compiles_to_its_golden_files(spec_path, update_golden, monkeypatch):
    monkeypatch.chdir(REPO)  # headers name the spec relative to the repo
    bundle = compile_spec(load_spec(spec_path.relative_to(REPO)))
    golden = GOLDEN / f"engines-{spec_path.stem}"
    if update_golden:
        shutil.rmtree(golden, ignore_errors=True)
        for rel, data in bundle.items():
            (golden / rel).parent.mkdir(parents=True, exist_ok=True)
            (golden / rel).write_bytes(data)
    on_disk = {p.relative_to(golden).as_posix(): p.read_bytes() for p in golden.rglob("*") if p.is_file()}
    assert sorted(on_disk) == sorted(bundle), "the set of generated files changed (run with --update-golden and review)"
    for rel, data in bundle.items():
        assert data == on_disk[rel], f"{rel} differs from golden (run with --update-golden and review the diff)"
