"""``over:`` on rate and ratio alerts: the range of the rate, for events that come a few times an
hour or a day. sigil-dna's heavy test suites run hourly: a 5m rate of their failure counter is 0
for 55 minutes of every hour, so the old ``HeavyTestsFailing`` (5m rate above 1/h for 1h) could
never fire on real traffic, while its steady-rate promtool test passed. These tests feed the
counter as an hourly suite fills it and show the old rule never fires and the new one does, that
the generated test fails on the old rule, and that every engine, the runbook and the onboarding
page carry the range.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from compiled import prometheus_rules, promtool_passes
from conftest import REPO
from servers import require_binary

from sigil_monitoring import compile_specs, parse_spec
from sigil_monitoring.compilers.prometheus.testgen.threshold import sparse_period
from sigil_monitoring.compilers.registry import TARGET_NAMES
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.live.drill_mode import drill_model
from sigil_monitoring.live.incidents import ErrorBurst
from sigil_monitoring.live.planning import plan
from sigil_monitoring.spec.yaml_io import load as load_yaml
from sigil_monitoring.values.units import Duration

SIGIL = (REPO / "specs" / "sigil-dna.yaml").read_text()
NEW_WHEN = "{rate: {metric: heavy_runs, where: {result: fail}}, over: 3h, above: 0.5/h}\n    for: 15m"
OLD_WHEN = "{rate: {metric: heavy_runs, where: {result: fail}}, above: 1/h}\n    for: 1h"
OLD = SIGIL.replace(NEW_WHEN, OLD_WHEN)
HOURS = 8
FAILED_RUN = 'sigil_heavy_test_runs_total{job="sigil-dna",result="fail"}'
FIRING = 'ALERTS{alertname="HeavyTestsFailing",alertstate="firing"}'
LABELS = 'ALERTS{alertname="HeavyTestsFailing",alertstate="firing",service="sigil-dna",severity="info",team="sigil"}'


def test_the_spec_is_the_one_these_tests_talk_about():
    assert NEW_WHEN in SIGIL and OLD != SIGIL  # the tests below can fail: the old spec differs


def _hourly_failures() -> str:
    """An hourly suite that fails every run: flat, then one more failure at each full hour."""
    return " ".join(f"{hour}+0x59" for hour in range(HOURS + 1))


def _timeline(firing_from: int | None) -> dict:
    """A promtool test on the hourly failures, minute by minute over ``HOURS`` hours: the alert
    firing from minute ``firing_from`` on (None: never)."""

    def case(minute: int) -> dict:
        fires = firing_from is not None and minute >= firing_from
        return {
            "expr": FIRING,
            "eval_time": f"{minute}m",
            "exp_samples": [{"labels": LABELS, "value": 1}] if fires else [],
        }

    return {
        "rule_files": ["recording.rules.yml", "alerts.rules.yml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": FAILED_RUN, "values": _hourly_failures()}],
                "promql_expr_test": [case(minute) for minute in range(HOURS * 60 + 1)],
            }
        ],
    }


def _promtool_test(folder: Path, name: str, test: dict) -> subprocess.CompletedProcess[str]:
    path = folder / name
    path.write_text(yaml.safe_dump(test))
    return subprocess.run([require_binary("promtool"), "test", "rules", str(path)], capture_output=True, text=True)


@pytest.fixture(scope="module")
def rules(tmp_path_factory) -> dict[str, Path]:
    """The Prometheus output of sigil-dna as it is (new) and with the old HeavyTestsFailing."""
    root = tmp_path_factory.mktemp("rate-range")
    return {
        "new": prometheus_rules(SIGIL, "sigil-dna", root / "new")[1],
        "old": prometheus_rules(OLD, "sigil-dna", root / "old")[1],
    }


def test_the_old_rule_never_fires_for_a_suite_that_fails_every_hour(rules):
    # Minute by minute over eight hours of failing runs: never firing (and so the test below,
    # which expects it firing, fails on the old rule).
    never = _promtool_test(rules["old"], "never.test.yml", _timeline(None))
    assert never.returncode == 0, never.stdout + never.stderr
    fires = _promtool_test(rules["old"], "fires.test.yml", _timeline(2 * 60 + 15))
    assert fires.returncode != 0 and "got: nil" in fires.stderr + fires.stdout, fires.stdout


def test_the_new_rule_fires_from_the_second_failed_run_on_and_keeps_firing(rules):
    # The second failure (minute 120) puts two failed runs in the 3h range (0.67 per hour > 0.5);
    # 15m later it fires, and every later hour keeps three or two failures in the range.
    result = _promtool_test(rules["new"], "fires.test.yml", _timeline(2 * 60 + 15))
    assert result.returncode == 0, result.stdout + result.stderr
    expr = yaml.safe_load((rules["new"] / "alerts.rules.yml").read_text())
    heavy = next(r for g in expr["groups"] for r in g["rules"] if r.get("alert") == "HeavyTestsFailing")
    assert heavy["expr"] == 'sum (rate(sigil_heavy_test_runs_total{job="sigil-dna",result="fail"}[3h])) > 0.5 / 3600'
    assert heavy["for"] == "15m"


def test_the_generated_test_feeds_hourly_steps_and_fails_on_the_old_rule(rules, tmp_path):
    generated = rules["new"] / "tests" / "HeavyTestsFailing.test.yml"
    text = generated.read_text()
    assert '"0+0x59 1+0x59 2+0x59 3+0x59"' in text  # one failed run an hour
    assert '"0+0x59 0.25+0x59 0.5+0x59 0.75+0x59"' in text  # a quarter of that: quiet
    promtool_passes(rules["new"])
    # The same test file next to the old rule: the sparse firing inputs do not fire it.
    (rules["old"] / "tests").mkdir(exist_ok=True)
    moved = rules["old"] / "tests" / "HeavyTestsFailing.sparse.test.yml"
    moved.write_text(text)
    old = subprocess.run([require_binary("promtool"), "test", "rules", str(moved)], capture_output=True, text=True)
    said = old.stdout + old.stderr
    assert old.returncode != 0 and "time: 3h17m" in said and "time: 3h47m" in said and "got: nil" in said, said


def test_a_ratio_over_a_range_gets_sparse_inputs_and_its_tests_pass(tmp_path):
    spec = (REPO / "specs" / "shop.yaml").read_text()
    doc = yaml.safe_load(spec)
    checkout = {"handler": "/checkout"}
    bad = {"metric": "requests", "where": {**checkout, "code": {"regex": "5.."}}}
    ratio = {"bad": bad, "total": {"metric": "requests", "where": checkout}}
    doc["alerts"] = {"CheckoutsFailing": {"when": {"ratio": ratio, "over": "2h", "above": "10%"}, "for": "0s"}}
    model, folder = prometheus_rules(json.dumps(doc), "shop", tmp_path)
    service = model.services[0]
    assert sparse_period(service, service.alerts[0]) == Duration.parse("40m")
    text = (folder / "tests" / "CheckoutsFailing.test.yml").read_text()
    assert "+0x39 " in text and "[2h]" in (folder / "alerts.rules.yml").read_text()
    promtool_passes(folder)


def test_the_default_range_keeps_steady_inputs_and_the_recorded_rate():
    model = build_model([parse_spec(OLD, "sigil-dna.yaml")])
    service = model.services[0]
    heavy = next(a for a in service.alerts if a.name == "HeavyTestsFailing")
    assert heavy.rate_window == service.rate_window and sparse_period(service, heavy) is None


def _every_target(text: str) -> dict[str, bytes]:
    others = [t for t in TARGET_NAMES if t != "grafana_alerting"]
    bundle = dict(compile_specs([parse_spec(text, "sigil-dna.yaml")], others))
    # Grafana-managed alerting has no inhibition rules: a copy without them.
    doc = load_yaml(text)
    doc["routing"]["inhibit"] = False
    managed = compile_specs([parse_spec(json.dumps(doc), "g.yaml")], ["grafana_alerting"])
    return bundle | dict(managed)


@pytest.mark.parametrize(
    "folder", ["/prometheus/", "kubernetes/", "mimir/", "thanos/", "victoriametrics/", "grafana-alerting/"]
)
def test_every_engine_evaluates_the_rate_over_the_range(folder):
    files = {p: d.decode() for p, d in _every_target(SIGIL).items() if folder in p and "/tests/" not in p}
    with_rule = [d for d in files.values() if "HeavyTestsFailing" in d]  # the rule files
    assert with_rule, sorted(files)
    assert all("[3h]" in d and "0.5 / 3600" in d for d in with_rule)
    old = {p: d.decode() for p, d in _every_target(OLD).items() if folder in p}
    assert not any("[3h]" in d for d in old.values())  # the check can fail


def test_the_runbook_and_the_onboarding_page_say_the_range():
    bundle = compile_specs([parse_spec(SIGIL, "sigil-dna.yaml")], ["runbook", "onboarding"])
    words = '`sigil_heavy_test_runs_total{result="fail"}` increases more than 0.5 per hour over 3h'
    assert f"**Fires when:** {words} for 15m." in bundle["sigil-dna/runbook.md"].decode()
    onboarding = bundle["sigil-dna/onboarding.md"].decode()
    assert f"| {words} | 15m |" in onboarding and f"it fires when {words} for 15m." in onboarding


def test_the_drill_scales_the_range_with_the_rest_of_time_and_drives_the_alert():
    model = build_model([parse_spec(SIGIL, "sigil-dna.yaml")])
    assert next(a for a in model.services[0].alerts if a.name == "HeavyTestsFailing").rate_window == Duration.parse(
        "3h"
    )
    drill = drill_model(model, sink_url="http://127.0.0.1:9", secrets_dir="/tmp/x").services[0]
    heavy = next(a for a in drill.alerts if a.name == "HeavyTestsFailing")
    assert heavy.rate_window == drill.rate_window == Duration.parse("5s")
    planned = {i.alert: i for i in plan(drill)}
    assert isinstance(planned["HeavyTestsFailing"], ErrorBurst)
