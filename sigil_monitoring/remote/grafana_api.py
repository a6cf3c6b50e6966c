"""Talk to Grafana's classic dashboard HTTP API (``/api/dashboards/*``, ``/api/folders``), stdlib only.

Why a hand-written client: a handful of endpoints do not justify a dependency, and the compiler
stays importable without network libraries. Import this module lazily, only in commands that
talk to Grafana. ``grafana_k8s`` offers the same operations on Grafana 12/13's ``/apis`` API.

Requests go through ``remote.http.Client``, which bounds them (one time budget per command,
a size cap, a JSON depth limit), follows redirects only within Grafana's origin and masks the
token in every message (before any truncation); 5xx answers and connection errors are retried
with backoff. Every failure is a ``GrafanaError`` whose text is one terminal-safe line.

>>> check_token("glsa_abc")
'glsa_abc'
>>> print(GrafanaError(412, "The dashboard has been changed by someone else\x1b[2J"))
Grafana API error 412: The dashboard has been changed by someone else\\x1b[2J
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import msgspec

from ..escape import one_line
from .http import Budget, Client, RemoteError, check_url, excerpt, timeout_seconds

__all__ = [
    "Dashboard",
    "GrafanaError",
    "Legacy",
    "Saved",
    "Transport",
    "Version",
    "check_token",
    "push_dashboard",
]

MAX_ERROR_TEXT = 300
RESTORE_MESSAGE = "Restored from version"  # the message Grafana gives a restored version
URL_OPTION = "the Grafana URL"


class GrafanaError(Exception):
    """A failed call to Grafana, with a one-line message that never carries the token.

    ``status`` is the HTTP status, 0 when Grafana could not be reached or gave an unusable reply;
    ``reason`` is Grafana's own status word when it sent one (``version-mismatch``, ``Conflict``),
    else the client's failure kind (``timeout``, ``refused``, ...).
    """

    def __init__(self, status: int, message: str, reason: str = "") -> None:
        super().__init__(status, message)
        self.status, self.message, self.reason = status, one_line(" ".join(message.split())), reason

    def __str__(self) -> str:
        return f"Grafana API error {self.status}: {self.message}" if self.status else self.message


class Dashboard(msgspec.Struct, frozen=True):
    """What Grafana holds now: the classic dashboard JSON and who saved it when."""

    uid: str
    data: dict[str, Any]
    version: int
    folder_uid: str
    updated_by: str
    updated: str
    concurrency: str  # what an update must send back: the version (legacy) or resourceVersion (k8s)


class Version(msgspec.Struct, frozen=True):
    version: int
    created: str
    created_by: str
    message: str


class Saved(msgspec.Struct, frozen=True):
    uid: str
    version: int
    url: str  # relative to the Grafana root, e.g. /d/<uid>/<slug>


def check_token(token: str) -> str:
    """The token if it can travel in an HTTP header unchanged: visible ASCII only, no spaces."""
    if not token:
        raise GrafanaError(0, "the token is empty (give a Grafana service-account token)")
    if not all(0x21 <= ord(c) <= 0x7E for c in token):
        raise GrafanaError(
            0,
            "the token holds characters an HTTP header cannot carry (use the token exactly as "
            "Grafana showed it: visible ASCII, no spaces)",
        )
    return token


class Transport:
    """JSON requests to one Grafana with one token, within one time budget (``budget``, else
    ``timeout`` seconds, else the command's default); retries 5xx and connection errors only."""

    def __init__(
        self,
        base_url: str,
        token: str,
        timeout: float | None = None,
        retries: int = 3,
        backoff: float = 0.5,
        headers: dict[str, str] | None = None,
        budget: Budget | None = None,
    ) -> None:
        self.base_url, self.token = check_url(base_url, URL_OPTION), check_token(token)
        self.budget = budget or Budget(timeout_seconds(timeout))
        self.client = Client(
            self.base_url,
            self.budget,
            what=f"Grafana at {self.base_url}",
            headers={**(headers or {}), "Authorization": f"Bearer {self.token}"},
            secret=self.token,
            retries=retries,
            backoff=backoff,
        )

    def mask(self, text: str) -> str:
        return text.replace(self.token, "***")

    def request(self, method: str, path: str, body: Any = None, expect: type = dict) -> Any:
        """The decoded JSON reply; GrafanaError for a non-2xx status, no answer, or a reply not of type ``expect``."""
        try:
            return self.client.json(method, path, body, expect)
        except RemoteError as err:
            if err.kind == "status":
                message, reason = _error_message(err.body, "")
                raise GrafanaError(err.status, _cut(self.mask(message or str(err))), reason) from None
            raise GrafanaError(0 if err.kind != "redirect" else err.status, str(err), err.kind) from None


def _cut(text: str, limit: int = MAX_ERROR_TEXT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _error_message(raw: bytes, fallback: str) -> tuple[str, str]:
    """Grafana's ``message`` and its ``status``/``reason`` word, else the raw body."""
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError):  # the body is an excerpt of EXCERPT bytes: never deep
        payload = None
    if isinstance(payload, dict) and payload.get("message"):
        kind = str(payload.get("status")) if isinstance(payload.get("status"), str) else ""
        if kind in ("Failure", "Success"):  # a Kubernetes Status object: the word is in `reason`
            kind = str(payload.get("reason") or "")
        message = str(payload["message"])
        return (f"{message} ({kind})" if kind else message), kind
    return excerpt(raw, MAX_ERROR_TEXT) or fallback, ""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


class Legacy:
    """The classic API (Grafana 8 to 13; deprecated but served in 13)."""

    name = "legacy"

    def __init__(self, transport: Transport) -> None:
        self.http = transport

    def get(self, uid: str) -> Dashboard | None:
        try:
            reply = self.http.request("GET", f"/api/dashboards/uid/{_quote(uid)}")
        except GrafanaError as err:
            if err.status == 404:
                return None
            raise
        data, meta = reply.get("dashboard"), reply.get("meta")
        if not isinstance(data, dict) or not isinstance(meta, dict):
            raise GrafanaError(0, f"Grafana's reply for dashboard {uid} has no dashboard or meta object")
        version = _int(meta.get("version")) or _int(data.get("version"))
        return Dashboard(
            uid,
            data,
            version,
            _text(meta.get("folderUid")),
            _text(meta.get("updatedBy")),
            _text(meta.get("updated")),
            str(version),
        )

    def ensure_folder(self, uid: str, title: str) -> bool:
        """Create the folder by uid when Grafana has none; True when it was created."""
        try:
            self.http.request("GET", f"/api/folders/{_quote(uid)}")
            return False
        except GrafanaError as err:
            if err.status != 404:
                raise
        self.http.request("POST", "/api/folders", {"uid": uid, "title": title})
        return True

    def save(
        self,
        uid: str,
        data: dict[str, Any],
        folder_uid: str | None,
        message: str,
        current: Dashboard | None,
        force: bool,
    ) -> Saved:
        """Create, or update the version in ``current``; Grafana refuses (412) when it changed since.
        ``uid`` is ``data["uid"]`` here (the classic JSON carries it)."""
        dashboard = {**data, "id": None}
        if current is not None:
            dashboard["version"] = int(current.concurrency)
        body: dict[str, Any] = {"dashboard": dashboard, "message": message, "overwrite": force}
        if folder_uid is not None:
            body["folderUid"] = folder_uid
        reply = self.http.request("POST", "/api/dashboards/db", body)
        return Saved(_text(reply.get("uid")), _int(reply.get("version")), _text(reply.get("url")))

    def versions(self, uid: str) -> list[Version]:
        reply = self.http.request("GET", f"/api/dashboards/uid/{_quote(uid)}/versions?limit=100", expect=object)
        items = reply.get("versions") if isinstance(reply, dict) else reply  # Grafana 12+ wraps the list
        if not isinstance(items, list):
            raise GrafanaError(0, f"Grafana's version list for {uid} is not a list")
        return [
            Version(_int(v.get("version")), _text(v.get("created")), _text(v.get("createdBy")), _text(v.get("message")))
            for v in items
            if isinstance(v, dict)
        ]

    def version_data(self, uid: str, version: int) -> dict[str, Any]:
        reply = self.http.request("GET", f"/api/dashboards/uid/{_quote(uid)}/versions/{version}")
        data = reply.get("data")
        if not isinstance(data, dict):
            raise GrafanaError(0, f"Grafana's version {version} of {uid} holds no dashboard")
        return data

    def restore(self, uid: str, version: int, current: Dashboard) -> Saved:
        reply = self.http.request("POST", f"/api/dashboards/uid/{_quote(uid)}/restore", {"version": version})
        return Saved(_text(reply.get("uid")) or uid, _int(reply.get("version")), _text(reply.get("url")))

    def delete(self, uid: str) -> None:
        """``DELETE /api/dashboards/uid/:uid`` (Grafana 12+ keeps it in "Recently deleted")."""
        self.http.request("DELETE", f"/api/dashboards/uid/{_quote(uid)}")


def _quote(part: str) -> str:
    return urllib.parse.quote(part, safe="")


def push_dashboard(
    base_url: str,
    token: str,
    dashboard: dict[str, Any],
    folder_uid: str | None = None,
    message: str = "",
    overwrite: bool = True,
    timeout: float | None = None,
) -> dict[str, Any]:
    """One ``POST /api/dashboards/db`` of ``dashboard`` (by uid); Grafana's reply
    ``{id, uid, url, status, version, slug}``.

    ``dashboard["id"]`` is sent as null because numeric ids are per Grafana install. With
    ``overwrite=False`` Grafana refuses (412) when its version differs from ``dashboard["version"]``
    or another dashboard in the folder has the same title. Raises GrafanaError.
    """
    body: dict[str, Any] = {"dashboard": {**dashboard, "id": None}, "message": message, "overwrite": overwrite}
    if folder_uid is not None:
        body["folderUid"] = folder_uid  # omitted: Grafana saves at the root folder
    return dict(Transport(base_url, token, timeout=timeout, retries=0).request("POST", "/api/dashboards/db", body))
