"""Grafana-managed alerting: the provisioning files say what the Prometheus + Alertmanager outputs
say (same alerts, conditions, for, labels, annotations, receivers and route tree), in Grafana's
provisioning shape, with secrets as file references only."""

from __future__ import annotations

import json
import re

import pytest
from conftest import REPO
from test_kubernetes import RICH

from sigil_monitoring import compile_specs, parse_spec
from sigil_monitoring.errors import SpecError
from sigil_monitoring.spec.yaml_io import load as load_yaml

ALL_SPECS = sorted(REPO.glob("specs/*.yaml")) + sorted(REPO.glob("specs/examples/*.yaml"))
STATES = {"noDataState": {"OK", "NoData", "Alerting"}, "execErrState": {"OK", "Error", "Alerting"}}


def _no_inhibit(text: str, name: str):
    doc = load_yaml(text)
    if "routing" in doc:
        doc["routing"]["inhibit"] = False
    doc.pop("targets", None)
    return parse_spec(json.dumps(doc), name)


def _specs():
    return [
        *((p.name, p.read_text()) for p in ALL_SPECS),
        (
            "shop.yaml",
            RICH.replace(
                '    office: {weekdays: ["monday:friday"], times: ["09:00-17:00"]}',
                '    office: {weekdays: ["monday:friday"], times: ["09:00-17:00"], location: Europe/Berlin}',
            ),
        ),
    ]


@pytest.mark.parametrize(
    ("name", "text"), _specs(), ids=lambda v: v if isinstance(v, str) and v.endswith(".yaml") else ""
)
def test_every_alert_is_a_grafana_rule_with_the_same_condition_for_labels_and_annotations(name, text):
    spec = _no_inhibit(text, name)
    bundle = compile_specs([spec], ["prometheus", "grafana_alerting"])
    prom = {
        r["alert"]: r
        for p, d in bundle.items()
        if "/prometheus/" in p and p.endswith(".rules.yml")
        for g in load_yaml(d.decode())["groups"]
        for r in g["rules"]
        if "alert" in r
    }
    doc = load_yaml(bundle[f"grafana-alerting/{spec.service.name}.rules.yml"].decode()) if prom else {"groups": []}
    grafana = {r["title"]: r for g in doc["groups"] for r in g["rules"]}
    assert sorted(grafana) == sorted(prom)
    uids = [r["uid"] for r in grafana.values()]
    assert len(set(uids)) == len(uids) and all(len(u) <= 40 and re.fullmatch(r"[A-Za-z0-9_-]+", u) for u in uids)
    for group in doc["groups"]:
        assert set(group) == {"orgId", "name", "folder", "interval", "rules"}
    for title, rule in grafana.items():
        theirs = prom[title]
        refs = [d["refId"] for d in rule["data"]]
        assert rule["condition"] in refs and len(set(refs)) == len(refs)
        query = next(d for d in rule["data"] if d["refId"] == "A")
        assert query["model"]["expr"] == f"max without () ({theirs['expr']})" and query["model"]["instant"] is True
        assert all(rule[k] in allowed for k, allowed in STATES.items())
        assert (rule["for"], rule["labels"]) == (theirs["for"], theirs["labels"])
        ours = dict(rule["annotations"])
        panel_link = {k: ours[k] for k in ("__dashboardUid__", "__panelId__") if k in ours}
        if "__dashboardUid__" in panel_link:
            assert panel_link["__dashboardUid__"] == (spec.dashboard.uid or spec.service.name)
        if "__panelId__" in panel_link:
            assert ours["dashboard_url"].endswith(f"viewPanel={panel_link['__panelId__']}")
        description = theirs["annotations"]["description"].replace("$value", "$values.A.Value")
        assert ours == {**theirs["annotations"], "description": description, **panel_link}
    if any(
        r.get("record")
        for p, d in bundle.items()
        if "/prometheus/" in p and p.endswith(".rules.yml")
        for g in load_yaml(d.decode())["groups"]
        for r in g["rules"]
    ):
        recording = load_yaml(bundle[f"{spec.service.name}/grafana-alerting/recording.rules.yml"].decode())
        assert all("record" in r for g in recording["groups"] for r in g["rules"])


def test_contact_points_and_policies_mirror_the_alertmanager_config_with_secrets_by_reference():
    spec = _no_inhibit(RICH, "shop.yaml")
    bundle = compile_specs([spec], ["alertmanager", "grafana_alerting"])
    am = load_yaml(bundle["alertmanager/alertmanager.yml"].decode())
    doc = load_yaml(bundle["grafana-alerting/notifications.yml"].decode())
    assert doc["apiVersion"] == 1
    assert [c["name"] for c in doc["contactPoints"]] == [
        r["name"] for r in am["receivers"] if r["name"] != am["route"]["receiver"]
    ]
    settings = {c["name"]: c["receivers"][0] for c in doc["contactPoints"]}
    assert settings["shop/page"]["type"] == "pagerduty"
    assert settings["shop/page"]["settings"]["integrationKey"] == "$__file{/run/secrets/pd-key}"
    assert settings["shop/chat"]["settings"]["url"] == "$__file{/run/secrets/slack-url}"
    assert settings["shop/hook"]["settings"]["authorization_credentials"] == "$__file{/run/secrets/hook-token}"
    (tree,) = doc["policies"]
    assert tree["receiver"] == "grafana-default-email"

    def shape(node, grafana: bool):
        matchers = (
            [f"{n}{op}{json.dumps(v)}" for n, op, v in node.get("object_matchers", [])]
            if grafana
            else node.get("matchers", [])
        )
        return [
            node.get("receiver") if node is not tree and node is not am["route"] else None,
            matchers,
            node.get("continue", False),
            node.get("mute_time_intervals", []),
            node.get("active_time_intervals", []),
            [node.get(k) for k in ("group_wait", "group_interval", "repeat_interval")],
            [shape(c, grafana) for c in node.get("routes", [])],
        ]

    assert shape(tree, True) == shape(am["route"], False)
    assert [m["time_intervals"] for m in doc["muteTimes"]] == [t["time_intervals"] for t in am["time_intervals"]]
    defined = set(re.findall(r'define "([^"]+)"', doc["templates"][0]["template"]))
    called = set(
        re.findall(r'template "([^"]+)"', bundle["grafana-alerting/notifications.yml"].decode().replace('\\"', '"'))
    )
    assert called and called <= defined


def test_a_spec_that_inhibits_is_refused_for_grafana_managed_alerting_at_its_routing():
    with pytest.raises(SpecError) as err:
        compile_specs([parse_spec(RICH, "shop.yaml")], ["grafana_alerting"])
    assert [str(d) for d in err.value.diagnostics] == [
        "shop.yaml:11:1: error: Grafana-managed alerting: has no inhibition rules "
        "(set routing.inhibit: false, or notify through the alertmanager target)"
    ]
    explicit = RICH.replace("routing:\n", "routing:\n  inhibit: true\n")
    with pytest.raises(SpecError) as err:
        compile_specs([parse_spec(explicit, "shop.yaml")], ["grafana_alerting"])
    assert str(err.value.diagnostics[0]).startswith("shop.yaml:12:12: error: Grafana-managed alerting:")
