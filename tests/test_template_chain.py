"""Templates that extend templates (issue 23): org defaults -> http-api -> a team's variant.

The order (depth first, left to right, each template once, the extending file winning), cycles
and diamonds, parameters declared by a base, positions in the file where a value was written,
``--show-merged`` through the chain, and compiles that see a base template's change.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sigil_monitoring.errors import SpecError
from sigil_monitoring.spec.loader import load_spec

HEAD = "apiVersion: sigil-monitoring/v1\nkind: Template\n"
ORG = HEAD + (
    "parameters:\n"
    "  channel: {type: string, description: the team's Slack channel}\n"
    "  objective: {type: percentage, default: 99.9%}\n"
    "service: {labels: {org: acme}}\n"
    "routing:\n"
    "  receivers:\n"
    '    team: {slack: {channel: "<<params.channel>>", api_url_file: /etc/am/slack-url}}\n'
)
HTTP_API = HEAD + (
    "extend: [org.yaml]\n"
    "parameters:\n"
    "  latency: {type: duration, default: 500ms}\n"
    "service:\n  selector: {job: <<service.name>>}\n"
    "metrics:\n"
    "  requests: {name: http_requests_total, type: counter}\n"
    "  errors: {name: http_errors_total, type: counter}\n"
    "  duration: {name: http_request_duration_seconds, type: histogram, unit: seconds, buckets: [0.1, 0.5, 1]}\n"
    "slos:\n"
    "  availability: {objective: <<params.objective>>, sli: {bad: errors, total: requests}}\n"
    "  latency: {objective: 99%, sli: {latency: duration, below: <<params.latency>>}}\n"
)
PAYMENTS = HEAD + (
    "extend: http-api.yaml\n"
    "parameters:\n"
    '  channel: {type: string, default: "#payments"}\n'  # a default for the base's parameter
    "  objective: {type: percentage, default: 99.95%}\n"
    "service: {team: payments}\n"
    "slos:\n  latency: {sli: {latency: duration, below: <<params.latency>>}, objective: 99.5%}\n"
)


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)


def layered_fleet(folder: Path) -> Path:
    """Three templates (org, http-api extending it, payments-api extending that) and three specs."""
    _write(
        folder,
        {
            "templates/org.yaml": ORG,
            "templates/http-api.yaml": HTTP_API,
            "templates/payments-api.yaml": PAYMENTS,
            "specs/checkout.yaml": "apiVersion: sigil-monitoring/v1\nextend: [../templates/payments-api.yaml]\n"
            "service: {name: checkout}\n",
            "specs/ledger.yaml": "apiVersion: sigil-monitoring/v1\nextend: [../templates/payments-api.yaml]\n"
            "params: {latency: 1s}\nservice: {name: ledger}\n",
            "specs/search.yaml": "apiVersion: sigil-monitoring/v1\nextend: [../templates/http-api.yaml]\n"
            'params: {channel: "#discovery"}\nservice: {name: search, team: discovery}\n',
        },
    )
    return folder


@pytest.fixture
def layered(tmp_path: Path) -> Path:
    return layered_fleet(tmp_path)


def _errors(spec: Path) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    return [str(d).replace(str(spec.parent.parent) + "/", "") for d in caught.value.diagnostics]


def _run(*args: str, cwd: Path, cache: str = "cache") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SIGIL_MONITORING_CACHE": str(cwd / cache)}
    return subprocess.run(
        [sys.executable, "-m", "sigil_monitoring", *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_three_layers_merge_in_order_the_extending_file_winning(layered: Path) -> None:
    spec = load_spec(layered / "specs" / "checkout.yaml")
    names = [Path(name).name for name, _ in spec._source.templates]
    assert names == ["org.yaml", "http-api.yaml", "payments-api.yaml"]
    assert (spec.service.team, spec.service.labels, spec.service.selector["job"].value) == (
        "payments",
        {"org": "acme"},
        "checkout",
    )
    # The team variant's defaults reach the base templates' placeholders; its own SLO value wins.
    assert str(spec.slos["availability"].objective) == "99.95"
    assert str(spec.slos["latency"].objective) == "99.5"
    assert spec.routing is not None and spec.routing.receivers["team"].slack is not None
    assert spec.routing.receivers["team"].slack.channel == "#payments"
    # A parameter declared by a base, given by the spec, used in the extending template.
    ledger = load_spec(layered / "specs" / "ledger.yaml")
    assert ledger.slos["latency"].sli.below.text == "1s"  # type: ignore[union-attr]
    # Each value is located in the file that wrote it.
    assert ledger._source.locate(("service", "labels", "org"))[0].endswith("templates/org.yaml")
    assert ledger._source.locate(("slos", "latency", "objective"))[0].endswith("templates/payments-api.yaml")


def test_a_parameter_without_default_in_the_chain_is_required_where_the_spec_extends(layered: Path) -> None:
    spec = layered / "specs" / "bare.yaml"
    spec.write_text("apiVersion: sigil-monitoring/v1\nextend: [../templates/http-api.yaml]\nservice: {name: bare}\n")
    assert _errors(spec) == [
        "specs/bare.yaml:2:10: error: templates/org.yaml needs params.channel (a string; give it under params:)"
    ]


def test_errors_stay_in_the_file_that_wrote_them_through_the_chain(layered: Path) -> None:
    team = layered / "templates" / "payments-api.yaml"
    team.write_text(
        PAYMENTS.replace("<<params.latency>>", "<<params.latncy>>").replace(
            "  objective: {type: percentage, default: 99.95%}", "  objective: {type: number, default: 0.5}"
        )
    )
    assert _errors(layered / "specs" / "checkout.yaml") == [
        "templates/payments-api.yaml:6:21: error: parameter objective is a number here but a percentage in "
        "templates/org.yaml (give the two one type)",
        "templates/payments-api.yaml:9:45: error: <<params.latncy>>: the template declares no parameter latncy "
        "(declare it under parameters:, or fix the name)",
    ]


def test_a_placeholder_of_a_parameter_only_a_sibling_declares_is_flagged_in_its_template(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "t/a.yaml": HEAD + "parameters: {window: {type: duration, default: 28d}}\n",
            "t/b.yaml": HEAD + "service: {description: '<<params.window>>'}\n",
            "s/api.yaml": "apiVersion: sigil-monitoring/v1\nextend: [../t/a.yaml, ../t/b.yaml]\n"
            "service: {name: api}\nmetrics: {up: {name: up, type: gauge}}\n",
        },
    )
    assert _errors(tmp_path / "s" / "api.yaml") == [
        "t/b.yaml:3:24: error: <<params.window>>: the template declares no parameter window "
        "(declare it under parameters:, or fix the name)"
    ]


def test_a_cycle_is_one_positioned_error_whichever_file_enters_it(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "t/a.yaml": HEAD + "extend: [b.yaml]\n",
            "t/b.yaml": HEAD + "extend: [c.yaml]\n",
            "t/c.yaml": HEAD + "description: closes the loop\nextend: [ok.yaml, a.yaml]\n",
            "t/ok.yaml": HEAD,
            "s/one.yaml": "apiVersion: sigil-monitoring/v1\nextend: [../t/a.yaml]\nservice: {name: one}\n",
            "s/two.yaml": "apiVersion: sigil-monitoring/v1\nextend: [../t/b.yaml]\nservice: {name: two}\n",
        },
    )
    expected = (
        "t/c.yaml:4:19: error: extend: t/a.yaml -> t/b.yaml -> t/c.yaml -> t/a.yaml is a cycle "
        "(remove t/a.yaml from the extend of t/c.yaml)"
    )
    assert _errors(tmp_path / "s" / "one.yaml") == [expected]
    assert _errors(tmp_path / "s" / "two.yaml") == [expected]
    done = _run("validate", "s", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (2, expected + "\n")
    (tmp_path / "t" / "ok.yaml").write_text(HEAD + "extend: ok.yaml\n")  # a template extending itself
    assert _errors(tmp_path / "s" / "one.yaml") == [
        expected,
        "t/ok.yaml:3:9: error: extend: t/ok.yaml -> t/ok.yaml is a cycle "
        "(remove t/ok.yaml from the extend of t/ok.yaml)",
    ]


def test_a_base_that_cannot_be_read_is_said_at_the_entry_of_the_template_naming_it(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "t/a.yaml": HEAD + "extend: [gone.yaml]\n",
            "s/api.yaml": "apiVersion: sigil-monitoring/v1\nextend: [../t/a.yaml]\nservice: {name: api}\n",
        },
    )
    errors = _errors(tmp_path / "s" / "api.yaml")
    assert len(errors) == 1 and errors[0].startswith("t/a.yaml:3:10: error: gone.yaml: cannot read the file"), errors


def test_a_diamond_merges_the_shared_base_once_before_both_sides(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "t/base.yaml": HEAD + "service: {description: base, team: base}\n",
            "t/left.yaml": HEAD + "extend: [base.yaml]\nservice: {description: left}\n",
            "t/right.yaml": HEAD + "extend: [base.yaml]\nservice: {team: right}\n",
            "s/api.yaml": "apiVersion: sigil-monitoring/v1\nextend: [../t/left.yaml, ../t/right.yaml]\n"
            "service: {name: api}\nmetrics: {up: {name: up, type: gauge}}\n",
        },
    )
    spec = load_spec(tmp_path / "s" / "api.yaml")
    assert [Path(n).name for n, _ in spec._source.templates] == ["base.yaml", "left.yaml", "right.yaml"]
    # base is merged once, first: right's own values do not undo left's.
    assert (spec.service.description, spec.service.team) == ("left", "right")


def test_show_merged_names_the_chain_and_each_values_file(layered: Path) -> None:
    done = _run("validate", "-q", "--show-merged", "specs/checkout.yaml", cwd=layered)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (
        "# specs/checkout.yaml, merged over templates/org.yaml, templates/http-api.yaml, templates/payments-api.yaml"
    )
    assert '    org: "acme"  # templates/org.yaml:6' in lines
    assert '  team: "payments"  # templates/payments-api.yaml:7' in lines
    assert '    job: "checkout"  # templates/http-api.yaml:7' in lines


def test_a_base_template_change_recompiles_its_users_as_a_full_compile_would(layered: Path) -> None:
    assert _run("compile", "-q", "specs", "--out", "build", cwd=layered).returncode == 0
    org = layered / "templates" / "org.yaml"
    org.write_text(ORG.replace("org: acme", "org: acme-corp"))
    check = _run("check", "specs", "--out", "build", cwd=layered)
    assert check.returncode == 1, check.stdout + check.stderr
    stale = [line for line in check.stdout.splitlines() if ": out of date" in line]
    assert stale and all(line.endswith("(templates/org.yaml changed since compile)") for line in stale), stale
    assert {line.split("/", 1)[0] for line in stale} == {"alertmanager", "checkout", "ledger", "search"}
    report = json.loads(_run("check", "specs", "--out", "build", "--format", "json", cwd=layered).stdout)
    assert {f.get("cause") for f in report["files"]} == {"templates/org.yaml changed"}
    done = _run("compile", "-q", "specs", "--out", "build", cwd=layered)
    assert done.returncode == 0, done.stderr
    full = _run("compile", "-q", "specs", "--out", "full", cwd=layered, cache="other-cache")
    assert full.returncode == 0, full.stderr
    assert _tree(layered / "build") == _tree(layered / "full")
    assert any(b"acme-corp" in data for rel, data in _tree(layered / "build").items() if rel.startswith("ledger/"))
    # The spec's own change and a template's, together, are both named.
    spec = layered / "specs" / "search.yaml"
    spec.write_text(spec.read_text().replace("team: discovery", "team: find"))
    (layered / "templates" / "http-api.yaml").write_text(HTTP_API.replace("500ms", "100ms"))
    check = _run("check", "specs", "--out", "build", cwd=layered)
    stale = [line for line in check.stdout.splitlines() if line.startswith("search/") and ": out of date" in line]
    assert stale and all(
        line.endswith("(the spec and templates/http-api.yaml changed since compile)") for line in stale
    ), check.stdout


def test_a_template_validated_on_its_own_checks_its_chain_and_placeholders(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "t/a.yaml": HEAD + "extend: [b.yaml]\nservice: {description: '<<params.size>> <<params.colour>>'}\n",
            "t/b.yaml": HEAD + "parameters: {size: {type: number, default: 1}}\n",
            "t/c.yaml": HEAD + "extend: [d.yaml]\n",
            "t/d.yaml": HEAD + "extend: [c.yaml]\n",
        },
    )
    done = _run("validate", "t", cwd=tmp_path)
    assert (done.returncode, done.stderr.splitlines()) == (
        2,
        [
            "t/a.yaml:4:24: error: <<params.colour>>: the template declares no parameter colour "
            "(declare it under parameters:, or fix the name)",
            "t/d.yaml:3:10: error: extend: t/c.yaml -> t/d.yaml -> t/c.yaml is a cycle "
            "(remove t/c.yaml from the extend of t/d.yaml)",
        ],
    )


def test_validate_counts_the_templates_it_checked(tmp_path: Path) -> None:
    """A template given alone was checked but reported as "0 spec(s) valid" (a fleet trial)."""
    _write(
        tmp_path,
        {
            "t/b.yaml": HEAD + "parameters: {size: {type: number, default: 1}}\n",
            "s/api.yaml": (
                "apiVersion: sigil-monitoring/v1\nextend: [../t/b.yaml]\nservice: {name: api}\n"
                "metrics: {up: {name: up, type: gauge}}\n"
            ),
        },
    )
    assert _run("validate", "t/b.yaml", cwd=tmp_path).stdout == "1 template(s) valid\n"
    assert _run("validate", "t", "s", cwd=tmp_path).stdout == "1 spec(s) and 1 template(s) valid\n"
    assert _run("validate", "s", cwd=tmp_path).stdout == "1 spec(s) valid\n"
    counted = json.loads(_run("validate", "--format", "json", "t", "s", cwd=tmp_path).stdout)
    assert (counted["specs"], counted["templates"]) == (1, 1)


def test_a_parameter_name_a_placeholder_cannot_name_is_an_error(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "t/a.yaml": HEAD + "parameters: {error-budget: {type: percentage}}\n",
            "s/api.yaml": "apiVersion: sigil-monitoring/v1\nextend: [../t/a.yaml]\nservice: {name: api}\n",
        },
    )
    assert _errors(tmp_path / "s" / "api.yaml") == [
        "t/a.yaml:3:14: error: parameter error-budget: a name of letters, digits and _ (<<params.NAME>> names it)"
    ]
