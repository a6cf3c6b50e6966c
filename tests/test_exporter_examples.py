"""specs/examples/: one spec per real exporter, each compiled and checked by the real tools.

Every example's rules pass ``promtool check rules --lint=all --lint-fatal``; its generated tests
pass right after compile; and with every threshold moved past the firing input, the original
tests fail against the new rules (so no generated test passes on an alert whose condition it
does not exercise). promql alerts are left out of the last check: their inputs are the spec's own.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import EXAMPLES
from ruamel.yaml import YAML
from test_prometheus import _rules_only, compile_to, promtool

from sigil_monitoring import load_spec, parse_spec
from sigil_monitoring.compilers.prometheus.testgen.threshold import crossing
from sigil_monitoring.values.units import format_decimal, in_unit, parse_threshold

GETTING_STARTED = Path(__file__).resolve().parents[1] / "docs" / "getting-started.md"


def test_the_examples_are_the_ones_the_getting_started_table_lists():
    listed = re.findall(r"^\| `specs/examples/([a-z0-9-]+)\.yaml` \|", GETTING_STARTED.read_text(), re.MULTILINE)
    assert len(listed) == len(set(listed)) >= 8
    assert {p.stem for p in EXAMPLES} == set(listed)


@pytest.mark.parametrize("spec_path", EXAMPLES, ids=lambda p: p.stem)
def test_each_example_passes_promtool_check_and_its_own_generated_tests(spec_path: Path, tmp_path: Path):
    compile_to([load_spec(spec_path)], tmp_path)
    rules = sorted(tmp_path.glob("*/prometheus/*.rules.yml"))
    checked = promtool("check", "rules", "--lint=all", "--lint-fatal", *rules)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tests = sorted(tmp_path.glob("*/prometheus/tests/*.test.yml"))
    spec = load_spec(spec_path)
    assert len(tests) >= len(spec.alerts), "every alert of an example gets a test"
    ran = promtool("test", "rules", *tests)
    assert ran.returncode == 0, ran.stdout + ran.stderr


def moved_threshold(when: dict[str, object], unit: str = "none") -> str | None:
    """A threshold past the generated firing input, so the original firing case no longer fires:
    a plain number, in the unit of the metric it is compared with (``unit``)."""
    side = "above" if "above" in when else "below" if "below" in when else None
    if side is None or "promql" in when:
        return None
    threshold = in_unit(parse_threshold(when[side]), unit).value
    share = "ratio" in when or "of" in when and "value" in when
    fire, _ = crossing(threshold, side == "above", ratio=share and threshold < 1)
    moved = ((fire + 1) / 2 if share and fire < 1 else fire * 2) if side == "above" else fire / 2
    return format_decimal(moved if moved != threshold else moved / 2)


@pytest.mark.parametrize("spec_path", EXAMPLES, ids=lambda p: p.stem)
def test_moving_each_threshold_makes_the_original_generated_test_fail(spec_path: Path, tmp_path: Path):
    yaml = YAML(typ="safe", pure=True)
    doc = yaml.load(spec_path.read_text())
    moved = []
    for name, alert in doc.get("alerts", {}).items():
        when = alert["when"]
        # The metric the threshold is compared with: a quantile's histogram or a value's gauge (not a share's).
        measured = when.get("of") if "quantile" in when else None if "of" in when else when.get("value")
        measured = measured.get("metric") if isinstance(measured, dict) else measured
        unit = doc["metrics"].get(measured, {}).get("unit", "none") if measured else "none"
        new = moved_threshold(when, unit)
        if new is not None:
            side = "above" if "above" in alert["when"] else "below"
            alert["when"][side] = float(Decimal(new))
            moved.append(name)
    assert moved, "the example has threshold alerts"
    buffer = io.StringIO()
    yaml.dump(doc, buffer)
    original, changed = tmp_path / "original", tmp_path / "changed"
    compile_to([load_spec(spec_path)], original)
    compile_to([parse_spec(buffer.getvalue(), spec_path.name)], changed)
    service = next(original.iterdir()).name
    tests_dir = original / service / "prometheus" / "tests"

    def passing(rules_from: Path, into: Path) -> list[str]:
        """The moved alerts whose original test passes against the rule files of ``rules_from``."""
        rules = _rules_only(rules_from / service / "prometheus", into)
        (rules / "tests").mkdir()
        out = []
        for name in moved:
            test = rules / "tests" / f"{name}.test.yml"
            test.write_text((tests_dir / test.name).read_text())
            if promtool("test", "rules", test).returncode == 0:
                out.append(name)
        return out

    assert passing(original, tmp_path / "control") == moved, "the same harness passes on the original rules"
    assert passing(changed, tmp_path / "moved") == [], "every original test notices its moved threshold"
