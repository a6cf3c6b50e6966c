"""The simulator, the incident plan and the drill batches, without servers: every series a spec
queries exists in the simulation, incidents reach the ratios they promise, and batches never
drive two incidents through one metric."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO

from sigil_monitoring import load_spec
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.live import incidents as inc
from sigil_monitoring.live import planning
from sigil_monitoring.live.drill import batches
from sigil_monitoring.live.drill_mode import drill_model
from sigil_monitoring.live.labels import service_series
from sigil_monitoring.live.simulator import Simulator

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
