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
from sigil_monitoring.drafts.rules_source import Rule, read_rules
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
    assert len(panels) == 18  # heavy-test runs per hour and per day (increase over [1h]/[1d]) included
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


def test_a_file_that_is_not_json_is_one_positioned_error(tmp_path, capsys) -> None:
    from sigil_monitoring.cli import main

    bad = tmp_path / "board.json"
    bad.write_text('{"title": "x",\n  "panels": [1,]\n}\n')
    out = tmp_path / "spec.yaml"
    assert main(["adopt", str(bad), "--out", str(out)]) == 2
    assert not out.exists()
    assert capsys.readouterr().err == (
        f"{bad}:2:16: error: not JSON: Expecting value (give a dashboard's JSON model)\n"
    )


def test_json_that_is_not_a_dashboard_nor_a_rule_file_is_one_line_each(tmp_path, capsys) -> None:
    from sigil_monitoring.cli import main

    board, rules = tmp_path / "board.json", tmp_path / "rules.yml"
    board.write_text('{"title": "no panels"}\n')
    rules.write_text("alerts: []\n")
    assert main(["adopt", str(board), str(rules)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert [line.split(": error: ")[0] for line in err] == [f"{board}:1:1", f"{rules}:1:1"]
    assert "not a Grafana dashboard" in err[0] and "not a Prometheus rule file" in err[1]


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
    assert draft.comments[("alerts", "DiskFullAnywhere")].splitlines() == [
        "was disk_full_anywhere in rules.yml (alert names are CamelCase here)",
        "Typed, this alert would read as below, but compile to another expression (the service selector on every "
        "query):",
        "when: {value: free_bytes, below: 1000000}",
    ]
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


def test_rate_ratio_and_quantile_thresholds_stay_promql_with_their_typed_form_suggested_and_valid() -> None:
    up = {"type": "stat", "title": "Up", "targets": [{"expr": 'up{job="api"}'}]}
    board = read_dashboard(json.dumps({"title": "API", "panels": [up]}))
    requests, errors = 'http_requests_total{job="api"}', 'http_requests_total{job="api",code=~"5.."}'
    latency = 'http_request_duration_seconds_bucket{job="api"}'
    exprs = {
        "Errors": f"sum(rate({errors}[5m])) / sum(rate({requests}[5m])) > 0.05",
        "Slow": f"histogram_quantile(0.99, sum by (le) (rate({latency}[5m]))) > 0.5",
        "Busy": f"sum by (handler) (rate({requests}[5m])) > 100",
    }
    rules = [Rule(name, "", expr, file="rules.yml") for name, expr in exprs.items()]
    draft = adopt(board, rules)
    assert [item.split(":")[0:2] for item in draft.summary.raw] == [
        ["alert Errors", " a ratio threshold"],
        ["alert Slow", " a quantile threshold"],
        ["alert Busy", " a rate threshold"],
    ]
    for rule in rules:
        assert draft.spec["alerts"][rule.name]["when"] == {"promql": rule.expr}
        comment = draft.comments[("alerts", rule.name)]
        suggestion = load("\n".join(comment.splitlines()[1:]))
        swapped = {**draft.spec, "alerts": {rule.name: {**draft.spec["alerts"][rule.name], **suggestion}}}
        _compiled(swapped, {})  # the suggestion is a valid typed alert


def test_a_v2_grid_without_rows_becomes_one_row_and_a_library_panel_is_dropped_with_its_reason() -> None:
    def panel(title: str, expr: str) -> dict:
        query = {"kind": "PanelQuery", "spec": {"query": {"kind": "DataQuery", "spec": {"expr": expr}}, "refId": "A"}}
        return {
            "kind": "Panel",
            "spec": {
                "title": title,
                "data": {"kind": "QueryGroup", "spec": {"queries": [query]}},
                "vizConfig": {"group": "stat"},
            },
        }

    def item(name: str, y: int) -> dict:
        return {
            "kind": "GridLayoutItem",
            "spec": {"element": {"kind": "ElementReference", "name": name}, "x": 0, "y": y},
        }

    board = {
        "apiVersion": "dashboard.grafana.app/v2beta1",
        "kind": "Dashboard",
        "metadata": {"name": "grid"},
        "spec": {
            "title": "Grid",
            "elements": {
                "b": panel("Second", 'temperature_celsius{job="lab"}'),
                "a": panel("First", 'up{job="lab"}'),
                "lib": {"kind": "LibraryPanel", "spec": {"title": "Shared"}},
            },
            "layout": {"kind": "GridLayout", "spec": {"items": [item("b", 8), item("a", 0), item("lib", 16)]}},
        },
    }
    draft = adopt(read_dashboard(json.dumps(board)), [])
    assert draft.spec["dashboard"]["formats"] == ["v2"]
    assert draft.spec["dashboard"]["rows"] == [
        {
            "title": "Overview",
            "panels": [{"stat": "up", "title": "First"}, {"stat": "temperature_celsius", "title": "Second"}],
        }
    ]
    assert draft.summary.dropped == ["panel Shared: a library panel: its queries live in Grafana, not in this file"]
    bundle = _compiled(draft.spec, draft.comments)
    assert _queries(bundle["lab/grafana/lab.v2.json"].decode()) == [
        normalised('up{job="lab"}'),
        normalised('temperature_celsius{job="lab"}'),
    ]


def test_a_name_that_is_not_a_service_name_is_a_usage_error_not_a_bug(capsys) -> None:
    from sigil_monitoring.cli import main

    assert main(["adopt", "golden/minimal/hello/grafana/hello.json", "--name", "Bad_Name"]) == 2
    assert capsys.readouterr().err.startswith("--name:1:1: error: 'Bad_Name' is not a service name")


def test_a_query_grouped_by_a_label_the_compiler_sets_stays_raw_and_the_draft_loads(tmp_path, capsys) -> None:
    """ingress-nginx's backend ``service`` label: no catalog entry may declare it (the compiler sets
    its own on every record), so a panel grouped by it stays raw PromQL instead of a draft that
    validate refuses (which was exit 70)."""
    board = tmp_path / "ingress.json"
    by_backend = 'sum by (service) (rate(nginx_ingress_controller_requests{job="ingress-nginx"}[5m]))'
    panels = [{"type": "timeseries", "title": "Requests by backend", "targets": [{"expr": by_backend}]}]
    board.write_text(json.dumps({"title": "Ingress", "panels": panels}))
    out = tmp_path / "draft.yaml"
    from sigil_monitoring.cli import main

    assert main(["adopt", str(board), "--out", str(out)]) == 0
    spec = parse_spec(out.read_text(), str(out))
    assert "service" not in spec.metrics["nginx_ingress_controller_requests"].labels
    assert [p.promql for row in spec.dashboard.rows for p in row.panels] == [by_backend]


def test_a_quantile_rule_on_a_histogram_in_milliseconds_keeps_its_milliseconds(tmp_path) -> None:
    """Istio's histogram is in milliseconds (the name says so) and its buckets are unknown to a
    draft read from queries, so it stays in ``none`` (validate wants a millisecond histogram's
    buckets) and ``> 1000`` is ``above: 1000``, not the 1000000ms a threshold in seconds would give."""
    from sigil_monitoring.cli import main

    board = tmp_path / "mesh.json"
    p99 = 'histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{job="mesh"}[5m])))'
    panels = [{"type": "timeseries", "title": "p99", "targets": [{"expr": p99}]}]
    board.write_text(json.dumps({"title": "Mesh", "panels": panels}))
    rules = tmp_path / "rules.yml"
    rules.write_text(
        f"groups:\n  - name: mesh\n    rules:\n      - alert: SlowP99\n        expr: '{p99} > 1000'\n        for: 10m\n"
    )
    out = tmp_path / "draft.yaml"
    assert main(["adopt", str(board), str(rules), "--out", str(out)]) == 0
    text = out.read_text()
    assert "above: 1000}" in text and "1000000" not in text, text
