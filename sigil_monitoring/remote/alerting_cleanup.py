"""Remove the Grafana-managed alert rules and contact points a spec no longer has, after ``push
--alerting`` saved the rest: only what this tool created, only for the services pushed.

"Created by this tool" is the uid: every rule and contact-point integration we write has a uid
``sm-`` + 30 hex digits (``compilers.grafana_alerting.rules.MANAGED_UID``), which no one else's
resource has; a resource with any other uid is never touched. "For the services pushed": a rule
is a service's by its ``service`` label, a contact point by its name ``<service>/<receiver>``;
pushing one spec never removes what another spec's push created. Among those, what the compiled
files no longer hold is stale.

Order matters to Grafana: rules go first, contact points last, after the new notification policy
tree no longer names them (Grafana refuses to delete a contact point a policy uses). Reads and
deletes follow the alerting provisioning API (grafana.com/docs/grafana/latest/developers/http_api/
alerting_provisioning/): ``GET /api/v1/provisioning/alert-rules`` and
``DELETE /api/v1/provisioning/alert-rules/:uid``; ``GET /api/v1/provisioning/contact-points`` and
``DELETE /api/v1/provisioning/contact-points/:uid``.

>>> rules = [{"uid": "sm-" + "a" * 30, "title": "Old", "labels": {"service": "shop"}},
...          {"uid": "hand-made", "title": "Theirs", "labels": {"service": "shop"}}]
>>> [s.line() for s in stale_rules(rules, {"shop"}, keep=set())]
['rule Old (sm-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa)']
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any, Literal

import msgspec

from ..compilers.grafana_alerting.rules import MANAGED_UID
from .grafana_api import GrafanaError, Transport

API = "/api/v1/provisioning"


class Stale(msgspec.Struct, frozen=True):
    kind: Literal["rule", "contact point"]
    uid: str
    name: str

    def line(self) -> str:
        return f"{self.kind} {self.name} ({self.uid})"

    def path(self) -> str:
        return f"{API}/{'alert-rules' if self.kind == 'rule' else 'contact-points'}/{self.uid}"


def _ours(item: Any) -> bool:
    return isinstance(item, dict) and isinstance(item.get("uid"), str) and bool(MANAGED_UID.fullmatch(item["uid"]))


def stale_rules(listed: Iterable[Any], services: Collection[str], keep: Collection[str]) -> list[Stale]:
    """Our rules of ``services`` whose uid is not in ``keep``."""
    return [
        Stale("rule", r["uid"], str(r.get("title", "")))
        for r in listed
        if _ours(r) and r["uid"] not in keep and (r.get("labels") or {}).get("service") in services
    ]


def stale_contact_points(listed: Iterable[Any], services: Collection[str], keep: Collection[str]) -> list[Stale]:
    """Our contact-point integrations of ``services`` whose uid is not in ``keep``."""
    prefixes = tuple(f"{s}/" for s in services)
    return [
        Stale("contact point", c["uid"], str(c.get("name", "")))
        for c in listed
        if _ours(c) and c["uid"] not in keep and str(c.get("name", "")).startswith(prefixes)
    ]


def _list(transport: Transport, what: str) -> list[Any]:
    listed = transport.request("GET", f"{API}/{what}", expect=object)
    if not isinstance(listed, list | None):
        raise GrafanaError(0, f"Grafana's {what} list is not a JSON list (is --grafana-url the Grafana root?)")
    return listed or []


def find_stale(
    transport: Transport, services: Collection[str], rule_uids: Collection[str], contact_uids: Collection[str]
) -> list[Stale]:
    """What to remove, rules first: the order the deletes must follow."""
    rules = stale_rules(_list(transport, "alert-rules"), services, rule_uids)
    return rules + stale_contact_points(_list(transport, "contact-points"), services, contact_uids)


def remove(transport: Transport, stale: Iterable[Stale]) -> list[str]:
    """Delete each, in order; one line per removed resource. Raises GrafanaError."""
    done = []
    for item in stale:
        transport.request("DELETE", item.path(), expect=object)
        done.append(f"removed {item.line()}")
    return done
