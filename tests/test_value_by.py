"""A value alert with ``by``: one alert per group, firing when the group's worst series crosses.

``{value: {metric: lag, by: [topic]}, above: 100}`` is ``max by (topic) (lag) > 100`` (``min by``
for ``below``): as without ``by``, any series past the threshold fires, and ``by`` only decides
the alert's grouping and labels. The generated promtool test feeds a second series of the same
group on the quiet side, so a sum, or an expression that keeps every label, fails it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from compiled import prometheus_rules, promtool_passes
from servers import require_binary

SPEC = """apiVersion: sigil-monitoring/v1
service:
  name: consumer
  selector: {job: kafka}
metrics:
  lag: {name: kafka_consumergroup_lag, type: gauge, labels: [consumergroup, topic, partition]}
  members: {name: kafka_consumergroup_members, type: gauge, labels: [consumergroup]}
alerts:
  LagHigh:
    when: {value: {metric: lag, by: [topic]}, above: 100}
  GroupEmpty:
    when: {value: {metric: members, by: [consumergroup]}, below: 1}
  AnyLagHigh:
    when: {value: lag, above: 1000}
"""


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prometheus_rules(SPEC, "consumer", tmp_path_factory.mktemp("value-by"))[1]


def _exprs(out: Path) -> dict[str, str]:
    groups = yaml.safe_load((out / "alerts.rules.yml").read_text())["groups"]
    return {r["alert"]: r["expr"] for g in groups for r in g["rules"]}


def test_by_keeps_the_worst_series_of_each_group_and_no_by_keeps_every_series(out):
    assert _exprs(out) == {
        "LagHigh": 'max by (topic) (kafka_consumergroup_lag{job="kafka"}) > 100',
        "GroupEmpty": 'min by (consumergroup) (kafka_consumergroup_members{job="kafka"}) < 1',
        "AnyLagHigh": 'kafka_consumergroup_lag{job="kafka"} > 1000',
    }


def test_the_generated_test_feeds_a_quiet_sibling_and_expects_only_the_by_labels(out):
    doc = yaml.safe_load((out / "tests" / "LagHigh.test.yml").read_text())
    firing = doc["tests"][0]
    assert len(firing["input_series"]) == 2
    expected = [a for case in firing["alert_rule_test"] for a in case["exp_alerts"]]
    assert [sorted(a["exp_labels"]) for a in expected] == [["service", "severity", "topic"]]
    assert "Current value: 200 " in expected[0]["exp_annotations"]["description"]


def _promtool_test(out: Path) -> subprocess.CompletedProcess[str]:
    promtool = require_binary("promtool")
    tests = sorted(map(str, out.glob("tests/*.test.yml")))
    return subprocess.run([promtool, "test", "rules", *tests], capture_output=True, text=True)


def test_rules_pass_promtool_and_a_sum_or_per_series_expression_fails_the_tests(out):
    promtool_passes(out)
    rules = (out / "alerts.rules.yml").read_text()
    for wrong in ("sum by (topic) (", "("):
        (out / "alerts.rules.yml").write_text(rules.replace("max by (topic) (", wrong))
        assert _promtool_test(out).returncode != 0, wrong
    (out / "alerts.rules.yml").write_text(rules)
