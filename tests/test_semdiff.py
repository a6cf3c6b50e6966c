"""The semantic diff names changes in monitoring terms, file kind by file kind (small handmade files)."""

from __future__ import annotations

import json

from conftest import REPO

from sigil_monitoring import compile_spec, load_spec
from sigil_monitoring.semdiff import diff_bundles, diff_file, render_text


def yaml_lines(path, old, new):
    return [str(c) for c in diff_file(path, old.encode(), new.encode())]


def dash(panels, **extra):
    return json.dumps({"schemaVersion": 42, "title": "D", "panels": panels, **extra}).encode()


RULES = """groups:
  - name: svc-alerts
    rules:
      - alert: Slow
        expr: histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m]))) > 1
        for: 10m
        labels: {severity: warning}
        annotations: {summary: slow}
      - record: job:x:rate5m
        expr: rate(x[5m])
        labels: {slo: a}
      - record: job:x:rate5m
        expr: rate(x[5m])
        labels: {slo: b}
"""


def test_a_changed_number_after_the_comparison_is_a_threshold_change_and_for_is_named():
    new = RULES.replace("> 1\n", "> 2.5\n").replace("for: 10m", "for: 5m")
    assert yaml_lines("r.rules.yml", RULES, new) == ["alert Slow: threshold 1 → 2.5", "alert Slow: for 10m → 5m"]


def test_a_changed_comparison_or_query_is_reported_as_such():
    assert yaml_lines("r.rules.yml", RULES, RULES.replace("> 1\n", "< 1\n")) == ["alert Slow: condition > → <"]
    changed = yaml_lines("r.rules.yml", RULES, RULES.replace("0.95", "0.99"))
    assert changed == [
        "alert Slow: expr histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m]))) > 1 → "
        "histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m]))) > 1"
    ]


def test_labels_and_annotations_are_named_one_by_one():
    new = RULES.replace("{severity: warning}", "{severity: critical, page: 'yes'}").replace(
        "summary: slow", "summary: very slow"
    )
    assert yaml_lines("r.rules.yml", RULES, new) == [
        "alert Slow: label page added: yes",
        "alert Slow: label severity warning → critical",
        "alert Slow: annotation summary slow → very slow",
    ]


def test_recording_rules_of_the_same_name_are_told_apart_by_labels():
    new = RULES.replace("labels: {slo: b}", "labels: {slo: c}")
    assert yaml_lines("r.rules.yml", RULES, new) == [
        'recording rule added: job:x:rate5m{slo="c"}',
        'recording rule removed: job:x:rate5m{slo="b"}',
    ]


def test_a_rule_moved_to_another_group_says_so():
    new = RULES.replace("      - record: job:x:rate5m\n        expr: rate(x[5m])\n        labels: {slo: a}\n", "") + (
        "  - name: svc-records\n    rules:\n"
        "      - record: job:x:rate5m\n        expr: rate(x[5m])\n        labels: {slo: a}\n"
    )
    assert yaml_lines("r.rules.yml", RULES, new) == [
        "rule group added: svc-records",
        'recording rule job:x:rate5m{slo="a"} moved to group svc-records',
    ]


AM = """route:
  receiver: fallback
  routes:
    - matchers: ['service="a"']
      routes:
        - {matchers: ['severity="critical"'], receiver: a-oncall}
        - {matchers: ['severity="warning"'], receiver: a-team}
    - matchers: ['service="b"']
      routes:
        - {matchers: ['severity="critical"'], receiver: b-oncall}
receivers:
  - name: fallback
  - name: a-oncall
    pagerduty_configs: [{routing_key_file: /k}]
  - name: a-team
    slack_configs: [{channel: '#a'}]
  - name: b-oncall
inhibit_rules:
  - {source_matchers: ['alertname="Down"'], target_matchers: ['service="a"'], equal: [instance]}
"""


def test_routes_are_named_by_matchers_with_the_chain_when_the_leaf_is_ambiguous():
    new = AM.replace("receiver: a-oncall}", "receiver: a-team}").replace("channel: '#a'", "channel: '#a-team'")
    assert yaml_lines("alertmanager/alertmanager.yml", AM, new) == [
        "route service=a > severity=critical: receiver a-oncall → a-team",
        "receiver a-team: slack_configs[0].channel #a → #a-team",
    ]


def test_a_reorder_of_sibling_routes_is_reported_because_the_first_match_wins():
    new = AM.replace(
        "        - {matchers: ['severity=\"critical\"'], receiver: a-oncall}\n"
        "        - {matchers: ['severity=\"warning\"'], receiver: a-team}\n",
        "        - {matchers: ['severity=\"warning\"'], receiver: a-team}\n"
        "        - {matchers: ['severity=\"critical\"'], receiver: a-oncall}\n",
    )
    assert yaml_lines("alertmanager/alertmanager.yml", AM, new) == [
        "route service=a: child routes reordered: service=a > severity=critical, severity=warning → "
        "severity=warning, service=a > severity=critical"
    ]


def test_receivers_routes_and_inhibit_rules_added_or_removed():
    new = AM.replace("  - name: b-oncall\n", "  - name: b-team\n").replace("equal: [instance]", "equal: [cluster]")
    new = new.replace("        - {matchers: ['severity=\"warning\"'], receiver: a-team}\n", "")
    assert yaml_lines("alertmanager/alertmanager.yml", AM, new) == [
        "route removed: severity=warning",
        "route severity=warning: no longer notifies a-team",
        "receiver added: b-team",
        "receiver removed: b-oncall",
        "inhibit rule added: alertname=Down mutes service=a (same cluster)",
        "inhibit rule removed: alertname=Down mutes service=a (same instance)",
    ]


def _compiled_diff(tmp_path, old_routes: str, new_routes: str) -> list[str]:
    """The diff of sigil-dna's Alertmanager config when its critical route changes receivers."""
    spec = (REPO / "specs" / "sigil-dna.yaml").read_text()
    line = "- {severity: critical, to: [oncall, team]}"
    (tmp_path / "old.yaml").write_text(spec.replace(line, old_routes))
    (tmp_path / "new.yaml").write_text(spec.replace(line, new_routes))
    old, new = (compile_spec(load_spec(tmp_path / name)) for name in ("old.yaml", "new.yaml"))
    path = "alertmanager/alertmanager.yml"
    return [str(c) for c in diff_file(path, old[path], new[path])]


def test_removing_pagerduty_from_a_route_names_the_receiver_that_stops_being_paged(tmp_path):
    lines = _compiled_diff(tmp_path, "- {severity: critical, to: [oncall, team]}", "- {severity: critical, to: team}")
    assert lines == ["route severity=critical: stops notifying sigil-dna/oncall (now sigil-dna/team)"]


def test_adding_a_receiver_to_a_route_names_who_starts_getting_notified(tmp_path):
    lines = _compiled_diff(tmp_path, "- {severity: critical, to: oncall}", "- {severity: critical, to: [oncall, team]}")
    assert lines == ["route severity=critical: starts notifying sigil-dna/team (now sigil-dna/oncall, sigil-dna/team)"]


def test_a_route_that_swaps_its_only_receiver_says_from_which_to_which(tmp_path):
    lines = _compiled_diff(
        tmp_path, "- {severity: critical, to: [oncall, team]}", "- {severity: critical, to: [team, oncall]}"
    )
    assert lines == ["route severity=critical: notifies in another order (now sigil-dna/team, sigil-dna/oncall)"]
    lines = _compiled_diff(tmp_path, "- {severity: critical, to: oncall}", "- {severity: critical, to: team}")
    assert lines == ["route severity=critical: receiver sigil-dna/oncall → sigil-dna/team"]


PANELS = [
    {"type": "row", "title": "Latency", "id": 1, "gridPos": {"x": 0, "y": 0, "w": 24, "h": 1}},
    {
        "type": "timeseries",
        "title": "p95",
        "id": 2,
        "gridPos": {"x": 0, "y": 1, "w": 12, "h": 8},
        "targets": [{"refId": "A", "expr": "a > 1", "legendFormat": "p95"}],
    },
    {"type": "row", "title": "Errors", "id": 3, "gridPos": {"x": 0, "y": 9, "w": 24, "h": 1}},
    {
        "type": "stat",
        "title": "Errors",
        "id": 4,
        "gridPos": {"x": 0, "y": 10, "w": 6, "h": 4},
        "fieldConfig": {"defaults": {"unit": "short"}},
    },
]


def test_a_panel_moved_to_another_row_and_its_query_and_unit_changes_are_named():
    moved = [
        PANELS[0],
        PANELS[2],
        {**PANELS[1], "id": 4, "targets": [{"refId": "A", "expr": "a > 2", "legendFormat": "p99"}]},
        {**PANELS[3], "id": 5, "fieldConfig": {"defaults": {"unit": "percent"}}},
    ]
    assert [str(c) for c in diff_file("d.json", dash(PANELS), dash(moved))] == [
        "panel 'p95' moved to row Errors",
        "panel 'p95': query A: a > 1 → a > 2",
        "panel 'p95': query A: legend format p95 → p99",
        "panel 'Errors': unit short → percent",
    ]


def test_panel_and_row_additions_and_dashboard_settings_are_named_but_positions_are_not():
    more = [
        *PANELS,
        {"type": "row", "title": "Disk", "id": 5},
        {"type": "stat", "title": "Free", "id": 6, "gridPos": {"x": 0, "y": 20, "w": 6, "h": 4}},
    ]
    shifted = [{**p, "gridPos": {**p.get("gridPos", {}), "y": 99}} for p in more]
    assert [str(c) for c in diff_file("d.json", dash(PANELS), dash(shifted, tags=["x"]))] == [
        "row added: Disk",
        "dashboard: tags added: [x]",
        "panel added: 'Free'",
    ]


def v2(rows):
    elements, layout_rows = {}, []
    for title, panels in rows.items():
        items = []
        for name, panel_title, unit in panels:
            elements[name] = {
                "kind": "Panel",
                "spec": {"title": panel_title, "vizConfig": {"spec": {"fieldConfig": {"defaults": {"unit": unit}}}}},
            }
            items.append({"kind": "GridLayoutItem", "spec": {"element": {"kind": "ElementReference", "name": name}}})
        layout_rows.append(
            {
                "kind": "RowsLayoutRow",
                "spec": {"title": title, "layout": {"kind": "GridLayout", "spec": {"items": items}}},
            }
        )
    return json.dumps(
        {
            "kind": "Dashboard",
            "spec": {
                "title": "D",
                "elements": elements,
                "layout": {"kind": "RowsLayout", "spec": {"rows": layout_rows}},
            },
        }
    ).encode()


def test_v2_dashboards_are_compared_by_element_title_and_row():
    old = v2({"Latency": [("panel-1", "p95", "s")], "Errors": [("panel-2", "Errors", "short")]})
    new = v2({"Latency": [], "Errors": [("panel-1", "Errors", "short"), ("panel-2", "p95", "ms")]})
    assert [str(c) for c in diff_file("d.v2.json", old, new)] == [
        "panel 'p95' moved to row Errors",
        "panel 'p95': unit s → ms",
    ]


def test_runbook_sections_and_unknown_files_are_summarised_by_lines():
    old = b"# Svc\n\n## A\n\nfix a\n\n### What to do\n\nx\n\n## B\n\nb\n"
    new = b"# Svc\n\n## A\n\nfix a\n\n### What to do\n\ny\n\n## C\n\nc\n"
    assert [str(c) for c in diff_file("svc/runbook.md", old, new)] == [
        "section 'A': +1 −1 lines",
        "section added: 'C'",
        "section removed: 'B'",
    ]
    assert [str(c) for c in diff_file("x.tmpl", b"a\nb\n", b"a\nc\nd\n")] == ["+2 −1 lines"]


def test_a_file_that_no_longer_parses_is_still_reported_not_a_crash():
    assert [str(c) for c in diff_file("r.rules.yml", RULES.encode(), b"groups: [\n")] == ["+1 −14 lines"]
    assert [str(c) for c in diff_file("r.rules.yml", RULES.encode(), b"# a comment\n" + RULES.encode())] == [
        "+1 −0 lines"
    ]


def test_bundles_report_added_and_removed_files_on_the_header_and_skip_the_manifest():
    old = {"a.md": b"# A\n", ".sigil-manifest.json": b"{}", "gone.yml": b"x: 1\n"}
    new = {"a.md": b"# A\n", ".sigil-manifest.json": b"{\n}", "new.yml": b"x: 1\n"}
    assert render_text(diff_bundles(old, new)) == "gone.yml (removed)\nnew.yml (added)\n"


def test_objects_sharing_a_name_are_told_apart_by_rank_in_every_file_kind():
    twice = [
        {"type": "stat", "title": "Up", "id": 1},
        {"type": "stat", "title": "Up", "id": 2, "fieldConfig": {"defaults": {"unit": "short"}}},
    ]
    changed = [twice[0], {**twice[1], "fieldConfig": {"defaults": {"unit": "percent"}}}]
    assert [str(c) for c in diff_file("d.json", dash(twice), dash(changed))] == ["panel 'Up #2': unit short → percent"]
    rules = "groups:\n  - name: g\n    rules:\n      - {alert: Slow, expr: x > 1}\n      - {alert: Slow, expr: y > 1}\n"
    assert yaml_lines("r.rules.yml", rules, rules.replace("y > 1", "y > 3")) == ["alert Slow #2: threshold 1 → 3"]
    am = (
        "route:\n  receiver: r\n  routes:\n"
        "    - {matchers: ['a=\"1\"'], receiver: r}\n    - {matchers: ['a=\"1\"'], receiver: r}\n"
        "receivers:\n  - name: r\n  - name: s\n"
    )
    assert yaml_lines("alertmanager/alertmanager.yml", am, am.replace("receiver: r}\nrec", "receiver: s}\nrec")) == [
        "route a=1 #2: receiver r → s"
    ]
    page = b"# S\n\n## A\n\none\n\n## A\n\ntwo\n"
    assert [str(c) for c in diff_file("svc/runbook.md", page, page.replace(b"two", b"2"))] == [
        "section 'A #2': +1 −1 lines"
    ]


def steps(*values, colours=None):
    colours = colours or ["green", *(["orange"] * len(values))]
    return {
        "mode": "absolute",
        "steps": [{"color": c, "value": v} for c, v in zip(colours, [None, *values], strict=True)],
    }


def one_panel(**fields):
    """A classic and a v2 dashboard holding one timeseries panel 'Latency' with these fields
    (classic names: fieldConfig, options, description, links, targets)."""
    classic = {
        "type": "timeseries",
        "title": "Latency",
        "id": 1,
        "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
        **fields,
    }
    viz = {"fieldConfig": fields.get("fieldConfig", {}), "options": fields.get("options", {})}
    queries = [
        {
            "kind": "PanelQuery",
            "spec": {
                "refId": t["refId"],
                "query": {"kind": "DataQuery", "spec": {k: v for k, v in t.items() if k != "refId"}},
            },
        }
        for t in fields.get("targets", [])
    ]
    body = {k: v for k, v in fields.items() if k in ("description", "links")}
    element = {
        "kind": "Panel",
        "spec": {
            "title": "Latency",
            **body,
            "vizConfig": {"kind": "VizConfig", "group": "timeseries", "spec": viz},
            "data": {"kind": "QueryGroup", "spec": {"queries": queries}},
        },
    }
    v2_doc = {
        "kind": "Dashboard",
        "spec": {
            "title": "D",
            "elements": {"panel-1": element},
            "layout": {"kind": "GridLayout", "spec": {"items": []}},
        },
    }
    return dash([classic]), json.dumps(v2_doc).encode()


def panel_lines(old_fields, new_fields):
    """The change lines of the classic pair and of the v2 pair; the test asserts they agree."""
    (old_classic, old_v2), (new_classic, new_v2) = one_panel(**old_fields), one_panel(**new_fields)
    classic = [str(c) for c in diff_file("d.json", old_classic, new_classic)]
    assert [str(c) for c in diff_file("d.v2.json", old_v2, new_v2)] == classic
    return classic


def test_a_moved_threshold_line_reads_threshold_old_to_new_in_both_dashboard_formats():
    old = {"fieldConfig": {"defaults": {"thresholds": steps(1), "unit": "s"}}}
    assert panel_lines(old, {"fieldConfig": {"defaults": {"thresholds": steps(2), "unit": "s"}}}) == [
        "panel 'Latency': threshold 1 → 2"
    ]


def test_thresholds_added_removed_or_recoloured_are_named_by_their_value():
    old = {"fieldConfig": {"defaults": {"thresholds": steps(1)}}}
    added = {"fieldConfig": {"defaults": {"thresholds": steps(1, 5, colours=["green", "orange", "red"])}}}
    assert panel_lines(old, added) == ["panel 'Latency': threshold 5 added (red)"]
    assert panel_lines(added, old) == ["panel 'Latency': threshold 5 removed (red)"]
    recoloured = {"fieldConfig": {"defaults": {"thresholds": steps(1, colours=["blue", "red"])}}}
    assert panel_lines(old, recoloured) == [
        "panel 'Latency': base: colour green → blue",
        "panel 'Latency': threshold 1: colour orange → red",
    ]
    percentage = {"fieldConfig": {"defaults": {"thresholds": {**steps(1), "mode": "percentage"}}}}
    assert panel_lines(old, percentage) == ["panel 'Latency': thresholds mode absolute → percentage"]


def test_the_unit_is_named_when_changed_added_or_removed():
    old = {"fieldConfig": {"defaults": {"unit": "s"}}}
    assert panel_lines(old, {"fieldConfig": {"defaults": {"unit": "ms"}}}) == ["panel 'Latency': unit s → ms"]
    assert panel_lines({"fieldConfig": {"defaults": {}}}, old) == ["panel 'Latency': unit added: s"]
    assert panel_lines(old, {"fieldConfig": {"defaults": {}}}) == ["panel 'Latency': unit removed (was s)"]


def test_a_changed_query_reads_query_ref_old_to_new_cut_to_the_differing_part():
    # Longer than the 200 characters a query may show in full, so only the part around the edit is kept.
    head = (
        "histogram_quantile(0.95, sum by (le) (rate(sigil_encode_duration_seconds_bucket{"
        + ", ".join(f'l{i}="v{i}"' for i in range(20))
        + "}"
    )
    old = {"targets": [{"refId": "A", "expr": head + "[5m])))", "legendFormat": "p95"}]}
    new = {"targets": [{"refId": "A", "expr": head + "[1m])))", "legendFormat": "p95"}, {"refId": "B", "expr": "up"}]}
    lines = panel_lines(old, new)
    assert lines[1:] == ["panel 'Latency': query B added: up"]
    assert lines[0].startswith("panel 'Latency': query A: …")
    before, after = lines[0].removeprefix("panel 'Latency': query A: ").split(" → ")
    assert before.endswith('="v19"}[5m])))') and after.endswith('="v19"}[1m])))')
    assert before.startswith("…") and after.startswith("…") and "histogram_quantile" not in before
    assert panel_lines(new, old) == [
        f"panel 'Latency': query A: {after} → {before}",
        "panel 'Latency': query B removed",
    ]


def test_description_says_changed_and_links_name_the_titles_added_or_removed():
    old = {
        "description": "Slow encodes.\n\n- [A](https://r/a)",
        "links": [{"title": "Runbook: A", "url": "https://r/a"}],
    }
    new = {
        "description": "Slow encodes.\n\n- [A](https://r/a)\n- [B](https://r/b)",
        "links": [*old["links"], {"title": "Runbook: B", "url": "https://r/b"}],
    }
    assert panel_lines(old, new) == [
        "panel 'Latency': description changed",
        "panel 'Latency': links changed (added 'Runbook: B')",
    ]
    assert panel_lines({}, old) == ["panel 'Latency': description added", "panel 'Latency': links added ('Runbook: A')"]
    assert panel_lines(old, {"links": []}) == [
        "panel 'Latency': description removed",
        "panel 'Latency': links removed ('Runbook: A')",
    ]


def test_other_options_are_named_in_plain_words_from_the_last_segments_of_their_path():
    old = {
        "fieldConfig": {
            "defaults": {"custom": {"lineWidth": 1}},
            "overrides": [
                {"matcher": {"id": "byName", "options": "p99"}, "properties": [{"id": "color", "value": "red"}]}
            ],
        },
        "options": {"legend": {"displayMode": "list", "calcs": []}, "tooltip": {"mode": "single"}},
    }
    new = {
        "fieldConfig": {
            "defaults": {"custom": {"lineWidth": 2}},
            "overrides": [
                {"matcher": {"id": "byName", "options": "p99"}, "properties": [{"id": "color", "value": "blue"}]}
            ],
        },
        "options": {
            "legend": {"displayMode": "table", "calcs": ["max"]},
            "tooltip": {"mode": "single", "sort": "desc"},
        },
    }
    assert panel_lines(old, new) == [
        "panel 'Latency': line width 1 → 2",
        "panel 'Latency': overrides #1 properties #1 value red → blue",
        "panel 'Latency': legend calcs [] → [max]",
        "panel 'Latency': legend display mode list → table",
        "panel 'Latency': tooltip sort added: desc",
    ]


def test_v2_panels_are_read_in_the_classic_shape_type_transformations_and_hidden_queries_included():
    def element(group, transformations, hidden):
        query = {
            "kind": "PanelQuery",
            "spec": {"refId": "A", "hidden": hidden, "query": {"kind": "DataQuery", "spec": {"expr": "up"}}},
        }
        return {
            "kind": "Panel",
            "spec": {
                "title": "Up",
                "vizConfig": {"kind": "VizConfig", "group": group, "spec": {}},
                "data": {
                    "kind": "QueryGroup",
                    "spec": {
                        "queries": [query],
                        "transformations": transformations,
                        "queryOptions": {"interval": "1m"},
                    },
                },
            },
        }

    def doc(*args):
        return json.dumps(
            {"kind": "Dashboard", "spec": {"title": "D", "elements": {"p": element(*args)}, "layout": {}}}
        ).encode()

    old, new = doc("timeseries", [], False), doc("stat", [{"id": "reduce", "options": {}}], True)
    assert [str(c) for c in diff_file("d.v2.json", old, new)] == [
        "panel 'Up': query A: hide added: true",
        'panel \'Up\': transformations added: [{"id": "reduce", "options": {}}]',
        "panel 'Up': type timeseries → stat",
    ]
