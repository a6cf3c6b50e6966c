"""Alertmanager target: real amtool checks of every compiled config, its routing table and templates.

Factories at the top build spec variants from specs/sigil-dna.yaml (a dict, changed, re-validated),
so each test states only the difference that matters to it.
"""

from __future__ import annotations

import copy
import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import ALL_SPECS as SPECS
from conftest import REPO
from servers import require_binary

from sigil_monitoring import conventions as names
from sigil_monitoring import load_spec, parse_spec
from sigil_monitoring.compilers.alertmanager import build_config, compile, routing_table, templates
from sigil_monitoring.compilers.prometheus.alerts import description
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.ir.model import Model
from sigil_monitoring.spec.yaml_io import load as load_yaml

# ---------------------------------------------------------------- factories


@cache
def _reference() -> dict[str, Any]:
    return load_yaml((REPO / "specs" / "sigil-dna.yaml").read_text())  # type: ignore[no-any-return]


def spec_dict(**routing: Any) -> dict[str, Any]:
    """sigil-dna as a dict; keyword arguments replace keys of its routing section (new receivers
    drop its catch_all, which names one of its own)."""
    doc = copy.deepcopy(_reference())
    if "receivers" in routing:
        doc["routing"].pop("catch_all", None)
    doc["routing"].update(routing)
    return doc


def second_service(name: str = "sigil") -> dict[str, Any]:
    """Another service whose receiver names would collide with sigil-dna's if joined with '-'."""
    doc = spec_dict(
        receivers={
            "dna-oncall": {
                "webhook": {
                    "url": "https://hooks.example.com/sigil",
                    "credentials_file": "/etc/alertmanager/secrets/hook-token",
                }
            }
        },
        routes=[{"severity": "critical", "to": "dna-oncall"}],
        default="dna-oncall",
    )
    doc["service"] = {**doc["service"], "name": name, "selector": {"job": name}}
    return doc


def model_of(*docs: dict[str, Any]) -> Model:
    return build_model([parse_spec(json.dumps(d), f"{d['service']['name']}.yaml") for d in docs])


def write(model: Model, out: Path) -> Path:
    """Render the target's artifacts under ``out``; returns the config path."""
    for artifact in compile(model):
        (out / artifact.path).parent.mkdir(parents=True, exist_ok=True)
        (out / artifact.path).write_bytes(artifact.render())
    return out / names.ALERTMANAGER_CONFIG_PATH


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require_binary("amtool"), *args], capture_output=True, text=True, timeout=30)


def routes_test(config: Path, labels: dict[str, str], receivers: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    return amtool(
        "config",
        "routes",
        "test",
        f"--config.file={config}",
        f"--verify.receivers={','.join(receivers)}",
        *(f"{k}={v}" for k, v in sorted(labels.items())),
    )


def models_to_check() -> dict[str, Model]:
    """Every spec alone, all specs together, and two generated variants."""
    specs = [load_spec(p) for p in SPECS]
    out = {p.stem: build_model([s]) for p, s in zip(SPECS, specs, strict=True)}
    out["all-specs"] = build_model(specs)
    out["two-services"] = model_of(spec_dict(), second_service())
    out["multi-receiver-and-mute"] = model_of(
        spec_dict(
            routes=[
                {"severity": "critical", "to": ["oncall", "team"], "mute_when": ["weekend"]},
                {"match": {"slo": "encode-latency"}, "to": "team", "continue": True, "active_when": ["office"]},
                {"severity": "warning", "to": "team"},
            ],
            mute={
                "weekend": {"weekdays": ["saturday:sunday"]},
                "office": {"weekdays": ["monday:friday"], "times": ["09:00-17:00"], "location": "Europe/Berlin"},
            },
            timing={"critical": {"group_wait": "10s"}},
            inhibit=False,
        )
    )
    return {k: m for k, m in out.items() if any(s.routing is not None for s in m.services)}


# ---------------------------------------------------------------- amtool on the real configs


def test_every_compiled_config_passes_amtool_check_config(tmp_path):
    configs = [write(model, tmp_path / key) for key, model in models_to_check().items()]
    assert len(configs) >= 4
    result = amtool("check-config", *map(str, configs))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == 2 * len(configs)  # the config and its template file


def test_every_row_of_every_routing_table_passes_amtool_routes_test(tmp_path):
    checked = 0
    for key, model in models_to_check().items():
        config = write(model, tmp_path / key)
        table = load_yaml((config.parent / "routing-tests.yml").read_text())["tests"]
        for row in table:
            result = routes_test(config, row["labels"], tuple(row["receivers"]))
            assert result.returncode == 0, f"{key} {row['alert']}: {result.stdout}{result.stderr}"
            checked += 1
    assert checked >= 40


def test_amtool_routes_test_fails_when_the_expected_receivers_differ(tmp_path):
    # Guards the test above: --verify.receivers must be able to fail.
    config = write(model_of(spec_dict()), tmp_path)
    labels = {"alertname": "CircuitBreakerOpen", "service": "sigil-dna", "severity": "critical"}
    assert routes_test(config, labels, ("sigil-dna/oncall", "sigil-dna/team")).returncode == 0
    assert routes_test(config, labels, ("sigil-dna/oncall",)).returncode == 1


# ---------------------------------------------------------------- the routing table


def test_the_routing_table_has_a_row_for_every_alert_prometheus_emits():
    model = model_of(spec_dict())
    rows = routing_table.rows(model.services)
    service = model.services[0]
    expected = [a.name for a in service.alerts] + [b.name for slo in service.slos for b in slo.alerts]
    assert [r.alert for r in rows] == expected
    burn = next(r for r in rows if r.alert == "EncodeLatencyFastBurn")
    assert dict(burn.labels) == {
        "alertname": "EncodeLatencyFastBurn",
        "burn_tier": "page",
        "service": "sigil-dna",
        "severity": "critical",
        "slo": "encode-latency",
        "team": "sigil",
    }


def test_sigil_dna_pages_on_critical_and_posts_every_alert_to_slack():
    # The ticket: every alert is visible in #sigil-alerts; criticals also page PagerDuty.
    both = ("sigil-dna/oncall", "sigil-dna/team")
    rows = {r.alert: r.receivers for r in routing_table.rows(model_of(spec_dict()).services)}
    assert rows == {
        "EncodeLatencyHigh": ("sigil-dna/team",),
        "ErrorRateHigh": ("sigil-dna/team",),
        "CircuitBreakerOpen": both,
        "DiskAlmostFull": ("sigil-dna/team",),
        "DatabaseDown": both,
        "EncodeMetricsAbsent": ("sigil-dna/team",),
        "HeavyTestsFailing": ("sigil-dna/team",),
        "EncodeAvailabilityFastBurn": both,
        "EncodeAvailabilitySlowBurn": ("sigil-dna/team",),
        "EncodeLatencyFastBurn": both,
        "EncodeLatencySlowBurn": ("sigil-dna/team",),
    }


def test_a_route_to_two_receivers_notifies_both_in_order_and_continue_reaches_later_routes():
    model = models_to_check()["multi-receiver-and-mute"]
    rows = {r.alert: r.receivers for r in routing_table.rows(model.services)}
    assert rows["EncodeLatencyFastBurn"] == ("sigil-dna/oncall", "sigil-dna/team")
    assert rows["EncodeLatencySlowBurn"] == ("sigil-dna/team", "sigil-dna/team")  # slo route continues to warning
    assert rows["HeavyTestsFailing"] == ("sigil-dna/team",)  # info matches no route: the default


# ---------------------------------------------------------------- the config's shape


def test_two_services_compile_into_one_config_with_a_subtree_each_and_distinct_receivers():
    config = build_config(model_of(spec_dict(), second_service())).to_wire()
    assert config["route"]["receiver"] == "sigil-dna/team"  # sigil-dna's routing.catch_all
    assert [r["matchers"] for r in config["route"]["routes"]] == [['service="sigil-dna"'], ['service="sigil"']]
    receivers = [r["name"] for r in config["receivers"]]
    assert receivers == ["sigil-dna/oncall", "sigil-dna/team", "sigil/dna-oncall"]  # none sends nowhere
    hook = config["receivers"][2]["webhook_configs"][0]
    assert hook["http_config"] == {
        "authorization": {"credentials_file": "/etc/alertmanager/secrets/hook-token", "type": "Bearer"}
    }


def test_a_spec_without_routing_adds_no_alertmanager_files_and_its_alerts_reach_the_fallback():
    minimal = build_model([load_spec(REPO / "specs" / "minimal.yaml")])
    assert compile(minimal) == []
    no_routing = spec_dict()
    del no_routing["routing"]
    no_routing["service"] = {**no_routing["service"], "name": "quiet", "selector": {"job": "quiet"}}
    model = model_of(spec_dict(), no_routing)
    rows = [r for r in routing_table.rows(model.services) if dict(r.labels)["service"] == "quiet"]
    assert rows and all(r.receivers == ("sigil-dna/team",) for r in rows)  # sigil-dna's catch_all
    without = spec_dict()
    del without["routing"]["catch_all"]
    model = model_of(without, no_routing)
    config = build_config(model).to_wire()
    assert config["route"]["receiver"] == names.FALLBACK_RECEIVER
    assert config["receivers"][0] == {"name": names.FALLBACK_RECEIVER}  # no integrations: dropped
    rows = [r for r in routing_table.rows(model.services) if dict(r.labels)["service"] == "quiet"]
    assert rows and all(r.receivers == (names.FALLBACK_RECEIVER,) for r in rows)


def test_timing_comes_from_house_defaults_per_severity_with_spec_overrides():
    route = build_config(models_to_check()["multi-receiver-and-mute"]).to_wire()["route"]["routes"][0]
    critical = route["routes"][0]
    assert (critical["group_wait"], critical["group_interval"], critical["repeat_interval"]) == ("10s", "5m", "4h")
    assert [c["receiver"] for c in critical["routes"]] == ["sigil-dna/oncall", "sigil-dna/team"]
    assert [c.get("continue") for c in critical["routes"]] == [True, None]
    assert route["routes"][1]["active_time_intervals"] == ["sigil-dna/office"]
    assert route["group_by"] == ["alertname", "service", "slo"]


def test_mute_and_active_intervals_of_a_route_to_several_receivers_are_on_every_child_that_notifies():
    # Alertmanager does not inherit time intervals into child routes (dispatch/route.go NewRoute), and
    # the children are what notify: intervals on the parent only would never mute anything.
    model = model_of(
        spec_dict(
            receivers={
                "team": {"slack": {"channel": "#a", "api_url_file": "/run/secrets/slack"}},
                "audit": {"webhook": {"url": "https://hooks.example.com/audit"}},
            },
            routes=[{"severity": "warning", "to": ["team", "audit"], "mute_when": ["night"], "active_when": ["week"]}],
            default="team",
            mute={"night": {"times": ["00:00-06:00"]}, "week": {"weekdays": ["monday:friday"]}},
        )
    )
    warning = build_config(model).to_wire()["route"]["routes"][0]["routes"][0]
    assert [c["receiver"] for c in warning["routes"]] == ["sigil-dna/team", "sigil-dna/audit"]
    for child in warning["routes"]:
        assert child["mute_time_intervals"] == ["sigil-dna/night"], child
        assert child["active_time_intervals"] == ["sigil-dna/week"], child
    assert "mute_time_intervals" not in warning and "active_time_intervals" not in warning


def test_time_intervals_are_written_with_weekdays_times_and_location():
    config = build_config(models_to_check()["multi-receiver-and-mute"]).to_wire()
    assert config["time_intervals"] == [
        {"name": "sigil-dna/weekend", "time_intervals": [{"weekdays": ["saturday", "sunday"], "location": "UTC"}]},
        {
            "name": "sigil-dna/office",
            "time_intervals": [
                {
                    "weekdays": ["monday:friday"],
                    "times": [{"start_time": "09:00", "end_time": "17:00"}],
                    "location": "Europe/Berlin",
                }
            ],
        },
    ]


def test_inhibitions_cover_severity_burn_tiers_and_inhibits_alerts_and_can_be_turned_off():
    rules = build_config(model_of(spec_dict())).to_wire()["inhibit_rules"]
    svc = 'service="sigil-dna"'
    causes = 'alertname!~"DatabaseDown|EncodeMetricsAbsent"'
    assert rules == [
        {
            "source_matchers": [svc, 'severity="critical"'],
            "target_matchers": [svc, 'severity="warning"'],
            "equal": ["alertname", "service"],
        },
        {
            "source_matchers": [svc, 'burn_tier="page"'],
            "target_matchers": [svc, 'burn_tier="ticket"'],
            "equal": ["service", "slo"],
        },
        {
            "source_matchers": [svc, 'alertname="DatabaseDown"'],
            "target_matchers": [svc, 'severity=~"warning|info"', causes],
            "equal": ["service"],
        },
        {
            "source_matchers": [svc, 'alertname="EncodeMetricsAbsent"'],
            "target_matchers": [svc, 'severity=~"warning|info"', causes],
            "equal": ["service"],
        },
    ]
    assert "inhibit_rules" not in build_config(model_of(spec_dict(inhibit=False))).to_wire()


def _page_rules(doc: dict[str, Any], **group_by: list[str]) -> list[dict[str, Any]]:
    """The page -> ticket inhibit rules of ``doc`` with SLOs split by ``group_by`` (slo key -> labels)."""
    for metric in ("encodes", "errors", "encode_latency"):
        doc["metrics"][metric]["labels"] = sorted({*doc["metrics"][metric].get("labels", []), "operation", "region"})
    for slo, labels in group_by.items():
        doc["slos"][slo.replace("_", "-")]["group_by"] = labels
    rules = build_config(model_of(doc)).to_wire()["inhibit_rules"]
    return [r for r in rules if 'burn_tier="page"' in r["source_matchers"]]


def test_a_page_of_one_group_of_a_grouped_slo_does_not_silence_the_ticket_of_another_group(tmp_path):
    svc = 'service="sigil-dna"'
    assert _page_rules(spec_dict(), encode_availability=["operation"]) == [  # encode-latency is not split
        {
            "source_matchers": [svc, 'slo="encode-availability"', 'burn_tier="page"'],
            "target_matchers": [svc, 'slo="encode-availability"', 'burn_tier="ticket"'],
            "equal": ["service", "slo", "operation"],
        },
        {
            "source_matchers": [svc, 'slo="encode-latency"', 'burn_tier="page"'],
            "target_matchers": [svc, 'slo="encode-latency"', 'burn_tier="ticket"'],
            "equal": ["service", "slo"],
        },
    ]
    three = spec_dict()
    three["slos"]["verify-latency"] = {
        "objective": "99%",
        "description": "Fast verifies.",
        "sli": {"latency": "verify_latency", "below": "1s"},
    }
    assert [(r["source_matchers"][1], r["equal"]) for r in _page_rules(three, encode_availability=["operation"])] == [
        ('slo="encode-availability"', ["service", "slo", "operation"]),
        ('slo=~"encode\\\\-latency|verify\\\\-latency"', ["service", "slo"]),
    ]  # the ungrouped two share a rule
    checked = amtool("check-config", str(write(model_of(three), tmp_path)))  # the scoped matchers parse
    assert checked.returncode == 0, checked.stdout + checked.stderr
    same = _page_rules(spec_dict(), encode_availability=["region", "operation"], encode_latency=["operation", "region"])
    assert same == [
        {
            "source_matchers": [svc, 'burn_tier="page"'],
            "target_matchers": [svc, 'burn_tier="ticket"'],
            "equal": ["service", "slo", "operation", "region"],
        }
    ]


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    return {k for v in value for k in _keys(v)} if isinstance(value, list) else set()


def test_secrets_are_referenced_by_file_and_never_inlined():
    config = build_config(model_of(spec_dict(), second_service())).to_wire()
    keys = _keys(config)
    assert {"api_url_file", "routing_key_file", "credentials_file"} <= keys
    # Inline secrets, and the file forms Alertmanager 0.25 rejects, never appear.
    assert not keys & {
        "api_url",
        "routing_key",
        "service_key",
        "service_key_file",
        "credentials",
        "url_file",
        "msteams_configs",
    }


def test_a_slack_mention_is_added_to_firing_critical_messages_only():
    doc = spec_dict()
    doc["routing"]["receivers"]["team"]["slack"]["mention"] = "@here"
    receivers = build_config(model_of(doc)).to_wire()["receivers"]
    slack = next(r for r in receivers if r["name"] == "sigil-dna/team")["slack_configs"][0]
    assert slack["link_names"] is True
    assert slack["text"].startswith(
        '{{ if and (eq .Status "firing") (eq .CommonLabels.severity "critical") }}{{ "@here" }} '
    )


def test_config_references_the_template_file_relative_to_itself():
    artifacts = {a.path: a for a in compile(model_of(spec_dict()))}
    config = artifacts[names.ALERTMANAGER_CONFIG_PATH].document
    assert config["templates"] == [names.TEMPLATE_FILE]
    assert Path(names.ALERTMANAGER_TEMPLATE_PATH).parent == Path(names.ALERTMANAGER_CONFIG_PATH).parent


# ---------------------------------------------------------------- templates rendered by amtool


def _notification_data() -> dict[str, Any]:
    service = model_of(spec_dict()).services[0]
    alert = service.alerts[2]  # CircuitBreakerOpen
    labels = {**dict(alert.labels), "alertname": alert.name}
    return {
        "receiver": "sigil-dna/oncall",
        "status": "firing",
        "externalURL": "http://am.example:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "fingerprint": "0",
                "annotations": {
                    "summary": alert.summary,
                    "description": description(service, alert),
                    "runbook_url": alert.runbook_url,
                    "dashboard_url": alert.dashboard_url,
                },
                "startsAt": "2024-01-01T00:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "",
            }
        ],
        "groupLabels": {"alertname": alert.name},
        "commonLabels": labels,
        "commonAnnotations": {
            "summary": alert.summary,
            "runbook_url": alert.runbook_url,
            "dashboard_url": alert.dashboard_url,
        },
    }


def test_every_notification_template_renders_with_amtool_and_carries_the_links(tmp_path):
    write(model_of(spec_dict()), tmp_path)
    data = tmp_path / "data.json"
    data.write_text(json.dumps(_notification_data()))
    # One amtool run renders every part, each between markers, so a broken part fails the run.
    text = "".join(f'<<{n}>>{{{{ template "{n}" . }}}}' for n in templates.TEMPLATE_NAMES) + "<<end>>"
    result = amtool(
        "template",
        "render",
        f"--template.glob={tmp_path / names.ALERTMANAGER_TEMPLATE_PATH}",
        f"--template.text={text}",
        f"--template.data={data}",
    )
    assert result.returncode == 0, result.stderr
    parts = dict(zip(templates.TEMPLATE_NAMES, result.stdout.split("<<")[1:-1], strict=True))  # [-1]: <<end>>
    rendered = {n: parts[n].split(">>", 1)[1] for n in templates.TEMPLATE_NAMES}
    runbook = "https://runbooks.example.com/sigil-dna#circuitbreakeropen"
    assert rendered["sigil.title"] == "[FIRING:1] CircuitBreakerOpen sigil-dna"
    assert rendered["sigil.runbook_url"] == runbook
    assert rendered["sigil.dashboard_url"].startswith("https://grafana.example.com/d/sigil-dna/sigil-dna?viewPanel=")
    assert f"<{runbook}|Runbook>" in rendered["sigil.slack.text"]
    assert rendered["sigil.slack.color"] == "danger"
    assert rendered["sigil.pagerduty.severity"] == "critical"
    assert rendered["sigil.pagerduty.description"] == (
        "[FIRING:1] CircuitBreakerOpen sigil-dna: The DNA store circuit breaker is open."
    )


def test_amtool_template_render_rejects_a_broken_template(tmp_path):
    # Guards the test above: a template error must fail amtool.
    broken = tmp_path / "broken.tmpl"
    broken.write_text('{{ define "x" }}{{ .Nope | nosuchfunc }}{{ end }}')
    assert (
        amtool("template", "render", f"--template.glob={broken}", '--template.text={{ template "x" . }}').returncode
        != 0
    )


# ---------------------------------------------------------------- spec checks this target relies on

_MINIMAL_ROUTING = """\
routing:
  receivers:
    team: {slack: {channel: "#hello", api_url_file: /etc/alertmanager/secrets/slack-url}}
  routes:
    - {severity: critical, to: team, mute_when: [night]}
  mute:
    night: {times: ["22:00-06:00"]}
"""


def test_a_mute_time_range_across_midnight_is_rejected_with_the_split_to_write():
    from sigil_monitoring import SpecError

    text = (REPO / "specs" / "minimal.yaml").read_text() + _MINIMAL_ROUTING
    with pytest.raises(SpecError) as caught:
        parse_spec(text, "hello.yaml")
    assert str(caught.value) == (
        "hello.yaml:15:20: error: routing.mute.night.times: time range 22:00-06:00 does not end after it starts "
        "(split a range across midnight: 22:00-24:00 and 00:00-06:00)"
    )


def test_weekday_ranges_that_wrap_past_saturday_are_split_for_alertmanager():
    from sigil_monitoring.compilers.alertmanager import weekdays

    assert weekdays(("saturday:sunday",)) == ("saturday", "sunday")
    assert weekdays(("sunday:saturday", "tuesday")) == ("sunday:saturday", "tuesday")


def test_two_services_compile_to_the_golden_multi_service_config(update_golden):
    # golden/two-services/ is this target's own golden case (test_golden covers one spec at a time).
    from conftest import GOLDEN

    golden = GOLDEN / "two-services"
    bundle = {a.path: a.render() for a in compile(model_of(spec_dict(), second_service()))}
    if update_golden:
        for rel, data in bundle.items():
            (golden / rel).parent.mkdir(parents=True, exist_ok=True)
            (golden / rel).write_bytes(data)
    on_disk = {p.relative_to(golden).as_posix(): p.read_bytes() for p in golden.rglob("*") if p.is_file()}
    assert on_disk == bundle, "golden/two-services differs (run with --update-golden and review the diff)"


def test_two_specs_of_one_service_are_refused_rather_than_merged_into_clashing_receivers():
    with pytest.raises(
        ValueError,
        match=r"^receiver names sigil-dna/oncall, sigil-dna/team are defined twice "
        r"\(compile each service from one spec only\)$",
    ):
        build_config(model_of(spec_dict(), spec_dict()))
