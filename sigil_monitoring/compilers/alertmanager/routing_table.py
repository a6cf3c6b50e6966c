"""The routing table: for every alert the Prometheus target emits, its labels and the receivers
Alertmanager must pick, in order.

Expected receivers are worked out from the internal model's routes (first match wins, ``continue``
goes on, no match -> the service default), not from the tree this target emits, so checking each
row with ``amtool config routes test --verify.receivers`` tests the emitted tree against the spec.
Like ``amtool``, the table ignores inhibitions and time intervals.
"""

from __future__ import annotations

import msgspec

from ... import conventions as names
from ...ir.model import Route, Routing, Service
from .routes import catch_all


class Row(msgspec.Struct, frozen=True):
    alert: str
    labels: tuple[tuple[str, str], ...]  # sorted, alertname included
    receivers: tuple[str, ...]


def rows(services: tuple[Service, ...]) -> tuple[Row, ...]:
    """One row per alert of every service, in spec order (threshold alerts, then SLO burn alerts)."""
    root = catch_all(services)
    return tuple(row for service in services for row in service_rows(service, root))


def service_rows(service: Service, root: str) -> list[Row]:
    """The rows of one service's alerts; ``root``: the root's receiver (``routes.catch_all``),
    where an alert of a service without routing goes."""
    return [
        Row(labels["alertname"], tuple(sorted(labels.items())), expected_receivers(service.routing, labels, root))
        for labels in alert_labels(service)
    ]


def alert_labels(service: Service) -> list[dict[str, str]]:
    """The labels of each alert the Prometheus target writes, with ``alertname``."""
    out = [{**dict(a.labels), "alertname": a.name} for a in service.alerts]
    for slo in service.slos:
        for burn in slo.alerts:
            out.append(
                {
                    **dict(service.labels),
                    names.SLO_LABEL: slo.name,
                    names.BURN_TIER_LABEL: burn.tier,
                    names.SEVERITY_LABEL: burn.severity,
                    **dict(burn.labels),
                    "alertname": burn.name,
                }
            )
    return out


def matched_routes(routing: Routing, labels: dict[str, str]) -> tuple[Route, ...]:
    """The spec routes an alert with these labels takes, in order (first match, then ``continue``)."""
    found: list[Route] = []
    for route in routing.routes:
        if all(m.matches(labels.get(m.label, "")) for m in route.matchers):
            found.append(route)
            if not route.continue_:
                break
    return tuple(found)


def expected_receivers(
    routing: Routing | None, labels: dict[str, str], root: str = names.FALLBACK_RECEIVER
) -> tuple[str, ...]:
    """Receivers in the order Alertmanager notifies them; a service without routing -> the root's
    receiver (``routes.catch_all``: the fallback unless a spec names a catch-all)."""
    if routing is None:
        return (root,)
    return tuple(r for route in matched_routes(routing, labels) for r in route.receivers) or (routing.default,)


def document(table: tuple[Row, ...]) -> dict[str, object]:
    """The YAML document: ``tests: [{alert, labels, receivers}]``."""
    return {"tests": [row_document(r) for r in table]}


def row_document(row: Row) -> dict[str, object]:
    """One row of ``document``."""
    return {"alert": row.alert, "labels": dict(row.labels), "receivers": list(row.receivers)}
