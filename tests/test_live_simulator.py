"""The simulator, the incident plan and the drill batches, without servers: every series a spec
queries exists in the simulation, incidents reach the ratios they promise, and batches never
drive two incidents through one metric."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from conftest import REPO

from sigil_monitoring import load_spec
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.ir.model import Metric, Series
from sigil_monitoring.live import burns, planning
from sigil_monitoring.live import incidents as inc
from sigil_monitoring.live.drill import batches
from sigil_monitoring.live.drill_mode import drill_model
from sigil_monitoring.live.labels import service_series
from sigil_monitoring.live.results import AlertRun, Chart, Line
from sigil_monitoring.live.simulator import Simulator

HERE = Path(__file__).parent
SPECS = [
    REPO / "specs" / "sigil-dna.yaml",
    Path(__file__).parent / "live" / "drill-api.yaml",
    *sorted((REPO / "specs" / "examples").glob("*.yaml")),
]


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_every_series_a_spec_queries_selects_a_simulated_series(path: Path):
    service = build_model([load_spec(path)]).services[0]
    sim = Simulator([service])
    empty = [f"{s.metric.name} {[m.text() for m in s.matchers]}" for s in service_series(service) if not sim.select(s)]
    assert empty == []


def _rates(sim: Simulator, series) -> float:
    return sum(s.now.rate for s in sim.select(series))


def test_an_error_ratio_incident_reaches_its_ratio_when_the_bad_requests_are_part_of_the_total():
    service = build_model([load_spec(SPECS[1])]).services[0]
    sim = Simulator([service])
    [ratio] = [i for i in planning.plan(service) if isinstance(i, inc.RatioCross)]
    assert ratio.bad.metric.name == ratio.total.metric.name  # code=~"5.." of all requests
    inc.quiet(ratio, sim)
    assert _rates(sim, ratio.bad) / _rates(sim, ratio.total) == pytest.approx(0.005)
    inc.inject(ratio, sim)
    assert _rates(sim, ratio.bad) / _rates(sim, ratio.total) == pytest.approx(0.15)
    sim.restore()
    assert _rates(sim, ratio.bad) / _rates(sim, ratio.total) == pytest.approx(0.005)


def test_a_slow_burn_trips_every_ticket_factor_and_no_page_factor():
    service = drill_model(build_model([load_spec(SPECS[0])]), "http://127.0.0.1:9", "/tmp/x").services[0]
    for burn in (i for i in planning.plan(service) if isinstance(i, inc.SloBurn) and i.speed == "slow"):
        page = [float(w.factor) for b in burn.slo.alerts if b.tier == "page" for w in b.windows]
        ticket = [float(w.factor) for b in burn.slo.alerts if b.tier == "ticket" for w in b.windows]
        assert max(ticket) < burn.multiple < min(page)


def test_batches_never_share_a_metric_and_an_inhibiting_alert_runs_alone_in_its_service():
    model = build_model([load_spec(p) for p in SPECS])
    planned = [(s, i) for s in model.services for i in planning.plan(s) if not isinstance(i, inc.Undrivable)]
    groups = batches(planned)
    assert sorted(id(i) for b in groups for _, i in b) == sorted(id(i) for _, i in planned)
    for batch in groups:
        used = [m for s, i in batch for m in {(s.name, series.metric.name) for series in inc.touched(i)}]
        assert len(used) == len(set(used)), used
        for service, incident in batch:
            if any(a.inhibits and a.name == incident.alert for a in service.alerts):
                assert [i.alert for s, i in batch if s.name == service.name] == [incident.alert]


def _families(sim: Simulator) -> dict[str, tuple[str, set[str]]]:
    """The exposition as prometheus-client's parser reads it: family name -> (type, sample names)."""
    from prometheus_client.parser import text_string_to_metric_families

    text = sim.exposition()
    found: dict[str, tuple[str, set[str]]] = {}
    for family in text_string_to_metric_families(text):
        assert family.name not in found, f"two families named {family.name}"
        found[family.name] = (family.type, {s.name for s in family.samples})
    # Every sample name appears under one TYPE line only.
    types = [line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")]
    assert len(types) == len(set(types))
    return found


def test_a_histogram_and_a_counter_on_its_count_are_served_as_one_histogram_family():
    service = build_model([load_spec(HERE / "live" / "micrometer.yaml")]).services[0]
    sim = Simulator([service])
    families = _families(sim)
    assert families == {
        "http_server_requests_seconds": (
            "histogram",
            {
                "http_server_requests_seconds_bucket",
                "http_server_requests_seconds_count",
                "http_server_requests_seconds_sum",
            },
        )
    }
    # The counter entry selects the histogram's own series: an error burst changes its observations.
    requests = next(m for m in service.metrics if m.name == "http_server_requests_seconds_count")
    histogram = next(m for m in service.metrics if m.type == "histogram")
    assert sim.select(Series(requests, service.selector)) == sim.select(Series(histogram, service.selector))
    # Bad requests and others: the error ratio has a total beyond its bad requests.
    assert sorted(s.label("status")[0] == "5" for s in sim.series) == [False, True]


def test_counters_gauges_and_summaries_keep_their_real_suffixes():
    spec = load_spec(HERE / "live" / "micrometer.yaml")
    metrics = [
        Metric("ops", "ops_total", "counter", "none", "", (), None, None),
        Metric("scans", "pg_stat_scans", "counter", "none", "", (), None, None),
        Metric("heap", "heap_bytes", "gauge", "bytes", "", (), None, None),
        Metric("gc", "gc_pause_seconds", "gauge", "seconds", "", ("quantile",), None, None),
        Metric("gc_count", "gc_pause_seconds_count", "counter", "none", "", (), None, None),
    ]
    service = msgspec.structs.replace(build_model([spec]).services[0], metrics=tuple(metrics), alerts=(), slos=())
    sim = Simulator([service])
    families = _families(sim)
    assert families["ops"] == ("counter", {"ops_total"})  # the parser names a counter family without _total
    # A counter without _total (postgres_exporter) keeps its exact name; the parser would add _total.
    assert families["pg_stat_scans"][0] == "counter"
    assert "\n# TYPE pg_stat_scans counter\npg_stat_scans{" in sim.exposition()
    assert families["heap_bytes"] == ("gauge", {"heap_bytes"})
    assert families["gc_pause_seconds"] == (
        "summary",
        {"gc_pause_seconds", "gc_pause_seconds_count", "gc_pause_seconds_sum"},
    )
    assert len(families) == 4


def test_a_gauge_a_stuck_condition_reads_moves_on_normal_traffic_and_stands_still_in_its_incident():
    service = _drill_service(HERE / "live" / "stuck-gauge.yaml")
    sim = Simulator([service])
    inc.move(service, sim)
    sim.restore()
    [offset] = [s for s in sim.series if s.family == "kafka_consumergroup_current_offset"]
    [lag] = [s for s in sim.series if s.family == "kafka_consumergroup_lag"]
    assert offset.value(10.0) != offset.value(20.0)  # delta(...) == 0 stays false
    assert lag.value(10.0) == lag.value(20.0)  # nothing needs the lag to move
    plans = {i.alert: i for i in planning.plan(service)}
    still = plans["ConsumerStuck"]
    assert isinstance(still, inc.GaugeStill)
    inc.inject(still, sim)
    assert offset.value(10.0) == offset.value(20.0)
    long = plans["ConsumerStuckLong"]
    assert isinstance(long, inc.Undrivable) and "600s range" in long.reason


def _drill_service(path: Path):
    return drill_model(build_model([load_spec(path)]), "http://127.0.0.1:9", "/tmp/x").services[0]


@pytest.mark.parametrize("path", [SPECS[0], SPECS[1], HERE / "live" / "micrometer.yaml"], ids=lambda p: p.stem)
def test_a_burn_incident_expects_exactly_the_tiers_its_multiple_crosses(path: Path):
    service = _drill_service(path)
    for burn in (i for i in planning.plan(service) if isinstance(i, inc.SloBurn)):
        m = burns.effective(burn.slo, burn.multiple)
        for tier in burn.slo.alerts:
            crossed = [float(w.factor) < m for w in tier.windows]
            assert (tier.name in burn.expected) == any(crossed)
            # No factor is so close to the multiple that a rate's noise could decide.
            assert all(not (m / burns.MARGIN < float(w.factor) < m * burns.MARGIN) for w in tier.windows)
        if burn.speed == "slow":
            assert [b.tier for b in burn.slo.alerts if b.name in burn.expected] == ["ticket"]
            assert burn.must_stay_quiet == tuple(b.name for b in burn.slo.alerts if b.tier == "page")
        assert burns.fill_seconds(burn.slo, burn.alert, burn.multiple) < 35


def test_a_burn_that_sets_off_a_tier_the_maths_rules_out_does_not_pass():
    chart = Chart("burn rate", "×", 1.0, 1.0, "1× (ticket tier)", [Line("long window 10s", "x")])
    run = AlertRun("s", "SlowBurn", "SloBurn", ["s/r"], chart, pending=1, firing=2, notified=3, resolved=9)
    run.receivers_reached, run.runbook_link, run.dashboard_link = ["s/r"], True, True
    assert run.passed
    run.unexpected = ["FastBurn"]
    assert not run.passed


STUCK_WITH_INPUTS = """
apiVersion: sigil-monitoring/v1
service: {name: consumer, selector: {job: consumer}}
metrics:
  offset: {name: kafka_consumergroup_current_offset, type: gauge, labels: [topic]}
alerts:
  ConsumerStuck:
    when: {promql: 'delta(kafka_consumergroup_current_offset{job="consumer"}[10m]) == 0'}
    for: 5m
    test:
      firing: [{series: 'kafka_consumergroup_current_offset{job="consumer",topic="t"}', values: '5x20'}]
      quiet: [{series: 'kafka_consumergroup_current_offset{job="consumer",topic="t"}', values: '0+10x20'}]
      value: 0
"""


def test_a_stuck_condition_with_test_inputs_is_not_staged_from_their_last_values(tmp_path: Path):
    # Their last values would hold the offset flat on normal traffic too, and delta(...) == 0 would fire.
    spec = tmp_path / "consumer.yaml"
    spec.write_text(STUCK_WITH_INPUTS)
    service = _drill_service(spec)
    [stuck] = planning.plan(service)
    assert isinstance(stuck, inc.Undrivable) and "600s range" in stuck.reason
    sim = Simulator([service])
    inc.move(service, sim)
    sim.restore()
    assert all(s.now.slope > 0 for s in sim.series)


def _group_ratios(sim: Simulator, bad, total, by: tuple[str, ...]) -> dict[tuple, float]:
    def key(s):
        return tuple(s.label(x) for x in by)

    groups = {key(s) for s in sim.select(bad)}
    return {
        g: sum(s.now.rate for s in sim.select(bad) if key(s) == g)
        / sum(s.now.rate for s in sim.select(total) if key(s) == g)
        for g in groups
    }


def test_ratios_are_solved_in_every_group_an_alert_or_slo_compares():
    service = build_model([load_spec(REPO / "specs" / "examples" / "go-http-api.yaml")]).services[0]
    sim = Simulator([service])
    ratio = next(i for i in planning.plan(service) if isinstance(i, inc.RatioCross) and i.bad.by)
    assert ratio.bad.by == ("handler",)
    # One handler gets ten times the good traffic: one ratio over all handlers would leave it low.
    busy = next(s for s in sim.select(ratio.total) if s not in sim.select(ratio.bad))
    busy.now.rate = busy.normal.rate = 100.0
    inc.inject(ratio, sim)
    groups = _group_ratios(sim, ratio.bad, ratio.total, ratio.bad.by)
    assert len(groups) > 1 and all(v == pytest.approx(0.15) for v in groups.values())
    slo = next(s for s in service.slos if s.group_by)
    burn = next(i for i in planning.plan(service) if isinstance(i, inc.SloBurn) and i.slo is slo)
    inc.inject(burn, sim)
    good = _group_ratios(sim, slo.sli.part, slo.sli.total, slo.group_by)
    assert good and all(1 - v == pytest.approx(burn.error_ratio) for v in good.values())


def _up_reads(sim: Simulator, scrapes: int) -> dict[tuple, list[float]]:
    """The values of every `up` sample over ``scrapes`` expositions, per label set."""
    reads: dict[tuple, list[float]] = {}
    for _ in range(scrapes):
        for line in sim.exposition().splitlines():
            if line.startswith("up{"):
                labels, value = line.rsplit(" ", 1)
                reads.setdefault(labels, []).append(float(value))
    return reads


@pytest.mark.parametrize("speed", ["slow", "fast"])
def test_an_up_sli_burns_by_failed_scrapes_spread_over_the_targets_never_two_in_a_row(speed: str):
    spec = load_spec(REPO / "specs" / "examples" / "kafka-consumer.yaml")
    service = drill_model(build_model([spec]), "http://127.0.0.1:9", "/tmp/x").services[0]
    burn = next(i for i in planning.plan(service) if isinstance(i, inc.SloBurn) and i.speed == speed)
    sim = Simulator([service])
    inc.quiet(burn, sim)
    normal = _up_reads(sim, 5)
    assert len(normal) == burns.UP_RING and {v for vs in normal.values() for v in vs} == {1.0}
    inc.inject(burn, sim)
    scrapes = 200
    reads = _up_reads(sim, scrapes)
    assert len(reads) == burns.UP_RING
    values = [v for vs in reads.values() for v in vs]
    assert set(values) == {0.0, 1.0}  # a real up is 0 or 1, never in between
    for series in reads.values():  # a `below: 1` alert with a `for:` of two scrapes stays quiet
        assert all(a or b for a, b in zip(series, series[1:], strict=False))
    # The share of failed scrapes is the burn's error ratio, in every window the burn alerts read
    # (4 s, the shortest, to within one failed scrape).
    assert values.count(0.0) / len(values) == pytest.approx(burn.error_ratio, abs=1 / len(values))
    per_scrape = [sum(vs[n] == 0.0 for vs in reads.values()) for n in range(scrapes)]
    for n in range(scrapes - 4):
        window = sum(per_scrape[n : n + 4])
        assert abs(window - burn.error_ratio * 4 * burns.UP_RING) <= 1
    inc.quiet(burn, sim)
    sim.restore()
    assert {v for vs in _up_reads(sim, 5).values() for v in vs} == {1.0}


def test_an_up_burn_the_drill_windows_cannot_average_is_not_drivable_with_the_numbers():
    def burn_plan(stem: str) -> dict[str, inc.Incident | inc.Undrivable]:
        spec = load_spec(REPO / "specs" / "examples" / f"{stem}.yaml")
        service = drill_model(build_model([spec]), "http://127.0.0.1:9", "/tmp/x").services[0]
        return {i.alert: i for i in planning.plan(service) if i.alert.endswith("Burn")}

    kafka = burn_plan("kafka-consumer")  # 99.5 %: 2.1 % of 64 targets' scrapes fail, never paging
    assert all(isinstance(i, inc.SloBurn) for i in kafka.values())
    postgres = burn_plan("postgres")  # 99.95 %: 0.21 %, which a 30 s window of 64 targets may not hold
    assert isinstance(postgres["AvailabilityFastBurn"], inc.SloBurn)
    slow = postgres["AvailabilitySlowBurn"]
    assert isinstance(slow, inc.Undrivable) and "64 up series failing 0.21%" in slow.reason
    # One probe series per instance (group_by): a failed scrape in a 4 s window is 25 %.
    assert all(isinstance(i, inc.Undrivable) for i in burn_plan("blackbox").values())


def test_a_query_sli_filtering_on_a_label_no_entry_declares_is_simulated_and_staged():
    # Sloth's getting-started example: code=~"(5..|429)" in the SLI's raw query on a counter the
    # converted catalog declares without labels. The drill crashed ("no bad series") before the
    # simulator gave the family the labels the queries pin.
    from sigil_monitoring.readers import load

    path = REPO / "tests" / "data" / "sloth" / "getting-started.yml"
    specs, _, errors = load([(str(path), path.read_bytes())])
    assert errors == []
    service = build_model(specs).services[0]
    sim = Simulator([service])
    assert all(sim.select(s) for s in service_series(service))
    burns_planned = [i for i in planning.plan(service) if isinstance(i, inc.SloBurn)]
    assert burns_planned
    for incident in burns_planned:
        inc.quiet(incident, sim)
        inc.inject(incident, sim)
        sim.restore()


def _gauge_share(sim: Simulator, part, whole) -> float:
    return sum(s.now.value for s in sim.select(part)) / sum(s.now.value for s in sim.select(whole))


def test_a_share_of_a_gauges_whole_stays_a_share_on_both_sides_of_its_threshold():
    """redis: clients above 90 % of maxclients. Injected at three times the threshold it read
    270 % of maxclients, which a drill report then showed; a part never exceeds its whole."""
    service = build_model([load_spec(REPO / "specs" / "examples" / "redis.yaml")]).services[0]
    sim = Simulator([service])
    ratio = next(i for i in planning.plan(service) if isinstance(i, inc.RatioCross) and i.bad.metric.type == "gauge")
    assert (ratio.threshold, ratio.op) == (0.9, ">")
    inc.quiet(ratio, sim)
    assert _gauge_share(sim, ratio.bad, ratio.total) == pytest.approx(0.3)
    inc.inject(ratio, sim)
    assert 0.9 < _gauge_share(sim, ratio.bad, ratio.total) <= 1


@pytest.mark.parametrize(
    ("threshold", "op"), [(0.5, "<"), (0.9, ">"), (0.1, ">"), (0.99, ">"), (0.99, "<"), (1.5, ">"), (1.5, "<")]
)
def test_the_drilled_shares_stage_their_side_clear_of_a_wave_and_within_the_whole(threshold: float, op: str):
    for inject in (False, True):
        share = inc._share(threshold, op, inject)
        assert share > threshold if (op == ">") == inject else share < threshold, (inject, share)
        assert abs(share - threshold) >= 0.05 * threshold  # a moving gauge waves by 1 % (motion.WAVE)
        if threshold < 0.95:
            assert 0 <= share <= 1
