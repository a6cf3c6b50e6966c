"""The Grafana target: dashboards valid against Grafana's official JSON Schemas, sound layout,
parseable PromQL on known metrics, and the panels the Sigil-DNA ticket asks for.

Helpers here (``dashboard_problems``, ``v2_problems``) are reused by the property test.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import SPECS

from sigil_monitoring import conventions as names
from sigil_monitoring import load_spec
from sigil_monitoring.compilers.grafana import compile as compile_grafana
from sigil_monitoring.compilers.grafana.legacy import LEGACY_HEATMAP_KEYS
from sigil_monitoring.compilers.grafana.queries import substitute
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.ir.model import Model, Service

# Read from the shared checkout beside the repo, never copied in (see PROVENANCE.txt there).
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "shared" / "grafana-schemas" / "jsonschema"
# Panel type -> schema file; stat and gauge have no custom field config in their schema.
PANEL_SCHEMAS = {"heatmap": "heatmap", "timeseries": "timeseries", "histogram": "histogram",
                 "state-timeline": "statetimeline", "stat": "stat", "gauge": "gauge"}
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


def require_schemas() -> None:
    if not SCHEMA_DIR.is_dir():
        message = f"Grafana JSON Schemas not found at {SCHEMA_DIR} (check out ../shared/grafana-schemas)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@functools.cache
def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / f"{name}.jsonschema.json").read_text())  # type: ignore[no-any-return]


@functools.cache
def validator(name: str, definition: str | None = None) -> Any:
    import jsonschema

    doc = schema(name)
    if definition is not None:
        doc = {"$ref": f"#/definitions/{definition}", "definitions": doc["definitions"]}
    return jsonschema.Draft7Validator(doc)


def _errors(name: str, definition: str | None, instance: Any, where: str) -> list[str]:
    out = []
    for error in validator(name, definition).iter_errors(instance):
        # A panel is "Panel or RowPanel" (oneOf): report the deepest complaint of any branch.
        while error.context:
            error = max(error.context, key=lambda e: len(e.absolute_path))
        out.append(f"{where}: {'/'.join(map(str, error.absolute_path))}: {error.message[:300]}")
    return out


def all_panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel, rows included, with the children of collapsed rows."""
    out = []
    for panel in dashboard["panels"]:
        out.append(panel)
        out.extend(panel.get("panels", []) if panel["type"] == "row" else [])
    return out


def panel_schema_problems(kind: str, options: Any, custom: Any, where: str) -> list[str]:
    if kind not in PANEL_SCHEMAS:
        return []
    name = PANEL_SCHEMAS[kind]
    problems = _errors(name, "Options", options, f"{where} options")
    if "FieldConfig" in schema(name)["definitions"]:
        problems += _errors(name, "FieldConfig", custom, f"{where} fieldConfig.defaults.custom")
    elif custom:
        problems.append(f"{where}: {kind} has no custom field config, got {custom}")
    return problems


def schema_problems(dashboard: dict[str, Any]) -> list[str]:
    """Errors against dashboard.jsonschema.json, each panel's schema and prometheus.jsonschema.json.

    Grafana 8's heatmap keeps its settings in panel-level keys the current schema does not know;
    they are taken out before validation (their shape is tested separately).
    """
    doc = json.loads(json.dumps(dashboard))
    for panel in all_panels(doc):
        if panel["type"] == "heatmap" and "dataFormat" in panel:
            for key in LEGACY_HEATMAP_KEYS:
                panel.pop(key, None)
    problems = _errors("dashboard", None, doc, "dashboard")
    for panel in all_panels(doc):
        where = f"panel {panel['id']} ({panel['type']})"
        if panel["type"] == "row":
            continue
        if "dataFormat" not in dashboard_panel(dashboard, panel["id"]):
            problems += panel_schema_problems(panel["type"], panel["options"], panel["fieldConfig"]["defaults"].get("custom", {}), where)
        for target in panel.get("targets", []):
            problems += _errors("prometheus", None, target, f"{where} target {target['refId']}")
    return problems


def dashboard_panel(dashboard: dict[str, Any], panel_id: int) -> dict[str, Any]:
    return next(p for p in all_panels(dashboard) if p["id"] == panel_id)


def layout_problems(dashboard: dict[str, Any]) -> list[str]:
    """What the schema cannot check: unique ids, x+w <= 24, no overlaps, row structure."""
    problems = []
    panels = all_panels(dashboard)
    ids = [p["id"] for p in panels]
    if len(ids) != len(set(ids)):
        problems.append(f"duplicate panel ids: {sorted(i for i in ids if ids.count(i) > 1)}")
    cells: dict[tuple[int, int], int] = {}
    for p in panels:
        g = p["gridPos"]
        if g["x"] + g["w"] > 24:
            problems.append(f"panel {p['id']} ends at column {g['x'] + g['w']} > 24")
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                if (x, y) in cells:
                    problems.append(f"panel {p['id']} overlaps panel {cells[(x, y)]} at x={x} y={y}")
                    break
                cells[(x, y)] = p["id"]
    for p in dashboard["panels"]:
        if p["type"] == "row" and not p["collapsed"] and p["panels"]:
            problems.append(f"expanded row {p['id']} holds panels (they must follow it)")
        if p["type"] == "row" and p["gridPos"] != {"h": 1, "w": 24, "x": 0, "y": p["gridPos"]["y"]}:
            problems.append(f"row {p['id']} is not a full-width line")
    return problems


def metrics_of(expr: str) -> set[str]:
    import promql_parser

    found: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector) and node.name:
            found.add(node.name)

    promql_parser.walk(promql_parser.parse(substitute(expr)), visit)
    return found


def known_metrics(service: Service) -> set[str]:
    """Catalog metrics (with the series a classic histogram exposes) and our recording rules."""
    known = {"ALERTS"}
    for m in service.metrics:
        known.add(m.name)
        if m.type == "histogram":
            known |= {f"{m.name}_bucket", f"{m.name}_count", f"{m.name}_sum"}
    for slo in service.slos:
        known |= {names.slo_error_ratio_record(str(w)) for w in slo.windows}
    known |= {names.SLO_BUDGET_REMAINING_RECORD, names.SLO_ERROR_BUDGET_RECORD, names.SLO_OBJECTIVE_RECORD,
              names.SLO_CURRENT_BURN_RECORD, names.SLO_PERIOD_BURN_RECORD, names.SLO_PERIOD_DAYS_RECORD}
    return known


def query_problems(dashboard: dict[str, Any], service: Service) -> list[str]:
    """Every query parses, names known metrics only, and uses the datasource variable."""
    problems = []
    known = known_metrics(service)
    exprs = [(f"annotation {a['name']}", a["expr"]) for a in dashboard["annotations"]["list"] if "expr" in a]
    for p in all_panels(dashboard):
        if p["type"] not in ("row", "text") and p.get("datasource") != DATASOURCE:
            problems.append(f"panel {p['id']} datasource is {p.get('datasource')}")
        for t in p.get("targets", []):
            exprs.append((f"panel {p['id']} target {t['refId']}", t["expr"]))
            if t.get("datasource") != DATASOURCE:
                problems.append(f"panel {p['id']} target {t['refId']} datasource is {t.get('datasource')}")
    for where, expr in exprs:
        try:
            unknown = metrics_of(expr) - known
        except ValueError as exc:
            problems.append(f"{where}: does not parse ({exc}): {expr}")
            continue
        if unknown:
            problems.append(f"{where}: unknown metrics {sorted(unknown)}")
    return problems


def v2_problems(resource: dict[str, Any]) -> list[str]:
    problems = _errors("resource", "Manifest", resource, "v2 envelope")
    problems += _errors("dashboardv2", "Dashboard", resource["spec"], "v2 spec")
    for name, element in resource["spec"]["elements"].items():
        viz = element["spec"]["vizConfig"]
        problems += panel_schema_problems(viz["group"], viz["spec"]["options"],
                                          viz["spec"]["fieldConfig"]["defaults"].get("custom", {}), f"v2 {name}")
    return problems


def compiled(model: Model) -> dict[str, Any]:
    return {a.path: a.document for a in compile_grafana(model)}


@functools.cache
def spec_model(stem: str) -> Model:
    return build_model([load_spec(f"specs/{stem}.yaml")])


# --- tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("spec_path", SPECS, ids=lambda p: p.stem)
def test_every_dashboard_from_specs_validates_against_the_official_schemas(spec_path, monkeypatch):
    require_schemas()
    monkeypatch.chdir(spec_path.parents[1])
    model = spec_model(spec_path.stem)
    docs = compiled(model)
    service = model.services[0]
    classic = docs.get(names.dashboard_path(service.name, "classic"))
    if classic is not None:
        assert schema_problems(classic) == []
    if "v2" in service.dashboard.formats:
        assert v2_problems(docs[names.dashboard_path(service.name, "v2")]) == []


@pytest.mark.parametrize("spec_path", SPECS, ids=lambda p: p.stem)
def test_every_dashboard_from_specs_has_a_sound_layout_and_queries_on_known_metrics(spec_path, monkeypatch):
    monkeypatch.chdir(spec_path.parents[1])
    model = spec_model(spec_path.stem)
    service = model.services[0]
    classic = compiled(model)[names.dashboard_path(service.name, "classic")]
    assert layout_problems(classic) == []
    assert query_problems(classic, service) == []


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


def test_the_checkers_catch_overlaps_duplicate_ids_unknown_metrics_and_missing_null_thresholds():
    require_schemas()
    service, classic, _ = dna()
    broken = json.loads(json.dumps(classic))
    panels = [p for p in broken["panels"] if p["type"] != "row"]
    panels[1]["gridPos"] = dict(panels[0]["gridPos"])
    panels[2]["id"] = panels[3]["id"]
    panels[4]["targets"][0]["expr"] = "rate(not_in_catalog[5m])"
    panels[5]["fieldConfig"]["defaults"]["thresholds"]["steps"][0].pop("value")
    assert any("overlaps" in p for p in layout_problems(broken))
    assert any("duplicate panel ids" in p for p in layout_problems(broken))
    assert any("not_in_catalog" in p for p in query_problems(broken, service))
    assert any("'value' is a required property" in p for p in schema_problems(broken))


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
    assert by_title(classic, "Heavy test runs by result")["type"] == "timeseries"
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
        assert {"title": f"Runbook: {name}", "url": runbook_url} .items() <= next(
            link for link in panel["links"] if link["title"] == f"Runbook: {name}").items()


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
    assert [(s["value"], s["color"]) for s in steps] == [(None, "green"), (1, "orange"), (3, "orange"), (6, "red"), (14.4, "red")]
    assert burn["targets"][0]["expr"] == 'slo:sli_error:ratio_rate1h{service="sigil-dna",slo="encode-availability"} / 0.001'
    budget = by_title(classic, "SLO encode-availability: error budget left")
    assert budget["targets"][0]["expr"] == 'slo:period_error_budget_remaining:ratio{service="sigil-dna",slo="encode-availability"}'


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
    assert (classic["uid"], classic["schemaVersion"], classic["time"]) == ("sigil-dna", 42, {"from": "now-6h", "to": "now"})


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
    assert (resource["apiVersion"], resource["kind"], resource["metadata"]) == ("dashboard.grafana.app/v2", "Dashboard", {"name": "sigil-dna"})
    classic_panels = {p["id"]: p for p in all_panels(classic) if p["type"] != "row"}
    elements = resource["spec"]["elements"]
    assert {e["spec"]["id"]: e["spec"]["title"] for e in elements.values()} == {i: p["title"] for i, p in classic_panels.items()}
    rows = resource["spec"]["layout"]["spec"]["rows"]
    assert [r["spec"]["title"] for r in rows] == [p["title"] for p in classic["panels"] if p["type"] == "row"]
    first = rows[0]["spec"]["layout"]["spec"]["items"][0]["spec"]
    assert (first["x"], first["y"], first["element"]["name"]) == (0, 0, "panel-2")


def test_provisioning_points_one_provider_per_service_at_its_dashboard_folder():
    docs = compiled(variant())
    providers = docs["grafana-provisioning/dashboards.yml"]["providers"]
    assert providers == [{
        "name": "sigil-dna", "orgId": 1, "folder": "Sigil", "type": "file", "disableDeletion": False,
        "updateIntervalSeconds": 30, "allowUiUpdates": False,
        "options": {"path": "/var/lib/grafana/sigil-monitoring/sigil-dna/grafana", "foldersFromFilesStructure": False},
    }]


def test_compiling_twice_gives_the_same_bytes():
    first = [a.render() for a in compile_grafana(variant())]
    assert first == [a.render() for a in compile_grafana(variant())]
