"""Inhibition rules, per service with ``routing.inhibit`` (the default).

Each rule is scoped to its service by matchers on both sides, so a service that turned inhibition
off is never silenced by another's rules. Alertmanager never lets an alert inhibit itself, but two
alerts that each match the other's rule silence each other
(https://prometheus.io/docs/alerting/0.25/configuration/#inhibit_rule); rule 3 below therefore
keeps every ``inhibits: true`` alert out of its targets.
"""

from __future__ import annotations

from ... import conventions as names
from ...ir.model import Service, Slo
from ...values.matchers import Matcher
from .config import InhibitRule, equal, regex

_SYMPTOM_SEVERITIES = ("warning", "info")


def rules(service: Service) -> tuple[InhibitRule, ...]:
    """1. critical silences warning of the same alertname; 2. a page-tier burn alert silences the
    ticket tier of the same SLO and group; 3. each ``inhibits: true`` alert silences the service's warning
    and info alerts; 4. each ``inhibits: [slos]`` alert silences the service's SLO burn alerts."""
    if service.routing is None or not service.routing.inhibit:
        return ()
    svc = equal(names.SERVICE_LABEL, service.name)
    out = [
        InhibitRule(
            source_matchers=(svc, equal(names.SEVERITY_LABEL, "critical")),
            target_matchers=(svc, equal(names.SEVERITY_LABEL, "warning")),
            equal=("alertname", names.SERVICE_LABEL),
        )
    ]
    out += _burn_tier_rules(service, svc)
    causes = tuple(a.name for a in service.alerts if a.inhibits)
    for cause in causes:
        out.append(
            InhibitRule(
                source_matchers=(svc, equal("alertname", cause)),
                target_matchers=(
                    svc,
                    regex(names.SEVERITY_LABEL, _SYMPTOM_SEVERITIES),
                    regex("alertname", causes, negate=True),
                ),
                equal=(names.SERVICE_LABEL,),
            )
        )
    # 4. An outage (`inhibits: [symptoms, slos]`) also silences the service's SLO burn alerts, of
    # every tier and severity: while the database is down, its page is the one page, not a second
    # one from the availability SLO it burns. Burn alerts carry `slo`; threshold alerts never do.
    for cause in (a.name for a in service.alerts if a.inhibits_slos):
        out.append(
            InhibitRule(
                source_matchers=(svc, equal("alertname", cause)),
                target_matchers=(svc, Matcher(names.SLO_LABEL, "=~", ".+").text()),
                equal=(names.SERVICE_LABEL,),
            )
        )
    return tuple(out)


def _burn_tier_rules(service: Service, svc: str) -> list[InhibitRule]:
    """Page silences ticket of the same SLO *and the same group*: an SLO with ``group_by`` has one
    budget per value, so a page for ``operation="a"`` must not silence the ticket for
    ``operation="b"``. ``equal`` therefore holds the SLO's ``group_by`` labels; one rule per distinct
    set, in first-seen order. With several sets each rule is limited to its SLOs, since a rule with
    fewer ``equal`` labels would silence across the groups of an SLO split more finely."""
    by_group: dict[tuple[str, ...], list[Slo]] = {}
    for slo in service.slos:
        if {b.tier for b in slo.alerts} >= {"page", "ticket"}:
            by_group.setdefault(tuple(sorted(set(slo.group_by))), []).append(slo)
    out = []
    for group_by, slos in by_group.items():
        scope = (
            ()
            if len(by_group) == 1
            else (
                (equal(names.SLO_LABEL, slos[0].name),)
                if len(slos) == 1
                else (regex(names.SLO_LABEL, tuple(s.name for s in slos)),)
            )
        )
        fixed = (names.SERVICE_LABEL, names.SLO_LABEL)
        out.append(
            InhibitRule(
                source_matchers=(svc, *scope, equal(names.BURN_TIER_LABEL, "page")),
                target_matchers=(svc, *scope, equal(names.BURN_TIER_LABEL, "ticket")),
                equal=(*fixed, *(label for label in group_by if label not in fixed)),
            )
        )
    return out
