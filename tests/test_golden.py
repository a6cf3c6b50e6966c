"""Every spec in specs/ compiles to exactly the files in golden/<spec name>/, byte for byte.

Run ``pytest tests/test_golden.py --update-golden`` to rewrite them, then review the diff.
"""

from __future__ import annotations

import pytest
from conftest import GOLDEN, SPECS
from golden_files import check_golden

from sigil_monitoring import compile_spec, load_spec


@pytest.mark.parametrize("spec_path", SPECS, ids=lambda p: p.stem)
def test_spec_compiles_to_its_golden_files(spec_path, update_golden, monkeypatch):
    monkeypatch.chdir(spec_path.parent.parent)  # headers name the spec relative to the repo
    bundle = compile_spec(load_spec(f"specs/{spec_path.name}"))
    golden = GOLDEN / spec_path.stem
    check_golden(bundle, golden, update_golden)
