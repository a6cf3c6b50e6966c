"""The fire drill: compiled rules and routing in real Prometheus and Alertmanager, fed by the
simulator, with every receiver captured locally; each alert's incident injected, notified,
cleared and resolved.

Order of a run: compile the drill-mode model in memory and write it to a temp dir (secret files
included); start the capture sink, the simulator's ``/metrics``, Alertmanager and Prometheus on
free 127.0.0.1 ports; load the rules only after the first scrape (so ``absent()`` alerts do not
fire on the empty start); keep normal traffic for a stretch and require silence; then per alert
inject, wait for the notification at the expected receiver, clear, wait for the resolved one and
for every alert to go quiet. Context managers stop everything on failure and on Ctrl-C.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from ..compilers import compiler
from ..compilers.alertmanager.routing_table import alert_labels, expected_receivers
from ..ir.build import build_model
from ..ir.model import Model, Service, condition_series
from ..spec.document import Spec
from . import burns, planning
from . import incidents as inc
from .charts import chart
from .delivery import Undelivered, gave_up, sends_resolved, undelivered
from .drill_mode import SCALING_NOTE, drill_model, secret_files
from .families import layout
from .leftovers import owned_tempdir
from .net import http_json, poll_until
from .notifications import Notification, notifications
from .processes import AlertmanagerProcess, PrometheusProcess
from .results import AlertRun, DrillResult, Skipped
from .simulator import Simulator
from .sinks import CaptureServer

NORMAL_SECONDS = 8.0  # longer than a rate window (5 s) plus a `for:` (2 s)
STEP_TIMEOUT = 45.0  # per wait: notification, resolution, quiet
BURN_FILL_LIMIT = 35.0  # a burn must cross its tier's drill windows this soon (then `for:`, notification)
POLL = 0.5
SETTLE = 2.0
JOB = "drill"

Progress = Callable[[str], None]


def run_drill(
    specs: list[Spec],
    alerts: Iterable[str] | None = None,
    progress: Progress | None = None,
    prometheus_binary: str | None = None,
    alertmanager_binary: str | None = None,
    sink: CaptureServer | None = None,
) -> DrillResult:
    """Drill ``alerts`` (names, or ``service/name``; all when None) of ``specs`` on one server pair;
    notifications go to ``sink`` when given (a test's, which may refuse some receivers)."""
    say = progress or (lambda _line: None)
    started = time.monotonic()
    model = build_model(specs)
    wanted = set(alerts) if alerts is not None else None
    with owned_tempdir("drill") as tmp, ExitStack() as stack:
        sink = sink or stack.enter_context(CaptureServer())
        dm = drill_model(model, sink.base_url, Path(tmp) / "secrets", sink.smtp)
        rule_files, am_config = _write(dm, Path(tmp), sink.base_url)
        sim = Simulator(dm.services)
        planned, skipped = _plan(dm, wanted)
        # Alert names are unique per service only: a drill of several services names both.
        several = len(dm.services) > 1

        def shown(service: str, alert: str) -> str:
            return f"{service}/{alert}" if several else alert

        for service in dm.services:
            inc.move(service, sim)
            for incident in planning.plan(service):
                if not isinstance(incident, inc.Undrivable):
                    inc.quiet(incident, sim)
        sim.restore()
        endpoint = stack.enter_context(sim.serve())
        say(f"starting Alertmanager and Prometheus (scraping the simulator at {endpoint.target})")
        am = stack.enter_context(AlertmanagerProcess(am_config, binary_path=alertmanager_binary))
        targets = {JOB: [endpoint.target]}
        prom = stack.enter_context(
            PrometheusProcess(
                scrape_targets=targets, alertmanager_url=am.base_url, interval="1s", binary_path=prometheus_binary
            )
        )
        _wait(lambda: prom.query(f'up{{job="{JOB}"}} == 1'), "the first scrape of the simulator")
        prom.reload(PrometheusProcess.generate_config(rule_files, targets, am.base_url, "1s"))
        _wait(lambda: len(prom.rule_groups()) >= _group_count(rule_files), "Prometheus to load the drill rules")
        _wait(
            lambda: http_json("GET", prom.base_url + "/api/v1/alertmanagers")["data"]["activeAlertmanagers"],
            "Prometheus to discover Alertmanager",
        )
        setup = time.monotonic() - started
        say(f"servers ready after {setup:.1f}s; normal traffic for {NORMAL_SECONDS:.0f}s, nothing may alert")
        time.sleep(NORMAL_SECONDS)
        noisy = sorted(
            {f"{shown(a['labels'].get('service', ''), a['labels']['alertname'])} ({a['state']})" for a in prom.alerts()}
            | {f"{n.alerts} notified at {n.receiver}" for n in notifications(sink.requests)}
        )
        loud = _active(prom)  # reported already; not waited for below
        say("normal traffic: quiet" if not noisy else f"normal traffic raised: {', '.join(noisy)}")
        # An alert already active before its incident proves nothing by firing: not driven, listed with why.
        normal_firing = [_why_loud(prom, svc, i) for svc, i in planned if f"{svc.name}/{i.alert}" in loud] + [
            Skipped(s.service, s.alert, f"fires on normal traffic, and the drill cannot drive it: {s.reason}")
            for s in skipped
            if f"{s.service}/{s.alert}" in loud
        ]
        planned = [(svc, i) for svc, i in planned if f"{svc.name}/{i.alert}" not in loud]

        runs: dict[str, AlertRun] = {}
        # Every incident of a batch watches the same alert lists: one request per list and period,
        # not one per incident (Alertmanager answers 503 beyond a few concurrent GETs).
        polled_prom, polled_am = _Polled(prom), _Polled(am)
        every = batches(planned)
        for i, batch in enumerate(every, 1):
            say(
                f"[batch {i}/{len(every)}] "
                + ", ".join(f"{shown(svc.name, incident.alert)} ({type(incident).__name__})" for svc, incident in batch)
            )
            with ThreadPoolExecutor(max_workers=len(batch)) as pool:
                done = list(
                    pool.map(
                        lambda job: _drive(
                            job[0], job[1], sim, polled_prom, polled_am, sink, say, shown(job[0].name, job[1].alert)
                        ),
                        batch,
                    )
                )
            try:  # the next batch starts from silence, or its timelines would show this one's tail
                _wait(lambda: not _active(prom) - loud, "every alert to go quiet")
                time.sleep(SETTLE)  # resolved notifications of collateral alerts arrive within a group interval
            except TimeoutError:
                left = ", ".join(sorted(_active(prom) - loud))
                for run in done:
                    run.problem = run.problem or f"alerts still active after clearing: {left}"
            runs.update({f"{r.service}/{r.alert}": r for r in done})
        return DrillResult(
            specs=[s.source for s in model.services],
            scaling=SCALING_NOTE,
            normal_seconds=NORMAL_SECONDS,
            normal_alerts=noisy,
            runs=[runs[f"{svc.name}/{i.alert}"] for svc, i in planned],
            skipped=skipped,
            normal_firing=normal_firing,
            setup_seconds=round(setup, 1),
            total_seconds=round(time.monotonic() - started, 1),
        )


def _write(model: Model, root: Path, sink_url: str) -> tuple[list[Path], Path]:
    """Rule files and the Alertmanager config of ``model`` under ``root``, with the secret files."""
    for secret in secret_files(model, sink_url):
        Path(secret.path).parent.mkdir(parents=True, exist_ok=True)
        Path(secret.path).write_text(secret.content)
    out = root / "build"
    for target in ("prometheus", "alertmanager"):
        for artifact in compiler(target)(model):
            path = out / artifact.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(artifact.render())
    rule_files = sorted(p for p in out.glob("*/prometheus/*.rules.yml"))
    return rule_files, out / "alertmanager" / "alertmanager.yml"


def _group_count(rule_files: list[Path]) -> int:
    from ..spec.yaml_io import load

    return sum(len((load(p.read_text()) or {}).get("groups") or []) for p in rule_files)


def batches(planned: list[tuple[Service, inc.Incident]]) -> list[list[tuple[Service, inc.Incident]]]:
    """Incidents that can run at the same time, first fit in plan order: no two in a batch touch
    the same metric of the same service, and an alert that inhibits (``inhibits: true``) runs
    without other alerts of its service, since it silences them by design."""

    def metrics(job: tuple[Service, inc.Incident]) -> set[tuple[str, str]]:
        """The exposed families the incident changes: a counter on a histogram's _count is the histogram."""
        parts = layout(job[0].metrics)
        return {(job[0].name, parts[s.metric.name].family) for s in inc.touched(job[1])} | {
            (job[0].name, parts[name].family if name in parts else name) for name in inc.inputs_touched(job[1])
        }

    def inhibits(job: tuple[Service, inc.Incident]) -> bool:
        """The alert inhibits, or the incident moves a metric an inhibiting alert reads (an up-SLO
        burn sets off the down alert, which silences the service's warnings)."""
        service, incident = job
        causes = [a for a in service.alerts if a.inhibits or a.inhibits_slos]
        parts = layout(service.metrics)
        read = {parts[s.metric.name].family for a in causes for s in condition_series(a.condition)}
        return any(a.name == incident.alert for a in causes) or bool({m for _, m in metrics(job)} & read)

    out: list[list[tuple[Service, inc.Incident]]] = []
    for job in planned:
        for batch in out:
            services = {other.name for other, _ in batch}
            clash = any(metrics(job) & metrics(other) for other in batch)
            alone = (inhibits(job) and job[0].name in services) or any(
                inhibits(other) and other[0].name == job[0].name for other in batch
            )
            if not clash and not alone:
                batch.append(job)
                break
        else:
            out.append([job])
    return out


def _plan(model: Model, wanted: set[str] | None) -> tuple[list[tuple[Service, inc.Incident]], list[Skipped]]:
    planned, skipped = [], []
    for service in model.services:
        for incident in planning.plan(service):
            if wanted is not None and not {incident.alert, f"{service.name}/{incident.alert}"} & wanted:
                continue
            if isinstance(incident, inc.Undrivable):
                skipped.append(Skipped(service.name, incident.alert, incident.reason))
            elif isinstance(incident, inc.SloBurn) and _burn_fill(incident) > BURN_FILL_LIMIT:
                reason = f"a {incident.speed} burn takes over {BURN_FILL_LIMIT:g}s to cross its tier's windows"
                skipped.append(Skipped(service.name, incident.alert, reason))
            else:
                planned.append((service, incident))
    return planned, skipped


def _burn_fill(incident: inc.SloBurn) -> float:
    return burns.fill_seconds(incident.slo, incident.alert, incident.multiple)


def _why_loud(prom: Any, service: Service, incident: inc.Incident) -> Skipped:
    """An alert active on normal traffic, with what its signal was then: the spec's condition is
    true on the traffic the simulator calls normal (``incidents.quiet``), so the drill cannot
    show it firing because of an incident."""
    sig = inc.signal(service, incident)
    value = _value(prom, sig.expr)
    seen = "no value" if value is None else f"{value:g}"
    return Skipped(
        service.name,
        incident.alert,
        f"fires on normal traffic, before its {type(incident).__name__} incident: {sig.expr} was {seen} "
        f"(threshold {sig.threshold:g}) with every series at its normal behaviour",
    )


def _wait(fn: Callable[[], Any], what: str, timeout: float = STEP_TIMEOUT) -> Any:
    """``fn()``'s first truthy result; TimeoutError after ``timeout`` (a step of the drill failed)."""
    return poll_until(fn, timeout, what, error=TimeoutError)


class _Polled:
    """A server whose ``alerts()`` is fetched at most every POLL/2 seconds and shared by threads;
    a failed fetch keeps the last answer. Other attributes pass through."""

    def __init__(self, server: Any) -> None:
        self._server, self._lock = server, threading.Lock()
        self._at, self._alerts = 0.0, []  # type: float, list[dict[str, Any]]

    def alerts(self) -> list[dict[str, Any]]:
        with self._lock:
            if time.monotonic() - self._at >= POLL / 2:
                try:
                    self._alerts = list(self._server.alerts())
                except Exception:  # a busy server; the next poll asks again
                    pass
                self._at = time.monotonic()
            return list(self._alerts)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._server, name)


def _touched_series(sim: Simulator, incident: inc.Incident) -> list[Any]:
    families = {sim.layout[name].family if name in sim.layout else name for name in inc.inputs_touched(incident)}
    return [t for series in inc.touched(incident) for t in sim.select(series)] + [
        t for t in sim.series if t.family in families
    ]


def _inhibitors(am: Any, service: str, alert: str) -> list[str]:
    """Names of the alerts Alertmanager says inhibit ``alert`` (empty when it is not inhibited)."""
    current = am.alerts()
    names = {a.get("fingerprint"): a["labels"].get("alertname", "") for a in current}
    found = {
        names.get(fp, fp)
        for a in current
        if a["labels"].get("alertname") == alert and a["labels"].get("service") == service
        for fp in (a.get("status", {}).get("inhibitedBy") or [])
    }
    return sorted(found)


def _active(prom: Any) -> set[str]:
    """The pending or firing alerts, as ``service/alertname``: an alert name is unique per service
    only, and a fleet's services share theirs (one noisy service must not hold back the others)."""
    return {f"{a['labels'].get('service', '')}/{a['labels']['alertname']}" for a in prom.alerts()}


def _value(prom: Any, expr: str) -> float | None:
    try:
        result = prom.query(expr)
    except Exception:  # a sample we cannot read is a gap in the picture
        return None
    values = [float(r["value"][1]) for r in result if "value" in r]
    finite = [v for v in values if v == v]
    return max(finite) if finite else None


def _drive(
    service: Service,
    incident: inc.Incident,
    sim: Simulator,
    prom: Any,
    am: Any,
    sink: CaptureServer,
    say: Progress,
    name: str,
) -> AlertRun:
    """Drive one incident and judge its alert; ``name``: the alert as progress lines show it."""
    labels = next(lbl for lbl in alert_labels(service) if lbl["alertname"] == incident.alert)
    receivers = list(expected_receivers(service.routing, labels))
    run = AlertRun(service.name, incident.alert, type(incident).__name__, receivers, chart(service, incident))
    resolving = sends_resolved(service.routing, receivers)  # not those with send_resolved: false
    quiet_ones = set(incident.must_stay_quiet) if isinstance(incident, inc.SloBurn) else set()
    if isinstance(incident, inc.SloBurn):
        run.expected_tiers = list(incident.expected)
    seen = len(sink.requests)
    key = f"{service.name}/{incident.alert}"  # as _active names it
    own = {r.name for r in service.routing.receivers} if service.routing else set()
    t0, wall0 = time.monotonic(), time.time()

    def tick() -> list[Notification]:
        now = time.monotonic() - t0
        for line in run.chart.lines:
            value = _value(prom, line.expr)
            if value is not None:
                line.samples.append((round(now, 2), value))
        ours = [a for a in prom.alerts() if a["labels"].get("service") == service.name]
        mine = [a for a in ours if a["labels"].get("alertname") == incident.alert]
        # The burn maths says these tiers cannot be crossed: one pending or firing is a failure.
        run.unexpected = sorted(set(run.unexpected) | {a["labels"]["alertname"] for a in ours} & quiet_ones)
        if run.pending is None and mine:  # Prometheus' activeAt is when it went pending, to the evaluation
            run.pending = round(min(_epoch(a.get("activeAt"), wall0 + now) for a in mine) - wall0, 2)
        if run.firing is None and any(a["state"] == "firing" for a in mine):
            run.firing = round(now, 2)
        # Alert names are unique per service only: a notification counts when it went to one of
        # this service's receivers.
        return [n for n in notifications(sink.requests, seen) if incident.alert in n.alerts and n.receiver in own]

    def notified(status: str) -> list[Notification]:
        # A resolved notification counts only after the clear: one left over from an earlier
        # collateral firing of the same alert says nothing about this incident.
        after = t0 + (run.cleared or 0.0) if status == "resolved" else t0
        found = [n for n in tick() if n.status == status and n.at >= after]
        missing = set(receivers if status == "firing" else resolving) - {n.receiver for n in found}
        gave_up(am.log(), missing, wall0 + after - t0)  # Undelivered: no point in waiting longer
        return found if not missing else []

    try:
        inc.inject(incident, sim)
    except ValueError as exc:  # e.g. an error ratio the series cannot reach
        run.problem = f"the simulator cannot stage this incident: {exc}"
        say(f"    {name} FAILED: {run.problem}")
        return run

    def notified_or_inhibited(status: str) -> list[Notification] | list[str]:
        found = notified(status)
        if found:
            return found
        run.inhibited_by = _inhibitors(am, service.name, incident.alert)
        return run.inhibited_by

    try:
        firing = _until(notified_or_inhibited, "firing")
        if run.inhibited_by:  # silenced by an alert the incident also set off, as the routing says
            say(f"    {name}: firing, inhibited by {', '.join(run.inhibited_by)} as designed")
            sim.restore(_touched_series(sim, incident))
            run.cleared = round(time.monotonic() - t0, 2)
            _wait(lambda: (tick(), key not in _active(prom))[1], f"{name} to resolve")
            run.resolved = round(time.monotonic() - t0, 2)
            return _judge_tiers(run, incident, say, name)
        firing = [n for n in firing if isinstance(n, Notification)]
        run.notified = round(min(n.at for n in firing) - t0, 2)
        # Firing is seen by polling; the notification proves it fired no later than it arrived.
        run.firing = min(run.firing if run.firing is not None else run.notified, run.notified)
        run.receivers_reached = sorted({n.receiver for n in firing})
        run.runbook_link = all(n.mentions(_annotation(service, incident.alert, "runbook_url")) for n in firing)
        run.dashboard_link = all(n.mentions(_annotation(service, incident.alert, "dashboard_url")) for n in firing)
        _inhibition(am, run)
        say(
            f"    {name}: notified {', '.join(run.receivers_reached)} after "
            f"{run.notified:.1f}s (pending {run.pending}s, firing {run.firing}s)"
        )
    except (TimeoutError, Undelivered) as exc:
        arrived = [n for n in tick() if n.status == "firing"]
        run.receivers_reached = sorted({n.receiver for n in arrived})
        run.receiver_failures = undelivered(am, service.routing, receivers, run.receivers_reached, wall0)
        why = "; ".join(f"{f.receiver}: {f.reason}" for f in run.receiver_failures)
        run.problem = f"no notification at {why}" if why else f"no notification: {exc}"
        say(f"    {name} FAILED: {run.problem}")
    sim.restore(_touched_series(sim, incident))
    run.cleared = round(time.monotonic() - t0, 2)
    if run.problem is None and not resolving:  # no resolved notification to wait for: Prometheus says
        try:
            _wait(lambda: (tick(), key not in _active(prom))[1], f"{name} to resolve")
            run.resolved = round(time.monotonic() - t0, 2)
        except TimeoutError as exc:
            run.problem = f"not resolved: {exc}"
    elif run.problem is None:
        try:
            resolved = _until(notified, "resolved")
            run.resolved = round(max(n.at for n in resolved) - t0, 2)
            say(f"    {name}: resolved after {run.resolved - run.cleared:.1f}s")
        except (TimeoutError, Undelivered) as exc:
            since = wall0 + (run.cleared or 0.0)
            got = {n.receiver for n in tick() if n.status == "resolved" and n.at >= t0 + (run.cleared or 0.0)}
            failures = undelivered(am, service.routing, resolving, got, since)
            why = "; ".join(f"{f.receiver}: {f.reason}" for f in failures)
            run.receiver_failures += failures
            run.problem = f"no resolved notification at {why}" if why else f"no resolved notification: {exc}"
            say(f"    {name} FAILED: {run.problem}")
    return _judge_tiers(run, incident, say, name)


def _judge_tiers(run: AlertRun, incident: inc.Incident, say: Progress, name: str) -> AlertRun:
    """A burn that set off a tier the maths says it cannot cross fails, whatever else it did."""
    if run.unexpected and isinstance(incident, inc.SloBurn) and run.problem is None:
        run.problem = (
            f"also set off {', '.join(run.unexpected)}: a burn of {incident.multiple:g}x the error budget "
            f"crosses only {', '.join(incident.expected)}"
        )
        say(f"    {name} FAILED: {run.problem}")
    return run


def _epoch(stamp: str | None, default: float) -> float:
    """Seconds since the epoch of an RFC 3339 time as Prometheus writes it (nanoseconds, Z)."""
    from datetime import datetime

    if not stamp:
        return default
    head, _, frac = stamp.rstrip("Z").partition(".")
    return datetime.fromisoformat(f"{head}.{(frac or '0')[:6]}+00:00").timestamp()


def _until(fn: Callable[[str], list[Any]], status: str) -> list[Any]:
    deadline = time.monotonic() + STEP_TIMEOUT
    while time.monotonic() < deadline:
        found = fn(status)
        if found:
            return found
        time.sleep(POLL)
    raise TimeoutError(f"timed out after {STEP_TIMEOUT:.0f}s")


def _annotation(service: Service, alert: str, key: str) -> str:
    for a in service.alerts:
        if a.name == alert:
            return str(getattr(a, key))
    for slo in service.slos:
        for burn in slo.alerts:
            if burn.name == alert:
                return str(getattr(burn, key))
    raise KeyError(alert)


def _inhibition(am: Any, run: AlertRun) -> None:
    """The other alerts of the service Alertmanager holds when this one was notified, and their state."""
    for alert in am.alerts():
        name = alert["labels"].get("alertname", "")
        if alert["labels"].get("service") == run.service and name != run.alert:
            inhibited = alert.get("status", {}).get("inhibitedBy")
            run.also_active.append(f"{name} ({'suppressed' if inhibited else 'active'})")
    run.also_active = sorted(set(run.also_active))
