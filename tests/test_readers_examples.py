"""Every published example of Sloth, OpenSLO and Pyrra (tests/data/<tool>/, see each README)
either converts and compiles, or its loss report names exactly what it could not carry.

The loss report of each example is data: ``<example>.losses`` beside it, one ``line:col: what``
line per value not carried (``pytest --update-golden`` rewrites them; review the diff). Every spec
drafted from the examples compiles for every default target, and promtool accepts its rules.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import REPO
from servers import require_binary

from sigil_monitoring.readers import load, read

DATA = REPO / "tests" / "data"
EXAMPLES = sorted(p for tool in ("sloth", "openslo", "pyrra") for p in (DATA / tool).glob("*.y*ml"))


def _report(path: Path) -> tuple[list, list[str]]:
    """The specs drafted from an example, and its loss report as ``line:col: what`` lines."""
    files = [(path.name, path.read_bytes())]
    specs, _, errors = load(files)
    assert not errors, "\n".join(map(str, errors))
    return specs, [f"{d.line}:{d.col}: {d.message}" for d in read(files).losses]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_published_example_converts_or_names_what_it_could_not_carry(example: Path, update_golden: bool):
    specs, report = _report(example)
    expected = example.with_name(example.name + ".losses")
    text = "".join(line + "\n" for line in report)
    if update_golden:
        expected.write_text(text, encoding="utf-8")
    assert text == expected.read_text(encoding="utf-8")
    # An example converts to a spec unless its report says why nothing of it could be carried.
    assert specs or any("is not converted" in line or "no spec is drafted" in line for line in report)


def test_every_spec_drafted_from_the_examples_compiles_and_promtool_accepts_its_rules(tmp_path: Path):
    from sigil_monitoring.output.pipeline import compile_specs

    drafted = [(example, spec) for example in EXAMPLES for spec in _report(example)[0]]
    assert len(drafted) >= 30  # most examples carry: a reader that drops everything fails here
    for index, (example, spec) in enumerate(drafted):
        bundle = compile_specs([spec])
        root = tmp_path / f"{index}-{example.stem}"
        for path, data in bundle.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(data)
    rules = sorted(map(str, tmp_path.glob("*/*/prometheus/*.rules.yml")))
    assert len(rules) >= len(drafted)
    checked = subprocess.run(
        [require_binary("promtool"), "check", "rules", *rules], capture_output=True, text=True, timeout=300
    )
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-3000:]


def test_an_example_that_carries_everything_has_an_empty_report():
    specs, report = _report(DATA / "sloth" / "no-alerts.yml")
    assert report == []
    slo = specs[0].slos["http-availability"]
    assert (slo.alerting.page.enabled, slo.alerting.ticket.enabled) == (False, False)
    assert "[$window]" in (slo.sli.bad_query or "") and "[$window]" in (slo.sli.total_query or "")
