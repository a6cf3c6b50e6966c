"""Grafana 12/13's Kubernetes-style dashboard API (``/apis/dashboard.grafana.app/<version>``).

The same operations as ``grafana_api.Legacy`` on the resource API: a dashboard is a
``Dashboard`` resource whose ``metadata.name`` is the uid, whose ``spec`` is the classic JSON and
whose ``metadata.generation`` is the version number; an update sends back ``resourceVersion``
and Grafana answers 409 Conflict when the resource changed since (``--force`` omits it, which the
API treats as an unconditional update). History is the List endpoint with
``labelSelector=grafana.app/get-history=true&fieldSelector=metadata.name=<uid>`` (GA versions
only); a rollback writes an old spec back as a new generation. Folders go through the classic
``/api/folders`` endpoint, which Grafana 12 and 13 still serve.

Docs: grafana.com/docs/grafana/latest/developer-resources/api-reference/http-api/apis/ (path
structure, metadata) and .../resource-history/ (history).
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from .grafana_api import RESTORE_MESSAGE, Dashboard, GrafanaError, Legacy, Saved, Transport, Version

GROUP = "dashboard.grafana.app"
VERSIONS = ("v1", "v1beta1")  # v1 on Grafana 13, v1beta1 on 12; the first one served wins
FOLDER, MESSAGE = "grafana.app/folder", "grafana.app/message"
UPDATED_BY, UPDATED = "grafana.app/updatedBy", "grafana.app/updatedTimestamp"


def discover(transport: Transport) -> str | None:
    """The dashboard API version this Grafana serves (``v1``, ``v1beta1``), or None when it has no /apis."""
    try:
        group = transport.request("GET", f"/apis/{GROUP}")
    except GrafanaError as err:
        if err.status == 404:
            return None
        raise
    served = {v.get("version") for v in group.get("versions", []) if isinstance(v, dict)}
    return next((v for v in VERSIONS if v in served), None)


class K8s:
    name = "k8s"

    def __init__(self, transport: Transport, version: str = "v1beta1", namespace: str = "default") -> None:
        self.http, self.version, self.namespace = transport, version, namespace
        self.folders = Legacy(transport)
        self.base = f"/apis/{GROUP}/{version}/namespaces/{urllib.parse.quote(namespace, safe='')}/dashboards"

    def _dashboard(self, resource: dict[str, Any]) -> Dashboard:
        meta, spec = resource.get("metadata"), resource.get("spec")
        if not isinstance(meta, dict) or not isinstance(spec, dict):
            raise GrafanaError(0, "Grafana's dashboard resource has no metadata or spec object")
        raw_notes = meta.get("annotations")
        notes: dict[str, Any] = raw_notes if isinstance(raw_notes, dict) else {}
        raw_generation = meta.get("generation")
        generation = raw_generation if isinstance(raw_generation, int) else 0
        return Dashboard(str(meta.get("name", "")), spec, generation, str(notes.get(FOLDER, "")),
                         str(notes.get(UPDATED_BY, "")), str(notes.get(UPDATED, meta.get("creationTimestamp", ""))),
                         str(meta.get("resourceVersion", "")))

    def get(self, uid: str) -> Dashboard | None:
        try:
            return self._dashboard(self.http.request("GET", f"{self.base}/{urllib.parse.quote(uid, safe='')}"))
        except GrafanaError as err:
            if err.status == 404:
                return None
            raise

    def ensure_folder(self, uid: str, title: str) -> bool:
        return self.folders.ensure_folder(uid, title)

    def save(self, data: dict[str, Any], folder_uid: str | None, message: str, current: Dashboard | None,
             force: bool) -> Saved:
        uid = str(data.get("uid", ""))
        notes = {MESSAGE: message, **({FOLDER: folder_uid} if folder_uid else {})}
        metadata: dict[str, Any] = {"name": uid, "annotations": notes}
        spec = {k: v for k, v in data.items() if k not in ("id", "version")}
        resource = {"apiVersion": f"{GROUP}/{self.version}", "kind": "Dashboard", "metadata": metadata, "spec": spec}
        if current is None:
            reply = self.http.request("POST", self.base, resource)
        else:
            if not force:
                metadata["resourceVersion"] = current.concurrency
            reply = self.http.request("PUT", f"{self.base}/{urllib.parse.quote(uid, safe='')}", resource)
        saved = self._dashboard(reply)
        return Saved(saved.uid, saved.version, f"/d/{saved.uid}")

    def _history(self, uid: str) -> list[dict[str, Any]]:
        query = urllib.parse.urlencode({"labelSelector": "grafana.app/get-history=true",
                                        "fieldSelector": f"metadata.name={uid}", "limit": "100"})
        reply = self.http.request("GET", f"{self.base}?{query}")
        items = reply.get("items")
        if not isinstance(items, list):
            raise GrafanaError(0, f"Grafana's history of {uid} has no items list")
        return [i for i in items if isinstance(i, dict)]

    def versions(self, uid: str) -> list[Version]:
        out = []
        for item in self._history(uid):
            dash = self._dashboard(item)
            notes = item["metadata"].get("annotations") or {}
            out.append(Version(dash.version, dash.updated, dash.updated_by, str(notes.get(MESSAGE, ""))))
        return out

    def version_data(self, uid: str, version: int) -> dict[str, Any]:
        for item in self._history(uid):
            dash = self._dashboard(item)
            if dash.version == version:
                return dash.data
        raise GrafanaError(404, f"Dashboard version {version} not found")

    def restore(self, uid: str, version: int, current: Dashboard) -> Saved:
        data = self.version_data(uid, version)
        return self.save({**data, "uid": uid}, current.folder_uid or None, f"{RESTORE_MESSAGE} {version}",
                         current, force=False)
