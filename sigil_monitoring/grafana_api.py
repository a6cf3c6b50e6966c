"""Push a compiled dashboard to Grafana through its classic HTTP API (stdlib only).

Why a hand-written client: one endpoint (`POST /api/dashboards/db`) does not justify a
dependency, and the compiler stays importable without network libraries. Import this
module lazily, only in the command that pushes.

Example::

    from sigil_monitoring.grafana_api import GrafanaError, push_dashboard

    try:
        result = push_dashboard("https://grafana.example.com", token, dashboard,
                                folder_uid="platform", message="sigil: deploy 1.4")
        print(result["url"], result["version"])
    except GrafanaError as err:
        if err.status == 412:  # version-mismatch / name-exists: someone else changed it
            ...
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

__all__ = ["GrafanaError", "push_dashboard"]


class GrafanaError(Exception):
    """A non-2xx answer from Grafana (or no answer: status 0), with Grafana's message.

    Never carries the API token: the message comes from Grafana's reply, with any
    occurrence of the token masked, and the request itself is not kept.
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message

    def __str__(self) -> str:
        return f"Grafana API error {self.status}: {self.message}" if self.status else self.message


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: urllib would resend the Authorization header to the new
    location (even another host) and turn the POST into a GET."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _redact(text: str, token: str) -> str:
    return text.replace(token, "***") if token else text


def _safe_url(url: str) -> str:
    """The URL without user:password@, for error messages."""
    parts = urllib.parse.urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def push_dashboard(base_url: str, token: str, dashboard: dict[str, Any], folder_uid: str | None = None,
                   message: str = "", overwrite: bool = True, timeout: float = 10) -> dict[str, Any]:
    """Create or update `dashboard` (identified by its `uid`) and return Grafana's reply.

    The reply is `{id, uid, url, status, version, slug}`. `dashboard["id"]` is sent as
    null because numeric ids are per Grafana install; the uid is the stable identity.
    `overwrite=False` makes Grafana refuse (412) when the stored version differs from
    `dashboard["version"]` or another dashboard in the folder has the same title.
    Raises GrafanaError on a non-2xx status or when Grafana cannot be reached.
    """
    body: dict[str, Any] = {"dashboard": {**dashboard, "id": None}, "message": message, "overwrite": overwrite}
    if folder_uid is not None:
        body["folderUid"] = folder_uid  # omitted: Grafana saves at the root folder
    request = urllib.request.Request(
        base_url.rstrip("/") + "/api/dashboards/db", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                 "Accept": "application/json"})
    try:
        # Built per call so *_proxy variables are read as they are now.
        with urllib.request.build_opener(_NoRedirect).open(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as err:
        status, raw_error, location = err.code, err.read(), err.headers.get("Location")
        err.close()
        text = (f"redirect to {_safe_url(location)} not followed; use the final URL as base_url"
                if 300 <= status < 400 and location else _error_message(raw_error, err.reason))
        raise GrafanaError(status, _redact(text, token)) from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise GrafanaError(0, _redact(f"cannot reach Grafana at {_safe_url(base_url)}: {reason}", token)) from None
    try:
        return json.loads(raw)
    except ValueError:
        raise GrafanaError(status, _redact(f"Grafana answered with non-JSON: {raw[:200]!r}", token)) from None


def _error_message(raw: bytes, reason: str) -> str:
    """Grafana's `message` (plus its `status` such as version-mismatch), else the raw body."""
    try:
        payload = json.loads(raw)
    except ValueError:
        payload = None
    if isinstance(payload, dict) and payload.get("message"):
        kind = payload.get("status")
        return f"{payload['message']} ({kind})" if isinstance(kind, str) and kind else str(payload["message"])
    text = raw.decode("utf-8", "replace").strip()
    return text[:300] or str(reason)
