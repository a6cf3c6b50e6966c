"""A classic histogram where events are counted is its ``_count``: a Micrometer timer declared once.

``http_server_requests_seconds`` is both the latency distribution and the request counter of a
Spring Boot service. The spec declares it once, as a histogram; ratio SLIs, rate and ratio alerts
and rate/error-ratio panels that name it count its observations (``_count``, with the ``where``
matchers), and the generated promtool tests feed ``_count`` together with buckets that agree with it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from compiled import prometheus_rules, promtool_passes, write_artifacts

from sigil_monitoring import parse_spec
from sigil_monitoring.compilers import compiler
from sigil_monitoring.errors import SpecError
from sigil_monitoring.ir.build import build_model

SPEC = """apiVersion: sigil-monitoring/v1
service:
  name: orders
  selector: {job: orders}
metrics:
  requests:
    name: http_server_requests_seconds
    type: histogram
    unit: seconds
    labels: [uri, outcome, status]
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5]
  server_errors: {from: requests, where: {outcome: SERVER_ERROR}}
slos:
  availability:
    objective: 99.9%
    sli: {bad: server_errors, total: {metric: requests, where: {uri: {not: /actuator/health}}}}
  successes:
    objective: 99%
    sli: {good: {metric: requests, where: {outcome: SUCCESS}}, total: requests}
    group_by: [uri]
  latency:
    objective: 99%
    sli: {latency: requests, below: 500ms}
alerts:
  ServerErrorsFrequent:
    when: {rate: {metric: server_errors, by: [uri]}, above: 1/min}
  ServerErrorRatioHigh:
    when: {ratio: {bad: server_errors, total: requests}, above: 5%}
dashboard:
  rows:
    - title: Requests
      panels:
        - {rate: {metric: requests, by: [outcome]}}
        - {error_ratio: server_errors, total: requests}
        - {slo: availability}
"""


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prometheus_rules(SPEC, "orders", tmp_path_factory.mktemp("events"))[1]


def test_a_ratio_sli_over_a_histogram_counts_its_observations_with_the_where_matchers(out):
    rules = (out / "slo-availability.rules.yml").read_text()
    assert (
        'sum (rate(http_server_requests_seconds_count{job=\\"orders\\",outcome=\\"SERVER_ERROR\\"}[5m])) / '
        'sum (rate(http_server_requests_seconds_count{job=\\"orders\\",uri!=\\"/actuator/health\\"}[5m]))'
    ) in rules
    good = (out / "slo-successes.rules.yml").read_text()
    assert (
        '1 - (sum by (uri) (rate(http_server_requests_seconds_count{job=\\"orders\\",outcome=\\"SUCCESS\\"}[5m]))'
        in good
    )
    alerts = (out / "alerts.rules.yml").read_text()
    rate = 'sum by (uri) (rate(http_server_requests_seconds_count{job=\\"orders\\",outcome=\\"SERVER_ERROR\\"}[5m]))'
    assert rate in alerts


def test_rules_and_generated_tests_pass_promtool(out):
    assert {p.name.removesuffix(".test.yml") for p in out.glob("tests/*.test.yml")} >= {
        "AvailabilityFastBurn",
        "SuccessesSlowBurn",
        "ServerErrorsFrequent",
        "ServerErrorRatioHigh",
    }
    promtool_passes(out)


def _inputs(path: Path) -> list[dict[str, str]]:
    return [s for group in yaml.safe_load(path.read_text())["tests"] for s in group["input_series"]]


@pytest.mark.parametrize("test", ["AvailabilityFastBurn", "SuccessesSlowBurn", "ServerErrorsFrequent"])
def test_every_fed_count_comes_with_buckets_that_agree_with_it(out, test):
    series = {s["series"]: s["values"] for s in _inputs(out / "tests" / f"{test}.test.yml")}
    counts = {name: values for name, values in series.items() if name.startswith("http_server_requests_seconds_count")}
    assert counts
    for name, values in counts.items():
        labels = name.removeprefix("http_server_requests_seconds_count{").removesuffix("}")
        buckets = {
            re.search(r'le=\\?"([^"\\]+)', n).group(1): v  # type: ignore[union-attr]
            for n, v in series.items()
            if n.startswith("http_server_requests_seconds_bucket{" + labels + ",le=")
        }
        # Every observation in the first bucket: each bucket, +Inf included, counts what _count counts.
        assert buckets == dict.fromkeys(["0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"], values)


def test_the_grafana_panels_rate_the_histogram_count(tmp_path):
    model = build_model([parse_spec(SPEC, "orders.yaml")])
    write_artifacts(compiler("grafana")(model), tmp_path)
    dashboard = next(tmp_path.rglob("*.json")).read_text()
    assert "sum by (outcome) (rate(http_server_requests_seconds_count{" in dashboard
    assert dashboard.count("rate(http_server_requests_seconds_count{") >= 3  # the rate panel and both ratio sides


@pytest.mark.parametrize(
    ("metric", "said"),
    [
        ("{name: orders_in_flight, type: gauge}", "'requests' is a gauge, not a counter or a classic histogram"),
        (
            "{name: orders_seconds, type: native_histogram, unit: seconds}",
            "'requests' is a native_histogram, not a counter or a classic histogram",
        ),
    ],
)
def test_a_gauge_or_a_native_histogram_is_not_an_event_count(metric, said):
    text = SPEC.replace(
        "  requests:\n    name: http_server_requests_seconds\n    type: histogram\n    unit: seconds\n"
        "    labels: [uri, outcome, status]\n    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5]\n",
        f"  requests: {metric[:-1]}, labels: [uri, outcome, status]}}\n",
    )
    assert text != SPEC
    with pytest.raises(SpecError) as caught:
        parse_spec(text, "orders.yaml")
    assert said in str(caught.value)


def test_the_drill_drives_a_ratio_over_a_histogram_by_its_observation_rates():
    from sigil_monitoring.live import incidents as inc
    from sigil_monitoring.live.planning import plan
    from sigil_monitoring.live.simulator import Simulator

    service = build_model([parse_spec(SPEC, "orders.yaml")]).services[0]
    sim = Simulator([service])
    [ratio] = [i for i in plan(service) if isinstance(i, inc.RatioCross)]
    assert ratio.bad.metric.type == "histogram"

    def share() -> float:
        def observed(series):
            return sum(s.now.rate for s in sim.select(series))

        return observed(ratio.bad) / observed(ratio.total)

    inc.quiet(ratio, sim)
    assert share() == pytest.approx(0.05 * inc.QUIET_SHARE)  # well under the 5 % threshold
    inc.inject(ratio, sim)
    assert share() == pytest.approx(0.15)  # three times the threshold


def test_the_runbook_names_the_count_series_the_rate_and_ratio_alerts_read(tmp_path):
    model = build_model([parse_spec(SPEC, "orders.yaml")])
    write_artifacts(compiler("runbook")(model), tmp_path)
    runbook = next(tmp_path.rglob("runbook.md")).read_text()
    counted = '`http_server_requests_seconds_count{outcome="SERVER_ERROR"}`'
    assert f"{counted} increases faster than 1/min" in runbook
    assert f"{counted} / `http_server_requests_seconds_count` is above 5%" in runbook


def test_a_bucket_label_on_a_histogram_counting_events_is_an_error_at_the_reference():
    text = SPEC.replace("labels: [uri, outcome, status]", "labels: [uri, outcome, status, le]")
    text = text.replace("where: {uri: {not: /actuator/health}}", 'where: {le: "1"}')
    with pytest.raises(SpecError) as caught:
        parse_spec(text, "orders.yaml")
    assert str(caught.value).splitlines() == [
        "orders.yaml:16:38: error: slos.availability.sli.total: 'requests' counts events with its _count, which "
        "has no 'le' label (remove le from where:/by:; to count slow requests use a latency SLI, e.g. "
        "{latency: requests, below: 500ms})"
    ]
