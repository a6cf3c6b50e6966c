"""The Prometheus target's alerting rules as Grafana-managed alert rules (provisioning format).

Grafana's file provisioning (``apiVersion: 1``, ``groups:``;
https://grafana.com/docs/grafana/latest/alerting/set-up/provision-alerting-resources/file-provisioning/)
evaluates a query chain per rule and alerts on each series the ``condition`` step returns non-zero:

- ``A``: the Prometheus alert expression, instant, wrapped in ``max without ()`` so each series
  keeps its labels without ``__name__`` and its value (the ``$value`` of the Prometheus rule);
- ``C``: a math expression that is 1 for every series of ``A``, whatever its value (0, negative,
  NaN or Inf): as in Prometheus, a series returned *is* a firing alert;
- ``noDataState: OK``: no series means nothing fires (Prometheus' behaviour); ``execErrState:
  Error``: a failing query shows as an error, not as a silent OK.

Descriptions are the Prometheus rule's with ``$value`` read from ``A`` (``$values.A.Value``);
``__dashboardUid__`` and ``__panelId__`` link each rule to its panel. Recording rules stay in the
data source (``recording_document``): the SLO burn alerts query the series they record.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import msgspec

from ...ir.model import Service
from ..rulesets import concern_groups
from .interpolation import escape_values

RELATIVE_RANGE_SECONDS = 600  # the instant query's window; the expressions carry their own ranges
_VALUE = re.compile(r"\$value\b")


class GrafanaAlertingOptions(msgspec.Struct, frozen=True):
    """The spec's ``targets.grafana_alerting``, as this compiler reads it."""

    datasource_uid: str  # of the Prometheus data source the rules query
    folder: str | None  # None: service.links.folder, else sigil-monitoring
    interval: str  # evaluation interval of the rule groups
    root_contact_point: str  # of the root notification policy


def options(service: Service) -> GrafanaAlertingOptions:
    return service.targets.of("grafana_alerting", GrafanaAlertingOptions)


# The uid of every rule and contact point this tool writes: how ``push --alerting`` tells what it
# created (and may remove) from what others made in the same Grafana.
MANAGED_UID = re.compile(r"sm-[0-9a-f]{30}")


def managed_uid(*parts: str) -> str:
    """Stable and within Grafana's 40-character uid limit whatever the names' lengths.

    >>> uid = managed_uid("sigil-dna", "DatabaseDown")
    >>> uid, bool(MANAGED_UID.fullmatch(uid))
    ('sm-f90843f5356f7ea84ad74606d82098', True)
    """
    return "sm-" + hashlib.sha256("/".join(parts).encode()).hexdigest()[:30]


def rule_uid(service: str, alert: str) -> str:
    return managed_uid(service, alert)


def folder(service: Service) -> str:
    return options(service).folder or service.dashboard.folder or "sigil-monitoring"


def _panels(service: Service) -> dict[str, int]:
    found = {a.name: a.panel_id for a in service.alerts if a.panel_id is not None}
    found.update({b.name: b.panel_id for s in service.slos for b in s.alerts if b.panel_id is not None})
    return found


def alert_rule(service: Service, rule: dict[str, Any], panel_id: int | None) -> dict[str, Any]:
    datasource = options(service).datasource_uid
    annotations = {
        k: _VALUE.sub("$values.A.Value", v) if k == "description" else v for k, v in rule["annotations"].items()
    }
    if panel_id is not None:
        annotations |= {"__dashboardUid__": service.dashboard.uid, "__panelId__": str(panel_id)}
    return {
        "uid": rule_uid(service.name, rule["alert"]),
        "title": rule["alert"],
        "condition": "C",
        "data": [
            {
                "refId": "A",
                "relativeTimeRange": {"from": RELATIVE_RANGE_SECONDS, "to": 0},
                "datasourceUid": datasource,
                "model": {
                    "refId": "A",
                    "datasource": {"type": "prometheus", "uid": datasource},
                    "expr": f"max without () ({rule['expr']})",
                    "instant": True,
                    "range": False,
                },
            },
            {
                "refId": "C",
                "relativeTimeRange": {"from": 0, "to": 0},
                "datasourceUid": "__expr__",
                "model": {
                    "refId": "C",
                    "datasource": {"type": "__expr__", "uid": "__expr__"},
                    "type": "math",
                    "expression": "is_number($A) || is_nan($A) || is_inf($A)",
                },
            },
        ],
        "noDataState": "OK",
        "execErrState": "Error",
        "for": rule["for"],
        "labels": escape_values(rule["labels"]),  # Grafana expands $ in labels, not in annotations
        "annotations": annotations,
        "isPaused": False,
    }


def rule_groups(service: Service) -> list[dict[str, Any]]:
    """One Grafana rule group per Prometheus group that has alerts, in the same order."""
    panels = _panels(service)
    out = []
    for concern in concern_groups(service):
        for group in concern.documents():
            alerts = [alert_rule(service, r, panels.get(r["alert"])) for r in group["rules"] if "alert" in r]
            if alerts:
                out.append(
                    {
                        "orgId": 1,
                        "name": group["name"],
                        "folder": folder(service),
                        "interval": options(service).interval,
                        "rules": alerts,
                    }
                )
    return out


def recording_document(service: Service) -> dict[str, Any] | None:
    """The service's recording rules alone, for the Prometheus data source (no alerts twice)."""
    groups = []
    for concern in concern_groups(service):
        for group in concern.documents():
            records = [r for r in group["rules"] if "record" in r]
            if records:
                groups.append({**group, "rules": records})
    return {"groups": groups} if groups else None
