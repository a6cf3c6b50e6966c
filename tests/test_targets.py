"""Choosing targets: the spec's ``targets`` section, ``compile --target``, and check/diff and the
manifest covering whatever was chosen."""

from __future__ import annotations

import json

import pytest
from conftest import REPO

from sigil_monitoring import compile_specs, load_spec, parse_spec
from sigil_monitoring.cli import build_parser, main
from sigil_monitoring.compilers import DEFAULT_TARGETS, TARGETS, compiler
from sigil_monitoring.errors import SpecError
from sigil_monitoring.spec.yaml_io import load as load_yaml

SPEC = REPO / "specs" / "sigil-dna.yaml"


def _folders(bundle) -> set[str]:
    return {p.split("/")[1] if "/" in p and p.split("/")[0] == "sigil-dna" else p.split("/")[0] for p in bundle}


def test_without_a_section_a_spec_compiles_to_the_default_outputs():
    assert _folders(compile_specs([load_spec(SPEC)])) == {
        "prometheus",
        "grafana",
        "runbook.md",
        "onboarding.md",
        "alertmanager",
        "grafana-provisioning",
    }


def test_the_section_chooses_the_targets_and_the_cli_overrides_it():
    doc = load_yaml(SPEC.read_text())
    doc["targets"] = {"victoriametrics": None, "runbook": {}}
    spec = parse_spec(json.dumps(doc), "sigil-dna.yaml")
    assert _folders(compile_specs([spec])) == {"victoriametrics", "runbook.md"}
    assert _folders(compile_specs([spec], ["thanos"])) == {"thanos"}


def test_each_spec_keeps_its_own_choice_in_one_compile():
    doc = load_yaml((REPO / "specs" / "minimal.yaml").read_text())
    doc["targets"] = {"mimir": {}}
    bundle = compile_specs([load_spec(SPEC), parse_spec(json.dumps(doc), "minimal.yaml")])
    assert "mimir/anonymous/hello.rules.yml" in bundle and not [p for p in bundle if p.startswith("hello/")]
    assert "sigil-dna/prometheus/alerts.rules.yml" in bundle and not [p for p in bundle if "sigil-dna.rules.yml" in p]


def test_every_registered_target_compiles_every_spec_or_refuses_what_it_lacks():
    paths = sorted(REPO.glob("specs/*.yaml")) + sorted(REPO.glob("specs/examples/*.yaml"))
    for target in TARGETS:
        assert callable(compiler(target))
        for path in paths:
            spec = load_spec(path)
            try:
                assert compile_specs([spec], [target]) or target == "alertmanager" and spec.routing is None, (
                    target,
                    path,
                )
            except SpecError as err:
                # Grafana-managed alerting has no inhibitions; the spec is refused at its routing
                # section. vmalert 1.79 refuses keep_firing_for; the spec is refused at that field.
                doc = load_yaml(path.read_text())
                if target == "victoriametrics" and "refuses keep_firing_for" in str(err):
                    _drop_keep_firing_for(doc)
                else:
                    assert target == "grafana_alerting" and spec.routing.inhibit, (target, path, str(err))
                    doc["routing"]["inhibit"] = False
                assert compile_specs([parse_spec(json.dumps(doc), path.name)], [target])


def _drop_keep_firing_for(doc: dict) -> None:
    for alert in doc.get("alerts", {}).values():
        alert.pop("keep_firing_for", None)
    for slo in doc.get("slos", {}).values():
        for tier in slo.get("alerting", {}).values():
            if isinstance(tier, dict):
                tier.pop("keep_firing_for", None)


def test_compile_and_check_take_target_and_the_manifest_lists_its_files(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["-q", "compile", str(SPEC), "--out", str(out), "--target", "kubernetes,victoriametrics"]) == 0
    manifest = json.loads((out / ".sigil-manifest.json").read_text())["files"]
    assert sorted(manifest) == sorted(compile_specs([load_spec(SPEC)], ["kubernetes", "victoriametrics"]))
    assert "sigil-dna/kubernetes/prometheusrule.yaml" in manifest
    assert main(["-q", "check", str(SPEC), "--out", str(out), "--target", "kubernetes,victoriametrics"]) == 0
    (out / "sigil-dna/victoriametrics/alerts.rules.yml").write_text("groups: []\n")
    assert main(["check", str(SPEC), "--out", str(out), "--target", "kubernetes,victoriametrics"]) == 1
    report = capsys.readouterr().out
    assert "sigil-dna/victoriametrics/alerts.rules.yml: edited by hand" in report
    assert report.rstrip().endswith("--target kubernetes,victoriametrics")
    assert main(["-q", "check", str(SPEC), "--out", str(out)]) == 1  # the defaults are not what is there


def test_an_unknown_target_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["compile", str(SPEC), "--target", "prometheus,nagios"])
    assert exit_.value.code == 2
    assert "unknown target 'nagios' (choose from prometheus, grafana" in capsys.readouterr().err


def test_the_target_help_names_every_registered_target():
    compile_parser = build_parser()._subparsers._group_actions[0].choices["compile"]
    help_text = next(a for a in compile_parser._actions if a.dest == "target").help
    assert all(name in help_text for name in TARGETS)
    assert help_text.endswith(f"else {', '.join(DEFAULT_TARGETS)})")


def test_the_engines_doc_shows_the_support_table_the_code_enforces():
    from sigil_monitoring.engines import support_table

    # Written once: tests/test_docs_site.py fails on a second copy anywhere in README.md or docs/.
    assert support_table() in (REPO / "docs" / "engines.md").read_text()


def test_diff_describes_engine_rule_files_in_alert_terms(tmp_path):
    doc = load_yaml(SPEC.read_text())
    doc["routing"]["inhibit"] = False
    old = tmp_path / "old.yaml"
    old.write_text(json.dumps(doc))
    new = tmp_path / "new.yaml"
    new.write_text(json.dumps(doc).replace('"above": "1s"', '"above": "2s"'))
    assert old.read_text() != new.read_text()
    from sigil_monitoring.semdiff import diff_bundles

    targets = ["kubernetes", "grafana_alerting", "victoriametrics", "mimir", "thanos"]
    changes = diff_bundles(compile_specs([load_spec(old)], targets), compile_specs([load_spec(new)], targets))
    threshold = {c.file for c in changes if str(c).endswith("threshold 1 → 2") and "EncodeLatencyHigh" in str(c)}
    assert threshold == {
        "sigil-dna/kubernetes/prometheusrule.yaml",
        "grafana-alerting/sigil-dna.rules.yml",
        "sigil-dna/victoriametrics/alerts.rules.yml",
        "mimir/anonymous/sigil-dna.rules.yml",
        "sigil-dna/thanos/alerts.rules.yml",
    }


def test_diff_of_two_specs_takes_target_too(tmp_path, capsys):
    new = tmp_path / "sigil-dna.yaml"
    new.write_text(SPEC.read_text().replace("above: 1s}", "above: 2s}"))
    assert main(["diff", str(SPEC), str(new), "--target", "victoriametrics"]) == 1
    out = capsys.readouterr().out
    assert "sigil-dna/victoriametrics/alerts.rules.yml" in out and "/prometheus/" not in out
