"""The atheris fuzz target (tools/fuzz_spec.py) replays its seed corpus cleanly, so a fuzzing run
starts from inputs that pass, and every finding is new. Fuzzing itself is not run here."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEEDS = sorted(
    [
        *REPO.glob("specs/*.yaml"),
        *REPO.glob("tests/hostile/*.yaml"),
        *REPO.glob("tests/invalid/*.yaml"),
        *REPO.glob("tests/valid_compiles/*.yaml"),
    ]
)


def _target():
    spec = importlib.util.spec_from_file_location("fuzz_spec", REPO / "tools" / "fuzz_spec.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.one_input


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_seed_gives_a_compiled_spec_or_spec_errors(seed):
    _target()(seed.read_bytes())


def test_truncated_seeds_never_crash():
    one_input = _target()
    data = (REPO / "tests" / "hostile" / "unicode-everywhere.yaml").read_bytes()
    for end in range(0, len(data), max(1, len(data) // 40)):
        one_input(data[:end])
