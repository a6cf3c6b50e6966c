"""Grafana variables in the spec's text (spec/grafana_variables.py): a positioned warning for each
reference Grafana would expand without being meant to, none for the dashboard's own variables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO

from sigil_monitoring import compile_specs, load_spec, parse_spec
from sigil_monitoring.cli import main
from sigil_monitoring.spec.grafana_variables import expanded

CASE = (Path(__file__).parent / "warnings" / "grafana-variables.yaml").relative_to(REPO).as_posix()
_FIX = "(it has no escape for variables, grafana/grafana#40603: rephrase the text without it)"
EXPECTED = [
    f"{CASE}:5:21: warning: service.links.runbooks: Grafana replaces $__user with each viewer's own user details "
    "in the dashboard's and panels' runbook links (it has no escape for variables, grafana/grafana#40603: write the "
    "URL without it)",
    f"{CASE}:10:14: warning: dashboard.rows.0.title: Grafana replaces ${{__org.name}} with each viewer's own "
    f"organization name in the row title {_FIX}",
    f"{CASE}:13:18: warning: dashboard.rows.0.panels.0.title: Grafana replaces [[__user]] with each viewer's own "
    f"user details in the panel title {_FIX}",
    f"{CASE}:14:24: warning: dashboard.rows.0.panels.0.description: Grafana replaces $__dashboard with the "
    f"dashboard's name in the panel description {_FIX}",
    f"{CASE}:14:24: warning: dashboard.rows.0.panels.0.description: Grafana replaces ${{__user.email}} with each "
    f"viewer's own email address in the panel description {_FIX}",
    f"{CASE}:15:17: warning: dashboard.rows.0.panels.1.text: Grafana replaces ${{__user.login}} with each viewer's "
    f"own login in the text panel {_FIX}",
    f"{CASE}:16:19: warning: dashboard.rows.0.panels.2.promql: Grafana replaces ${{__user.login}} with each "
    "viewer's own login in the query it sends to the data source (it has no escape for variables, "
    "grafana/grafana#40603: write the value into the query instead)",
]


def test_each_variable_grafana_would_expand_is_one_positioned_warning(monkeypatch, capsys):
    # The case also uses $handler (a declared filter), $datasource and ${datasource}, $__rate_interval
    # and $__interval, and $5 (no variable): none of them is warned about.
    monkeypatch.chdir(REPO)
    assert main(["validate", CASE]) == 0
    assert capsys.readouterr().err.splitlines() == EXPECTED


def test_strict_refuses_them(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(REPO)
    assert main(["compile", "--strict", CASE, "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.splitlines() == [line.replace(": warning: ", ": error: ") for line in EXPECTED]


def test_the_dashboard_carries_the_text_as_written_so_grafana_would_expand_it():
    # The premise of the warning: the compiler writes the text unchanged into the panel Grafana renders.
    dashboard = json.loads(compile_specs([load_spec(REPO / CASE)], ["grafana"])["shop/grafana/shop.json"])
    text = next(p for p in dashboard["panels"] if p["type"] == "text")
    assert text["options"]["content"] == "Hello ${__user.login}! The $datasource data source, ${datasource}."


@pytest.mark.parametrize(
    ("text", "declared", "warned"),
    [
        ('rate(x{handler=~"$handler"}[$__rate_interval])', {"handler"}, []),
        (
            "${datasource} [[handler]] ${handler:csv} $__interval $__range_s ${__from:date:iso}",
            {"datasource", "handler"},
            [],
        ),
        ("costs $5, see $undeclared and ${also_not}", set(), []),
        ("${__user.login} $__user ${__user.id}", set(), ["${__user.login}", "$__user", "${__user.id}"]),
        ("${__org} ${__org.name} $__org", set(), ["${__org}", "${__org.name}", "$__org"]),
        (
            "$__name $__all_variables ${__url_time_range} $timeFilter",
            set(),
            ["$__name", "$__all_variables", "${__url_time_range}", "$timeFilter"],
        ),
        ("${__user.login} twice: ${__user.login}", set(), ["${__user.login}"]),
    ],
)
def test_which_references_are_warned_about(text, declared, warned):
    assert [written for written, _ in expanded(text, declared)] == warned


def test_a_label_filter_the_compiler_declares_by_default_is_not_warned_about():
    spec = parse_spec(
        "apiVersion: sigil-monitoring/v1\nservice: {name: shop, selector: {job: shop}}\n"
        "metrics:\n  requests: {name: shop_requests_total, type: counter, labels: [route]}\n"
        "dashboard:\n  rows:\n    - title: By $route\n      panels: [{text: 'Route ${route} of $__dashboard'}]\n",
        "shop.yaml",
    )
    assert [w.message for w in spec._warnings] == [
        "dashboard.rows.0.panels.0.text: Grafana replaces $__dashboard with the dashboard's name in the text panel "
        f"{_FIX}"
    ]
