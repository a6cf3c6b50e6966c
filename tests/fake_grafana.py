"""A thin in-memory fake of Grafana's classic dashboard HTTP API, for client tests.

Why: pushing dashboards must be tested without a real Grafana (not installable here),
yet against the behaviour Grafana documents, so the client meets the same status codes
and bodies. Each behaviour follows a Grafana docs page (checked against the Grafana
source where the page is vague):

* "Dashboard HTTP API" (grafana.com/docs/grafana/latest/developers/http_api/dashboard/):
  - `POST /api/dashboards/db` with `{dashboard, folderUid, message, overwrite}` creates or
    updates; 200 `{id, uid, url, status: "success", version, slug}`. `dashboard.id` null
    creates; a missing uid is generated; a given uid is kept. Versions start at 1 and
    increase by one on every save. A missing `folderUid` puts the dashboard at the root.
  - 400 for missing fields, 401 Unauthorized, 412 `{status, message}` with status
    `version-mismatch` ("The dashboard has been changed by someone else") or `name-exists`.
    Grafana's code (pkg/services/dashboards/database: getExistingDashboardByIDOrUIDForUpdate,
    getExistingDashboardByTitleAndFolder) makes these precise: version-mismatch when the
    sent `version` differs from the stored one and overwrite is false; name-exists when
    another uid in the same folder has the same title (slug) and overwrite is false. With
    overwrite=true a title clash REPLACES the other dashboard: the save takes its uid.
  - `GET /api/dashboards/uid/:uid` -> `{dashboard, meta: {slug, url, folderUid, version, ...}}`,
    404 `{"message": "Dashboard not found"}`.
* "Dashboard Versions HTTP API" (.../developers/http_api/dashboard_versions/):
  - `GET /api/dashboards/uid/:uid/versions` -> list, newest first (Grafana <= 11 shape; with
    `versions_envelope=True` the Grafana 12+ shape `{continueToken, versions}`); `?limit=N`.
  - `GET /api/dashboards/uid/:uid/versions/:version` -> one version with `data`.
  - `POST /api/dashboards/uid/:uid/restore {"version": N}` saves the old content as a NEW
    version (`restoredFrom: N`) and answers `{id, slug, status, uid, url, version}`;
    404 `{"message": "Dashboard version not found"}`.
Every endpoint needs `Authorization: Bearer <token>`. Not modelled: folders, permissions,
plugin dashboards, `folderId`, deletion, the /apis (Grafana 12+) resource API.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import threading
import urllib.parse
from datetime import datetime, timezone
from typing import Any

from servers import Handler, LocalHTTPServer

_UID_RE = re.compile(r"^[a-zA-Z0-9\-_]*$")  # Grafana's allowed uid characters


def slugify(title: str) -> str:
    """Grafana-like slug: lower case, runs of other characters become one dash."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


class FakeGrafana(LocalHTTPServer):
    """In-memory Grafana dashboard API on 127.0.0.1; a context manager like every LocalHTTPServer.

    `dashboards` maps uid -> stored record; `calls` lists (method, path) of every request.
    """

    def __init__(self, token: str = "test-token", versions_envelope: bool = False) -> None:
        super().__init__()
        self.token = token
        self.versions_envelope = versions_envelope
        self.dashboards: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._next_id = 1
        self._next_version_id = 1

    # ------------------------------------------------------------ dispatch
    def handle(self, handler: Handler) -> None:
        path = urllib.parse.urlsplit(handler.path)
        parts = [urllib.parse.unquote(p) for p in path.path.strip("/").split("/")]
        query = urllib.parse.parse_qs(path.query)
        body_raw = handler.read_body()
        with self._lock:
            self.calls.append((handler.command, path.path))
            if handler.headers.get("Authorization") != f"Bearer {self.token}":
                return handler.reply(401, {"message": "Unauthorized"})
            try:
                body = json.loads(body_raw) if body_raw else {}
            except ValueError:
                return handler.reply(400, {"message": "bad request data"})
            status, reply = self._route(handler.command, parts, query, body)
        handler.reply(status, reply)

    def _route(self, method: str, parts: list[str], query: dict[str, list[str]],
               body: Any) -> tuple[int, Any]:
        if method == "POST" and parts == ["api", "dashboards", "db"]:
            return self._save_request(body)
        if len(parts) >= 4 and parts[:3] == ["api", "dashboards", "uid"]:
            uid, rest = parts[3], parts[4:]
            if uid not in self.dashboards:
                return 404, {"message": "Dashboard not found"}
            if method == "GET" and not rest:
                return 200, self._get(uid)
            if method == "GET" and rest == ["versions"]:
                return 200, self._versions(uid, query)
            if method == "GET" and len(rest) == 2 and rest[0] == "versions":
                return self._version(uid, rest[1])
            if method == "POST" and rest == ["restore"]:
                return self._restore(uid, body)
        return 404, {"message": "Not found"}

    # ------------------------------------------------------------ POST /api/dashboards/db
    def _save_request(self, body: Any) -> tuple[int, Any]:
        dash = body.get("dashboard") if isinstance(body, dict) else None
        if not isinstance(dash, dict):
            return 400, {"message": "Dashboard is required"}
        if not str(dash.get("title") or "").strip():
            return 400, {"message": "Dashboard title cannot be empty"}
        uid = dash.get("uid") or ""
        if not isinstance(uid, str) or not _UID_RE.match(uid):
            return 400, {"message": "uid contains illegal characters"}
        if len(uid) > 40:
            return 400, {"message": "uid too long, max 40 characters"}
        folder = body.get("folderUid") or ""
        overwrite = bool(body.get("overwrite"))
        sent_version = dash.get("version") or 0

        existing = self.dashboards.get(uid) if uid else None
        if existing is None and dash.get("id"):  # an id without uid refers to an existing dashboard
            existing = next((d for d in self.dashboards.values() if d["id"] == dash["id"]), None)
            if existing is None:
                return 404, {"message": "Dashboard not found"}
        if existing is not None and sent_version != existing["version"]:
            if not overwrite:
                return 412, {"status": "version-mismatch",
                             "message": "The dashboard has been changed by someone else"}
        clash = next((d for d in self.dashboards.values()
                      if d["folderUid"] == folder and d["slug"] == slugify(dash["title"])
                      and d is not existing), None)
        if clash is not None:
            if not overwrite:
                return 412, {"status": "name-exists",
                             "message": "A dashboard with the same name in the folder already exists"}
            existing = clash  # Grafana: overwrite takes over the clashing dashboard, uid included
        return 200, self._save(dash, existing, folder, str(body.get("message") or ""), restored_from=0)

    def _save(self, dash: dict[str, Any], existing: dict[str, Any] | None, folder: str,
              message: str, restored_from: int) -> dict[str, Any]:
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        if existing is None:
            uid = dash.get("uid") or "f" + secrets.token_hex(4)  # Grafana generates short uids too
            record = {"id": self._next_id, "uid": uid, "version": 0, "created": now, "versions": []}
            self._next_id += 1
            self.dashboards[uid] = record
        else:
            record = existing
        parent = record["version"]
        stored = copy.deepcopy(dash)
        stored.update(id=record["id"], uid=record["uid"], version=parent + 1)
        record.update(dashboard=stored, version=parent + 1, folderUid=folder, slug=slugify(stored["title"]),
                      updated=now)
        record["versions"].append({
            "id": self._next_version_id, "dashboardId": record["id"], "uid": record["uid"],
            "parentVersion": parent, "restoredFrom": restored_from, "version": record["version"],
            "created": now, "createdBy": "admin", "message": message, "data": copy.deepcopy(stored)})
        self._next_version_id += 1
        return {"id": record["id"], "uid": record["uid"], "url": self._url(record), "status": "success",
                "version": record["version"], "slug": record["slug"]}

    @staticmethod
    def _url(record: dict[str, Any]) -> str:
        return f"/d/{record['uid']}/{record['slug']}"

    # ------------------------------------------------------------ reads and restore
    def _get(self, uid: str) -> dict[str, Any]:
        record = self.dashboards[uid]
        meta = {"type": "db", "slug": record["slug"], "url": self._url(record), "version": record["version"],
                "folderUid": record["folderUid"], "created": record["created"], "updated": record["updated"],
                "canSave": True, "isStarred": False}
        return {"dashboard": copy.deepcopy(record["dashboard"]), "meta": meta}

    def _versions(self, uid: str, query: dict[str, list[str]]) -> Any:
        items = [{k: v for k, v in ver.items() if k != "data"} for ver in reversed(self.dashboards[uid]["versions"])]
        limit = query.get("limit", [""])[0]
        if limit.isdigit() and int(limit) > 0:
            items = items[: int(limit)]
        return {"continueToken": "", "versions": items} if self.versions_envelope else items

    def _find_version(self, uid: str, version: Any) -> dict[str, Any] | None:
        return next((v for v in self.dashboards[uid]["versions"] if str(v["version"]) == str(version)), None)

    def _version(self, uid: str, version: str) -> tuple[int, Any]:
        found = self._find_version(uid, version)
        return (200, copy.deepcopy(found)) if found else (404, {"message": "Dashboard version not found"})

    def _restore(self, uid: str, body: Any) -> tuple[int, Any]:
        version = body.get("version") if isinstance(body, dict) else None
        found = self._find_version(uid, version) if isinstance(version, int) else None
        if found is None:
            return 404, {"message": "Dashboard version not found"}
        record = self.dashboards[uid]
        saved = self._save(found["data"], record, record["folderUid"], f"Restored from version {version}",
                           restored_from=version)
        return 200, {k: saved[k] for k in ("id", "slug", "status", "uid", "url", "version")}
