"""Every generated alert description names where it fired: the service, the instance and the
group labels of a split alert, for every condition kind whose result keeps per-series labels
(all but ``absent``, whose series carries only its selector's equality labels)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from compiled import prometheus_rules
from conftest import REPO
from servers import require_binary

from sigil_monitoring import parse_spec
from sigil_monitoring.compilers.prometheus.alerts import description
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.ir.model import AbsentCondition, condition_series

SPECS = sorted(REPO.glob("specs/*.yaml")) + sorted(REPO.glob("specs/examples/*.yaml"))


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_generated_description_names_the_instance_and_the_group(path):
    service = build_model([parse_spec(path.read_text(), path.name)]).services[0]
    for alert in service.alerts:
        if alert.description is not None:
            continue  # the spec's own words
        text = description(service, alert)
        assert f"Service {service.name}" in text, alert.name
        if isinstance(alert.condition, AbsentCondition):
            assert "$labels" not in text, alert.name
            continue
        assert "{{ if $labels.instance }}, instance {{ $labels.instance }}{{ end }}" in text, alert.name
        for series in condition_series(alert.condition):
            for label in series.by:
                assert f"{label}={{{{ $labels.{label} }}}}" in text, (alert.name, label)


STATE = """
apiVersion: sigil-monitoring/v1
service: {name: store, selector: {job: store}}
metrics:
  circuit: {name: store_circuit_state, type: gauge, labels: [shard], states: {0: closed, 1: open}}
alerts:
  CircuitBreakerOpen:
    when: {state: {metric: circuit, by: [shard]}, is: open}
    for: 1m
"""

_TEST = """
rule_files: [../{rules}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'store_circuit_state{{job="store",instance="db-1:9100",shard="7"}}'
        values: '1x5'
    alert_rule_test:
      - eval_time: 3m
        alertname: CircuitBreakerOpen
        exp_alerts:
          - exp_labels: {{job: store, instance: "db-1:9100", shard: "7", service: store, severity: warning}}
            exp_annotations:
              summary: Circuit is open.
              description: "{description}"
              runbook_url: "store/runbook.md#circuitbreakeropen"
              dashboard_url: /d/store/store?viewPanel=2
              __dashboardUid__: store
              __panelId__: "2"
"""


def test_promtool_shows_the_state_alerts_instance_and_group(tmp_path: Path):
    _, folder = prometheus_rules(STATE, "store", tmp_path)
    expected = "Circuit is open. Service store, shard=7, instance db-1:9100."
    test = folder / "tests" / "instance.test.yml"
    rules = next(p.name for p in folder.glob("*.rules.yml") if "CircuitBreakerOpen" in p.read_text())
    test.write_text(_TEST.format(rules=rules, description=expected))
    run = subprocess.run([require_binary("promtool"), "test", "rules", str(test)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
