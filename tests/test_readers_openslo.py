"""The OpenSLO reader: references resolved across documents and files, Prometheus ratio queries,
rolling windows and Occurrences carried; calendar windows and time slices reported lost at their
positions; burn-rate alert conditions as tiers with their own window pair; YAML 1.2 scalars."""

from __future__ import annotations

from pathlib import Path

from sigil_monitoring.readers import load, read

DEFINITIONS = """\
apiVersion: openslo/v1
kind: Service
metadata:
  name: checkout
  displayName: Checkout API
spec:
  description: Takes the orders.
---
apiVersion: openslo/v1
kind: DataSource
metadata:
  name: prom
spec:
  type: Prometheus
  connectionDetails:
    url: http://prometheus:9090
---
apiVersion: openslo/v1
kind: SLI
metadata:
  name: checkout-errors
spec:
  ratioMetric:
    counter: true
    bad:
      metricSource:
        metricSourceRef: prom
        spec:
          query: sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))
    total:
      metricSource:
        metricSourceRef: prom
        spec:
          query: sum(rate(http_requests_total{job="checkout"}[{{.window}}]))
---
apiVersion: openslo/v1
kind: AlertCondition
metadata:
  name: fast-burn
spec:
  severity: page
  condition:
    kind: burnrate
    op: gte
    threshold: 14.4
    lookbackWindow: 1h
    alertAfter: 2m
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: page-on-fast-burn
spec:
  alertWhenBreaching: true
  alertWhenResolved: false
  alertWhenNoData: false
  conditions:
    - conditionRef: fast-burn
"""

SLOS = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: availability
spec:
  description: Orders that do not fail.
  service: checkout
  indicatorRef: checkout-errors
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.999
  alertPolicies:
    - alertPolicyRef: page-on-fast-burn
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: monthly
spec:
  service: checkout
  indicatorRef: checkout-errors
  timeWindow:
    - duration: 1M
      calendar:
        startTime: 2022-01-01 12:00:00
        timeZone: America/New_York
  budgetingMethod: Timeslices
  objectives:
    - targetPercent: 99.5
      timeSliceTarget: 0.95
      timeSliceWindow: 1m
"""


def _files(tmp_path: Path) -> list[tuple[str, bytes]]:
    (tmp_path / "definitions.yaml").write_text(DEFINITIONS, encoding="utf-8")
    (tmp_path / "slos.yaml").write_text(SLOS, encoding="utf-8")
    return [(name, (tmp_path / name).read_bytes()) for name in ("definitions.yaml", "slos.yaml")]


def test_references_resolve_across_files_into_one_spec_per_service(tmp_path: Path):
    specs, losses, errors = load(_files(tmp_path))
    assert errors == []
    (spec,) = specs
    assert (spec.service.name, spec.service.title, spec.service.description) == (
        "checkout",
        "Checkout API",
        "Takes the orders.",
    )
    assert {label: matcher.value for label, matcher in spec.service.selector.items()} == {"job": "checkout"}
    slo = spec.slos["availability"]
    assert (str(slo.objective), str(slo.window), slo.description) == ("99.9", "28d", "Orders that do not fail.")
    assert slo.sli.bad_query == 'sum(rate(http_requests_total{job="checkout",code=~"5.."}[$window]))'
    assert slo.sli.total_query == 'sum(rate(http_requests_total{job="checkout"}[$window]))'
    # The burn-rate condition: a page tier of its own pair, for: its alertAfter; the ticket tier off.
    page = slo.alerting.page
    assert [(str(w.long), str(w.factor)) for w in page.windows or []] == [("1h", "14.4")]
    assert str(page.for_) == "2m" and slo.alerting.ticket.enabled is False


def test_calendar_windows_and_time_slices_are_lost_at_their_positions(tmp_path: Path):
    specs, _, _ = load(_files(tmp_path))
    losses = read(_files(tmp_path)).losses
    monthly = specs[0].slos["monthly"]
    assert str(monthly.window) == "30d" and str(monthly.objective) == "99.5"  # the default rolling window
    report = {f"{d.file}:{d.line}:{d.col}: {d.message.split(':')[0]}" for d in losses}
    assert report == {
        "definitions.yaml:15:3: spec.connectionDetails",
        "slos.yaml:26:7: spec.timeWindow.0",
        "slos.yaml:30:3: spec.budgetingMethod",
        "slos.yaml:33:7: spec.objectives.0.timeSliceTarget",
        "slos.yaml:34:7: spec.objectives.0.timeSliceWindow",
    }


def test_an_unquoted_start_time_stays_text_as_yaml_1_2_reads_it(tmp_path: Path):
    from sigil_monitoring.readers.tree import documents

    (slo,) = [d for d in documents(SLOS, "slos.yaml") if d.value["metadata"]["name"] == "monthly"]
    assert slo.value["spec"]["timeWindow"][0]["calendar"]["startTime"] == "2022-01-01 12:00:00"


def test_a_reference_to_nothing_is_an_error_at_the_reference(tmp_path: Path):
    (tmp_path / "slos.yaml").write_text(SLOS, encoding="utf-8")
    _, _, errors = load([("slos.yaml", (tmp_path / "slos.yaml").read_bytes())])
    assert [f"{d.line}:{d.col}" for d in errors] == ["8:17", "24:17"]  # each SLO's indicatorRef
    assert "no SLI named 'checkout-errors' among the files given" in errors[0].message


INLINE = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: {name}
spec:
  service: search
  indicator:
    metadata:
      name: search
    spec:
{indicator}
  timeWindow:
    - duration: 7d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.99{objective}
  alertPolicies:
    - kind: AlertPolicy
      metadata:
        name: slow-burn
      spec:
        alertWhenBreaching: true
        conditions:
          - kind: AlertCondition
            metadata:
              name: slow
            spec:
              severity: ticket
              condition:
                kind: burnrate
                op: gt
                threshold: 1
                lookbackWindow: 1d
"""
THRESHOLD = """\
      thresholdMetric:
        metricSource:
          type: Prometheus
          spec:
            query: histogram_quantile(0.9, sum by (le) (rate(search_seconds_bucket[5m])))"""
RAW = """\
      ratioMetric:
        rawType: success
        raw:
          metricSource:
            type: Prometheus
            spec:
              query: search:availability:ratio"""


def _one(name: str, indicator: str, objective: str = "") -> tuple:
    text = INLINE.format(name=name, indicator=indicator, objective=objective)
    specs, _, errors = load([("search.yaml", text.encode())])
    assert errors == []
    return specs[0].slos[name], read([("search.yaml", text.encode())]).losses


def test_a_threshold_metric_counts_the_evaluations_that_miss_the_objective():
    slo, losses = _one("latency", THRESHOLD, "\n      op: lt\n      value: 0.5")
    assert losses == []
    assert slo.sli.error_ratio == (
        "avg_over_time(((histogram_quantile(0.9, sum by (le) (rate(search_seconds_bucket[5m]))))"
        " >= bool 0.5)[$window:])"
    )
    # The inline policy's burnrate condition: the ticket tier, one pair, the page tier off.
    assert [(str(w.long), str(w.factor)) for w in slo.alerting.ticket.windows or []] == [("1d", "1")]
    assert slo.alerting.page.enabled is False


def test_a_raw_success_ratio_is_averaged_over_the_window():
    slo, losses = _one("availability", RAW)
    assert losses == [] and slo.sli.error_ratio == "1 - avg_over_time((search:availability:ratio)[$window:])"


COUNTER_VALUES = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: web-availability}
spec:
  service: web
  indicator:
    metadata: {name: web-good}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'sum(http_requests_total{job="web",code!~"5.."})'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'sum by (job) (http_requests_total{job="web"})'}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
"""


def test_counter_values_summed_as_openslo_writes_them_are_read_as_rates(tmp_path: Path):
    """OpenSLO's own form (the RabbitMQ trial): 'counter: true' and queries of counter values with
    no range. They were dropped ('write [{{.window}}], as Sloth reads it') and convert wrote
    nothing with exit 0. A sum of one counter is read as the sum of its rate over the window."""
    from sigil_monitoring.cli import main

    source = tmp_path / "openslo.yaml"
    source.write_text(COUNTER_VALUES)
    [draft] = read([(str(source), COUNTER_VALUES.encode())]).drafts
    sli = draft.data["slos"]["web-availability"]["sli"]
    assert sli["good_query"] == 'sum(rate(http_requests_total{job="web",code!~"5.."}[$window]))'
    assert sli["total_query"] == 'sum by (job) (rate(http_requests_total{job="web"}[$window]))'
    # Without counter: true the queries say no range: nothing converts, which is an error now.
    gauge = tmp_path / "gauge.yaml"
    gauge.write_text(COUNTER_VALUES.replace("counter: true", "counter: false"))
    assert main(["convert", str(gauge), "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()


def test_counter_values_keep_their_selector_as_written_escapes_included():
    """The review of the first version: the selector was rewritten by the parser, which wrote a
    label value's escaped backslash back as an escape (C:\\tmp became a tab) and dropped 2\\d\\d."""
    selector = r'sum(http_requests_total{dir="C:\\tmp",code=~"2\\d\\d"})'
    text = COUNTER_VALUES.replace("""sum(http_requests_total{job="web",code!~"5.."})""", selector)
    [draft] = read([("openslo.yaml", text.encode())]).drafts
    good = draft.data["slos"]["web-availability"]["sli"]["good_query"]
    assert good == r'sum(rate(http_requests_total{dir="C:\\tmp",code=~"2\\d\\d"}[$window]))'
