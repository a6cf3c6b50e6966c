"""``init``: a draft from an exporter's /metrics (file or URL) or a running Prometheus validates and compiles."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from exporter_fixtures import FIXTURES, ExporterFixture, render, states  # noqa: E402

from sigil_monitoring.cli import main  # noqa: E402
from sigil_monitoring.drafts.init import SUGGESTED, families_from_text, init_draft  # noqa: E402
from sigil_monitoring.output.pipeline import compile_spec  # noqa: E402
from sigil_monitoring.spec.loader import load_spec, parse_spec  # noqa: E402

EXPORTERS = sorted(p.stem for p in FIXTURES.glob("*.prom"))


def _exposition(name: str) -> str:
    return render(states(name)["normal"], 60.0)


@pytest.mark.parametrize("name", EXPORTERS)
def test_the_draft_of_every_exporter_fixture_validates_and_compiles(name: str, tmp_path: Path) -> None:
    metrics = tmp_path / "metrics.txt"
    metrics.write_text(_exposition(name))
    out = tmp_path / "spec.yaml"
    assert main(["init", "--from-metrics", str(metrics), "--job", name, "--out", str(out), "-q"]) == 0
    spec = load_spec(out)
    bundle = compile_spec(spec)
    families = families_from_text(_exposition(name))
    cataloged = {m.name for m in spec.metrics.values()}
    assert cataloged == {f.name for f in families if f.type in ("counter", "gauge", "histogram", "untyped", "unknown")}
    assert f"{spec.service.name}/grafana/{spec.service.name}.json" in bundle
    # Each name is one a query finds: the exposition's own, not the parser's (which gives every
    # counter a _total, exposed or not: postgres_exporter's and ingress-nginx's have none).
    samples = [line for line in _exposition(name).splitlines() if line and not line.startswith("#")]
    exposed = {line.split("{")[0].split()[0] for line in samples}
    for metric in spec.metrics.values():
        parts = ("_bucket", "_sum", "_count") if metric.type == "histogram" else ("",)
        assert {metric.name + part for part in parts} <= exposed, metric.name


def test_a_request_counter_with_a_code_label_gets_an_availability_slo_and_the_histogram_its_buckets() -> None:
    draft = init_draft(families_from_text(_exposition("go-http-api")), "api")
    assert draft.spec["slos"]["availability"]["sli"] == {
        "bad": {"metric": "http_requests", "where": {"code": {"regex": "5.."}}},
        "total": "http_requests",
    }
    histogram = draft.spec["metrics"]["http_request_duration_seconds"]
    assert histogram["type"] == "histogram" and histogram["unit"] == "seconds"
    assert histogram["buckets"] == sorted(histogram["buckets"]) and len(histogram["buckets"]) > 3
    assert draft.suggestions["slos"]["latency"]["sli"] == {"latency": "http_request_duration_seconds", "below": "500ms"}


@pytest.mark.parametrize(
    ("exporter", "slos"),
    [("go-http-api", ["availability", "latency"]), ("istio", ["istio-requests-availability", "latency"])],
)
def test_the_suggested_slos_left_commented_out_compile_once_uncommented(
    exporter: str, slos: list[str], tmp_path: Path
) -> None:
    metrics = tmp_path / "metrics.txt"
    metrics.write_text(_exposition(exporter))
    out = tmp_path / "spec.yaml"
    assert main(["init", "--from-metrics", str(metrics), "--job", "api", "--out", str(out), "-q"]) == 0
    lines = out.read_text().splitlines()
    start = lines.index(f"# {SUGGESTED}") + 1
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("# "))
    uncommented = [*lines[:start], *(line.removeprefix("# ") for line in lines[start:end]), *lines[end:]]
    spec = parse_spec("\n".join(uncommented) + "\n", "<uncommented>")
    assert sorted(spec.slos) == slos
    compile_spec(spec)


def test_a_histogram_in_milliseconds_gets_a_latency_slo_on_its_bucket_nearest_half_a_second() -> None:
    """Istio's (Envoy's buckets, in ms): the threshold is written as a duration, on a bound of the
    metric's own unit (500 of them), and Istio's ``response_code`` is the request counter's code."""
    draft = init_draft(families_from_text(_exposition("istio")), "reviews")
    histogram = draft.spec["metrics"]["istio_request_duration_milliseconds"]
    assert histogram["unit"] == "milliseconds" and 500 in histogram["buckets"]
    suggested = draft.suggestions["slos"]
    assert suggested["latency"]["sli"] == {"latency": "istio_request_duration_milliseconds", "below": "500ms"}
    assert suggested["istio-requests-availability"]["sli"]["bad"]["where"] == {"response_code": {"regex": "5.."}}


def test_init_reads_an_exporter_over_http(tmp_path: Path) -> None:
    out = tmp_path / "spec.yaml"
    with ExporterFixture("redis", "normal", 0.0) as exporter:
        url = f"http://{exporter.target}/metrics"
        assert main(["init", "--from-metrics", url, "--job", "redis", "--out", str(out), "-q"]) == 0
    spec = load_spec(out)
    assert "redis_up" in {m.name for m in spec.metrics.values()}


def test_text_that_is_not_the_exposition_format_is_one_positioned_error(tmp_path: Path, capsys) -> None:
    metrics = tmp_path / "metrics.txt"
    metrics.write_text("this is {not metrics\n")
    out = tmp_path / "spec.yaml"
    assert main(["init", "--from-metrics", str(metrics), "--job", "x", "--out", str(out)]) == 2
    assert capsys.readouterr().err.startswith(f"{metrics}:1:1: error: not the Prometheus text format")
    assert not out.exists()


def test_an_unreachable_exporter_is_one_line_and_exit_1(tmp_path: Path, capsys) -> None:
    from sigil_monitoring.live.net import free_port

    out = tmp_path / "spec.yaml"
    url = f"http://127.0.0.1:{free_port()}/metrics"
    assert main(["init", "--from-metrics", url, "--job", "x", "--out", str(out), "--timeout", "3"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("sigil-monitoring init: error:")
    assert not out.exists()


@pytest.mark.e2e
def test_init_from_a_real_prometheus_scraping_a_fixture_validates_and_compiles(tmp_path: Path, monkeypatch) -> None:
    from servers import require_binary

    from sigil_monitoring.live.net import PROMETHEUS_NAMES, poll_until
    from sigil_monitoring.live.processes import PrometheusProcess

    require_binary(PROMETHEUS_NAMES)
    out = tmp_path / "spec.yaml"
    with (
        ExporterFixture("go-http-api", "normal", 0.0) as exporter,
        PrometheusProcess(scrape_targets={"api": [exporter.target]}) as prom,
    ):
        poll_until(lambda: prom.query('http_requests_total{job="api"}'), 30, "the first scrape")
        poll_until(lambda: prom.query('go_goroutines{job="api"}'), 30, "the metadata")
        monkeypatch.setenv("PROMETHEUS_URL", prom.base_url)  # the default of --prometheus-url
        assert main(["init", "--job", "api", "--out", str(out), "-q"]) == 0
    spec = load_spec(out)
    compile_spec(spec)
    metrics = {m.name: m for m in spec.metrics.values()}
    assert metrics["http_requests_total"].type == "counter"
    assert metrics["http_request_duration_seconds"].type == "histogram"
    assert metrics["http_request_duration_seconds"].buckets
    assert metrics["go_goroutines"].type == "gauge"
    assert "availability" in spec.slos


def test_a_family_exposed_twice_is_one_entry_with_the_union_of_its_labels_and_buckets(tmp_path: Path) -> None:
    # Two scrapes (or two targets' outputs) pasted into one file repeat every family; the draft
    # crashed with exit 70 ("already declared") before it merged them.
    first = (
        "# HELP api_requests_total Requests.\n# TYPE api_requests_total counter\n"
        'api_requests_total{code="200"} 5\n'
        "# HELP api_seconds Latency.\n# TYPE api_seconds histogram\n"
        'api_seconds_bucket{le="0.1"} 1\napi_seconds_bucket{le="+Inf"} 2\napi_seconds_sum 0.3\napi_seconds_count 2\n'
    )
    second = first.replace('{code="200"}', '{code="500",handler="/x"}').replace('le="0.1"', 'le="0.5"')
    families = families_from_text(first + second)
    assert [(f.name, f.labels, f.buckets) for f in families] == [
        ("api_requests_total", ("code", "handler"), ()),
        ("api_seconds", (), (0.1, 0.5)),
    ]
    source = tmp_path / "twice.prom"
    source.write_text(first + second)
    assert main(["init", "--from-metrics", str(source), "--job", "api", "--out", str(tmp_path / "api.yaml")]) == 0
    compile_spec(load_spec(tmp_path / "api.yaml"))


def test_a_counter_named_by_its_type_line_in_text_with_crlf_line_ends() -> None:
    text = '# TYPE pg_stat_database_xact_commit counter\r\npg_stat_database_xact_commit{datname="x"} 3\r\n'
    assert [f.name for f in families_from_text(text)] == ["pg_stat_database_xact_commit"]


def test_a_label_empty_on_every_sample_is_no_label_as_prometheus_stores_none() -> None:
    text = (
        "# TYPE nginx_ingress_controller_requests counter\n"
        'nginx_ingress_controller_requests{canary="",status="200"} 5\n'
        'nginx_ingress_controller_requests{canary="",status="500"} 1\n'
    )
    assert [f.labels for f in families_from_text(text)] == [("status",)]
    canary = text + 'nginx_ingress_controller_requests{canary="shop-canary",status="200"} 1\n'
    assert [f.labels for f in families_from_text(canary)] == [("canary", "status")]
