"""``enabled: false`` retires an alert: a threshold alert or an SLO burn tier disappears from every
target (rules, promtool tests, Kubernetes/Mimir/Thanos/VictoriaMetrics, Grafana alerting, runbook,
dashboard links and thresholds, the drill's plan), ``diff`` says it was disabled, and ``validate``
still checks what the disabled alert says."""

from __future__ import annotations

import json

import pytest
from compiled import promtool_passes, write_artifacts
from conftest import REPO

from sigil_monitoring import compile_specs, parse_spec
from sigil_monitoring.cli import main
from sigil_monitoring.compilers import compiler
from sigil_monitoring.compilers.registry import TARGET_NAMES
from sigil_monitoring.errors import SpecError
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.live.planning import plan
from sigil_monitoring.spec.yaml_io import load as load_yaml

SIGIL = (REPO / "specs/sigil-dna.yaml").read_text()
RETIRED = ("EncodeLatencyHigh", "EncodeLatencySlowBurn")


def _sigil(*, disable: bool, inhibit: bool = True) -> str:
    doc = load_yaml(SIGIL)
    if disable:
        doc["alerts"]["EncodeLatencyHigh"]["enabled"] = False
        doc["slos"]["encode-latency"]["alerting"] = {"ticket": {"enabled": False}}
    doc["routing"]["inhibit"] = inhibit  # Grafana-managed alerting has no inhibition rules
    return json.dumps(doc)


def _everything(text: str) -> dict[str, bytes]:
    """Every target's files: Grafana-managed alerting from a copy without inhibition."""
    others = [t for t in TARGET_NAMES if t != "grafana_alerting"]
    bundle = dict(compile_specs([parse_spec(text, "sigil-dna.yaml")], others))
    managed = compile_specs(
        [parse_spec(text.replace('"inhibit": true', '"inhibit": false'), "g.yaml")], ["grafana_alerting"]
    )
    return bundle | dict(managed)


@pytest.mark.parametrize("target", TARGET_NAMES)
def test_a_disabled_alert_and_tier_are_in_no_file_of_any_target(target):
    before = {p: d for p, d in _everything(_sigil(disable=False)).items() if _of(p, target)}
    after = {p: d for p, d in _everything(_sigil(disable=True)).items() if _of(p, target)}
    named_before = {name for name in RETIRED for p, d in before.items() if name.encode() in d or name in p}
    named_after = {p: name for name in RETIRED for p, d in after.items() if name.encode() in d or name in p}
    assert named_after == {}
    if target not in ("alertmanager",):  # routes by severity: no alert name in its files
        assert named_before == set(RETIRED)  # the test can fail: the enabled alerts are there


def _of(path: str, target: str) -> bool:
    """Whether ``path`` is one of ``target``'s files (the registry's folder names)."""
    folders = {
        "prometheus": "/prometheus/",
        "grafana": "/grafana/",
        "alertmanager": "alertmanager/",
        "runbook": "runbook.md",
        "onboarding": "onboarding.md",
        "kubernetes": "kubernetes/",
        "mimir": "mimir/",
        "thanos": "thanos/",
        "victoriametrics": "victoriametrics/",
        "grafana_alerting": "grafana-alerting/",
    }
    return folders[target] in path


def test_the_dashboard_drops_the_disabled_alerts_links_and_thresholds():
    def panel(text: str) -> dict:
        bundle = compile_specs([parse_spec(text, "sigil-dna.yaml")], ["grafana"])
        dash = json.loads(bundle["sigil-dna/grafana/sigil-dna.json"])
        return next(p for p in dash["panels"] if p.get("title") == "Encode latency percentiles")

    before, after = panel(_sigil(disable=False)), panel(_sigil(disable=True))
    assert [link["title"] for link in before.get("links", [])] == ["Runbook: EncodeLatencyHigh"]
    assert after.get("links", []) == []


def test_generated_promtool_tests_follow_and_pass(tmp_path):
    model = build_model([parse_spec(_sigil(disable=True), "sigil-dna.yaml")])
    write_artifacts(compiler("prometheus")(model), tmp_path)
    folder = tmp_path / "sigil-dna" / "prometheus"
    tests = {p.name for p in folder.glob("tests/*.test.yml")}
    assert "EncodeLatencyHigh.test.yml" not in tests and "EncodeLatencySlowBurn.test.yml" not in tests
    assert "ErrorRateHigh.test.yml" in tests
    promtool_passes(folder)


def test_the_drill_plans_no_incident_for_a_disabled_alert():
    def planned(text: str) -> set[str]:
        return {i.alert for i in plan(build_model([parse_spec(text, "sigil-dna.yaml")]).services[0])}

    assert set(RETIRED) <= planned(_sigil(disable=False))
    assert not set(RETIRED) & planned(_sigil(disable=True))


def test_validate_still_checks_a_disabled_alerts_fields():
    doc = load_yaml(_sigil(disable=True))
    doc["alerts"]["EncodeLatencyHigh"]["when"] = {"quantile": 0.95, "of": "no_such_metric", "above": "1s"}
    with pytest.raises(SpecError) as caught:
        parse_spec(json.dumps(doc), "sigil-dna.yaml")
    assert "no_such_metric" in str(caught.value)


def test_a_disabled_alert_frees_its_name_for_an_slo_tier():
    # An SLO named like the alert's name would collide only when the threshold alert is compiled.
    doc = load_yaml(_sigil(disable=False))
    doc["alerts"]["EncodeLatencySlowBurn"] = {"when": {"value": "db_up", "below": 1}}
    doc["slos"]["encode-latency"].pop("alerting", None)
    with pytest.raises(SpecError, match="EncodeLatencySlowBurn"):
        parse_spec(json.dumps(doc), "sigil-dna.yaml")
    doc["alerts"]["EncodeLatencySlowBurn"]["enabled"] = False
    parse_spec(json.dumps(doc), "sigil-dna.yaml")


def test_diff_says_the_alerts_were_disabled_and_a_folder_diff_says_removed(tmp_path, capsys):
    new = tmp_path / "sigil-dna.yaml"
    new.write_text(_sigil(disable=True))
    old = tmp_path / "old.yaml"
    old.write_text(_sigil(disable=False))
    assert main(["diff", str(old), str(new)]) == 1
    out = capsys.readouterr().out
    assert "alert removed (disabled: enabled: false in the spec): EncodeLatencyHigh" in out
    assert "alert removed (disabled: enabled: false in the spec): EncodeLatencySlowBurn" in out
    assert "section removed: 'EncodeLatencyHigh'" in out  # the runbook section goes too
    assert main(["compile", str(old), "--out", str(tmp_path / "a")]) == 0
    assert main(["compile", str(new), "--out", str(tmp_path / "b")]) == 0
    capsys.readouterr()
    assert main(["diff", str(tmp_path / "a"), str(tmp_path / "b")]) == 1
    out = capsys.readouterr().out
    assert "alert removed: EncodeLatencyHigh" in out and "disabled" not in out
