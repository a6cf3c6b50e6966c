"""``routing.catch_all``: the alerts no service routes (Alertmanager's root route) reach a real
receiver instead of one with no integration; only one spec of a compile may name it."""

from __future__ import annotations

import json

from conftest import REPO
from test_alertmanager import model_of, routes_test, spec_dict, write

from sigil_monitoring import conventions as names
from sigil_monitoring.cli import main
from sigil_monitoring.compilers.alertmanager import build_config
from sigil_monitoring.spec.yaml_io import load as load_yaml


def test_sigil_dna_has_no_receiver_that_sends_nowhere():
    config = build_config(model_of(spec_dict())).to_wire()
    assert config["route"]["receiver"] == "sigil-dna/team"
    for receiver in config["receivers"]:
        assert any(key.endswith("_configs") for key in receiver), receiver["name"]


def test_amtool_sends_an_alert_no_service_routes_to_the_catch_all(tmp_path):
    config = write(model_of(spec_dict()), tmp_path)
    stray = {"alertname": "Watchdog", "service": "billing"}
    assert routes_test(config, stray, ("sigil-dna/team",)).returncode == 0
    assert routes_test(config, stray, (names.FALLBACK_RECEIVER,)).returncode == 1  # the test can fail


def test_without_a_catch_all_the_fallback_drops_them(tmp_path):
    doc = spec_dict()
    del doc["routing"]["catch_all"]
    config = write(model_of(doc), tmp_path)
    assert routes_test(config, {"alertname": "Watchdog"}, (names.FALLBACK_RECEIVER,)).returncode == 0


def _spec(tmp_path, name: str, catch_all: str | None) -> str:
    doc = load_yaml((REPO / "specs" / "sigil-dna.yaml").read_text())
    doc["service"] = {**doc["service"], "name": name, "selector": {"job": name}}
    doc["dashboard"].pop("uid", None)
    if catch_all is None:
        doc["routing"].pop("catch_all")
    else:
        doc["routing"]["catch_all"] = catch_all
    path = tmp_path / f"{name}.yaml"
    path.write_text(json.dumps(doc, indent=1))
    return str(path)


def test_two_specs_naming_a_catch_all_are_refused_at_the_second(tmp_path, capsys):
    first, second = _spec(tmp_path, "one", "team"), _spec(tmp_path, "two", "oncall")
    assert main(["validate", first, second]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith(f"{second}:")
    assert err[0].endswith(
        f"error: routing.catch_all is also set in {first}: Alertmanager has one root route (keep it in one spec)"
    )
    assert main(["validate", first, _spec(tmp_path, "three", None)]) == 0


def test_an_unknown_catch_all_receiver_is_a_positioned_error(tmp_path, capsys):
    path = _spec(tmp_path, "one", "teem")
    assert main(["validate", path]) == 2
    assert "routing.catch_all: unknown receiver 'teem' (did you mean 'team'?)" in capsys.readouterr().err
