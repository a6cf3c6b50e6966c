"""What ``push --dry-run`` can know, without writing, about whether the real push would be refused.

Only reads whose answer proves a refusal count; anything Grafana does not tell a reader is left
for the real push to find (then the dry run says nothing and exits 0, as before):

- dashboard versions (``ship``): Grafana's version is newer than our last push (refused until
  ``--force``);
- ``GET /api/dashboards/uid/:uid`` ``meta.canSave`` false: the token may not save this dashboard;
- ``GET /api/folders/:uid``: ``canSave`` false (may not save into it) or 403 (may not even read it);
- ``GET /api/access-control/user/permissions``: the folder is missing and ``folders:create`` is not
  granted, or the dashboard is new and ``dashboards:create`` is not;
- ``GET /api/search?type=dash-db&query=TITLE``: another dashboard in the target folder has the
  title (412 ``name-exists``; ``--force`` would replace it instead).

The permissions endpoint is Grafana 9+'s access control; where it answers 404 (older or without
it) the create checks are skipped. Folders go through the classic API on every Grafana (12 and 13
still serve it), so one ``Legacy`` reader serves both dashboard APIs.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from .grafana_api import Dashboard, GrafanaError, Transport


def _slug(title: str) -> str:
    """Grafana compares titles by slug (``name-exists``).

    >>> _slug("Sigil-DNA (v1)") == _slug("sigil dna v1")
    True
    """
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


class Preflight:
    """The reads above, for one push; ``refusal`` is "" when nothing proves a refusal."""

    def __init__(self, transport: Transport) -> None:
        self.http = transport
        self._permissions: dict[str, Any] | None = None
        self._asked = False

    def _get(self, path: str, expect: type = dict) -> Any:
        """The reply, or None for a 404."""
        try:
            return self.http.request("GET", path, expect=expect)
        except GrafanaError as err:
            if err.status == 404:
                return None
            raise

    def _granted(self, action: str) -> bool:
        """Whether the token holds ``action``; True when Grafana does not say (no access control API)."""
        if not self._asked:
            self._asked = True
            self._permissions = self._get("/api/access-control/user/permissions")
        return self._permissions is None or action in self._permissions

    def refusal(self, uid: str, title: str, folder_uid: str | None, current: Dashboard | None, force: bool) -> str:
        if current is not None:
            meta = (self._get(f"/api/dashboards/uid/{_quote(uid)}") or {}).get("meta")
            if isinstance(meta, dict) and meta.get("canSave") is False:
                return f"the token may not save dashboard {uid} (Grafana's meta.canSave is false)"
        folder = folder_uid if folder_uid is not None else (current.folder_uid if current else "")
        if folder:
            try:
                found = self._get(f"/api/folders/{_quote(folder)}")
            except GrafanaError as err:
                if err.status != 403:
                    raise
                return f"the token may not read folder {folder} (403), so it cannot save into it"
            if found is None and not self._granted("folders:create"):
                return f"folder {folder} does not exist and the token may not create folders (no folders:create)"
            if found is not None and found.get("canSave") is False:
                return f"the token may not save into folder {folder} (Grafana's canSave is false)"
        if current is None and not self._granted("dashboards:create"):
            return "the token may not create dashboards (no dashboards:create)"
        if not force:
            query = urllib.parse.urlencode({"type": "dash-db", "query": title})
            hits = self._get(f"/api/search?{query}", expect=list) or []
            for hit in hits:
                same_place = isinstance(hit, dict) and str(hit.get("folderUid") or "") == folder
                if same_place and hit.get("uid") != uid and _slug(str(hit.get("title"))) == _slug(title):
                    where = f"folder {folder}" if folder else "the root folder"
                    return (
                        f"dashboard {hit.get('uid')} in {where} already has the title '{title}' "
                        "(Grafana refuses a second: name-exists; rename one, or --force replaces it)"
                    )
        return ""


def _quote(part: str) -> str:
    return urllib.parse.quote(part, safe="")
