"""Every spec in tests/engine_cases/ compiles, for the targets its section names, to exactly the
files in golden/engines-<case>/ (``pytest tests/test_golden_engines.py --update-golden``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GOLDEN, REPO
from golden_files import check_golden

from sigil_monitoring import compile_spec, load_spec

CASES = sorted((Path(__file__).parent / "engine_cases").glob("*.yaml"))


@pytest.mark.parametrize("spec_path", CASES, ids=lambda p: p.stem)
def test_an_engine_case_compiles_to_its_golden_files(spec_path, update_golden, monkeypatch):
    monkeypatch.chdir(REPO)  # headers name the spec relative to the repo
    bundle = compile_spec(load_spec(spec_path.relative_to(REPO)))
    golden = GOLDEN / f"engines-{spec_path.stem}"
    check_golden(bundle, golden, update_golden)
