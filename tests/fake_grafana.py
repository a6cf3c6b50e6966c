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
  - `DELETE /api/dashboards/uid/:uid` -> 200 `{title, message: "Dashboard <title> deleted", id}`,
    404 when there is none (a Viewer's token: 403, as every write). Versions go with it.
* "Dashboard Versions HTTP API" (.../developers/http_api/dashboard_versions/):
  - `GET /api/dashboards/uid/:uid/versions` -> list, newest first (Grafana <= 11 shape; with
    `versions_envelope=True` the Grafana 12+ shape `{continueToken, versions}`); `?limit=N`.
  - `GET /api/dashboards/uid/:uid/versions/:version` -> one version with `data`.
  - `POST /api/dashboards/uid/:uid/restore {"version": N}` saves the old content as a NEW
    version (`restoredFrom: N`) and answers `{id, slug, status, uid, url, version}`;
    404 `{"message": "Dashboard version not found"}`.
* "Folder HTTP API" (.../developers/http_api/folder/): `GET /api/folders` lists `{id, uid, title}`;
  `GET /api/folders/:uid` -> the folder or 404 `{"message": "folder not found"}`; `POST /api/folders`
  `{uid, title}` creates it (409 when the uid exists, 400 without a title).
* Access control ("Access control HTTP API", .../developers/http_api/access_control/; "Search HTTP
  API", .../developers/http_api/folder_dashboard_search/): `GET /api/access-control/user/permissions`
  maps the signed-in user's actions to scopes (Viewer: `dashboards:read`, `folders:read`; Editor
  and Admin also `dashboards:write`, `dashboards:create`, `folders:create`; `permissions` overrides
  per login); `meta.canSave` of a dashboard and `canSave` of a folder say whether the token may
  save there (`read_only_folders`; `hidden_folders` answer 403); `POST /api/folders` without
  `folders:create` is 403. `GET /api/search?type=dash-db&query=TEXT` lists dashboards whose title
  contains TEXT (any case) as `{uid, title, type, url, folderUid}`.
* Authentication and roles ("Authentication options for the HTTP API", "Roles and permissions"):
  every endpoint needs `Authorization: Bearer <token>` (else 401 `{"message": "Unauthorized"}`);
  a Viewer's token may read but every write answers 403 `{"message": "Access denied"}`. The
  login of the token's user is the `createdBy` of the versions it saves and `meta.updatedBy`.
* The Kubernetes-style API of Grafana 12/13 (.../developer-resources/api-reference/http-api/apis/,
  .../resource-history/), served only for the versions given in `k8s_versions` (none by default,
  like Grafana 11): `GET /apis/dashboard.grafana.app` is the API group with its served versions;
  `/apis/dashboard.grafana.app/<v>/namespaces/default/dashboards` lists (`DashboardList`) and
  creates (POST, 409 AlreadyExists); `.../dashboards/<uid>` gets, updates (PUT) and deletes
  (DELETE: 200 with a `Status` of `Success`, 404 NotFound). A resource is
  `{apiVersion, kind: Dashboard, metadata: {name, namespace, resourceVersion, generation,
  creationTimestamp, annotations}, spec}`; `generation` is the version number and
  `resourceVersion` changes on every save; a PUT whose `metadata.resourceVersion` is not the
  current one is a 409 Conflict (a Kubernetes `Status` object), a PUT without one always applies.
  The list with `labelSelector=grafana.app/get-history=true&fieldSelector=metadata.name=<uid>`
  returns every version of one dashboard, newest first (with `k8s_history=False` it is a 400, as
  beta versions "may not support it"). The k8s and classic endpoints share one
  store, as in Grafana, so a version saved through one is seen through the other.
Failure injection for client tests: `fail_next` holds statuses (e.g. 503) answered, in order,
before any other handling. Not modelled: permissions per folder, plugin dashboards, `folderId`,
Grafana 12's "recently deleted" restore, conversion between classic and v2 specs.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import threading
import urllib.parse
from datetime import UTC, datetime
from typing import Any

from sigil_monitoring.live.sinks import Handler, LocalHTTPServer

_UID_RE = re.compile(r"^[a-zA-Z0-9\-_]*$")  # Grafana's allowed uid characters


def slugify(title: str) -> str:
    """Grafana-like slug: lower case, runs of other characters become one dash."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


K8S_GROUP = "dashboard.grafana.app"


def _k8s_status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


class FakeGrafana(LocalHTTPServer):
    """In-memory Grafana dashboard API on 127.0.0.1; a context manager like every LocalHTTPServer.

    `dashboards` maps uid -> stored record; `folders` uid -> folder; `calls` lists (method, path)
    of every request. `users` maps further tokens to (login, role); `token` is the admin's.
    """

    def __init__(
        self,
        token: str = "test-token",
        versions_envelope: bool = False,
        users: dict[str, tuple[str, str]] | None = None,
        k8s_versions: tuple[str, ...] = (),
        k8s_history: bool = True,
    ) -> None:
        super().__init__()
        self.token = token
        self.users = {token: ("admin", "Admin"), **(users or {})}
        self.versions_envelope = versions_envelope
        self.k8s_versions = k8s_versions
        self.k8s_history = k8s_history  # False: like a beta API version without resource history
        self.dashboards: dict[str, dict[str, Any]] = {}
        self.folders: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []
        self.fail_next: list[int] = []
        self._lock = threading.Lock()
        self._next_id = 1
        self._next_version_id = 1
        self._resource_version = 1000
        self._user = "admin"
        self.permissions: dict[str, set[str]] = {}  # login -> actions, overriding the role's
        self.hidden_folders: set[str] = set()  # folders the token may not read (403)
        self.read_only_folders: set[str] = set()  # folders the token may read but not save into

    # ------------------------------------------------------------ dispatch
    def handle(self, handler: Handler) -> None:
        path = urllib.parse.urlsplit(handler.path)
        parts = [urllib.parse.unquote(p) for p in path.path.strip("/").split("/")]
        query = urllib.parse.parse_qs(path.query)
        body_raw = handler.read_body()
        with self._lock:
            self.calls.append((handler.command, path.path))
            if self.fail_next:
                code = self.fail_next.pop(0)
                return handler.reply(code, {"message": f"injected failure {code}"})
            auth = handler.headers.get("Authorization") or ""
            user = self.users.get(auth[len("Bearer ") :]) if auth.startswith("Bearer ") else None
            if user is None:
                return handler.reply(401, {"message": "Unauthorized"})
            if handler.command != "GET" and user[1] == "Viewer":
                return handler.reply(403, {"message": "Access denied"})
            try:
                body = json.loads(body_raw) if body_raw else {}
            except ValueError:
                return handler.reply(400, {"message": "bad request data"})
            self._user = user[0]
            status, reply = self._route(handler.command, parts, query, body)
        handler.reply(status, reply)

    def _route(self, method: str, parts: list[str], query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        if parts[:2] == ["apis", K8S_GROUP]:
            return self._k8s(method, parts[2:], query, body)
        if parts[:2] == ["api", "folders"]:
            return self._folder(method, parts[2:], body)
        if method == "GET" and parts == ["api", "access-control", "user", "permissions"]:
            return 200, {action: ["*"] for action in self._actions()}
        if method == "GET" and parts == ["api", "search"]:
            return 200, self._search(query)
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
            if method == "DELETE" and not rest:
                record = self.dashboards.pop(uid)
                title = record["dashboard"]["title"]
                return 200, {"title": title, "message": f"Dashboard {title} deleted", "id": record["id"]}
        return 404, {"message": "Not found"}

    # ------------------------------------------------------------ /api/folders
    def _folder(self, method: str, rest: list[str], body: Any) -> tuple[int, Any]:
        if method == "GET" and not rest:
            return 200, [{"id": f["id"], "uid": f["uid"], "title": f["title"]} for f in self.folders.values()]
        if method == "GET" and len(rest) == 1:
            found = self.folders.get(rest[0])
            if found is not None and rest[0] in self.hidden_folders:
                return 403, {"message": "Access denied to folder"}
            can_save = self._can("dashboards:write") and rest[0] not in self.read_only_folders
            return (
                (200, {**found, "canSave": can_save, "canEdit": can_save})
                if found
                else (404, {"message": "folder not found"})
            )
        if method == "POST" and not rest and not self._can("folders:create"):
            return 403, {
                "message": "You'll need additional permissions to perform this action. "
                "Permissions needed: folders:create"
            }
        if method == "POST" and not rest:
            uid, title = (body.get("uid") or "", body.get("title") or "") if isinstance(body, dict) else ("", "")
            if not str(title).strip():
                return 400, {"message": "folder title cannot be empty"}
            if uid in self.folders:
                return 409, {"message": "a folder with the same uid already exists"}
            uid = uid or "f" + secrets.token_hex(4)
            folder = {
                "id": len(self.folders) + 1,
                "uid": uid,
                "title": title,
                "url": f"/dashboards/f/{uid}/",
                "version": 1,
                "createdBy": self._user,
            }
            self.folders[uid] = folder
            return 200, folder
        return 404, {"message": "Not found"}

    # ------------------------------------------------------------ permissions and search
    def _actions(self) -> set[str]:
        """The signed-in user's actions: per login when set in ``permissions``, else by role."""
        login, role = next(u for u in self.users.values() if u[0] == self._user)
        if login in self.permissions:
            return self.permissions[login]
        read = {"dashboards:read", "folders:read"}
        return read if role == "Viewer" else read | {"dashboards:write", "dashboards:create", "folders:create"}

    def _can(self, action: str) -> bool:
        return action in self._actions()

    def _search(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        text = query.get("query", [""])[0].lower()
        return [
            {
                "uid": r["uid"],
                "title": r["dashboard"]["title"],
                "type": "dash-db",
                "url": self._url(r),
                "folderUid": r["folderUid"] or None,  # Grafana omits it for the root folder
            }
            for r in self.dashboards.values()
            if text in r["dashboard"]["title"].lower() and query.get("type", ["dash-db"]) == ["dash-db"]
        ]

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
        if folder in self.read_only_folders | self.hidden_folders or not self._can("dashboards:write"):
            return 403, {"message": "Access denied"}
        if existing is None and not self._can("dashboards:create"):
            return 403, {"message": "Access denied"}
        if existing is None and dash.get("id"):  # an id without uid refers to an existing dashboard
            existing = next((d for d in self.dashboards.values() if d["id"] == dash["id"]), None)
            if existing is None:
                return 404, {"message": "Dashboard not found"}
        if existing is not None and sent_version != existing["version"]:
            if not overwrite:
                return 412, {"status": "version-mismatch", "message": "The dashboard has been changed by someone else"}
        clash = next(
            (
                d
                for d in self.dashboards.values()
                if d["folderUid"] == folder and d["slug"] == slugify(dash["title"]) and d is not existing
            ),
            None,
        )
        if clash is not None:
            if not overwrite:
                return 412, {
                    "status": "name-exists",
                    "message": "A dashboard with the same name in the folder already exists",
                }
            existing = clash  # Grafana: overwrite takes over the clashing dashboard, uid included
        return 200, self._save(dash, existing, folder, str(body.get("message") or ""), restored_from=0)

    def _save(
        self, dash: dict[str, Any], existing: dict[str, Any] | None, folder: str, message: str, restored_from: int
    ) -> dict[str, Any]:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        if existing is None:
            uid = dash.get("uid") or "f" + secrets.token_hex(4)  # Grafana generates short uids too
            record = {
                "id": self._next_id,
                "uid": uid,
                "version": 0,
                "created": now,
                "createdBy": self._user,
                "versions": [],
            }
            self._next_id += 1
            self.dashboards[uid] = record
        else:
            record = existing
        parent = record["version"]
        stored = copy.deepcopy(dash)
        stored.update(id=record["id"], uid=record["uid"], version=parent + 1)
        self._resource_version += 1
        record.update(
            dashboard=stored,
            version=parent + 1,
            folderUid=folder,
            slug=slugify(stored["title"]),
            updated=now,
            updatedBy=self._user,
            resourceVersion=str(self._resource_version),
        )
        record["versions"].append(
            {
                "id": self._next_version_id,
                "dashboardId": record["id"],
                "uid": record["uid"],
                "parentVersion": parent,
                "restoredFrom": restored_from,
                "version": record["version"],
                "created": now,
                "createdBy": self._user,
                "message": message,
                "data": copy.deepcopy(stored),
            }
        )
        self._next_version_id += 1
        return {
            "id": record["id"],
            "uid": record["uid"],
            "url": self._url(record),
            "status": "success",
            "version": record["version"],
            "slug": record["slug"],
        }

    @staticmethod
    def _url(record: dict[str, Any]) -> str:
        return f"/d/{record['uid']}/{record['slug']}"

    # ------------------------------------------------------------ reads and restore
    def _get(self, uid: str) -> dict[str, Any]:
        record = self.dashboards[uid]
        meta = {
            "type": "db",
            "slug": record["slug"],
            "url": self._url(record),
            "version": record["version"],
            "folderUid": record["folderUid"],
            "created": record["created"],
            "updated": record["updated"],
            "createdBy": record["createdBy"],
            "updatedBy": record["updatedBy"],
            "canSave": self._can("dashboards:write"),
            "isStarred": False,
        }
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
        saved = self._save(
            found["data"], record, record["folderUid"], f"Restored from version {version}", restored_from=version
        )
        return 200, {k: saved[k] for k in ("id", "slug", "status", "uid", "url", "version")}

    # ------------------------------------------------------------ /apis/dashboard.grafana.app
    def _k8s(self, method: str, rest: list[str], query: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        if not self.k8s_versions:
            return 404, {"message": "Not found"}  # Grafana 11 and older: no /apis
        if method == "GET" and not rest:
            versions = [{"groupVersion": f"{K8S_GROUP}/{v}", "version": v} for v in self.k8s_versions]
            return 200, {
                "kind": "APIGroup",
                "apiVersion": "v1",
                "name": K8S_GROUP,
                "versions": versions,
                "preferredVersion": versions[0],
            }
        if len(rest) < 4 or rest[0] not in self.k8s_versions or rest[1] != "namespaces" or rest[3] != "dashboards":
            return 404, _k8s_status(404, "NotFound", "the server could not find the requested resource")
        version, namespace, name = rest[0], rest[2], rest[4] if len(rest) > 4 else None
        if namespace != "default":
            return 403, _k8s_status(403, "Forbidden", f"namespace {namespace} is not this organization's")
        if name is None and method == "GET":
            listed = self._k8s_list(version, query)
            return (listed["code"] if listed.get("kind") == "Status" else 200), listed
        if name is None and method == "POST":
            return self._k8s_write(version, body, None)
        if name is not None and method == "GET":
            record = self.dashboards.get(name)
            return (200, self._resource(version, record)) if record else (404, self._not_found(name))
        if name is not None and method == "PUT":
            return self._k8s_write(version, body, name)
        if name is not None and method == "DELETE":
            if self.dashboards.pop(name, None) is None:
                return 404, self._not_found(name)
            return 200, {**_k8s_status(200, "", ""), "status": "Success", "details": {"name": name}}
        return 405, _k8s_status(405, "MethodNotAllowed", f"{method} is not supported")

    @staticmethod
    def _not_found(name: str) -> dict[str, Any]:
        return _k8s_status(404, "NotFound", f'dashboards.{K8S_GROUP} "{name}" not found')

    def _resource(self, version: str, record: dict[str, Any], saved: dict[str, Any] | None = None) -> dict[str, Any]:
        """A dashboard (or, with `saved`, one entry of its history) as a k8s resource."""
        entry = saved or record["versions"][-1]
        # A v2 spec has no uid (metadata.name is the uid); the store adds one to every dashboard.
        internal = ("id", "version", "uid") if version.startswith("v2") else ("id", "version")
        spec = {k: v for k, v in entry["data"].items() if k not in internal}
        annotations = {
            "grafana.app/createdBy": record["createdBy"],
            "grafana.app/updatedBy": entry["createdBy"],
            "grafana.app/updatedTimestamp": entry["created"],
            "grafana.app/message": entry["message"],
        }
        if record["folderUid"]:
            annotations["grafana.app/folder"] = record["folderUid"]
        resource_version = record["resourceVersion"] if saved is None else str(entry["id"])
        return {
            "apiVersion": f"{K8S_GROUP}/{version}",
            "kind": "Dashboard",
            "metadata": {
                "name": record["uid"],
                "namespace": "default",
                "uid": f"k8s-{record['id']}",
                "resourceVersion": resource_version,
                "generation": entry["version"],
                "creationTimestamp": record["created"],
                "annotations": annotations,
            },
            "spec": spec,
        }

    def _k8s_list(self, version: str, query: dict[str, list[str]]) -> dict[str, Any]:
        """The DashboardList, or a Status object when the request cannot be served."""
        if query.get("labelSelector") == ["grafana.app/get-history=true"] and not self.k8s_history:
            return _k8s_status(400, "BadRequest", "history is not supported by this API version")
        if query.get("labelSelector") == ["grafana.app/get-history=true"]:
            field = query.get("fieldSelector", [""])[0]
            record = (
                self.dashboards.get(field.removeprefix("metadata.name="))
                if field.startswith("metadata.name=")
                else None
            )
            items = [self._resource(version, record, v) for v in reversed(record["versions"])] if record else []
        else:
            items = [self._resource(version, r) for r in self.dashboards.values()]
        return {
            "kind": "DashboardList",
            "apiVersion": f"{K8S_GROUP}/{version}",
            "metadata": {"resourceVersion": str(self._resource_version), "continue": ""},
            "items": items,
        }

    def _k8s_write(self, version: str, body: Any, name: str | None) -> tuple[int, Any]:
        meta = body.get("metadata") if isinstance(body, dict) else None
        spec = body.get("spec") if isinstance(body, dict) else None
        if not isinstance(meta, dict) or not isinstance(spec, dict) or not meta.get("name"):
            return 400, _k8s_status(400, "BadRequest", "metadata.name and spec are required")
        if name is not None and meta["name"] != name:
            return 400, _k8s_status(400, "BadRequest", "the name of the object does not match the name on the URL")
        uid = str(meta["name"])
        record = self.dashboards.get(uid)
        if name is None and record is not None:
            return 409, _k8s_status(409, "AlreadyExists", f'dashboards.{K8S_GROUP} "{uid}" already exists')
        if name is not None and record is None:
            return 404, self._not_found(uid)
        sent = meta.get("resourceVersion")
        if record is not None and sent and sent != record["resourceVersion"]:
            return 409, _k8s_status(
                409,
                "Conflict",
                f'Operation cannot be fulfilled on dashboards.{K8S_GROUP} "{uid}": '
                "the object has been modified; please apply your changes to the latest version and try again",
            )
        if not str(spec.get("title") or "").strip():
            return 400, _k8s_status(400, "BadRequest", "spec.title is required")
        notes = meta.get("annotations") if isinstance(meta.get("annotations"), dict) else {}
        folder = str(notes.get("grafana.app/folder") or (record["folderUid"] if record else ""))
        self._save({**spec, "uid": uid}, record, folder, str(notes.get("grafana.app/message") or ""), restored_from=0)
        return (201 if record is None else 200), self._resource(version, self.dashboards[uid])
