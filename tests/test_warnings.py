"""Warnings: valid specs that are probably wrong. Exit 0 and ``file:line:col: warning:`` lines;
``--strict`` makes them errors (exit 2, nothing written); ``--format json|github`` for CI."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import REPO

from sigil_monitoring.cli import main

CASE = (Path(__file__).parent / "warnings" / "every-warning.yaml").relative_to(REPO).as_posix()
EXPECTED = [
    f"{CASE}:3:3: warning: service.name: the service has no selector, so every query matches the series of "
    "every job that exposes these metrics (add selector: {job: <scrape job>})",
    f"{CASE}:5:47: warning: metrics.requests.type: 'http_requests_total' ends in _total, the suffix of "
    "counters (declare type: counter if it only grows)",
    f"{CASE}:7:17: warning: metrics.sizes.name: 'x_bytes_sum' reads like the histogram's _sum series: queries "
    "will read x_bytes_sum_bucket (write name: x_bytes, unless the exporter names the histogram so)",
    f"{CASE}:11:14: warning: alerts.Slow.summary: the summary says 1 s but the threshold is 2s (update the "
    "summary, or leave it out to have it written from the threshold)",
    f"{CASE}:15:5: warning: routing.receivers.b: receiver 'b' is used by no route and is not the default "
    "(route alerts to it, or remove it)",
    f"{CASE}:17:5: warning: routing.mute.nights: time interval 'nights' is used by no route (name it in a "
    "route's mute_when or active_when, or remove it)",
]


def test_every_warning_is_one_positioned_line_and_the_spec_stays_valid(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert main(["validate", CASE]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == EXPECTED
    assert captured.out == "1 spec(s) valid\n"


def test_strict_turns_warnings_into_errors_and_compiles_nothing(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(REPO)
    assert main(["compile", "--strict", CASE, "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.splitlines() == [line.replace(": warning: ", ": error: ") for line in EXPECTED]
    assert not (tmp_path / "out").exists()


def test_github_format_prints_workflow_annotations_on_stdout(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert main(["validate", "--format", "github", CASE]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert (
        lines[0] == f"::warning file={CASE},line=3,col=3::service.name: the service has no selector, so every query "
        "matches the series of every job that exposes these metrics (add selector: {job: <scrape job>})"
    )
    assert len(lines) == len(EXPECTED)


def test_json_format_is_one_document_with_every_diagnostic(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert main(["validate", "--format", "json", CASE]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["valid"] is True and [d["severity"] for d in doc["diagnostics"]] == ["warning"] * len(EXPECTED)
    assert [(d["line"], d["col"]) for d in doc["diagnostics"]] == [(3, 3), (5, 47), (7, 17), (11, 14), (15, 5), (17, 5)]


def test_errors_in_json_and_github_formats(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    case = "tests/invalid/regex-looking-plain-value.yaml"
    assert main(["validate", "--format", "json", case]) == 2
    doc = json.loads(capsys.readouterr().out)
    assert {d["severity"] for d in doc["diagnostics"]} == {"error"} and len(doc["diagnostics"]) == 5
    assert main(["validate", "--format", "github", case]) == 2
    assert all(
        line.startswith("::error file=tests/invalid/regex-looking-plain-value.yaml,line=")
        for line in capsys.readouterr().out.splitlines()
    )


def test_two_services_with_one_dashboard_uid_are_an_error(tmp_path, capsys):
    spec = (REPO / "specs" / "minimal.yaml").read_text()
    (tmp_path / "a.yaml").write_text(spec + "dashboard: {uid: shared}\n")
    (tmp_path / "b.yaml").write_text(
        spec.replace("name: hello", "name: other").replace("{job: hello}", "{job: other}")
        + "dashboard: {uid: shared}\n"
    )
    assert main(["validate", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")]) == 2
    err = capsys.readouterr().err
    assert "error: dashboard uid 'shared' is also used by" in err and "b.yaml" in err


def test_the_shipped_specs_have_no_warnings(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert main(["validate", "--strict", "specs", "specs/examples"]) == 0


def test_a_window_pair_that_can_never_fire_is_dropped_with_a_warning(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert main(["validate", "tests/warnings/dropped-window-pair.yaml"]) == 0
    assert capsys.readouterr().err == (
        "tests/warnings/dropped-window-pair.yaml:8:16: warning: slos.flaky.objective: the page tier's 1h/5m "
        "(14.4 x 0.08 >= 1) can never fire and is left out; the tier alerts on 6h/30m only "
        "(raise the objective to keep every pair)\n"
    )
