"""The SRE options of specs/shop.yaml, checked with the real tools: promtool for `for: 0s`,
`keep_firing_for` and extra annotations, amtool for calendar intervals, route grouping and the
new receivers. (The suite's promtool/amtool runs over every spec also cover shop.yaml.)
"""

from __future__ import annotations

import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from servers import require_binary

from sigil_monitoring import compile_spec, load_spec, parse_spec
from sigil_monitoring import conventions as names
from sigil_monitoring.compilers.prometheus.slo import burn_summary
from sigil_monitoring.errors import SpecError
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.spec.yaml_io import load as load_yaml

SHOP = REPO / "specs" / "shop.yaml"


@cache
def _bundle() -> dict[str, bytes]:
    return dict(compile_spec(load_spec(SHOP)))


def _write(out: Path) -> Path:
    for path, data in _bundle().items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(data)
    return out


def _doc(path: str) -> Any:
    return load_yaml(_bundle()[path].decode())


def _rule(path: str, alert: str) -> dict[str, Any]:
    return next(r for g in _doc(path)["groups"] for r in g["rules"] if r.get("alert") == alert)


def _tool(name: str, *args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require_binary(name), *map(str, args)], capture_output=True, text=True, timeout=60, cwd=cwd)


def _shop_variant(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = load_yaml(SHOP.read_text())
    for dotted, value in changes.items():
        *parents, key = (
            part.replace("_", "-") if part in ("checkout_availability", "first_week") else part
            for part in dotted.split("__")
        )
        node = doc
        for part in parents:
            node = node[part]
        node[key] = value
    return doc


# ---------------------------------------------------------------- for: 0s and keep_firing_for

ALERTS = names.rules_path("shop", "alerts")
SLO_RULES = names.rules_path("shop", names.slo_concern("checkout-availability"))


def test_for_0s_and_keep_firing_for_reach_the_rules_of_alerts_and_burn_tiers():
    down = _rule(ALERTS, "PostgresDown")
    assert (down["for"], down["keep_firing_for"]) == ("0s", "5m")
    page = _rule(SLO_RULES, "CheckoutAvailabilityFastBurn")
    assert (page["for"], page["keep_firing_for"]) == ("0s", "10m")
    ticket = _rule(SLO_RULES, "CheckoutAvailabilitySlowBurn")
    assert ticket["for"] == "1h" and "keep_firing_for" not in ticket


def test_an_alert_with_for_0s_fires_at_once_and_keep_firing_for_holds_it_after_the_outage_in_promtool(tmp_path):
    out = _write(tmp_path)
    down = _rule(ALERTS, "PostgresDown")
    labels = {**down["labels"], "job": "shop", "instance": "db:9187"}
    annotations = {
        "summary": down["annotations"]["summary"],
        "runbook_url": down["annotations"]["runbook_url"],
        "dashboard_url": down["annotations"]["dashboard_url"],
        "escalation_policy": "DB on-call",
        "__dashboardUid__": down["annotations"]["__dashboardUid__"],
        "__panelId__": down["annotations"]["__panelId__"],
        "description": "postgres_exporter cannot reach the shop database. Current value: 0 (threshold 1). "
        "Service shop, instance db:9187.",
    }
    firing = [{"exp_labels": labels, "exp_annotations": annotations}]
    test = {
        "rule_files": [str(out / ALERTS)],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                # Down for three minutes (0m..2m), then up again.
                "input_series": [
                    {"series": 'pg_up{job="shop",instance="db:9187"}', "values": "0 0 0 1 1 1 1 1 1 1 1 1"}
                ],
                "alert_rule_test": [
                    {"eval_time": "0m", "alertname": "PostgresDown", "exp_alerts": firing},  # for: 0s: no pending step
                    {"eval_time": "6m", "alertname": "PostgresDown", "exp_alerts": firing},  # up since 3m, kept 5m
                    {"eval_time": "9m", "alertname": "PostgresDown", "exp_alerts": []},
                ],
            }
        ],
    }
    (tmp_path / "hold.test.yml").write_text(json.dumps(test))
    result = _tool("promtool", "test", "rules", tmp_path / "hold.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    # Without keep_firing_for the alert is gone by 6m: the case above really tests it.
    (out / ALERTS).write_text((out / ALERTS).read_text().replace("keep_firing_for: 5m\n", ""))
    assert _tool("promtool", "test", "rules", tmp_path / "hold.test.yml").returncode == 1


# ---------------------------------------------------------------- labels and annotations


def test_extra_labels_and_annotations_reach_alerts_and_tiers_and_the_generated_tests_expect_them(tmp_path):
    page = _rule(SLO_RULES, "CheckoutAvailabilityFastBurn")
    assert page["labels"]["escalation"] == "immediate" and page["labels"]["component"] == "checkout"
    assert page["annotations"]["impact"] == "Customers cannot pay on {{ $labels.handler }}."
    assert page["annotations"]["playbook"] == "https://wiki.example.com/shop/checkout"
    assert _rule(ALERTS, "PostgresDown")["annotations"]["escalation_policy"] == "DB on-call"
    test_path = names.rule_test_path("shop", "CheckoutAvailabilityFastBurn")
    assert "Customers cannot pay on /cart." in _bundle()[test_path].decode()
    out = _write(tmp_path)
    assert _tool("promtool", "test", "rules", test_path, cwd=out).returncode == 0
    # The expectation is the expanded annotation: a different text in the rule fails the test.
    rules = out / SLO_RULES
    rules.write_text(rules.read_text().replace("Customers cannot pay on", "Customers cannot buy on"))
    assert _tool("promtool", "test", "rules", test_path, cwd=out).returncode == 1


def test_slo_and_tier_texts_become_the_summary_description_and_runbook_sections():
    ticket = _rule(SLO_RULES, "CheckoutAvailabilitySlowBurn")
    assert ticket["annotations"]["summary"] == "Shop checkout errors eat the monthly budget slowly."
    assert ticket["annotations"]["description"].startswith("Handler {{ $labels.handler }} has burnt")
    page = _rule(SLO_RULES, "CheckoutAvailabilityFastBurn")
    assert page["annotations"]["summary"] == "Shop requests fail faster than the checkout SLO allows."
    runbook = _bundle()[names.runbook_path("shop")].decode()
    fast = runbook.split("\n## CheckoutAvailabilityFastBurn")[1].split("\n## ")[0]
    assert "The SLO is split per handler" in fast and "Roll back the last deploy" in fast
    assert "Open a ticket" not in fast
    assert "one alert per `handler`" in fast


# ---------------------------------------------------------------- split SLOs and alerts say which group


def test_a_split_slo_and_a_split_alert_name_their_group_in_text_legends_and_dashboard_filters():
    page = _rule(SLO_RULES, "CheckoutAvailabilityFastBurn")
    assert "for handler={{ $labels.handler }}" in page["annotations"]["description"]
    derived = _shop_variant(slos__checkout_availability__summary=None)  # no summary: the derived one
    slo = build_model([parse_spec(json.dumps(derived), "shop.yaml")]).services[0].slos[0]
    assert (
        burn_summary(slo, slo.alerts[0])
        == "SLO checkout-availability (per handler) is burning its 30d error budget fast."
    )
    errors = _rule(ALERTS, "ServerErrorsRising")
    assert "for handler={{ $labels.handler }}" in errors["annotations"]["description"]
    dashboard = json.loads(_bundle()[names.dashboard_path("shop", "classic")])
    slo_targets = [t for p in dashboard["panels"] for t in p.get("targets", []) if t["expr"].startswith("slo:")]
    assert slo_targets and all('handler=~"$handler"' in t["expr"] for t in slo_targets)
    assert all(t["legendFormat"].startswith("{{handler}}") for t in slo_targets)


def test_the_labels_a_service_is_split_by_join_every_group_by_of_its_alertmanager_routes():
    config = _doc(names.ALERTMANAGER_CONFIG_PATH)
    (shop,) = config["route"]["routes"]
    assert shop["group_by"] == ["alertname", "service", "slo", "handler"]
    database = shop["routes"][0]
    assert database["group_by"] == ["alertname", "service", "handler"] and database["group_wait"] == "0s"
    warning = shop["routes"][2]
    assert (warning["group_interval"], warning["repeat_interval"]) == ("15m", "1d")


def test_a_below_rate_alert_reads_slower_in_the_runbook():
    runbook = _bundle()[names.runbook_path("shop")].decode()
    assert "`http_requests_total` increases slower than 1/min for 15m" in runbook
    assert '`http_requests_total{code=~"5.."}` increases faster than 1/s for 5m' in runbook


# ---------------------------------------------------------------- receivers and calendar intervals


def test_email_and_opsgenie_receivers_read_their_secrets_from_files_and_pass_amtool(tmp_path):
    out = _write(tmp_path)
    result = _tool("amtool", "check-config", out / names.ALERTMANAGER_CONFIG_PATH)
    assert result.returncode == 0, result.stdout + result.stderr
    receivers = {r["name"]: r for r in _doc(names.ALERTMANAGER_CONFIG_PATH)["receivers"]}
    (mail,) = receivers["shop/dba"]["email_configs"]
    assert mail["auth_password_file"] == "/etc/alertmanager/secrets/smtp-password" and "auth_password" not in mail
    (genie,) = receivers["shop/oncall"]["opsgenie_configs"]
    assert genie["api_key_file"] == "/etc/alertmanager/secrets/shop-opsgenie-key" and "api_key" not in genie
    # Each routing-table row, receivers included, as amtool walks the tree.
    for row in _doc(names.ALERTMANAGER_ROUTING_TESTS_PATH)["tests"]:
        labels = [f"{k}={v}" for k, v in sorted(row["labels"].items())]
        checked = _tool(
            "amtool",
            "config",
            "routes",
            "test",
            f"--config.file={out / names.ALERTMANAGER_CONFIG_PATH}",
            f"--verify.receivers={','.join(row['receivers'])}",
            *labels,
        )
        assert checked.returncode == 0, (row, checked.stdout)


@pytest.mark.parametrize(
    "entry", ["1:-1", "25:-1", "27:-1", "28:-1", "1:-28", "-3:5", "-7:-1", "-1:-7", "31", "-1", "7:1"]
)
def test_a_day_of_month_range_is_refused_exactly_when_amtool_refuses_it(tmp_path, entry):
    config = {
        "route": {"receiver": "r"},
        "receivers": [{"name": "r"}],
        "time_intervals": [{"name": "t", "time_intervals": [{"days_of_month": [entry]}]}],
    }
    (tmp_path / "am.yml").write_text(json.dumps(config))
    amtool_accepts = _tool("amtool", "check-config", tmp_path / "am.yml").returncode == 0
    doc = _shop_variant(routing__mute__freeze={"days_of_month": [entry]})
    try:
        parse_spec(json.dumps(doc), "shop.yaml")
        we_accept = True
    except SpecError as error:
        we_accept = False
        assert all("days_of_month" in str(d) for d in error.diagnostics), error.diagnostics
    assert we_accept == amtool_accepts


def test_mute_intervals_with_days_of_month_months_and_years_are_written_as_alertmanager_reads_them():
    intervals = {t["name"]: t["time_intervals"] for t in _doc(names.ALERTMANAGER_CONFIG_PATH)["time_intervals"]}
    assert intervals["shop/freeze"] == [
        {"location": "UTC", "days_of_month": ["24:26", "31"], "months": ["december"], "years": ["2026:2027"]}
    ]
    model = build_model(
        [
            parse_spec(
                json.dumps(_shop_variant(routing__mute__freeze={"days_of_month": [1, -1], "years": [2026]})),
                "shop.yaml",
            )
        ]
    )
    assert model.services[0].routing.time_intervals[0].days_of_month == ("1", "-1")  # type: ignore[union-attr]


@pytest.mark.parametrize(("field", "accepted"), [("auth_password_file", True), ("auth_secret_file", False)])
def test_alertmanager_reads_the_smtp_password_but_not_the_cram_md5_secret_from_a_file(tmp_path, field, accepted):
    # Why the spec takes auth_password_file and refuses auth_secret outright (no file form in 0.25).
    mail = {
        "to": "a@example.com",
        "from": "b@example.com",
        "smarthost": "smtp.example.com:587",
        "auth_username": "u",
        field: "/etc/alertmanager/secrets/smtp",
    }
    config = {"route": {"receiver": "r"}, "receivers": [{"name": "r", "email_configs": [mail]}]}
    (tmp_path / "am.yml").write_text(json.dumps(config))
    assert (_tool("amtool", "check-config", tmp_path / "am.yml").returncode == 0) is accepted
