"""The Grafana target's behaviour on the Sigil-DNA spec: the ticket's panels, alert links,
thresholds, variables, Grafana 8, the v2 resource and file provisioning.
"""

from __future__ import annotations

from typing import Any

from conftest import SPECS
from test_grafana_schema import all_panels, compiled, dashboard_panel, layout_problems, require_schemas, schema_problems

from sigil_monitoring.compilers.grafana import compile as compile_grafana
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.ir.model import Model, Service


def variant(**replacements: str) -> Model:
    """The Sigil-DNA spec with text replaced (old -> new), compiled to the internal model."""
    from sigil_monitoring import parse_spec

    text = (SPECS[0].parent / "sigil-dna.yaml").read_text()
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return build_model([parse_spec(text, "specs/sigil-dna.yaml")])


def dna() -> tuple[Service, dict[str, Any], dict[str, Any]]:
    model = variant()
    docs = compiled(model)
    service = model.services[0]
    return service, docs["sigil-dna/grafana/sigil-dna.json"], docs["sigil-dna/grafana/sigil-dna.v2.json"]


def by_title(dashboard: dict[str, Any], title: str) -> dict[str, Any]:
    return next(p for p in all_panels(dashboard) if p["title"] == title)


def test_sigil_dna_dashboard_has_every_panel_the_ticket_lists():
    _, classic, _ = dna()
    for name in ("encode", "verify"):
        heat = by_title(classic, f"{name.capitalize()} latency heatmap")
        assert heat["type"] == "heatmap" and heat["options"]["calculate"] is False
        assert heat["targets"][0]["format"] == "heatmap" and heat["targets"][0]["legendFormat"] == "{{le}}"
        assert f"sigil_{name}_duration_seconds_bucket" in heat["targets"][0]["expr"]
        pct = by_title(classic, f"{name.capitalize()} latency percentiles")
        assert [t["legendFormat"] for t in pct["targets"]] == ["p50", "p95", "p99"]
        assert pct["fieldConfig"]["defaults"]["unit"] == "s"
    resonance = by_title(classic, "Resonance distribution")
    assert "increase(sigil_resonance_strength_bucket" in resonance["targets"][0]["expr"]
    errors = by_title(classic, "Errors by operation")
    assert errors["targets"][0]["expr"].startswith("sum by (operation) (rate(sigil_error_total")
    assert errors["targets"][0]["legendFormat"] == "{{operation}}"  # encode, verify and gc each get a line
    circuit = by_title(classic, "Circuit state")
    assert circuit["type"] == "state-timeline"
    assert circuit["fieldConfig"]["defaults"]["mappings"][0]["options"] == {
        "0": {"text": "closed", "color": "green", "index": 0},
        "1": {"text": "open", "color": "red", "index": 1},
        "2": {"text": "half-open", "color": "yellow", "index": 2},
    }
    for per in ("hour", "day"):
        heavy = by_title(classic, f"Heavy test runs per {per} by result")
        window = {"hour": "1h", "day": "1d"}[per]
        assert heavy["fieldConfig"]["defaults"]["custom"]["drawStyle"] == "bars"
        assert heavy["targets"][0]["interval"] == window  # one bar per window, not a moving sum
        assert "increase(sigil_heavy_test_runs_total" in heavy["targets"][0]["expr"]
        assert heavy["targets"][0]["expr"].endswith(f"[{window}]))")
    # HeavyTestsFailing (above 0.5/h over 3h) is drawn at 0.5 runs per hour on the hourly bars.
    hourly = by_title(classic, "Heavy test runs per hour by result")["fieldConfig"]["defaults"]["thresholds"]
    assert [s["value"] for s in hourly["steps"]] == [None, 0.5]
    # The ticket's throughput near the top, after an overview.
    rows = [p["title"] for p in classic["panels"] if p["type"] == "row"]
    assert rows[:3] == ["Overview", "Throughput", "Latency"]
    encode = by_title(classic, "Encode throughput")["targets"][0]["expr"]
    assert encode == 'sum (rate(sigil_encode_total{job="sigil-dna"}[$__rate_interval]))'
    assert "sigil_verify_total" in by_title(classic, "Verify throughput")["targets"][0]["expr"]
    assert by_title(classic, "Last heavy test duration")["fieldConfig"]["defaults"]["unit"] == "s"
    assert by_title(classic, "Disk free")["fieldConfig"]["defaults"]["unit"] == "bytes"
    db = by_title(classic, "Db up")["fieldConfig"]["defaults"]["mappings"][0]["options"]
    assert (db["0"]["text"], db["1"]["text"]) == ("down", "up")
    for slo in ("encode-availability", "encode-latency"):
        assert by_title(classic, f"SLO {slo}: error ratio vs budget")["type"] == "timeseries"
        assert by_title(classic, f"SLO {slo}: error budget left")["type"] == "stat"
        assert by_title(classic, f"SLO {slo}: burn rate")["type"] == "timeseries"


def test_every_alert_links_to_the_panel_that_shows_it_and_that_panel_links_back_to_the_runbook():
    service, classic, _ = dna()
    alerts = [(a.name, a.panel_id, a.dashboard_url, a.runbook_url) for a in service.alerts]
    alerts += [(b.name, b.panel_id, b.dashboard_url, b.runbook_url) for s in service.slos for b in s.alerts]
    for name, panel_id, dashboard_url, runbook_url in alerts:
        if panel_id is None:  # no panel shows the metric (the ir decides): the link opens the dashboard
            assert dashboard_url.endswith(f"/d/{classic['uid']}/sigil-dna"), name
            continue
        assert dashboard_url.endswith(f"/d/{classic['uid']}/sigil-dna?viewPanel={panel_id}")
        panel = dashboard_panel(classic, panel_id)
        assert f"[{name}]({runbook_url})" in panel["description"]
        assert {"title": f"Runbook: {name}", "url": runbook_url}.items() <= next(
            link for link in panel["links"] if link["title"] == f"Runbook: {name}"
        ).items()


def test_alert_thresholds_are_drawn_as_lines_coloured_where_the_alert_fires():
    _, classic, _ = dna()
    pct = by_title(classic, "Encode latency percentiles")["fieldConfig"]["defaults"]
    assert pct["custom"]["thresholdsStyle"] == {"mode": "line"}
    assert pct["thresholds"]["steps"] == [{"color": "green", "value": None}, {"color": "orange", "value": 1}]
    disk = by_title(classic, "Disk free")["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert disk == [{"color": "orange", "value": None}, {"color": "green", "value": 10 * 2**30}]
    db = by_title(classic, "Db up")["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert db == [{"color": "red", "value": None}, {"color": "green", "value": 1}]


def test_burn_rate_panel_draws_the_tier_factors_and_divides_the_recorded_ratio_by_the_budget():
    _, classic, _ = dna()
    burn = by_title(classic, "SLO encode-availability: burn rate")
    steps = burn["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert [(s["value"], s["color"]) for s in steps] == [
        (None, "green"),
        (1, "orange"),
        (3, "orange"),
        (6, "red"),
        (14.4, "red"),
    ]
    assert (
        burn["targets"][0]["expr"]
        == 'slo:sli_error:ratio_rate1h{service="sigil-dna",slo="encode-availability"} / 0.001'
    )
    budget = by_title(classic, "SLO encode-availability: error budget left")
    assert (
        budget["targets"][0]["expr"]
        == 'slo:period_error_budget_remaining:ratio{service="sigil-dna",slo="encode-availability"}'
    )


def test_grouping_labels_become_multi_value_variables_used_in_queries():
    _, classic, _ = dna()
    variables = {v["name"]: v for v in classic["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    op = variables["operation"]
    assert op["query"] == 'label_values(sigil_error_total{job="sigil-dna"}, operation)'
    assert op["multi"] is True and op["includeAll"] is True
    assert 'operation=~"$operation"' in by_title(classic, "Errors by operation")["targets"][0]["expr"]
    # A panel pinned to one operation by `where` is not filtered again.
    assert "$operation" not in by_title(classic, "Encode error ratio")["targets"][0]["expr"]


def test_firing_alerts_of_the_service_are_annotated_and_the_runbook_is_linked():
    _, classic, _ = dna()
    firing = next(a for a in classic["annotations"]["list"] if a["name"] == "Firing alerts")
    assert firing["expr"] == 'ALERTS{alertstate="firing",service="sigil-dna"}'
    assert classic["links"][0]["url"] == "https://runbooks.example.com/sigil-dna"
    assert (classic["uid"], classic["schemaVersion"], classic["time"]) == (
        "sigil-dna",
        42,
        {"from": "now-6h", "to": "now"},
    )


def test_a_collapsed_row_holds_its_panels_and_ids_stay_unique():
    model = variant(**{"    - title: Resonance\n": "    - title: Resonance\n      collapsed: true\n"})
    classic = compiled(model)["sigil-dna/grafana/sigil-dna.json"]
    row = next(p for p in classic["panels"] if p.get("title") == "Resonance")
    assert row["collapsed"] is True and [p["title"] for p in row["panels"]] == ["Resonance distribution"]
    assert "Resonance distribution" not in [p["title"] for p in classic["panels"]]
    assert layout_problems(classic) == []


def test_grafana_8_gets_the_legacy_heatmap_and_an_older_schema_version():
    require_schemas()
    model = variant(**{"  formats: [classic, v2]\n": "  formats: [classic]\n  grafana_version: 8\n"})
    classic = compiled(model)["sigil-dna/grafana/sigil-dna.json"]
    assert classic["schemaVersion"] == 30
    heat = by_title(classic, "Encode latency heatmap")
    assert (heat["dataFormat"], heat["yAxis"]["format"], heat["options"]) == ("tsbuckets", "s", {})
    assert heat["targets"][0]["format"] == "heatmap"
    assert schema_problems(classic) == [] and layout_problems(classic) == []


def test_v2_resource_has_the_same_panels_ids_and_row_layout():
    _, classic, resource = dna()
    assert (resource["apiVersion"], resource["kind"], resource["metadata"]) == (
        "dashboard.grafana.app/v2",
        "Dashboard",
        {"name": "sigil-dna"},
    )
    classic_panels = {p["id"]: p for p in all_panels(classic) if p["type"] != "row"}
    elements = resource["spec"]["elements"]
    assert {e["spec"]["id"]: e["spec"]["title"] for e in elements.values()} == {
        i: p["title"] for i, p in classic_panels.items()
    }
    rows = resource["spec"]["layout"]["spec"]["rows"]
    assert [r["spec"]["title"] for r in rows] == [p["title"] for p in classic["panels"] if p["type"] == "row"]
    first = rows[0]["spec"]["layout"]["spec"]["items"][0]["spec"]
    assert (first["x"], first["y"], first["element"]["name"]) == (0, 0, "panel-2")


def test_provisioning_points_one_provider_per_service_at_its_dashboard_folder():
    import yaml

    # Read as Grafana reads it: the file is assembled from each service's piece, written already.
    (provisioning,) = [a for a in compile_grafana(variant()) if a.path == "grafana-provisioning/dashboards.yml"]
    providers = yaml.safe_load(provisioning.render())["providers"]
    assert providers == [
        {
            "name": "sigil-dna",
            "orgId": 1,
            "folder": "Sigil",
            "type": "file",
            "disableDeletion": False,
            "updateIntervalSeconds": 30,
            "allowUiUpdates": False,
            "options": {
                "path": "/var/lib/grafana/sigil-monitoring/sigil-dna/grafana",
                "foldersFromFilesStructure": False,
            },
        }
    ]


def test_compiling_twice_gives_the_same_bytes():
    first = [a.render() for a in compile_grafana(variant())]
    assert first == [a.render() for a in compile_grafana(variant())]


def test_every_recording_rule_the_dashboard_reads_is_written_by_the_prometheus_target():
    from test_grafana_schema import metrics_of

    from sigil_monitoring.compilers import prometheus
    from sigil_monitoring.compilers.prometheus.rules import RuleFile

    model = variant()
    service, classic = model.services[0], compiled(model)["sigil-dna/grafana/sigil-dna.json"]
    recorded = {
        (rule["record"], tuple(sorted(rule.get("labels", {}).items())))
        for file in prometheus.records(model)
        if isinstance(file, RuleFile)
        for group in file.document()["groups"]
        for rule in group["rules"]
        if "record" in rule
    }
    catalog = {m.name for m in service.metrics} | {f"{m.name}_bucket" for m in service.metrics}
    used = {name for p in all_panels(classic) for t in p.get("targets", []) for name in metrics_of(t["expr"])} - catalog
    assert used, "the SLO panels read recording rules"
    for name in used:
        for slo in service.slos:
            assert any(
                r == name and ("service", "sigil-dna") in labels and ("slo", slo.name) in labels
                for r, labels in recorded
            ), (name, slo.name)


def test_two_alerts_at_one_threshold_colour_the_panel_by_the_worse_severity_in_either_order(tmp_path):
    import json

    from sigil_monitoring import compile_spec, parse_spec

    def stat_steps(first: str, second: str) -> list[dict]:
        text = f"""
apiVersion: sigil-monitoring/v1
service: {{name: disk, selector: {{job: disk}}}}
metrics: {{free: {{name: disk_free_bytes, type: gauge, unit: bytes}}}}
alerts:
  DiskLow{first.title()}: {{when: {{value: free, below: 10GiB}}, severity: {first}}}
  DiskLow{second.title()}: {{when: {{value: free, below: 10GiB}}, severity: {second}}}
dashboard: {{rows: [{{title: Disk, panels: [{{stat: free}}]}}]}}
"""
        bundle = compile_spec(parse_spec(text, "disk.yaml"))
        dashboard = json.loads(bundle["disk/grafana/disk.json"])
        panel = next(p for p in dashboard["panels"] if p["type"] == "stat")
        return panel["fieldConfig"]["defaults"]["thresholds"]["steps"]

    assert stat_steps("warning", "critical") == stat_steps("critical", "warning")
    assert stat_steps("warning", "critical")[0]["color"] == "red"


def test_a_histogram_in_milliseconds_is_drawn_in_milliseconds_with_its_threshold_in_them() -> None:
    """Istio's latency histogram: Grafana's unit ``ms`` on its panels, and the quantile alert's
    ``above: 1s`` drawn as a threshold line at 1000 (the panel's values are milliseconds)."""
    from sigil_monitoring import parse_spec

    spec = parse_spec(
        """
apiVersion: sigil-monitoring/v1
service: {name: reviews, selector: {job: istio-proxy}}
metrics:
  duration:
    {name: istio_request_duration_milliseconds, type: histogram, unit: milliseconds, buckets: [100, 250, 1000, 2500]}
alerts:
  SlowestRequestsSlow: {when: {quantile: 0.99, of: duration, above: 1s}, for: 10m}
dashboard:
  rows: [{title: Latency, panels: [{percentiles: duration}]}]
"""
    )
    [artifact] = [a for a in compile_grafana(build_model([spec])) if a.path.endswith("reviews.json")]
    [panel] = [p for p in all_panels(artifact.document) if p.get("type") == "timeseries"]
    defaults = panel["fieldConfig"]["defaults"]
    assert defaults["unit"] == "ms"
    assert [step["value"] for step in defaults["thresholds"]["steps"]] == [None, 1000]


def test_a_threshold_is_drawn_only_on_a_panel_that_plots_the_compared_value() -> None:
    """The CoreDNS trial's ratio alert (SERVFAIL share above 5 %) linked to its counter's rate
    panel (requests per second) and drew a line at 0.05 there. It still links there, and is listed
    in its description, but the line is drawn only on a panel of the ratio itself."""
    from sigil_monitoring import parse_spec

    text = """
apiVersion: sigil-monitoring/v1
service: {name: dns, selector: {job: coredns}}
metrics:
  forwarded: {name: coredns_proxy_requests_total, type: counter, labels: [rcode]}
  servfail: {from: forwarded, where: {rcode: SERVFAIL}}
alerts:
  ForwardErrors: {when: {ratio: {bad: servfail, total: forwarded}, above: 5%}, for: 10m}
dashboard:
  rows: [{title: Upstreams, panels: [PANELS]}]
"""

    def timeseries(panels: str) -> list[dict[str, Any]]:
        spec = parse_spec(text.replace("PANELS", panels))
        [artifact] = [a for a in compile_grafana(build_model([spec])) if a.path.endswith("dns.json")]
        return [p for p in all_panels(artifact.document) if p.get("type") == "timeseries"]

    def steps(panel: dict[str, Any]) -> list[Any]:
        return [step["value"] for step in panel["fieldConfig"]["defaults"]["thresholds"]["steps"]]

    [rate] = timeseries("{rate: servfail}")
    assert rate["fieldConfig"]["defaults"]["unit"] == "ops" and steps(rate) == [None]
    assert "ForwardErrors" in rate["description"]
    rate, ratio = timeseries("{rate: servfail}, {error_ratio: servfail, total: forwarded}")
    assert steps(rate) == [None] and "ForwardErrors" not in rate["description"]
    assert ratio["fieldConfig"]["defaults"]["unit"] == "percentunit" and steps(ratio) == [None, 0.05]


def test_panel_texts_say_what_each_panel_draws() -> None:
    """From the kube-state-metrics and CoreDNS trials: a percentiles panel spoke of a threshold
    line it did not have; a per-hour bar panel capitalised a metric name ('Kube_pod_...') and spoke
    of batch runs; the onboarding page gave its unit as events per second."""
    from sigil_monitoring import parse_spec
    from sigil_monitoring.compilers.onboarding_tour import unit_words

    spec = parse_spec(
        """
apiVersion: sigil-monitoring/v1
service: {name: kube, selector: {namespace: shop}}
metrics:
  restarts: {name: kube_pod_container_status_restarts_total, type: counter}
  duration: {name: http_request_duration_seconds, type: histogram, unit: seconds, buckets: [0.1, 1, 5]}
alerts:
  Slow: {when: {quantile: 0.99, of: duration, above: 1s}, for: 5m}
dashboard:
  rows:
    - {title: A, panels: [{rate: restarts, per: 1h}, {percentiles: duration}]}
    - {title: B, panels: [{percentiles: duration, quantiles: [0.5]}]}
"""
    )
    model = build_model([spec])
    [artifact] = [a for a in compile_grafana(model) if a.path.endswith("kube.json")]
    bars, alerted, plain = [p for p in all_panels(artifact.document) if p.get("type") == "timeseries"]
    assert bars["description"].startswith("kube_pod_container_status_restarts_total"), bars["description"]
    assert "Each bar counts one 1h" in bars["description"]
    assert "crosses the threshold line" in alerted["description"]
    assert "If the top line climbs" in plain["description"] and "threshold" not in plain["description"]
    rate_panel = model.services[0].dashboard.rows[0].panels[0].content
    assert unit_words(rate_panel) == "`kube_pod_container_status_restarts_total` events per 1h (one bar each)"


def test_a_state_an_alert_fires_on_is_drawn_red() -> None:
    """RabbitMQ's alarm gauges (the RabbitMQ trial): {0: ok, 1: alarm} drew 'alarm' yellow (not a
    name known as broken) beside text that says red spans are the broken state, while a critical
    alert fired on it. A state an alert fires on is red; the others keep their colours."""
    from sigil_monitoring import parse_spec

    def timeline(alerts: str) -> dict[str, Any]:
        spec = parse_spec(
            "apiVersion: sigil-monitoring/v1\nservice: {name: rabbitmq, selector: {job: rabbitmq}}\n"
            "metrics: {memory_alarm: {name: rabbitmq_alarms_memory_used_watermark, type: gauge, "
            "states: {0: ok, 1: alarm}}}\n"
            + alerts
            + "dashboard: {rows: [{title: A, panels: [{timeline: memory_alarm}]}]}\n"
        )
        [artifact] = [a for a in compile_grafana(build_model([spec])) if a.path.endswith("rabbitmq.json")]
        [panel] = [p for p in all_panels(artifact.document) if p.get("type") == "state-timeline"]
        return panel

    def colours(alerts: str) -> dict[str, str]:
        options = timeline(alerts)["fieldConfig"]["defaults"]["mappings"][0]["options"]
        return {value["text"]: value["color"] for value in options.values()}

    assert colours("") == {"ok": "green", "alarm": "yellow"}
    assert colours("alerts: {MemoryAlarm: {when: {state: memory_alarm, is: alarm}}}\n") == {
        "ok": "green",
        "alarm": "red",
    }
    # The panel's text speaks of red spans only where a state is drawn red (the second review).
    assert "Red spans" not in timeline("")["description"]
    assert "A row that changes colour often is flapping." in timeline("")["description"]
    assert (
        "Red spans show how long"
        in timeline("alerts: {MemoryAlarm: {when: {state: memory_alarm, is: alarm}}}\n")["description"]
    )
