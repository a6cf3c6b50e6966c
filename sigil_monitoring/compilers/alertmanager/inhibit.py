"""Inhibition rules, per service with ``routing.inhibit`` (the default).

Each rule is scoped to its service by matchers on both sides, so a service that turned inhibition
off is never silenced by another's rules. Alertmanager never lets an alert inhibit itself, but two
alerts that each match the other's rule silence each other
(https://prometheus.io/docs/alerting/0.25/configuration/#inhibit_rule); rule 3 below therefore
keeps every ``inhibits: true`` alert out of its targets.
"""

from __future__ import annotations

from ... import conventions as names
from ...ir.model import Service
from .config import InhibitRule, equal, regex

_SYMPTOM_SEVERITIES = ("warning", "info")


def rules(service: Service) -> tuple[InhibitRule, ...]:
    """1. critical silences warning of the same alertname; 2. a page-tier burn alert silences the
    ticket tier of the same SLO; 3. each ``inhibits: true`` alert silences the service's warning
    and info alerts."""
    if service.routing is None or not service.routing.inhibit:
        return ()
    svc = equal(names.SERVICE_LABEL, service.name)
    out = [InhibitRule(
        source_matchers=(svc, equal(names.SEVERITY_LABEL, "critical")),
        target_matchers=(svc, equal(names.SEVERITY_LABEL, "warning")),
        equal=("alertname", names.SERVICE_LABEL),
    )]
    if any({b.tier for b in slo.alerts} >= {"page", "ticket"} for slo in service.slos):
        out.append(InhibitRule(
            source_matchers=(svc, equal(names.BURN_TIER_LABEL, "page")),
            target_matchers=(svc, equal(names.BURN_TIER_LABEL, "ticket")),
            equal=(names.SERVICE_LABEL, names.SLO_LABEL),
        ))
    causes = tuple(a.name for a in service.alerts if a.inhibits)
    for cause in causes:
        out.append(InhibitRule(
            source_matchers=(svc, equal("alertname", cause)),
            target_matchers=(svc, regex(names.SEVERITY_LABEL, _SYMPTOM_SEVERITIES), regex("alertname", causes, negate=True)),
            equal=(names.SERVICE_LABEL,),
        ))
    return tuple(out)
