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
VERSIONS = ("v1", "v1beta1")  # classic JSON as spec: v1 on Grafana 13, v1beta1 on 12; the first served wins
V2_VERSIONS = ("v2", "v2beta1")  # the v2 schema: v2 on Grafana 13, v2beta1 on 12 (feature toggle)
FOLDER, MESSAGE = "grafana.app/folder", "grafana.app/message"
UPDATED_BY, UPDATED = "grafana.app/updatedBy", "grafana.app/updatedTimestamp"


def discover(transport: Transport) -> tuple[str | None, str | None]:
    """The dashboard API versions this Grafana serves for classic and for v2 dashboards
    (e.g. ``("v1", "v2")``); ``(None, None)`` when it has no /apis."""
    try:
        group = transport.request("GET", f"/apis/{GROUP}")
    except GrafanaError as err:
        if err.status == 404:
            return None, None
        raise
    versions = group.get("versions")
    served = {v.get("version") for v in versions if isinstance(v, dict)} if isinstance(versions, list) else set()
    return next((v for v in VERSIONS if v in served), None), next((v for v in V2_VERSIONS if v in served), None)


def _notes(meta: dict[str, Any]) -> dict[str, Any]:
    """A resource's annotations; {} when the server sent something else."""
    notes = meta.get("annotations")
    return notes if isinstance(notes, dict) else {}


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
        notes = _notes(meta)
        raw_generation = meta.get("generation")
        generation = raw_generation if isinstance(raw_generation, int) else 0
        return Dashboard(
            str(meta.get("name", "")),
            spec,
            generation,
            str(notes.get(FOLDER, "")),
            str(notes.get(UPDATED_BY, "")),
            str(notes.get(UPDATED, meta.get("creationTimestamp", ""))),
            str(meta.get("resourceVersion", "")),
        )

    def get(self, uid: str) -> Dashboard | None:
        try:
            return self._dashboard(self.http.request("GET", f"{self.base}/{urllib.parse.quote(uid, safe='')}"))
        except GrafanaError as err:
            if err.status == 404:
                return None
            raise

    def ensure_folder(self, uid: str, title: str) -> bool:
        return self.folders.ensure_folder(uid, title)

    def save(
        self,
        uid: str,
        data: dict[str, Any],
        folder_uid: str | None,
        message: str,
        current: Dashboard | None,
        force: bool,
    ) -> Saved:
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
        """Every version of one dashboard, newest first; [] where this API version keeps no history."""
        query = urllib.parse.urlencode(
            {"labelSelector": "grafana.app/get-history=true", "fieldSelector": f"metadata.name={uid}", "limit": "100"}
        )
        try:
            reply = self.http.request("GET", f"{self.base}?{query}")
        except GrafanaError as err:
            if err.status in (400, 404, 405, 501):  # a beta version without history support
                return []
            raise
        items = reply.get("items")
        if not isinstance(items, list):
            raise GrafanaError(0, f"Grafana's history of {uid} has no items list")
        return [i for i in items if isinstance(i, dict)]

    def versions(self, uid: str) -> list[Version]:
        history = self._history(uid)
        if not history:  # Grafana 12's beta API: the classic versions endpoint lists the same versions
            return self.folders.versions(uid)
        out = []
        for item in history:
            dash = self._dashboard(item)
            notes = _notes(item["metadata"])
            out.append(Version(dash.version, dash.updated, dash.updated_by, str(notes.get(MESSAGE, ""))))
        return out

    def version_data(self, uid: str, version: int) -> dict[str, Any]:
        history = self._history(uid)
        if not history:
            return self.folders.version_data(uid, version)
        for item in history:
            dash = self._dashboard(item)
            if dash.version == version:
                return dash.data
        raise GrafanaError(404, "Dashboard version not found")

    def restore(self, uid: str, version: int, current: Dashboard) -> Saved:
        data = self.version_data(uid, version)
        return self.save(uid, data, current.folder_uid or None, f"{RESTORE_MESSAGE} {version}", current, force=False)

    def delete(self, uid: str) -> None:
        self.http.request("DELETE", f"{self.base}/{urllib.parse.quote(uid, safe='')}")
