"""``adopt``: every golden dashboard and its rule files, adopted then compiled, keep every query.

The round trip the issue asks for: ``adopt`` a dashboard this tool wrote (classic and v2), compile
the draft, read the compiled dashboard back and compare every panel's queries, in order
(whitespace aside, Grafana variables kept), and every alert's expression.
"""

from __future__ import annotations

import glob
import json
import os

import pytest

from sigil_monitoring.drafts.adopt import adopt
from sigil_monitoring.drafts.grafana_source import read_dashboard
from sigil_monitoring.drafts.promql_reading import normalised
from sigil_monitoring.drafts.rules_source import read_rules
from sigil_monitoring.drafts.yaml_writer import dump_spec
from sigil_monitoring.output.pipeline import compile_spec
from sigil_monitoring.spec.loader import parse_spec
from sigil_monitoring.spec.yaml_io import load

GOLDEN_DASHBOARDS = sorted(glob.glob("golden/*/*/grafana/*.json"))


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def _queries(board_text: str) -> list[str]:
    board = read_dashboard(board_text)
    return [normalised(q.expr) for row in board.rows for p in row.panels for q in p.queries]


def _compiled(draft_spec: dict, comments: dict) -> dict[str, bytes]:
    return dict(compile_spec(parse_spec(dump_spec(draft_spec, comments=comments), "<draft>")))


@pytest.mark.parametrize("path", GOLDEN_DASHBOARDS, ids=lambda p: p.split("/", 1)[1])
def test_a_golden_dashboard_adopted_and_compiled_keeps_every_query_and_alert_expression(path: str) -> None:
    service_dir = os.path.dirname(os.path.dirname(path))
    rule_files = sorted(glob.glob(f"{service_dir}/prometheus/*.rules.yml"))
    rules = [rule for f in rule_files for rule in read_rules(_read(f), f)]
    draft = adopt(read_dashboard(_read(path), path), rules)
    assert not draft.summary.dropped or all(item.startswith("alert ") for item in draft.summary.dropped)
    bundle = _compiled(draft.spec, draft.comments)
    name = draft.spec["service"]["name"]
    compiled_board = next(
        text for file, text in bundle.items() if file.startswith(f"{name}/grafana/") and file.endswith(".json")
    )
    assert _queries(compiled_board.decode()) == _queries(_read(path))
    alerts = {rule.name: normalised(rule.expr) for rule in rules if rule.name}
    if alerts:
        compiled_rules = load(bundle[f"{name}/prometheus/alerts.rules.yml"].decode())
        compiled = {r["alert"]: normalised(r["expr"]) for g in compiled_rules["groups"] for r in g["rules"]}
        assert compiled == alerts
    assert draft.summary.typed  # something became typed: the golden dashboards are ours


def test_the_golden_sigil_dna_dashboard_types_every_panel_but_the_slo_ones() -> None:
    path = "golden/sigil-dna/sigil-dna/grafana/sigil-dna.json"
    draft = adopt(read_dashboard(_read(path), path), [])
    panels = [item for item in draft.summary.typed if item.startswith("panel ")]
    raw = [item for item in draft.summary.raw if item.startswith("panel ")]
    assert len(panels) == 12
    assert all(item.startswith("panel SLO ") for item in raw) and len(raw) == 6


# Dashboards nobody here wrote (tests/data/dashboards/README.md): (typed, raw, dropped) of the summary.
# Their queries use fixed ranges ([1m]), no `sum`, or $node-style variables, so they stay raw.
REAL_DASHBOARDS = {
    "tests/data/dashboards/node-exporter-full.json": (0, 125, 1),
    "tests/data/dashboards/spring-petclinic.json": (0, 7, 0),
}


@pytest.mark.parametrize("path", sorted(REAL_DASHBOARDS))
def test_a_published_dashboard_adopted_validates_compiles_and_keeps_its_queries(path: str) -> None:
    draft = adopt(read_dashboard(_read(path), path), [])
    summary = draft.summary
    assert (len(summary.typed), len(summary.raw), len(summary.dropped)) == REAL_DASHBOARDS[path]
    bundle = _compiled(draft.spec, draft.comments)
    name = draft.spec["service"]["name"]
    compiled = _queries(bundle[f"{name}/grafana/{name}.json"].decode())
    source = read_dashboard(_read(path))
    kept = [normalised(q.expr) for row in source.rows for p in row.panels if not p.skipped for q in p.queries]
    assert compiled == kept


def test_a_file_that_is_not_json_is_one_positioned_error(tmp_path) -> None:
    from sigil_monitoring.cli import main

    bad = tmp_path / "board.json"
    bad.write_text('{"title": "x",\n  "panels": [1,]\n}\n')
    out = tmp_path / "spec.yaml"
    assert main(["adopt", str(bad), "--out", str(out)]) == 2
    assert not out.exists()


def test_the_adopt_command_writes_a_draft_that_loads(tmp_path, capsys) -> None:
    from sigil_monitoring.cli import main

    out = tmp_path / "shop.yaml"
    rules = "golden/shop/shop/prometheus/alerts.rules.yml"
    assert main(["adopt", "golden/shop/shop/grafana/shop.json", rules, "--out", str(out)]) == 0
    assert "typed: 3, raw promql: 5" in capsys.readouterr().out
    spec = parse_spec(out.read_text(), str(out))
    assert sorted(spec.alerts) == ["PostgresDown", "ServerErrorsRising", "TrafficDropped"]


def test_a_query_of_a_typed_shape_that_compiles_otherwise_stays_raw_with_its_text() -> None:
    # A fixed [1m] window: the typed rate panel would query [$__rate_interval] instead.
    fixed = 'sum(rate(http_requests_total{job="api"}[1m]))'
    ours = 'sum(rate(http_requests_total{job="api"}[$__rate_interval]))'
    board = read_dashboard(
        json.dumps(
            {
                "title": "API",
                "panels": [
                    {"type": "timeseries", "title": "Fixed", "targets": [{"expr": fixed}]},
                    {"type": "timeseries", "title": "Ours", "targets": [{"expr": ours}]},
                ],
            }
        )
    )
    draft = adopt(board, [])
    assert draft.spec["dashboard"]["rows"][0]["panels"] == [
        {"promql": fixed, "title": "Fixed"},
        {"rate": "http_requests", "title": "Ours"},
    ]
    assert draft.summary.raw == ["panel Fixed: rate compiles to another query"]
    bundle = _compiled(draft.spec, draft.comments)
    assert _queries(bundle["api/grafana/api.json"].decode()) == [normalised(fixed), normalised(ours)]


def test_a_threshold_alert_typed_only_when_its_compiled_expression_is_the_original() -> None:
    board = read_dashboard(
        json.dumps(
            {
                "title": "API",
                "panels": [{"type": "stat", "title": "Free", "targets": [{"expr": 'free_bytes{job="api"}'}]}],
            }
        )
    )
    rules = read_rules(
        "groups:\n- name: api\n  rules:\n"
        "  - alert: DiskFull\n    expr: 'free_bytes{job=\"api\"} < 1000000'\n    for: 5m\n"
        "    labels: {severity: critical}\n"
        # Without the service selector: typed, it would gain {job="api"}.
        "  - alert: disk_full_anywhere\n    expr: free_bytes < 1000000\n",
        "rules.yml",
    )
    draft = adopt(board, rules)
    assert draft.spec["alerts"]["DiskFull"]["when"] == {"value": "free_bytes", "below": 1000000}
    assert draft.spec["alerts"]["DiskFull"]["severity"] == "critical"
    assert draft.spec["alerts"]["DiskFullAnywhere"]["when"] == {"promql": "free_bytes < 1000000"}
    assert (
        draft.comments[("alerts", "DiskFullAnywhere")]
        == "was disk_full_anywhere in rules.yml (alert names are CamelCase here)"
    )
    bundle = _compiled(draft.spec, draft.comments)
    compiled = load(bundle["api/prometheus/alerts.rules.yml"].decode())
    exprs = {r["alert"]: r["expr"] for g in compiled["groups"] for r in g["rules"]}
    assert exprs == {"DiskFull": 'free_bytes{job="api"} < 1000000', "DiskFullAnywhere": "free_bytes < 1000000"}


def test_the_rows_of_a_grafana_4_dashboard_are_kept() -> None:
    old = {
        "title": "Old",
        "rows": [
            {"title": "Traffic", "panels": [{"type": "graph", "title": "Up", "targets": [{"expr": "up"}]}]},
            {
                "title": "Memory",
                "collapse": True,
                "panels": [{"type": "singlestat", "title": "RSS", "targets": [{"expr": "rss_bytes"}]}],
            },
        ],
    }
    draft = adopt(read_dashboard(json.dumps(old)), [])
    rows = draft.spec["dashboard"]["rows"]
    assert [(row["title"], row.get("collapsed", False)) for row in rows] == [("Traffic", False), ("Memory", True)]
    assert rows[1]["panels"] == [{"stat": "rss_bytes", "title": "RSS"}]
    _compiled(draft.spec, draft.comments)
