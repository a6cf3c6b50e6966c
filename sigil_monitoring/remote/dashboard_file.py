"""A dashboard JSON file to roll back to (``rollback --to-file``): what it holds and under which uid.

Any dashboard Grafana exported or we compiled is accepted:

- the classic JSON (Grafana 8 to 13: an object with ``panels`` and a ``title``);
- the same inside an import or API wrapper, ``{"dashboard": {...}, ...}`` (the body of
  ``POST /api/dashboards/db``, the reply of ``GET /api/dashboards/uid/:uid``, "Export for sharing");
- a v2 resource, ``{"apiVersion": "dashboard.grafana.app/v2…", "kind": "Dashboard",
  "metadata": {"name": UID}, "spec": {"elements": …}}``, or its bare ``spec``.

Anything else is the user's mistake: one positioned line (``file:line:col: error: …``), exit 2, as
for a spec. The uid is the file's (``uid``, or ``metadata.name`` of a resource); a file without one
can only be restored under ours (``--as-ours``).

>>> f = parse_dashboard("v1.json", b'{"dashboard": {"uid": "v1", "title": "Sigil v1", "panels": []}}')
>>> f.kind, f.uid, f.title
('classic', 'v1', 'Sigil v1')
>>> v2 = b'{"kind": "Dashboard", "metadata": {"name": "s"}, "spec": {"title": "S", "elements": {}}}'
>>> f = parse_dashboard("v2.json", v2)
>>> f.kind, f.uid, f.data
('v2', 's', {'title': 'S', 'elements': {}})
>>> parse_dashboard("x.json", b'{"panels": [], "title": 3}')
Traceback (most recent call last):
...
sigil_monitoring.errors.SpecError: x.json:1:16: error: the dashboard's "title" is not text (give the dashboard a title)
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal

import msgspec

from ..errors import Diagnostic, SpecError

MAX_DASHBOARD_FILE = 16 * 1024 * 1024  # larger than any dashboard Grafana would store

Format = Literal["classic", "v2"]


class DashboardFile(msgspec.Struct, frozen=True):
    """The dashboard of a file, ready to save: the classic JSON, or the ``spec`` of a v2 resource."""

    path: str
    kind: Format
    uid: str  # "" when the file names none
    title: str
    data: dict[str, Any]


def read_dashboard(path: str) -> DashboardFile:
    """Read and parse ``path``; ``SpecError`` (one positioned line) when it is not a dashboard."""
    from ..fsread import NotRegularFile, TooLarge, read_regular

    try:
        raw = read_regular(path, MAX_DASHBOARD_FILE)
    except NotRegularFile as exc:
        raise _error(path, 1, 1, f"{exc} (give a dashboard JSON file)") from None
    except TooLarge as exc:
        raise _error(path, 1, 1, f"{exc} (give a dashboard JSON file)") from None
    except OSError as exc:
        raise _error(path, 1, 1, f"cannot read the file: {exc.strerror} (give a dashboard JSON file)") from None
    return parse_dashboard(path, raw)


def parse_dashboard(path: str, raw: bytes) -> DashboardFile:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _error(path, 1, 1, "the file is not UTF-8 text (give a dashboard JSON file)") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _error(path, exc.lineno, exc.colno, f"not JSON: {exc.msg} (give a dashboard JSON file)") from None
    except RecursionError:
        raise _error(path, 1, 1, "the JSON is nested too deeply to be a dashboard") from None
    if not isinstance(doc, dict):
        raise _error(path, 1, 1, "the file holds no JSON object (a dashboard is an object with panels and a title)")
    if isinstance(doc.get("spec"), dict) and (doc.get("kind") == "Dashboard" or "elements" in doc["spec"]):
        meta = doc.get("metadata")
        uid = meta.get("name", "") if isinstance(meta, dict) else ""
        return _checked(path, text, "v2", uid, doc["spec"], "name")
    if "elements" in doc and "layout" in doc:  # the bare spec of a v2 resource
        return _checked(path, text, "v2", "", doc, "uid")
    body = doc["dashboard"] if isinstance(doc.get("dashboard"), dict) else doc
    if "panels" not in body and "rows" not in body:
        raise _error(
            path,
            1,
            1,
            'no dashboard here: neither classic JSON (panels), an import file ({"dashboard": …}) nor a v2 '
            "resource (spec.elements) (give a dashboard Grafana exported or sigil-monitoring compiled)",
        )
    return _checked(path, text, "classic", body.get("uid", ""), body, "uid")


def _checked(path: str, text: str, kind: Format, uid: Any, data: dict[str, Any], uid_key: str) -> DashboardFile:
    if not isinstance(uid, str) or not re.fullmatch(r"[A-Za-z0-9_-]{0,40}", uid):
        line, col = _position(text, uid_key)
        raise _error(
            path, line, col, f'the dashboard\'s "{uid_key}" is not a Grafana uid (at most 40 letters, digits, - or _)'
        )
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        line, col = _position(text, "title")
        what = "is not text" if "title" in data else "is missing"
        raise _error(path, line, col, f'the dashboard\'s "title" {what} (give the dashboard a title)')
    return DashboardFile(path, kind, uid, title, data)


def _position(text: str, key: str) -> tuple[int, int]:
    """Line and column (1-based) of the first ``"key":`` in ``text``; 1:1 when there is none."""
    found = re.search(rf'"{re.escape(key)}"\s*:', text)
    if found is None:
        return 1, 1
    before = text[: found.start()]
    return before.count("\n") + 1, found.start() - (before.rfind("\n") + 1) + 1


def _error(path: str, line: int, col: int, message: str) -> SpecError:
    return SpecError([Diagnostic(path, line, col, message)])
