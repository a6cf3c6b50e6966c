"""What a drill found: per alert, when it went pending, fired, was notified and resolved.

Plain msgspec Structs, so the report can render them and ``--format json`` can dump them as they are.
Times are seconds since the incident was injected.

>>> chart = Chart("rate", "/min", 60.0, 1 / 60, "1/min", [Line("rate", "rate(x[5s])", [(0.0, 0.5)])])
>>> run = AlertRun("svc", "Slow", "ErrorBurst", ["svc/team"], chart, firing=2.0, notified=3.0, cleared=3.5,
...                resolved=5.0, receivers_reached=["svc/team"], runbook_link=True, dashboard_link=True)
>>> run.passed, run.verdict, run.resolve_seconds
(True, 'passed', 1.5)
>>> run.unexpected = ["SlowFastBurn"]
>>> run.passed, run.verdict
(False, 'FAILED: also set off SlowFastBurn, which this incident must not')
"""

from __future__ import annotations

from typing import Any

import msgspec


class Line(msgspec.Struct):
    """One plotted PromQL expression and what Prometheus answered (burn charts have two: the long
    and the short window, which must both cross the factor)."""

    label: str
    expr: str
    samples: list[tuple[float, float]] = msgspec.field(default_factory=list)  # (t, value as Prometheus has it)


class Chart(msgspec.Struct):
    """What an alert's timeline shows, in the spec's units: a value Prometheus holds in base units
    (per second, seconds, bytes, ratio 0..1) is shown times ``scale`` with ``unit`` (``1/min`` ->
    scale 60, unit ``/min``), and the threshold line is labelled with the spec's own words."""

    quantity: str  # what is plotted: "rate", "p99 latency", "burn rate"...
    unit: str  # after each shown number: "/min", "%", "ms", "×", ""
    scale: float
    threshold: float  # in Prometheus' base unit, as the rule compares it
    threshold_text: str  # the spec's words: "1/min", "250ms", "14.4× (page tier)"
    lines: list[Line]


class ReceiverFailure(msgspec.Struct):
    """An expected receiver that got nothing, and why, in Alertmanager's words when it gave any."""

    receiver: str
    reason: str


class AlertRun(msgspec.Struct):
    service: str
    alert: str
    incident: str  # the incident kind (incidents.<Class>.__name__)
    expected_receivers: list[str]
    chart: Chart
    pending: float | None = None
    firing: float | None = None
    notified: float | None = None
    cleared: float | None = None  # when the incident was stopped
    resolved: float | None = None  # resolved notification at the expected receiver
    receivers_reached: list[str] = msgspec.field(default_factory=list)
    inhibited_by: list[str] = msgspec.field(default_factory=list)  # Alertmanager's inhibitedBy at notification
    also_active: list[str] = msgspec.field(default_factory=list)  # other alerts then: "Name (suppressed)"
    runbook_link: bool = False
    dashboard_link: bool = False
    receiver_failures: list[ReceiverFailure] = msgspec.field(default_factory=list)
    problem: str | None = None  # why it did not pass
    # An SLO burn: the burn alerts of its SLO the burn maths says it sets off (itself included), and
    # those it says stay quiet that went pending or firing anyway (the run then fails).
    expected_tiers: list[str] = msgspec.field(default_factory=list)
    unexpected: list[str] = msgspec.field(default_factory=list)

    @property
    def detected(self) -> bool:
        return self.firing is not None

    @property
    def passed(self) -> bool:
        """Notified at every expected receiver with its links and resolved; or, when the incident
        also set off an alert that inhibits this one (``inhibits: true``), fired and resolved while
        Alertmanager held it back, as the routing designs."""
        if self.problem is not None or self.firing is None or self.resolved is None or self.unexpected:
            return False
        if self.inhibited_by:
            return self.notified is None
        return (
            self.notified is not None
            and set(self.expected_receivers) <= set(self.receivers_reached)
            and self.runbook_link
            and self.dashboard_link
        )

    @property
    def resolve_seconds(self) -> float | None:
        """From clearing the incident to the resolved notification."""
        return None if self.resolved is None or self.cleared is None else round(self.resolved - self.cleared, 2)

    @property
    def verdict(self) -> str:
        """``passed``, ``passed (inhibited by X)`` or ``FAILED: why``, first reason first."""
        if self.passed:
            return f"passed (inhibited by {', '.join(self.inhibited_by)})" if self.inhibited_by else "passed"
        if self.unexpected:
            return f"FAILED: also set off {', '.join(self.unexpected)}, which this incident must not"
        if self.problem:
            return f"FAILED: {self.problem}"
        missing = [r for r in self.expected_receivers if r not in self.receivers_reached]
        if missing:
            return f"FAILED: nothing reached {', '.join(missing)}"
        if not (self.runbook_link and self.dashboard_link):
            return "FAILED: the runbook or dashboard link is missing from the notification"
        return "FAILED: not detected" if not self.detected else "FAILED: not resolved"


class Skipped(msgspec.Struct):
    """An alert the drill cannot drive honestly (its ``reason``): listed, neither passed nor failed."""

    service: str
    alert: str
    reason: str


class DrillResult(msgspec.Struct):
    specs: list[str]
    scaling: str
    normal_seconds: float
    normal_alerts: list[str]  # alerts pending/firing or notified during the normal stretch
    runs: list[AlertRun]
    skipped: list[Skipped]  # not drivable, with the reason
    # Alerts already active after the normal stretch, not driven (their timings would mean nothing),
    # with why; normal_alerts lists them too, so the drill fails.
    normal_firing: list[Skipped] = msgspec.field(default_factory=list)
    setup_seconds: float = 0.0
    total_seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.normal_alerts and all(r.passed for r in self.runs)

    @property
    def verdict(self) -> str:
        """The one line a person reads last: ``PASSED: 11 of 11 alerts passed, 2 not drivable``."""
        failed = sum(not r.passed for r in self.runs)
        counts = f"{len(self.runs) - failed} of {len(self.runs)} alerts passed, {failed} failed"
        noisy = f", normal traffic raised {len(self.normal_alerts)}" if self.normal_alerts else ""
        return (
            f"{'PASSED' if self.passed else 'FAILED'}: {counts}, {len(self.skipped)} not drivable{noisy} "
            f"({self.total_seconds:.0f} s)"
        )

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = msgspec.to_builtins(self)  # nested records too, as dataclasses.asdict
        doc["passed"] = self.passed
        doc["verdict"] = self.verdict
        for run, out in zip(self.runs, doc["runs"], strict=True):
            out["detected"], out["passed"], out["verdict"] = run.detected, run.passed, run.verdict
        return doc
