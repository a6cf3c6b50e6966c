"""Push Grafana-managed alerting resources through Grafana's alerting provisioning HTTP API
(``/api/v1/provisioning/...``; https://grafana.com/docs/grafana/latest/developers/http_api/alerting_provisioning/).

What ``compile --target grafana_alerting`` writes as provisioning files, sent instead through the
API, in the order Grafana needs references to exist: notification templates, contact points,
mute timings, rule groups, then the notification policy tree (it names contact points and mute
timings, and replaces the organisation's whole tree).

- Resources written through this API are locked in Grafana's UI (provenance ``api``) unless the
  request carries ``X-Disable-Provenance: true`` (``push --alerting --editable-in-ui``). Requests go
  through ``grafana_api.Transport`` (bounded, token masked, same-origin redirects only, 5xx retried).
- The API does not expand ``$__file{...}`` as file provisioning does, so secrets are read from
  their files here, at push time, and sent only in the request body; they are never printed.
  Likewise the ``$$`` the files write for a literal ``$`` in labels and settings is sent as ``$``.
- Every call is create-or-update: rule groups and templates are PUT by name, contact points are
  PUT by uid when Grafana lists that uid and POSTed otherwise, mute timings likewise by name.

Import lazily, only in the command that pushes.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..compilers.grafana_alerting.interpolation import unescape_values
from .grafana_api import GrafanaError, Transport

__all__ = ["PROVENANCE_HEADER", "push_alerting"]

_FILE_REF = re.compile(r"^\$__file\{(.+)\}$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}


PROVENANCE_HEADER = "X-Disable-Provenance"


def _call(transport: Transport, method: str, path: str, body: Any = None) -> Any:
    # Replies are objects, lists (GET contact-points) or empty (some 202s): any JSON will do.
    return transport.request(method, path, body, expect=object)


def _exists(transport: Transport, path: str) -> bool:
    try:
        _call(transport, "GET", path)
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
        raise GrafanaError(
            0, f"cannot read the secret file {path}: {reason} (push reads secrets where it runs)"
        ) from None


def push_alerting(
    transport: Transport,
    folder_uid: str,
    rule_files: list[dict[str, Any]],
    notifications: dict[str, Any] | None,
    read: Callable[[str], str] = read_secret,
) -> list[str]:
    """Create or update everything; returns one line per resource saved. Raises GrafanaError."""
    done: list[str] = []
    api = "/api/v1/provisioning"
    if notifications is not None:
        for template in notifications.get("templates", []):
            _call(
                transport,
                "PUT",
                f"{api}/templates/{urllib.parse.quote(template['name'], safe='')}",
                {"template": template["template"]},
            )
            done.append(f"template {template['name']}")
        # The API lists contact points (GET .../contact-points) but has no GET by uid.
        listed = _call(transport, "GET", f"{api}/contact-points")
        if not isinstance(listed, list | None):
            raise GrafanaError(
                0, "Grafana's contact point list is not a JSON list (is --grafana-url the Grafana root?)"
            )
        known = {c.get("uid") for c in listed or [] if isinstance(c, dict)}
        for point in notifications.get("contactPoints", []):
            for integration in point["receivers"]:
                body = {
                    "uid": integration["uid"],
                    "name": point["name"],
                    "type": integration["type"],
                    "settings": resolve_secrets(integration["settings"], read),
                    "disableResolveMessage": integration["disableResolveMessage"],
                }
                if integration["uid"] in known:
                    _call(transport, "PUT", f"{api}/contact-points/{integration['uid']}", body)
                else:
                    _call(transport, "POST", f"{api}/contact-points", body)
            done.append(f"contact point {point['name']}")
        for mute in notifications.get("muteTimes", []):
            name = urllib.parse.quote(mute["name"], safe="")
            body = {"name": mute["name"], "time_intervals": mute["time_intervals"]}
            if _exists(transport, f"{api}/mute-timings/{name}"):
                _call(transport, "PUT", f"{api}/mute-timings/{name}", body)
            else:
                _call(transport, "POST", f"{api}/mute-timings", body)
            done.append(f"mute timing {mute['name']}")
    for document in rule_files:
        for group in document["groups"]:
            # The API expands no variables: labels carry the literal $ the file had to escape.
            rules = [
                {
                    **rule,
                    "labels": unescape_values(rule.get("labels", {})),
                    "folderUID": folder_uid,
                    "ruleGroup": group["name"],
                    "orgID": group["orgId"],
                }
                for rule in group["rules"]
            ]
            _call(
                transport,
                "PUT",
                f"{api}/folder/{urllib.parse.quote(folder_uid, safe='')}/rule-groups/"
                f"{urllib.parse.quote(group['name'], safe='')}",
                {
                    "title": group["name"],
                    "folderUid": folder_uid,
                    "interval": _seconds(group["interval"]),
                    "rules": rules,
                },
            )
            done.append(f"rule group {group['name']} ({len(rules)} rules)")
    if notifications is not None:
        (tree,) = notifications["policies"]
        _call(transport, "PUT", f"{api}/policies", {k: v for k, v in tree.items() if k != "orgId"})
        done.append("notification policies")
    return done
