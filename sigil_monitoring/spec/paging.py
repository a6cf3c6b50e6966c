"""The warning for a paging alert with no "what to do": whoever is woken up at night reads the
alert's runbook section first, and without a ``runbook:`` text that section has only the
condition and the silence command.

An alert pages when its severity is ``critical`` (the house policy routes criticals to on-call) or
when the spec's routes send it to a pager (a PagerDuty or Opsgenie receiver), whatever its
severity. Its "what to do" is the threshold alert's ``runbook``; for an SLO burn tier, the tier's
``runbook`` or the SLO's (the runbook section shows both).

>>> from sigil_monitoring import parse_spec
>>> spec = parse_spec('''
... apiVersion: sigil-monitoring/v1
... service: {name: db, selector: {job: db}}
... metrics: {up: {name: db_up, type: gauge}}
... alerts:
...   DatabaseDown: {when: {value: up, below: 1}, severity: critical}
...   DatabaseFlapping: {when: {value: up, below: 1}, runbook: Check the failover log.}
... ''')
>>> [message for _, _, message in unguided_pages(spec)]
['pages on-call (severity critical) with no "what to do" (add runbook: with the first steps to take)']
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import Problem

if TYPE_CHECKING:
    from .document import Spec

_FIX = "(add runbook: with the first steps to take)"
_PAGERS = ("pagerduty", "opsgenie")


def unguided_pages(spec: Spec) -> Iterator[Problem]:
    """A problem at every paging alert (enabled) that has no runbook text."""
    from ..conventions import slo_alert_name
    from ..defaults import TIER_SEVERITY

    unguided: list[tuple[str, str, tuple[str, str]]] = [
        (name, alert.severity, ("alerts", name))
        for name, alert in spec.enabled_alerts.items()
        if not alert.runbook.strip()
    ]
    for slo_name, slo in spec.slos.items():
        for tier_name in ("page", "ticket"):
            tier = getattr(slo.alerting, tier_name)
            if tier.enabled and not (tier.runbook or "").strip() and not slo.runbook.strip():
                severity = tier.severity or TIER_SEVERITY[tier_name]
                unguided.append((slo_alert_name(slo_name, tier_name), severity, ("slos", slo_name)))
    if not unguided:
        return
    paged = _routed_to_a_pager(spec, {name for name, severity, _ in unguided if severity != "critical"})
    for name, severity, path in unguided:
        if severity == "critical":
            why = "severity critical"
        elif name in paged:
            why = f"routed to {paged[name]}"
        else:
            continue
        if path[0] == "alerts":
            yield (path, "key", f'pages on-call ({why}) with no "what to do" {_FIX}')
        else:
            yield (
                path,
                "key",
                f'its alert {name} pages on-call ({why}) with no "what to do" (add runbook: to the SLO, '
                "or to its alerting tier, with the first steps to take)",
            )


def _routed_to_a_pager(spec: Spec, names: set[str]) -> dict[str, str]:
    """Alert name -> the pager receiver its routes reach, for the alerts in ``names``.

    Worked out on the internal model with the routing table's own matching (first match, then
    ``continue``), so the warning and the compiled route tree agree; built only when some
    non-critical alert lacks a runbook and the spec has a pager at all."""
    routing = spec.routing
    if not names or routing is None or not any(r.kind in _PAGERS for r in routing.receivers.values()):
        return {}
    from ..compilers.alertmanager.routing_table import alert_labels, expected_receivers
    from ..ir.build import build_service
    from ..ir.model import Opsgenie, PagerDuty

    service = build_service(spec)
    if service.routing is None:
        return {}
    pagers = {r.name: r.spec_name for r in service.routing.receivers if isinstance(r.integration, PagerDuty | Opsgenie)}
    out: dict[str, str] = {}
    for labels in alert_labels(service):
        reached = [pagers[r] for r in expected_receivers(service.routing, labels) if r in pagers]
        if labels["alertname"] in names and reached:
            out[labels["alertname"]] = f"receiver '{reached[0]}'"
    return out
