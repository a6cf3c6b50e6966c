"""Push Grafana-managed alerting resources through Grafana's alerting provisioning HTTP API
(``/api/v1/provisioning/...``; https://grafana.com/docs/grafana/latest/developers/http_api/alerting_provisioning/).

What ``compile --target grafana_alerting`` writes as provisioning files, sent instead through the
API, in the order Grafana needs references to exist: notification templates, contact points,
mute timings, rule groups, then the notification policy tree (it names contact points and mute
timings, and replaces the organisation's whole tree).

- Resources written through this API are locked in Grafana's UI (provenance ``api``) unless the
  request carries ``X-Disable-Provenance: true`` (``push --alerting --editable-in-ui``).
- The API does not expand ``$__file{...}`` as file provisioning does, so secrets are read from
  their files here, at push time, and sent only in the request body; they are never printed.
  Likewise the ``$$`` the files write for a literal ``$`` in labels and settings is sent as ``$``.
- Every call is create-or-update: rule groups and templates are PUT by name, contact points are
  PUT by uid when Grafana lists that uid and POSTed otherwise, mute timings likewise by name.

Import lazily, only in the command that pushes.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .compilers.grafana_alerting.interpolation import unescape_values
from .grafana_api import GrafanaError, _error_message, _NoRedirect, _redact, _safe_url

__all__ = ["AlertingClient", "push_alerting"]

_FILE_REF = re.compile(r"^\$__file\{(.+)\}$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}


class AlertingClient:
    """JSON requests to one Grafana with one token; ``editable`` sends ``X-Disable-Provenance``."""

    def __init__(self, base_url: str, token: str, editable: bool = False, timeout: float = 10) -> None:
        self.base_url, self.token, self.editable, self.timeout = base_url.rstrip("/"), token, editable, timeout

    def call(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json", "Content-Type": "application/json"}
        if self.editable and method != "GET":
            headers["X-Disable-Provenance"] = "true"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.build_opener(_NoRedirect).open(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as err:
            status, raw_error = err.code, err.read()
            err.close()
            raise GrafanaError(status, _redact(f"{method} {path}: {_error_message(raw_error, err.reason)}", self.token)) from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise GrafanaError(0, _redact(f"cannot reach Grafana at {_safe_url(self.base_url)}: {reason}", self.token)) from None
        try:
            return json.loads(raw) if raw.strip() else None
        except ValueError:
            raise GrafanaError(200, f"{method} {path}: Grafana answered with non-JSON") from None

    def exists(self, path: str) -> bool:
        try:
            self.call("GET", path)
        except GrafanaError as err:
            if err.status == 404:
                return False
            raise
        return True


def _seconds(duration: str) -> int:
    """``1m`` -> 60: the API takes a group's interval in seconds, files take a duration."""
    return int(duration[:-1]) * _UNIT_SECONDS[duration[-1]]


def resolve_secrets(settings: dict[str, Any], read: Callable[[str], str]) -> dict[str, Any]:
    """Replace ``$__file{/path}`` values by the file's content (stripped of the final newline).

    >>> resolve_secrets({"url": "$__file{/s}", "recipient": "#x"}, lambda p: "https://hooks/" + p)
    {'url': 'https://hooks//s', 'recipient': '#x'}
    """
    out = {}
    for key, value in settings.items():
        found = _FILE_REF.match(value) if isinstance(value, str) else None
        out[key] = read(found.group(1)) if found else unescape_values({key: value})[key]
    return out


def read_secret(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").rstrip("\n")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise GrafanaError(0, f"cannot read the secret file {path}: {reason} (push reads secrets where it runs)") from None


def push_alerting(client: AlertingClient, folder_uid: str, rule_files: list[dict[str, Any]],
                  notifications: dict[str, Any] | None, read: Callable[[str], str] = read_secret) -> list[str]:
    """Create or update everything; returns one line per resource saved. Raises GrafanaError."""
    done: list[str] = []
    api = "/api/v1/provisioning"
    if notifications is not None:
        for template in notifications.get("templates", []):
            client.call("PUT", f"{api}/templates/{urllib.parse.quote(template['name'], safe='')}",
                        {"template": template["template"]})
            done.append(f"template {template['name']}")
        # The API lists contact points (GET .../contact-points) but has no GET by uid.
        known = {c.get("uid") for c in client.call("GET", f"{api}/contact-points") or []}
        for point in notifications.get("contactPoints", []):
            for integration in point["receivers"]:
                body = {"uid": integration["uid"], "name": point["name"], "type": integration["type"],
                        "settings": resolve_secrets(integration["settings"], read),
                        "disableResolveMessage": integration["disableResolveMessage"]}
                if integration["uid"] in known:
                    client.call("PUT", f"{api}/contact-points/{integration['uid']}", body)
                else:
                    client.call("POST", f"{api}/contact-points", body)
            done.append(f"contact point {point['name']}")
        for mute in notifications.get("muteTimes", []):
            name = urllib.parse.quote(mute["name"], safe="")
            body = {"name": mute["name"], "time_intervals": mute["time_intervals"]}
            if client.exists(f"{api}/mute-timings/{name}"):
                client.call("PUT", f"{api}/mute-timings/{name}", body)
            else:
                client.call("POST", f"{api}/mute-timings", body)
            done.append(f"mute timing {mute['name']}")
    for document in rule_files:
        for group in document["groups"]:
            # The API expands no variables: labels carry the literal $ the file had to escape.
            rules = [{**rule, "labels": unescape_values(rule.get("labels", {})), "folderUID": folder_uid,
                      "ruleGroup": group["name"], "orgID": group["orgId"]} for rule in group["rules"]]
            client.call("PUT", f"{api}/folder/{urllib.parse.quote(folder_uid, safe='')}/rule-groups/"
                               f"{urllib.parse.quote(group['name'], safe='')}",
                        {"title": group["name"], "folderUid": folder_uid, "interval": _seconds(group["interval"]), "rules": rules})
            done.append(f"rule group {group['name']} ({len(rules)} rules)")
    if notifications is not None:
        (tree,) = notifications["policies"]
        client.call("PUT", f"{api}/policies", {k: v for k, v in tree.items() if k != "orgId"})
        done.append("notification policies")
    return done
