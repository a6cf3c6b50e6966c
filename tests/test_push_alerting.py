"""``push --alerting`` saves the Grafana-managed alerting resources through the documented
provisioning API (tests/fake_grafana_alerting.py): create, then update in place; secrets read from
their files and never printed; provenance locked unless --editable-in-ui."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_grafana_alerting import FakeGrafanaAlerting
from test_kubernetes import RICH

from sigil_monitoring.cli import main
from sigil_monitoring.compilers.grafana_alerting.rules import rule_uid
from sigil_monitoring.spec.yaml_io import load as load_yaml

TOKEN = "glsa_AlertingT0ken_0123456789"
PD_KEY = "pd0routing0key0secret0value"
SLACK_URL = "https://hooks.slack.com/services/T0/B0/s3cretPath"
HOOK_TOKEN = "webhook-bearer-s3cret"


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch):
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def setup(tmp_path: Path):
    secrets = {"pd-key": PD_KEY, "slack-url": SLACK_URL, "hook-token": HOOK_TOKEN}
    for name, value in secrets.items():
        (tmp_path / name).write_text(value + "\n")
    doc = load_yaml(RICH.replace("/run/secrets", str(tmp_path)))
    doc["routing"]["inhibit"] = False
    doc["service"]["labels"] = {"budget": "5$ a day"}  # Grafana would expand a bare $ in a file
    spec = tmp_path / "shop.yaml"
    spec.write_text(json.dumps(doc))
    token = tmp_path / "token"
    token.write_text(TOKEN)
    return spec, token


def _push(grafana, spec, token, *extra):
    return main(
        [
            "push",
            str(spec),
            "--grafana-url",
            grafana.base_url,
            "--token-file",
            str(token),
            "--folder-uid",
            "sigil",
            "--alerting",
            *extra,
        ]
    )


def test_push_alerting_creates_then_updates_every_resource_in_place(setup, capsys):
    spec, token = setup
    with FakeGrafanaAlerting(token=TOKEN) as grafana:
        assert _push(grafana, spec, token) == 0
        first = capsys.readouterr()
        assert "alerting: saved rule group shop-alerts (1 rules)" in first.out
        assert "alerting: saved notification policies" in first.out
        assert {g for _, g in grafana.rule_groups} == {"shop-alerts", "shop-slo-availability"}
        rule = grafana.rule_groups[("sigil", "shop-alerts")]["rules"][0]
        assert (rule["title"], rule["folderUID"], rule["ruleGroup"], rule["condition"]) == (
            "DbDown",
            "sigil",
            "shop-alerts",
            "C",
        )
        assert grafana.rule_groups[("sigil", "shop-alerts")]["interval"] == 60
        assert rule["labels"]["budget"] == "5$ a day"  # the API expands nothing: the file's $$ is sent as $
        settings = {c["name"]: c["settings"] for c in grafana.contact_points.values()}
        assert settings["shop/page"]["integrationKey"] == PD_KEY
        assert settings["shop/chat"]["url"] == SLACK_URL
        assert settings["shop/hook"]["authorization_credentials"] == HOOK_TOKEN
        assert set(grafana.mute_timings) == {"shop/weekend", "shop/office"}
        assert grafana.policies["routes"][0]["object_matchers"] == [["service", "=", "shop"]]
        assert set(grafana.provenance.values()) == {"api"}  # locked in the UI
        created = dict(grafana.contact_points)

        assert _push(grafana, spec, token) == 0  # again: updates, no duplicates
        assert grafana.contact_points == created
        methods = [m for m, p in grafana.alerting_calls if "/contact-points" in p and m != "GET"]
        assert methods == ["POST"] * 3 + ["PUT"] * 3
    out = first.out + first.err + capsys.readouterr().out
    for secret in (PD_KEY, SLACK_URL, HOOK_TOKEN, TOKEN):
        assert secret not in out


def test_editable_in_ui_sends_x_disable_provenance(setup):
    spec, token = setup
    with FakeGrafanaAlerting(token=TOKEN) as grafana:
        assert _push(grafana, spec, token, "--editable-in-ui") == 0
        assert set(grafana.provenance.values()) == {""}


def test_a_token_without_alerting_permissions_fails_with_grafanas_message_and_alerting_needs_a_folder(setup, capsys):
    spec, token = setup
    with FakeGrafanaAlerting(token=TOKEN, alerting_allowed=False) as grafana:
        assert _push(grafana, spec, token) == 1
        err = capsys.readouterr().err
        assert "403" in err and "additional permissions" in err
        assert grafana.dashboards and grafana.policies is None  # dashboards saved; nothing of alerting
        assert (
            main(["push", str(spec), "--grafana-url", grafana.base_url, "--token-file", str(token), "--alerting"]) == 2
        )
        assert "--alerting needs --folder-uid" in capsys.readouterr().err


def test_an_unreadable_secret_file_stops_the_push_without_printing_secrets(setup, capsys):
    spec, token = setup
    (spec.parent / "slack-url").unlink()
    with FakeGrafanaAlerting(token=TOKEN) as grafana:
        assert _push(grafana, spec, token) == 1
    err = capsys.readouterr().err
    assert f"cannot read the secret file {spec.parent / 'slack-url'}" in err
    assert PD_KEY not in err and TOKEN not in err


def test_the_provisioning_file_escapes_a_literal_dollar_where_grafana_expands_variables(setup):
    from sigil_monitoring import compile_specs, load_spec

    spec, _ = setup
    bundle = compile_specs([load_spec(spec)], ["grafana_alerting"])
    rules = load_yaml(bundle["grafana-alerting/shop.rules.yml"].decode())
    rule = rules["groups"][0]["rules"][0]
    assert rule["labels"]["budget"] == "5$$ a day"  # labels are expanded by Grafana's file provisioning
    assert "$labels" in rule["annotations"]["description"]  # annotations are not, so they stay as written
    points = load_yaml(bundle["grafana-alerting/notifications.yml"].decode())["contactPoints"]
    assert points[0]["receivers"][0]["settings"]["integrationKey"].startswith("$__file{")


def _hand_made(grafana: FakeGrafanaAlerting) -> None:
    """What someone else created in the same Grafana, for the same service: never ours to remove."""
    group = grafana.rule_groups[("sigil", "shop-alerts")]
    theirs = {**group["rules"][0], "uid": "hand-made-rule", "title": "TheirRule"}
    grafana.rule_groups[("sigil", "their-group")] = {**group, "title": "their-group", "rules": [theirs]}
    grafana.contact_points["hand-made-cp"] = {
        "uid": "hand-made-cp",
        "name": "shop/their-hook",
        "type": "webhook",
        "settings": {"url": "https://theirs.example.com"},
    }


def test_push_alerting_removes_what_the_spec_dropped_and_only_what_this_tool_created(setup, tmp_path, capsys):
    spec, token = setup
    other = tmp_path / "other.yaml"
    doc = json.loads(spec.read_text())
    other_doc = {**doc, "service": {**doc["service"], "name": "cart"}}
    other_doc["routing"] = {"receivers": {"hook": doc["routing"]["receivers"]["hook"]}, "inhibit": False}
    other.write_text(json.dumps(other_doc))
    with FakeGrafanaAlerting(token=TOKEN) as grafana:
        assert _push(grafana, spec, token) == 0 and _push(grafana, other, token) == 0  # two services, both ours
        _hand_made(grafana)
        del doc["alerts"]  # DbDown goes
        del doc["routing"]["receivers"]["hook"]  # and the webhook receiver with its route
        doc["routing"]["routes"] = doc["routing"]["routes"][:1]
        spec.write_text(json.dumps(doc))
        capsys.readouterr()
        rules_before = {r["uid"] for g in grafana.rule_groups.values() for r in g["rules"]}
        points_before = dict(grafana.contact_points)

        assert _push(grafana, spec, token, "--dry-run") == 0
        out = capsys.readouterr().out.splitlines()
        removals = [line for line in out if line.startswith("alerting: ")]
        [dbdown] = [
            r for g in grafana.rule_groups.values() for r in g["rules"] if r["uid"] == rule_uid("shop", "DbDown")
        ]
        [hook] = [c for c in grafana.contact_points.values() if c["name"] == "shop/hook"]
        assert removals == [
            f"alerting: would remove rule DbDown ({dbdown['uid']})",
            f"alerting: would remove contact point shop/hook ({hook['uid']})",
        ]
        assert {r["uid"] for g in grafana.rule_groups.values() for r in g["rules"]} == rules_before
        assert grafana.contact_points == points_before

        assert _push(grafana, spec, token) == 0
        out = capsys.readouterr().out
        assert f"alerting: removed rule DbDown ({dbdown['uid']})\n" in out
        assert f"alerting: removed contact point shop/hook ({hook['uid']})\n" in out
        uids = {r["uid"] for g in grafana.rule_groups.values() for r in g["rules"]}
        assert dbdown["uid"] not in uids and "hand-made-rule" in uids  # theirs stays, though labelled service=shop
        assert rule_uid("cart", "DbDown") in uids  # cart's push is not ours to undo
        assert ("sigil", "shop-alerts") not in grafana.rule_groups  # emptied, so gone
        names = {c["name"] for c in grafana.contact_points.values()}
        assert names == {"shop/page", "shop/chat", "shop/their-hook", "cart/hook"}  # cart's push is not ours to undo
        assert any(r["labels"]["service"] == "cart" for g in grafana.rule_groups.values() for r in g["rules"])
        assert _push(grafana, spec, token, "--dry-run") == 0
        assert "would remove" not in capsys.readouterr().out  # nothing left to remove
