"""Two catalog entries exposing one series: a warning at the second, saying which entry to keep.

Same-name entries (a counter declared twice, a gauge and a counter of one name) are errors
already; a counter on a histogram's ``_count``/``_sum``/``_bucket`` is the case only the suffixes
reveal, the double declaration a Micrometer timer needed before ratio SLIs took histograms.
"""

from __future__ import annotations

from pathlib import Path

from conftest import REPO

from sigil_monitoring.cli import main

CASE = (Path(__file__).parent / "warnings" / "series-overlap.yaml").relative_to(REPO).as_posix()
HISTOGRAM = "histogram metrics.requests ('http_server_requests_seconds'), so two entries expose it"
EXPECTED = [
    f"{CASE}:7:25: warning: metrics.request_count.name: 'http_server_requests_seconds_count' is the _count "
    f"series of {HISTOGRAM} (keep metrics.requests and name it where this entry is named: where events are "
    "counted, a histogram means its _count, e.g. total: requests, narrowed by where: or by an entry "
    "{from: requests, where: ...})",
    f"{CASE}:8:24: warning: metrics.request_time.name: 'http_server_requests_seconds_sum' is the _sum series "
    f"of {HISTOGRAM} (keep metrics.requests for the histogram, and this entry only to alert on the rate of the "
    "sum itself)",
    f"{CASE}:9:27: warning: metrics.request_buckets.name: 'http_server_requests_seconds_bucket' is the _bucket "
    f"series of {HISTOGRAM} (keep metrics.requests: its quantiles, heatmaps and latency SLIs read these buckets)",
]


def test_each_entry_on_a_histograms_own_series_is_a_positioned_warning(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    assert main(["validate", CASE]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == EXPECTED
    assert captured.out == "1 spec(s) valid\n"


def test_strict_refuses_the_double_declaration(monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(REPO)
    assert main(["compile", "--strict", CASE, "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.splitlines() == [line.replace(": warning: ", ": error: ") for line in EXPECTED]
    assert not (tmp_path / "out").exists()


def test_the_spec_written_as_the_warning_says_is_quiet(capsys, tmp_path):
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(
        "apiVersion: sigil-monitoring/v1\n"
        "service: {name: orders, selector: {job: orders}}\n"
        "metrics:\n"
        "  requests: {name: http_server_requests_seconds, type: histogram, unit: seconds, labels: [outcome]}\n"
        "  server_errors: {from: requests, where: {outcome: SERVER_ERROR}}\n"
        "slos:\n"
        "  availability: {objective: 99.9%, sli: {bad: server_errors, total: requests}, runbook: Check the errors.}\n"
    )
    assert main(["validate", "--strict", str(fixed)]) == 0
    assert capsys.readouterr().err == ""


def test_two_entries_of_one_name_are_an_error_whatever_their_types(tmp_path, capsys):
    spec = tmp_path / "dup.yaml"
    spec.write_text(
        "apiVersion: sigil-monitoring/v1\n"
        "service: {name: orders, selector: {job: orders}}\n"
        "metrics:\n"
        "  requests: {name: orders_requests_total, type: counter, labels: [code]}\n"
        "  calls: {name: orders_requests_total, type: counter, labels: [code]}\n"
        "  queue: {name: orders_queue, type: gauge}\n"
        "  queued: {name: orders_queue, type: counter}\n"
    )
    assert main(["validate", str(spec)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert [line.split(": error: ")[1].split(":")[0] for line in err] == ["metrics.calls.name", "metrics.queued.name"]
    assert "refer to metrics.requests" in err[0] and "refer to metrics.queue" in err[1]


def test_a_counter_on_a_histograms_own_count_compiles_and_its_rules_pass_promtool(tmp_path, capsys):
    # validate accepts it (with the warning), so compile must too: the counter entry records the
    # rule the histogram records for its _count, written once (it crashed compile with exit 70).
    from compiled import prometheus_rules, promtool_passes

    text = (
        "apiVersion: sigil-monitoring/v1\n"
        "service: {name: caddy, selector: {job: caddy}}\n"
        "metrics:\n"
        "  latency: {name: caddy_http_response_duration_seconds, type: histogram}\n"
        "  requests: {name: caddy_http_response_duration_seconds_count, type: counter}\n"
        "alerts:\n"
        "  TooManyRequests: {when: {rate: requests, above: 100/s}, severity: info}\n"
    )
    _, folder = prometheus_rules(text, "caddy", tmp_path)
    promtool_passes(folder)
    spec = tmp_path / "caddy.yaml"
    spec.write_text(text)
    assert main(["compile", "-q", str(spec), "--out", str(tmp_path / "out")]) == 0
    rules = (tmp_path / "out" / "caddy" / "prometheus" / "recording.rules.yml").read_text()
    assert rules.count("record: service:caddy_http_response_duration_seconds_count:rate5m") == 1
