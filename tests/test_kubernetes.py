"""The Kubernetes target: every object passes the official Prometheus Operator CRD schema
strictly (unknown fields rejected), rules equal the Prometheus target's, routing equals the
Alertmanager target's, and what the CRD cannot hold is refused at its place in the spec."""

from __future__ import annotations

import copy
import functools
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

from sigil_monitoring import compile_specs, load_spec, parse_spec
from sigil_monitoring.errors import SpecError
from sigil_monitoring.spec.yaml_io import load as load_yaml

# Read in place from the shared checkout beside the repo (see PROVENANCE.txt there), never copied.
CRD_DIR = Path(__file__).resolve().parents[2] / "shared" / "k8s-crds"
ALL_SPECS = sorted(REPO.glob("specs/*.yaml")) + sorted(REPO.glob("specs/examples/*.yaml"))
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


def _strict(node: Any) -> Any:
    """Reject unknown fields everywhere the schema lists its fields (PROVENANCE.txt: add
    additionalProperties: false recursively), and drop Go's inline ``(?i)`` flag, which Python's
    re rejects mid-pattern (our values are lowercase, so the pattern only gets stricter)."""
    if isinstance(node, list):
        return [_strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _strict(v) for k, v in node.items()}
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    if isinstance(out.get("pattern"), str):
        out["pattern"] = out["pattern"].replace("(?i)", "")
    return out


@functools.cache
def _schema(kind: str) -> dict[str, Any]:
    if not CRD_DIR.is_dir():
        message = f"CRD schemas not found at {CRD_DIR} (check out ../shared/k8s-crds)"
        pytest.fail(message) if os.environ.get("CI") else pytest.skip(message)
    crd = json.loads((CRD_DIR / f"monitoring.coreos.com_{kind.lower()}s.json").read_text())
    (version,) = crd["spec"]["versions"]
    return _strict(version["schema"]["openAPIV3Schema"])


def _errors(kind: str, obj: dict[str, Any]) -> list[str]:
    import jsonschema

    schema = _schema(kind)
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in jsonschema.Draft7Validator(schema).iter_errors(obj)
    ]
    # metadata is only `type: object` in a CRD: the API server checks ObjectMeta; we check ours.
    meta = obj.get("metadata", {})
    if set(meta) - {"name", "namespace", "labels"} or not all(
        _DNS_LABEL.fullmatch(meta.get(k, "")) for k in ("name", "namespace")
    ):
        errors.append(f"metadata: {meta}")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.get("labels", {}).items()):
        errors.append(f"metadata.labels: {meta.get('labels')}")
    if kind == "AlertmanagerConfig":  # child routes are free-form in the CRD; the operator reads them as routes
        route_schema = schema["properties"]["spec"]["properties"]["route"]
        pending = list(obj["spec"]["route"].get("routes", []))
        while pending:
            child = pending.pop()
            errors += [
                f"route {child}: {e.message}" for e in jsonschema.Draft7Validator(route_schema).iter_errors(child)
            ]
            pending += child.get("routes", [])
    return errors


def _objects(bundle) -> list[dict[str, Any]]:
    return [load_yaml(data.decode()) for path, data in bundle.items() if "/kubernetes/" in f"/{path}"]


RICH = """apiVersion: sigil-monitoring/v1
service: {name: shop, team: web, selector: {job: shop}}
metrics:
  requests: {name: shop_requests_total, type: counter, labels: [code]}
  errors: {name: shop_errors_total, type: counter}
  up: {name: shop_db_up, type: gauge}
slos:
  availability: {objective: 99.5%, sli: {bad: errors, total: requests}}
alerts:
  DbDown: {when: {value: up, below: 1}, severity: critical, summary: The database is down., inhibits: true}
routing:
  receivers:
    page: {pagerduty: {routing_key_file: /run/secrets/pd-key, url: "https://events.eu.pagerduty.com/v2/enqueue"}}
    chat: {slack: {channel: "#shop", api_url_file: /run/secrets/slack-url, mention: "@here"}}
    hook: {webhook: {url: "https://hooks.example.com/alerts", credentials_file: /run/secrets/hook-token}}
  routes:
    - {severity: critical, to: [page, chat], continue: true, mute_when: [weekend]}
    - {severity: warning, to: hook, active_when: [office]}
  mute:
    weekend: {weekdays: ["saturday:sunday", "friday:monday"]}
    office: {weekdays: ["monday:friday"], times: ["09:00-17:00"]}
targets:
  kubernetes: {namespace: shop-prod, labels: {release: kube-prometheus}, alertmanager_config: true}
"""


def test_the_validator_rejects_an_unknown_field_so_the_checks_below_can_fail():
    obj = _objects(compile_specs([parse_spec(RICH, "shop.yaml")]))
    rule = next(o for o in obj if o["kind"] == "PrometheusRule")
    broken = copy.deepcopy(rule)
    broken["spec"]["groups"][0]["rules"][0]["severity"] = "critical"
    assert any("severity" in e for e in _errors("PrometheusRule", broken))
    config = copy.deepcopy(next(o for o in obj if o["kind"] == "AlertmanagerConfig"))
    config["spec"]["route"]["routes"][0]["matcher"] = []
    assert _errors("AlertmanagerConfig", config)


@pytest.mark.parametrize("spec", [*ALL_SPECS, "rich"], ids=lambda p: getattr(p, "name", p))
def test_every_object_passes_the_official_crd_schema_strictly(spec):
    doc = load_yaml(RICH if spec == "rich" else spec.read_text())
    doc["targets"] = {
        "kubernetes": {**doc.get("targets", {}).get("kubernetes", {}), "alertmanager_config": "routing" in doc}
    }
    # AlertmanagerConfig time intervals have no location (refused: tests/invalid/engine-kubernetes-*); UTC here.
    for interval in doc.get("routing", {}).get("mute", {}).values():
        interval["location"] = "UTC"
    objects = _objects(compile_specs([parse_spec(json.dumps(doc), "spec.yaml")]))
    kinds = sorted(o["kind"] for o in objects)
    assert kinds == (["AlertmanagerConfig", "ConfigMap", "PrometheusRule"] if "routing" in doc else ["PrometheusRule"])
    for obj in objects:
        if obj["kind"] != "ConfigMap":
            assert _errors(obj["kind"], obj) == [], obj["kind"]


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda p: p.name)
def test_the_rule_groups_are_the_prometheus_targets(spec: Path):
    loaded = load_spec(spec)
    prom = compile_specs([loaded], ["prometheus"])
    groups = [g for p, d in prom.items() if p.endswith(".rules.yml") for g in load_yaml(d.decode())["groups"]]
    (rule,) = _objects(compile_specs([loaded], ["kubernetes"]))
    by_name = sorted((g for g in groups if g["rules"]), key=lambda g: g["name"])  # the bundle is in path order
    assert sorted(rule["spec"]["groups"], key=lambda g: g["name"]) == by_name
    assert rule["metadata"] == {
        "name": loaded.service.name,
        "namespace": "monitoring",
        "labels": {"service": loaded.service.name},
    }


def test_routes_receivers_and_inhibitions_mirror_the_alertmanager_target():
    bundle = compile_specs([parse_spec(RICH, "shop.yaml")], ["kubernetes", "alertmanager"])
    am = load_yaml(bundle["alertmanager/alertmanager.yml"].decode())
    config = next(o for o in _objects(bundle) if o["kind"] == "AlertmanagerConfig")
    assert config["metadata"] == {
        "name": "shop",
        "namespace": "shop-prod",
        "labels": {"release": "kube-prometheus", "service": "shop"},
    }
    spec = config["spec"]
    (service_route,) = am["route"]["routes"]

    def shape(route: dict[str, Any], crd: bool) -> list[Any]:
        receiver = route.get("receiver")
        if not crd and receiver:
            receiver = receiver.split("/", 1)[1]  # the CRD's receiver names are local to the object
        matchers = (
            [f"{m['name']}{m['matchType']}{json.dumps(m['value'])}" for m in route.get("matchers", [])]
            if crd
            else route.get("matchers", [])
        )
        children = [shape(r, crd) for r in route.get("routes", [])]
        mute = route.get("muteTimeIntervals" if crd else "mute_time_intervals", [])
        active = route.get("activeTimeIntervals" if crd else "active_time_intervals", [])
        return [receiver, matchers, route.get("continue", False), mute, active, children]

    assert shape(spec["route"], True) == shape(service_route, False)
    assert [r["name"] for r in spec["receivers"]] == ["page", "chat", "hook"]
    assert spec["receivers"][0]["pagerdutyConfigs"][0]["routingKey"] == {"name": "shop-alertmanager", "key": "pd-key"}
    assert spec["receivers"][1]["slackConfigs"][0]["apiURL"] == {"name": "shop-alertmanager", "key": "slack-url"}
    assert spec["receivers"][2]["webhookConfigs"][0]["httpConfig"]["authorization"]["credentials"] == {
        "name": "shop-alertmanager",
        "key": "hook-token",
    }
    assert b"/run/secrets" not in bundle["shop/kubernetes/alertmanagerconfig.yaml"]
    assert len(spec["inhibitRules"]) == len(am["inhibit_rules"])
    for ours, theirs in zip(spec["inhibitRules"], am["inhibit_rules"], strict=True):
        assert [f"{m['name']}{m['matchType']}{json.dumps(m['value'])}" for m in ours["sourceMatch"]] == theirs[
            "source_matchers"
        ]
        assert [f"{m['name']}{m['matchType']}{json.dumps(m['value'])}" for m in ours["targetMatch"]] == theirs[
            "target_matchers"
        ]
        assert ours["equal"] == theirs["equal"]
    assert [t["timeIntervals"][0] for t in spec["muteTimeIntervals"]] == [
        {
            "weekdays": t["time_intervals"][0]["weekdays"],
            **(
                {
                    "times": [
                        {"startTime": x["start_time"], "endTime": x["end_time"]}
                        for x in t["time_intervals"][0]["times"]
                    ]
                }
                if "times" in t["time_intervals"][0]
                else {}
            ),
        }
        for t in am["time_intervals"]
    ]
    configmap = load_yaml(bundle["kubernetes/shop-prod/sigil-monitoring-templates.yaml"].decode())
    assert configmap["data"]["sigil-monitoring.tmpl"] in bundle["alertmanager/sigil-monitoring.tmpl"].decode()


def test_what_an_alertmanagerconfig_cannot_hold_is_refused_at_its_place():
    text = RICH.replace('times: ["09:00-17:00"]}', 'times: ["09:00-17:00"], location: Europe/Berlin}')
    text = text.replace("/run/secrets/hook-token", "/other/pd-key")
    with pytest.raises(SpecError) as err:
        compile_specs([parse_spec(text, "shop.yaml")])
    engine = "Kubernetes AlertmanagerConfig (monitoring.coreos.com/v1alpha1)"
    assert [str(d) for d in err.value.diagnostics] == [
        f"shop.yaml:15:81: error: {engine}: '/other/pd-key' and '/run/secrets/pd-key' would "
        "both be Secret key 'pd-key' (give the secret files distinct names)",
        f"shop.yaml:21:77: error: {engine}: time intervals have no location field, so 'Europe/Berlin' cannot be kept "
        "(write the times in UTC, or use the alertmanager target)",
    ]
    assert compile_specs([parse_spec(text, "shop.yaml")], ["alertmanager"])  # the Alertmanager target keeps both
