"""Fire drills on real Prometheus and Alertmanager: every alert the simulator can drive is detected,
notified at the receiver routing names and resolved; normal traffic raises nothing; what cannot be
driven is listed with its reason. One server pair per drill; incidents on disjoint metrics run
at the same time, so a drill of sigil-dna's eleven alerts takes about 75 s here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import EXAMPLES, REPO
from servers import require_binary

from sigil_monitoring import load_spec
from sigil_monitoring.live.drill import run_drill
from sigil_monitoring.live.net import ALERTMANAGER_NAMES, PROMETHEUS_NAMES
from sigil_monitoring.live.report import render
from sigil_monitoring.live.results import DrillResult

HERE = Path(__file__).resolve().parent
# Examples written as a new user would for exporters the drill was not built around (issue 19),
# each drilled whole, slow burns included, by the last test below; with the alerts each cannot
# drive. None: ConsumerStalled's quiet test inputs say how the offset gauge moves.
NEW_USER_EXAMPLES: dict[str, set[str]] = {
    "spring-boot": set(),
    "grpc": set(),
    "kafka-consumer": {"ConsumerStalled"},
    "prometheus-server": set(),  # query ratio SLIs with tiers of their own windows (issue 21)
}


def _drill(specs: list, alerts: list[str] | None = None) -> DrillResult:
    require_binary(PROMETHEUS_NAMES), require_binary(ALERTMANAGER_NAMES)
    result = run_drill(specs, alerts, progress=print)  # pytest shows a failed test's stdout
    print(render(result, "markdown"))
    return result


def _failures(result: DrillResult) -> list[tuple[str, str | None, list[str], list[str]]]:
    return [(r.alert, r.problem, r.expected_receivers, r.receivers_reached) for r in result.runs if not r.passed]


@pytest.mark.e2e
def test_every_sigil_dna_alert_is_detected_notified_at_its_receiver_and_resolved():
    spec = load_spec(REPO / "specs" / "sigil-dna.yaml")
    result = _drill([spec])
    assert result.normal_alerts == []
    assert result.skipped == []
    burn = {f"{slo}{speed}Burn" for slo in ("EncodeAvailability", "EncodeLatency") for speed in ("Fast", "Slow")}
    assert {r.alert for r in result.runs} == set(spec.alerts) | burn
    assert _failures(result) == []
    reached = {r.alert: r.receivers_reached for r in result.runs}
    # Criticals page on-call and post to #sigil-alerts (ticket C6): both receivers are reached.
    both = ["sigil-dna/oncall", "sigil-dna/team"]
    assert sorted(reached["DatabaseDown"]) == sorted(reached["EncodeAvailabilityFastBurn"]) == both
    assert reached["DiskAlmostFull"] == reached["EncodeAvailabilitySlowBurn"] == ["sigil-dna/team"]
    for run in result.runs:
        assert run.pending is not None and run.firing is not None and run.pending <= run.firing <= run.notified
        assert all(line.samples for line in run.chart.lines), f"{run.alert}: no signal sampled for its timeline"
    assert result.passed
    doc = json.loads(render(result, "json"))
    assert doc["passed"] is True and len(doc["runs"]) == len(result.runs)


def test_quiet_staging_only_lowers_for_above_and_only_raises_for_below():
    # shop.yaml: `5xx rate by handler above 1/s` and `all requests below 1/min` read one family;
    # staging the second after the first once lifted every series to 1.17/s, 5xx included, so the
    # first fired on normal traffic (a false failure of a correct spec).
    from sigil_monitoring.ir.build import build_model
    from sigil_monitoring.live import incidents as inc
    from sigil_monitoring.live.planning import plan
    from sigil_monitoring.live.simulator import Simulator

    [service] = build_model([load_spec(REPO / "specs" / "shop.yaml")]).services
    sim = Simulator([service])
    planned = [i for i in plan(service) if not isinstance(i, inc.Undrivable)]
    for incident in planned:
        inc.quiet(incident, sim)
    for burst in (i for i in planned if isinstance(i, inc.ErrorBurst)):
        total = sum(s.now.rate for s in sim.select(burst.series))
        assert (total < burst.threshold) if burst.op == ">" else (total > burst.threshold), burst.alert


@pytest.mark.e2e
def test_the_shop_spec_drills_to_passed():
    spec = load_spec(REPO / "specs" / "shop.yaml")
    result = _drill([spec])
    assert result.normal_alerts == [] and result.skipped == []
    assert {r.alert for r in result.runs} == set(spec.alerts) | {
        f"CheckoutAvailability{speed}Burn" for speed in ("Fast", "Slow")
    }
    assert _failures(result) == []
    assert result.passed


@pytest.mark.e2e
def test_a_small_api_and_the_example_exporters_drill_clean_and_name_what_cannot_be_driven():
    from sigil_monitoring.ir.build import build_model

    specs = [load_spec(HERE / "live" / "drill-api.yaml")] + [
        load_spec(p) for p in EXAMPLES if p.stem not in NEW_USER_EXAMPLES
    ]
    services = build_model(specs).services
    every = {
        (s.name, a)
        for s in services
        for a in [x.name for x in s.alerts] + [b.name for slo in s.slos for b in slo.alerts]
    }
    # The examples' slow burns are left out to keep this test near two minutes: slow burns share
    # the SLI's metrics with the fast ones, so each adds a batch; drill-api and sigil-dna drill theirs.
    chosen = sorted(f"{svc}/{a}" for svc, a in every if svc == "drill-api" or not a.endswith("SlowBurn"))
    result = _drill(specs, chosen)
    assert result.normal_alerts == []
    assert _failures(result) == []
    skipped = {(s.service, s.alert): s.reason for s in result.skipped}
    assert skipped[("drill-api", "TargetDown")].startswith("a raw PromQL condition")
    assert all(reason for reason in skipped.values())
    # Every chosen alert is either drilled or listed as not drivable.
    assert {(r.service, r.alert) for r in result.runs} | set(skipped) == {
        (s, a) for s, a in every if f"{s}/{a}" in chosen
    }
    reached = {r.alert: r.receivers_reached for r in result.runs if r.service == "drill-api"}
    assert reached == {
        "ErrorRatioHigh": ["drill-api/pager"],
        "NotFoundBurst": ["drill-api/chat"],
        "LatencyP99High": ["drill-api/chat"],
        "QueueBacklog": ["drill-api/hook"],
        "AvailabilityFastBurn": ["drill-api/pager"],
        "AvailabilitySlowBurn": ["drill-api/chat"],
    }


ALWAYS_FIRING = """
apiVersion: sigil-monitoring/v1
service: {name: noisy, selector: {job: noisy}}
metrics:
  requests: {name: noisy_requests_total, type: counter}
alerts:
  AlwaysFiring:
    when: {promql: 'vector(1) > 0'}
    for: 1m
"""


@pytest.mark.e2e
def test_the_drill_command_fails_when_normal_traffic_alerts_and_says_so_in_its_html_report(tmp_path: Path, capsys):
    from sigil_monitoring.cli import main

    require_binary(PROMETHEUS_NAMES), require_binary(ALERTMANAGER_NAMES)
    spec, report = tmp_path / "noisy.yaml", tmp_path / "drill.html"
    spec.write_text(ALWAYS_FIRING)
    assert main(["drill", str(spec), "--report", str(report), "-q"]) == 1
    # The terminal ends with one verdict line and the report's path; the charts are in the file only.
    out = capsys.readouterr().out
    verdict = r"FAILED: 0 of 0 alerts passed, 0 failed, 1 not drivable, normal traffic raised 1 \(\d+ s\)"
    assert re.fullmatch(f"{verdict}; report: {re.escape(str(report))}", out.splitlines()[-1]), out
    assert "<svg" not in out and len(out.splitlines()) == 1  # -q: the verdict line only
    html = report.read_text()
    assert "<strong>FAILED: " in html and "AlwaysFiring (firing)" in html
    assert "<h2>Not drivable</h2>" in html and "a raw PromQL condition without test inputs" in html


@pytest.mark.e2e
def test_the_new_user_examples_drill_to_passed_slow_burns_included_and_name_what_cannot_be_driven():
    from sigil_monitoring.ir.build import build_model

    # One drill for the three: incidents of different services share batches, so they take about
    # as long as the longest alone (near two minutes, like the test above). Every problem is
    # collected before the assertion, so one run names them all.
    specs = [load_spec(REPO / "specs" / "examples" / f"{stem}.yaml") for stem in NEW_USER_EXAMPLES]
    services = build_model(specs).services
    result = _drill(specs)
    problems = [f"normal traffic raised {a}" for a in result.normal_alerts]
    skipped = {(s.service, s.alert): s.reason for s in result.skipped}
    problems += [f"{svc}/{a}: not drivable without a reason" for (svc, a), why in skipped.items() if not why]
    for stem, service in zip(NEW_USER_EXAMPLES, services, strict=True):
        every = {a.name for a in service.alerts} | {b.name for slo in service.slos for b in slo.alerts}
        listed = {a for svc, a in skipped if svc == service.name}
        if listed != NEW_USER_EXAMPLES[stem]:
            problems.append(
                f"{stem}: listed as not drivable {sorted(listed)}, expected {sorted(NEW_USER_EXAMPLES[stem])}"
            )
        drilled = {r.alert for r in result.runs if r.service == service.name}
        if drilled != every - listed:  # every other alert is drilled, slow burns included
            problems.append(f"{stem}: not drilled {sorted(every - listed - drilled)}")
    for run in result.runs:
        name = f"{run.service}/{run.alert}"
        if not run.passed:
            problems.append(f"{name}: {run.problem or 'did not pass'} (reached {run.receivers_reached})")
        # Critical alerts go to PagerDuty and to the Slack receiver with `mention: "@here"`.
        elif not run.inhibited_by and sorted(run.receivers_reached) != sorted(run.expected_receivers):
            problems.append(f"{name}: reached {run.receivers_reached}, expected {run.expected_receivers}")
        if run.alert.endswith("SlowBurn"):
            # A slow burn trips tickets and never pages: neither its fast tier nor an alert that
            # inhibits it (here the critical TargetDown/ExporterDown) may fire on the way.
            fast = run.alert.removesuffix("SlowBurn") + "FastBurn"
            if any(a.startswith(fast) for a in run.also_active):
                problems.append(f"{name}: the slow burn set off {fast}")
            if run.inhibited_by:
                problems.append(f"{name}: the slow burn set off {run.inhibited_by}")
    assert problems == []
    assert result.passed


@pytest.mark.e2e
def test_a_micrometer_timer_a_stuck_gauge_and_a_slow_burn_drill_clean_and_the_slow_burn_never_pages():
    # The timer is one histogram family read by a histogram and a counter entry; the offset moves on
    # normal traffic, so its delta() == 0 alerts are quiet until it is held still.
    specs = [load_spec(HERE / "live" / "micrometer.yaml"), load_spec(HERE / "live" / "stuck-gauge.yaml")]
    result = _drill(specs)
    assert result.normal_alerts == [] and result.normal_firing == []
    assert _failures(result) == []
    runs = {r.alert: r for r in result.runs}
    assert set(runs) == {
        "ErrorRatioHigh",
        "RequestsGone",
        "SlowRequests",
        "AvailabilityFastBurn",
        "AvailabilitySlowBurn",
        "ConsumerStuck",
        "LagHigh",
    }
    assert runs["ConsumerStuck"].incident == "GaugeStill"
    assert runs["AvailabilitySlowBurn"].expected_tiers == ["AvailabilitySlowBurn"]
    assert runs["AvailabilityFastBurn"].expected_tiers == ["AvailabilityFastBurn", "AvailabilitySlowBurn"]
    assert all(r.unexpected == [] for r in result.runs)
    for run in result.runs:  # nothing was active before its incident
        assert run.pending is not None and 0 <= run.pending <= run.firing
    [(service, alert, reason)] = [(s.service, s.alert, s.reason) for s in result.skipped]
    assert (service, alert) == ("consumer", "ConsumerStuckLong") and "600s range" in reason
    assert result.passed


CONTRADICTION = """
apiVersion: sigil-monitoring/v1
service: {name: tank, selector: {job: tank}}
metrics:
  level: {name: tank_level, type: gauge}
alerts:
  LevelHigh:
    when: {value: level, above: 10}
  LevelLow:
    when: {value: level, below: 100}
"""


@pytest.mark.e2e
def test_an_alert_firing_on_normal_traffic_is_not_driven_and_is_listed_with_why(tmp_path: Path):
    # One of the two is always true: whichever level normal traffic holds, the drill must say so
    # rather than time an incident that started after the alert.
    spec = tmp_path / "tank.yaml"
    spec.write_text(CONTRADICTION)
    result = _drill([load_spec(spec)])
    assert not result.passed and result.normal_alerts
    [loud] = result.normal_firing
    assert loud.alert in ("LevelHigh", "LevelLow")
    assert loud.reason.startswith("fires on normal traffic, before its GaugeCross incident: ")
    assert "tank_level" in loud.reason and "threshold" in loud.reason
    assert [r.alert for r in result.runs] == [a for a in ("LevelHigh", "LevelLow") if a != loud.alert]


# The same two alert names as CONTRADICTION, on another service, with thresholds normal traffic sits between.
POOL = (
    CONTRADICTION.replace("{name: tank, selector: {job: tank}}", "{name: pool, selector: {job: pool}}")
    .replace("above: 10", "above: 50")
    .replace("below: 100", "below: 5")
)


@pytest.mark.e2e
def test_one_services_noisy_alert_does_not_hold_back_the_same_name_in_another(tmp_path: Path, capsys):
    """Alert names are unique per service only, and a fleet's services share theirs. The drill
    took an alert of one name, firing on one service's normal traffic, as firing for every
    service: the other service's alert of that name was listed as firing on normal traffic and
    never driven. Progress lines name the service when there are several."""
    for name, text in (("tank", CONTRADICTION), ("pool", POOL)):
        (tmp_path / f"{name}.yaml").write_text(text)
    result = _drill([load_spec(tmp_path / "tank.yaml"), load_spec(tmp_path / "pool.yaml")])
    [loud] = result.normal_firing
    assert loud.service == "tank" and loud.alert in ("LevelHigh", "LevelLow")
    driven = {(r.service, r.alert): r.passed for r in result.runs}
    assert driven == {
        ("pool", "LevelHigh"): True,
        ("pool", "LevelLow"): True,
        ("tank", "LevelHigh" if loud.alert == "LevelLow" else "LevelLow"): True,
    }
    assert re.search(r"^\s+pool/LevelHigh: notified ", capsys.readouterr().out, re.M)
