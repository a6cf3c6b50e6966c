"""FakeGrafana plus the alerting provisioning HTTP API, in memory, for ``push --alerting`` tests.

Follows "Alerting provisioning HTTP API"
(grafana.com/docs/grafana/latest/developers/http_api/alerting_provisioning/); requests to other
paths go to FakeGrafana (dashboards), so one server plays one Grafana:

* ``PUT /api/v1/provisioning/folder/:folderUid/rule-groups/:group`` ``{title, interval, rules}``
  replaces the group; 404 when the folder does not exist; 400 when a rule lacks ``title``,
  ``condition``, ``data``, names a ``condition`` that is no ``refId`` of its ``data``, has a
  ``noDataState``/``execErrState`` outside Grafana's enums, a ``folderUID``/``ruleGroup`` other than
  the path's, or when ``interval`` (seconds) is not a positive multiple of the 10 s base interval.
  ``GET`` the same path returns the group.
* ``GET /api/v1/provisioning/contact-points`` lists integrations (``{uid, name, type, settings,
  disableResolveMessage, provenance}``); ``POST`` creates one (400 when the uid exists or a
  required setting is missing: Slack ``url`` or ``token``, PagerDuty ``integrationKey``, webhook
  ``url``); ``PUT .../contact-points/:uid`` updates (404 for an unknown uid).
* ``GET /api/v1/provisioning/alert-rules`` lists every rule (with ``folderUID`` and ``ruleGroup``);
  ``DELETE /api/v1/provisioning/alert-rules/:uid`` removes one (204; a group left empty goes too;
  404 for an unknown uid).
* ``DELETE /api/v1/provisioning/contact-points/:uid`` removes one integration (202); 409 when it is
  the last of a contact point the notification policy tree still names (Grafana refuses to leave a
  policy without its receiver); 404 for an unknown uid.
* ``GET|PUT /api/v1/provisioning/mute-timings/:name``, ``POST /api/v1/provisioning/mute-timings``.
* ``PUT /api/v1/provisioning/templates/:name`` ``{template}``.
* ``PUT /api/v1/provisioning/policies`` replaces the tree; 400 when a policy names a contact
  point or mute timing that does not exist. ``GET`` returns it.
* Every write records provenance ``api`` (locked in the UI) unless the request has
  ``X-Disable-Provenance: true`` (then ``""``). Every endpoint needs the Bearer token (401); a
  token whose role lacks the alerting permissions gets 403 ("You'll need additional permissions
  to perform this action") on every provisioning endpoint while dashboards still work.
* Folders are FakeGrafana's (``/api/folders``), so a rule group's folder exists once the
  dashboards push created it.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from typing import Any

from fake_grafana import FakeGrafana

from sigil_monitoring.live.sinks import Handler

NO_DATA_STATES = {"OK", "NoData", "Alerting"}
EXEC_ERR_STATES = {"OK", "Error", "Alerting"}
_REQUIRED_SETTINGS = {"slack": ("url", "token"), "pagerduty": ("integrationKey",), "webhook": ("url",)}
_PREFIX = "/api/v1/provisioning/"


class FakeGrafanaAlerting(FakeGrafana):
    """``alerting_allowed=False`` plays a token without alerting permissions. State is public for
    assertions: ``rule_groups`` ((folder, group) -> body), ``contact_points`` (uid -> body),
    ``mute_timings``, ``templates``, ``policies`` (or None) and ``provenance`` (resource key -> "api"
    or "")."""

    def __init__(self, token: str = "test-token", alerting_allowed: bool = True) -> None:
        super().__init__(token=token)
        self.alerting_allowed = alerting_allowed
        self.rule_groups: dict[tuple[str, str], dict[str, Any]] = {}
        self.contact_points: dict[str, dict[str, Any]] = {}
        self.mute_timings: dict[str, dict[str, Any]] = {}
        self.templates: dict[str, str] = {}
        self.policies: dict[str, Any] | None = None
        self.provenance: dict[str, str] = {}
        self.alerting_calls: list[tuple[str, str]] = []
        self._alerting_lock = threading.Lock()

    def handle(self, handler: Handler) -> None:
        path = urllib.parse.urlsplit(handler.path).path
        if not path.startswith(_PREFIX):
            return super().handle(handler)
        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            return handler.reply(401, {"message": "Unauthorized"})
        if not self.alerting_allowed:
            return handler.reply(403, {"message": "You'll need additional permissions to perform this action."})
        raw = handler.read_body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return handler.reply(400, {"message": "bad request data"})
        parts = [urllib.parse.unquote(p) for p in path[len(_PREFIX) :].split("/")]
        provenance = "" if handler.headers.get("X-Disable-Provenance", "").lower() == "true" else "api"
        with self._alerting_lock:
            self.alerting_calls.append((handler.command, path))
            status, reply = self._alerting_route(handler.command, parts, body, provenance)
        handler.reply(status, reply if reply is not None else "")

    def _alerting_route(self, method: str, parts: list[str], body: Any, provenance: str) -> tuple[int, Any]:
        match method, parts:
            case "PUT", ["folder", folder, "rule-groups", group]:
                return self._put_group(folder, group, body, provenance)
            case "GET", ["folder", folder, "rule-groups", group]:
                found = self.rule_groups.get((folder, group))
                return (200, found) if found else (404, {"message": "rule group not found"})
            case "GET", ["alert-rules"]:
                return 200, [
                    {**rule, "folderUID": folder, "ruleGroup": group}
                    for (folder, group), body in self.rule_groups.items()
                    for rule in body.get("rules", [])
                ]
            case "DELETE", ["alert-rules", uid]:
                return self._delete_rule(uid)
            case "DELETE", ["contact-points", uid]:
                return self._delete_contact_point(uid)
            case "GET", ["contact-points"]:
                return 200, [
                    {**c, "provenance": self.provenance.get(f"cp:{u}", "")} for u, c in self.contact_points.items()
                ]
            case "POST", ["contact-points"]:
                return self._save_contact_point(body, None, provenance)
            case "PUT", ["contact-points", uid]:
                return self._save_contact_point(body, uid, provenance)
            case "GET", ["mute-timings", name]:
                found = self.mute_timings.get(name)
                return (200, found) if found else (404, {"message": "mute timing not found"})
            case "POST", ["mute-timings"]:
                if body["name"] in self.mute_timings:
                    return 409, {"message": "a mute timing with this name already exists"}
                return self._save_mute(body, provenance)
            case "PUT", ["mute-timings", name]:
                if name not in self.mute_timings:
                    return 404, {"message": "mute timing not found"}
                return self._save_mute({**body, "name": name}, provenance)
            case "PUT", ["templates", name]:
                self.templates[name] = body["template"]
                self.provenance[f"tmpl:{name}"] = provenance
                return 202, {"name": name, "template": body["template"], "provenance": provenance}
            case "PUT", ["policies"]:
                return self._put_policies(body, provenance)
            case "GET", ["policies"]:
                return 200, self.policies or {}
        return 404, {"message": "Not found"}

    def _put_group(self, folder: str, group: str, body: Any, provenance: str) -> tuple[int, Any]:
        if folder not in self.folders:
            return 404, {"message": "folder does not exist"}
        interval = body.get("interval") if isinstance(body, dict) else None
        if not isinstance(interval, int) or interval <= 0 or interval % 10:
            return 400, {"message": f"invalid interval {interval!r}: must be a positive multiple of 10s"}
        for rule in body.get("rules", []):
            problem = _rule_problem(rule, folder, group)
            if problem:
                return 400, {"message": f"invalid alert rule {rule.get('title')!r}: {problem}"}
        self.rule_groups[(folder, group)] = body
        self.provenance[f"group:{folder}/{group}"] = provenance
        return 200, body

    def _save_contact_point(self, body: Any, uid: str | None, provenance: str) -> tuple[int, Any]:
        if uid is None and body.get("uid") in self.contact_points:
            return 400, {"message": "a contact point with this uid already exists"}
        if uid is not None and uid not in self.contact_points:
            return 404, {"message": "contact point not found"}
        required = _REQUIRED_SETTINGS.get(body.get("type"))
        if required is None:
            return 400, {"message": f"unknown contact point type {body.get('type')!r}"}
        if not any(body.get("settings", {}).get(k) for k in required):
            return 400, {"message": f"{body['type']}: missing {' or '.join(required)}"}
        key = uid or body["uid"]
        self.contact_points[key] = {**body, "uid": key}
        self.provenance[f"cp:{key}"] = provenance
        return 202, self.contact_points[key]

    def _delete_rule(self, uid: str) -> tuple[int, Any]:
        for key, body in list(self.rule_groups.items()):
            kept = [r for r in body.get("rules", []) if r.get("uid") != uid]
            if len(kept) != len(body.get("rules", [])):
                if kept:
                    self.rule_groups[key] = {**body, "rules": kept}
                else:  # Grafana keeps no empty group
                    del self.rule_groups[key]
                return 204, None
        return 404, {"message": "rule not found"}

    def _delete_contact_point(self, uid: str) -> tuple[int, Any]:
        point = self.contact_points.get(uid)
        if point is None:
            return 404, {"message": "contact point not found"}
        others = [c for u, c in self.contact_points.items() if u != uid and c["name"] == point["name"]]
        if not others and point["name"] in _receivers(self.policies):
            return 409, {"message": f"contact point '{point['name']}' is currently used by a notification policy"}
        del self.contact_points[uid]
        self.provenance.pop(f"cp:{uid}", None)
        return 202, {"message": "contactpoint deleted"}

    def _save_mute(self, body: Any, provenance: str) -> tuple[int, Any]:
        self.mute_timings[body["name"]] = body
        self.provenance[f"mute:{body['name']}"] = provenance
        return 201, body

    def _put_policies(self, body: Any, provenance: str) -> tuple[int, Any]:
        names = {c["name"] for c in self.contact_points.values()} | {"grafana-default-email"}
        pending = [body]
        while pending:
            node = pending.pop()
            if node.get("receiver") and node["receiver"] not in names:
                return 400, {"message": f"invalid policy: receiver '{node['receiver']}' does not exist"}
            for name in node.get("mute_time_intervals", []) + node.get("active_time_intervals", []):
                if name not in self.mute_timings:
                    return 400, {"message": f"invalid policy: mute timing '{name}' does not exist"}
            pending += node.get("routes", [])
        self.policies = body
        self.provenance["policies"] = provenance
        return 202, {"message": "policies updated"}


def _receivers(tree: dict[str, Any] | None) -> set[str]:
    """Every contact point a notification policy tree names."""
    pending, names = [tree] if tree else [], set()
    while pending:
        node = pending.pop()
        names.add(node.get("receiver") or "")
        pending += node.get("routes", [])
    return names - {""}


def _rule_problem(rule: dict[str, Any], folder: str, group: str) -> str | None:
    for key in ("title", "condition", "data", "for"):
        if not rule.get(key):
            return f"{key} is required"
    if rule["condition"] not in {d.get("refId") for d in rule["data"]}:
        return f"condition {rule['condition']} is not the refId of a query"
    if rule.get("noDataState") not in NO_DATA_STATES or rule.get("execErrState") not in EXEC_ERR_STATES:
        return "invalid noDataState or execErrState"
    if rule.get("folderUID") != folder or rule.get("ruleGroup") != group:
        return "folderUID and ruleGroup must be the path's"
    return None
