"""Grafana dashboards against what Grafana checks: the official JSON Schemas, plus what the schemas
cannot say (unique ids, x+w <= 24, no overlaps, PromQL that parses, metrics that exist).

The checkers here (``schema_problems``, ``layout_problems``, ``query_problems``, ``v2_problems``)
are reused by test_grafana.py and the property test.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import ALL_SPECS as SPECS

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
PANEL_SCHEMAS = {
    "heatmap": "heatmap",
    "timeseries": "timeseries",
    "histogram": "histogram",
    "state-timeline": "statetimeline",
    "stat": "stat",
    "gauge": "gauge",
}
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
            problems += panel_schema_problems(
                panel["type"], panel["options"], panel["fieldConfig"]["defaults"].get("custom", {}), where
            )
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
    known |= {
        names.SLO_BUDGET_REMAINING_RECORD,
        names.SLO_ERROR_BUDGET_RECORD,
        names.SLO_OBJECTIVE_RECORD,
        names.SLO_CURRENT_BURN_RECORD,
        names.SLO_PERIOD_BURN_RECORD,
        names.SLO_PERIOD_DAYS_RECORD,
    }
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
        problems += panel_schema_problems(
            viz["group"], viz["spec"]["options"], viz["spec"]["fieldConfig"]["defaults"].get("custom", {}), f"v2 {name}"
        )
    return problems


def compiled(model: Model) -> dict[str, Any]:
    return {a.path: a.document for a in compile_grafana(model)}


@functools.cache
def spec_model(path: Path) -> Model:
    return build_model([load_spec(path)])


# --- tests ---


@pytest.mark.parametrize("spec_path", SPECS, ids=lambda p: p.stem)
def test_every_dashboard_from_specs_validates_against_the_official_schemas(spec_path, monkeypatch):
    require_schemas()
    # Nothing validates the Grafana objects when they are built (plain msgspec Structs): this is the
    # check that every dashboard of every service is what Grafana accepts.
    model = spec_model(spec_path)
    docs = compiled(model)
    for service in model.services:
        if "classic" in service.dashboard.formats:
            assert schema_problems(docs[names.dashboard_path(service.name, "classic")]) == []
        if "v2" in service.dashboard.formats:
            assert v2_problems(docs[names.dashboard_path(service.name, "v2")]) == []


@pytest.mark.parametrize("spec_path", SPECS, ids=lambda p: p.stem)
def test_every_dashboard_from_specs_has_a_sound_layout_and_queries_on_known_metrics(spec_path, monkeypatch):
    model = spec_model(spec_path)
    docs = compiled(model)
    for service in model.services:
        classic = docs[names.dashboard_path(service.name, "classic")]
        assert layout_problems(classic) == []
        assert query_problems(classic, service) == []


def test_the_checkers_catch_overlaps_duplicate_ids_unknown_metrics_and_missing_null_thresholds():
    require_schemas()
    from test_grafana import dna

    service, classic, _ = dna()
    broken = json.loads(json.dumps(classic))
    panels = [p for p in broken["panels"] if p["type"] != "row"]
    panels[1]["gridPos"] = dict(panels[0]["gridPos"])
    panels[2]["id"] = panels[3]["id"]
    panels[4]["targets"][0]["expr"] = "rate(not_in_catalog[5m])"
    thresholded = next(p for p in panels[5:] if "thresholds" in p["fieldConfig"]["defaults"])
    thresholded["fieldConfig"]["defaults"]["thresholds"]["steps"][0].pop("value")
    assert any("overlaps" in p for p in layout_problems(broken))
    assert any("duplicate panel ids" in p for p in layout_problems(broken))
    assert any("not_in_catalog" in p for p in query_problems(broken, service))
    assert any("'value' is a required property" in p for p in schema_problems(broken))
