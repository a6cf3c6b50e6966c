"""What a drill found: per alert, when it went pending, fired, was notified and resolved.

Plain msgspec Structs, so the report can render them and ``--format json`` can dump them as they are.
Times are seconds since the incident was injected.
"""

from __future__ import annotations

from typing import Any

import msgspec


class AlertRun(msgspec.Struct):
    service: str
    alert: str
    incident: str  # the incident kind (incidents.<Class>.__name__)
    expected_receivers: list[str]
    signal: str  # the PromQL plotted
    threshold: float
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
    samples: list[tuple[float, float]] = msgspec.field(default_factory=list)  # (t, signal value)
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


class Skipped(msgspec.Struct):
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

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = msgspec.to_builtins(self)  # nested records too, as dataclasses.asdict
        doc["passed"] = self.passed
        for run, out in zip(self.runs, doc["runs"], strict=True):
            out["detected"], out["passed"] = run.detected, run.passed
        return doc
