"""Grafana dashboards, classic JSON and the v2 resource: panels by title, rows, queries by refId.

Both formats are reduced to the same shape (dashboard settings + panels with the row they sit in),
so one comparison reports both. Positions are not reported (one added panel moves every panel
below it); sizes, row membership and everything inside a panel are.
"""

from __future__ import annotations

from typing import Any

from .fields import field_changes
from .model import Change, UniqueNames
from .panels import panel_changes


def _classic(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, tuple[str | None, dict[str, Any]]]]:
    panels: dict[str, tuple[str | None, dict[str, Any]]] = {}
    unique = UniqueNames()
    row: str | None = None

    def add(panel: dict[str, Any], in_row: str | None) -> None:
        title = str(panel.get("title") or f"id {panel.get('id')}")
        panels[unique(title)] = (in_row, panel)

    for panel in doc.get("panels") or []:
        if panel.get("type") == "row":
            row = str(panel.get("title", ""))
            for child in panel.get("panels") or []:  # a collapsed row holds its panels
                add(child, row)
            continue
        add(panel, row)
    settings = {k: v for k, v in doc.items() if k not in ("panels", "version")}
    rows = [p.get("title") for p in doc.get("panels") or [] if p.get("type") == "row"]
    return {**settings, "rows": rows}, panels


def _element_rows(layout: Any, row: str | None, out: dict[str, str | None]) -> None:
    """Which row each element reference of a v2 layout sits in."""
    if isinstance(layout, dict):
        if layout.get("kind") == "RowsLayoutRow":
            row = str((layout.get("spec") or {}).get("title", ""))
        if layout.get("kind") == "ElementReference":
            out[str(layout.get("name"))] = row
        for value in layout.values():
            _element_rows(value, row, out)
    elif isinstance(layout, list):
        for value in layout:
            _element_rows(value, row, out)


def _rows_of(layout: Any, out: list[str]) -> list[str]:
    if isinstance(layout, dict):
        if layout.get("kind") == "RowsLayoutRow":
            out.append(str((layout.get("spec") or {}).get("title", "")))
        for value in layout.values():
            _rows_of(value, out)
    elif isinstance(layout, list):
        for value in layout:
            _rows_of(value, out)
    return out


def _v2_panel(body: dict[str, Any]) -> dict[str, Any]:
    """A v2 panel element in the classic panel's shape, so panels.py reads one format.

    v2 nests what the classic panel holds at its top: ``vizConfig.group`` is the ``type``,
    ``vizConfig.spec`` holds ``fieldConfig`` and ``options``, ``data.spec`` the queries (each
    query's own fields under ``query.spec``), transformations and query options.
    https://grafana.com/docs/grafana/latest/as-code/observability-as-code/schema-v2/panel-schema/
    """
    viz = dict(body.get("vizConfig") or {})
    data = (body.get("data") or {}).get("spec") or {}
    targets = []
    for i, item in enumerate(data.get("queries") or []):
        query = item.get("spec") or {}
        target = {"refId": query.get("refId", str(i)), **((query.get("query") or {}).get("spec") or {})}
        if query.get("hidden"):
            target["hide"] = True
        if (query.get("query") or {}).get("datasource"):
            target["datasource"] = query["query"]["datasource"]
        targets.append(target)
    panel = {k: v for k, v in body.items() if k not in ("data", "vizConfig")}
    panel.update(viz.pop("spec", None) or {})
    if "group" in viz:
        panel["type"] = viz.pop("group")
    if viz.get("version"):
        panel["pluginVersion"] = viz["version"]
    rest = {k: v for k, v in viz.items() if k not in ("kind", "version")}  # kind is always VizConfig
    if rest:
        panel["vizConfig"] = rest
    if data.get("transformations"):
        panel["transformations"] = data["transformations"]
    return {**panel, **(data.get("queryOptions") or {}), "targets": targets}


def _v2(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, tuple[str | None, dict[str, Any]]]]:
    spec = doc.get("spec") or {}
    where: dict[str, str | None] = {}
    _element_rows(spec.get("layout"), None, where)
    panels: dict[str, tuple[str | None, dict[str, Any]]] = {}
    unique = UniqueNames()
    for name, element in (spec.get("elements") or {}).items():
        body = element.get("spec") or {}
        panels[unique(str(body.get("title") or name))] = (where.get(name), _v2_panel(body))
    settings = {k: v for k, v in spec.items() if k not in ("elements", "layout")}
    settings["metadata"] = doc.get("metadata")
    return {**settings, "rows": _rows_of(spec.get("layout"), [])}, panels


# The top-level key ``is_v2`` and ``is_classic`` each test first; ``semdiff._parse`` parses a
# YAML file holding one of them.
_V2_KEY, _CLASSIC_KEY = "spec", "panels"
TOP_KEYS = (_V2_KEY, _CLASSIC_KEY)


def is_v2(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get(_V2_KEY), dict) and "elements" in doc[_V2_KEY]


def is_classic(doc: Any) -> bool:
    return isinstance(doc, dict) and _CLASSIC_KEY in doc and "schemaVersion" in doc


ACROSS_NOTE = "title, rows, panels and their queries compared"


def _format(doc: dict[str, Any]) -> str:
    return "v2" if is_v2(doc) else "classic"


def _query_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Changed query expressions by refId: what a panel shows, whatever the format spells around it.

    >>> _query_changes({"targets": [{"refId": "A", "expr": "up"}]}, {"targets": [{"refId": "A", "expr": "up == 0"}]})
    ['query A: up → up == 0']
    """

    def queries(panel: dict[str, Any]) -> dict[str, str]:
        return {str(t.get("refId")): str(t.get("expr", "")) for t in panel.get("targets") or [] if isinstance(t, dict)}

    a, b = queries(old), queries(new)
    out = [f"query {ref} added: {b[ref]}" for ref in b if ref not in a]
    out += [f"query {ref}: {a[ref]} → {b[ref]}" for ref in b if ref in a and a[ref] != b[ref]]
    return out + [f"query {ref} removed" for ref in a if ref not in b]


def _read(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, tuple[str | None, dict[str, Any]]]]:
    return _v2(doc) if is_v2(doc) else _classic(doc)


def diff_dashboard(path: str, old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Changes between two dashboards, in panel and row terms; each format is read into the same
    shape, so a rollback from v2 to a classic file is compared panel by panel too."""
    (settings_a, panels_a), (settings_b, panels_b) = _read(old), _read(new)
    changes: list[Change] = []
    rows_a, rows_b = settings_a.pop("rows"), settings_b.pop("rows")
    changes += [Change(path, "row", str(r), "added") for r in rows_b if r not in rows_a]
    changes += [Change(path, "row", str(r), "removed") for r in rows_a if r not in rows_b]
    kept_a, kept_b = [r for r in rows_a if r in rows_b], [r for r in rows_b if r in rows_a]
    if kept_a != kept_b:
        changes.append(
            Change(path, "rows", "", f"reordered: {', '.join(map(str, kept_a))} → {', '.join(map(str, kept_b))}")
        )
    across = is_v2(old) != is_v2(new)
    if across:  # the formats spell every setting differently: compare what users see, not the spelling
        changes.append(Change(path, "dashboard", "", f"format {_format(old)} → {_format(new)}: {ACROSS_NOTE}"))
        settings_a, settings_b = ({"title": s.get("title")} for s in (settings_a, settings_b))
    changes += [Change(path, "dashboard", "", text) for text in field_changes(settings_a, settings_b)]
    for title, (row, panel) in panels_b.items():
        name = f"'{title}'"
        if title not in panels_a:
            changes.append(Change(path, "panel", name, "added"))
            continue
        old_row, old_panel = panels_a[title]
        if old_row != row:
            changes.append(Change(path, "panel", name, f"moved to row {row}" if row else "moved out of its row"))
        found = _query_changes(old_panel, panel) if across else panel_changes(old_panel, panel)
        changes += [Change(path, "panel", name, text) for text in found]
    changes += [Change(path, "panel", f"'{t}'", "removed") for t in panels_a if t not in panels_b]
    return changes
