"""A dashboard JSON file to roll back to (``rollback --to-file``): what it holds and under which uid.

Any dashboard Grafana exported or we compiled is accepted:

- the classic JSON (Grafana 8 to 13: an object with ``panels`` and a ``title``);
- the same inside an import or API wrapper, ``{"dashboard": {...}, ...}`` (the body of
  ``POST /api/dashboards/db``, the reply of ``GET /api/dashboards/uid/:uid``, "Export for sharing");
- a v2 resource, ``{"apiVersion": "dashboard.grafana.app/v2…", "kind": "Dashboard",
  "metadata": {"name": UID}, "spec": {"elements": …}}``, or its bare ``spec``.

A file Grafana exported "for sharing externally" has ``__inputs`` (e.g. ``DS_PROMETHEUS``) and
``${DS_PROMETHEUS}`` where the data source goes; Grafana's import form asks for their values, the
dashboard API does not, so each must be given (``--input DS_PROMETHEUS=<datasource uid>``) and is
put in its place, and the export's ``__inputs``/``__requires``/``__elements`` are dropped, as
Grafana's import does.

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
from collections.abc import Mapping
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


EXPORT_KEYS = ("__inputs", "__requires", "__elements")  # what "Export for sharing externally" adds


def read_dashboard(path: str, inputs: Mapping[str, str] | None = None) -> DashboardFile:
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
    return parse_dashboard(path, raw, inputs)


def parse_dashboard(path: str, raw: bytes, inputs: Mapping[str, str] | None = None) -> DashboardFile:
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
    if isinstance(body.get("__inputs"), list):
        body = _filled(path, text, body, inputs or {})
    return _checked(path, text, "classic", body.get("uid", ""), body, "uid")


def _filled(path: str, text: str, body: dict[str, Any], inputs: Mapping[str, str]) -> dict[str, Any]:
    """The exported dashboard with each ``${NAME}`` of its ``__inputs`` replaced by its value.

    >>> _filled("f", "", {"__inputs": [{"name": "DS_P"}], "panels": [{"datasource": "${DS_P}"}]}, {"DS_P": "p1"})
    {'panels': [{'datasource': 'p1'}]}
    """
    names = [str(i.get("name")) for i in body["__inputs"] if isinstance(i, dict) and i.get("name")]
    missing = [n for n in names if n not in inputs]
    if missing:
        line, col = _position(text, "__inputs")
        raise _error(
            path,
            line,
            col,
            f"an export for sharing externally: give the value Grafana's import would ask for, "
            f"{' '.join(f'--input {n}=VALUE' for n in missing)} (for a data source, its uid)",
        )
    values = {f"${{{n}}}": inputs[n] for n in names}

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            for placeholder, replacement in values.items():
                value = value.replace(placeholder, replacement)
            return value
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        return value

    return {k: fill(v) for k, v in body.items() if k not in EXPORT_KEYS}


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
