"""The dashboard part of ``adopt``: rows of typed panels where a candidate compiles to the very
queries the panel had, raw ``promql`` panels (one per query) otherwise.

Candidates are checked in batches: a panel's queries depend on the catalog and the variables
only, never on the other panels, so a whole dashboard compiles at once, and a batch the loader
refuses is split in halves until each refused panel stands alone.
"""

from __future__ import annotations

import json
import re
from typing import Any, assert_never

from ..compilers.grafana.context import UNITS as GRAFANA_UNITS
from .adopt_context import Context, Summary, catalog_ref, compile_draft, refusal, skeleton
from .grafana_source import SourceDashboard, SourcePanel
from .promql_reading import Shape, normalised, shape

# Grafana units the spec names (fieldConfig.defaults.unit -> spec unit): those the compiler writes
# for a unit, read back, and Grafana's decimal bytes. "short" (no unit) is left to the query.
_UNITS = {grafana: unit for unit, grafana in GRAFANA_UNITS.items() if unit != "none"} | {"decbytes": "bytes"}


_STAT_VIZ = frozenset({"stat", "singlestat", "gauge", "bargauge"})


def draft_dashboard(board: SourceDashboard, ctx: Context, summary: Summary) -> dict[str, Any]:
    dashboard: dict[str, Any] = {}
    if board.title:
        dashboard["title"] = board.title
    if re.fullmatch(r"[a-zA-Z0-9_-]{1,40}", board.uid):
        dashboard["uid"] = board.uid
    if board.tags:
        dashboard["tags"] = list(board.tags)
    if ctx.variables:
        dashboard["variables"] = ctx.variables
    dashboard["formats"] = [board.format]
    _prime(ctx, [p for row in board.rows for p in row.panels])
    rows = []
    for row in board.rows:
        panels = [p for panel in row.panels for p in _panels(panel, ctx, summary)]
        if panels:
            rows.append({"title": row.title, **({"collapsed": True} if row.collapsed else {}), "panels": panels})
        else:
            summary.dropped.append(f"row {row.title}: no panel could be carried")
    if rows:
        dashboard["rows"] = rows
    dropped = [v.name for v in board.variables if v.kind == "query" and v.name not in ctx.variables]
    if dropped:
        summary.dropped.append(
            f"variables {', '.join(dropped)}: not named after a label the queries filter on (raw queries keep $name)"
        )
    return dashboard


def _panels(panel: SourcePanel, ctx: Context, summary: Summary) -> list[dict[str, Any]]:
    label = f"panel {panel.title or '(untitled)'}"
    if panel.skipped:
        summary.dropped.append(f"{label}: {panel.skipped}")
        return []
    if panel.viz == "text":
        if not panel.text.strip():
            summary.dropped.append(f"{label}: an empty text panel")
            return []
        summary.typed.append(f"{label}: text")
        return [{"text": panel.text, **_titled(panel)}]
    candidate, why = _candidate(panel, ctx)
    if candidate is not None:
        if _compiles_to(ctx, candidate, [q.expr for q in panel.queries]):
            summary.typed.append(f"{label}: {next(iter(candidate))}")
            return [candidate]
        why = f"{next(iter(candidate))} compiles to another query"
    summary.raw.append(f"{label}: {why}")
    raw = []
    for query, item in zip(panel.queries, _raw_items(panel), strict=True):
        if not _compiles_to(ctx, item, [query.expr]):
            summary.dropped.append(f"{label}: query {query.expr!r} is refused ({refusal(ctx, _one_panel(ctx, item))})")
            continue
        raw.append(item)
    return raw


def _raw_items(panel: SourcePanel) -> list[dict[str, Any]]:
    """One raw ``promql`` panel per query of ``panel`` (a spec promql panel has one query)."""
    items = []
    for query in panel.queries:
        item: dict[str, Any] = {"promql": query.expr, **_titled(panel, query.legend if len(panel.queries) > 1 else "")}
        if query.legend:
            item["legend"] = query.legend
        if panel.unit in _UNITS:
            item["unit"] = _UNITS[panel.unit]
        if panel.viz in _STAT_VIZ:
            item["display"] = "stat"
        items.append(item)
    return items


def _prime(ctx: Context, panels: list[SourcePanel]) -> None:
    """Check every candidate and raw panel of the dashboard in as few compiles as possible.

    A panel's queries depend on the catalog and the variables only, never on the other panels, so
    the panels compile together; a batch the loader refuses is split in halves until each refused
    panel stands alone (a dashboard of 500 queries takes a handful of compiles, not 500).
    """
    items: list[tuple[dict[str, Any], list[str]]] = []
    for panel in panels:
        if panel.skipped or panel.viz == "text":
            continue
        candidate, _ = _candidate(panel, ctx)
        if candidate is not None:
            items.append((candidate, [q.expr for q in panel.queries]))
        items += [(item, [q.expr]) for q, item in zip(panel.queries, _raw_items(panel), strict=True)]
    _check_batch(ctx, items)


def _check_batch(ctx: Context, items: list[tuple[dict[str, Any], list[str]]]) -> None:
    if not items:
        return
    bundle = compile_draft({**skeleton(ctx), **_panels_spec(ctx, [panel for panel, _ in items])})
    if bundle is None:
        if len(items) == 1:
            ctx.checked[_key(*items[0])] = False
            return
        half = len(items) // 2
        _check_batch(ctx, items[:half])
        _check_batch(ctx, items[half:])
        return
    compiled = _compiled_panels(ctx, bundle)
    for (panel, queries), got in zip(items, compiled, strict=True):
        ctx.checked[_key(panel, queries)] = [normalised(q) for q in got] == [normalised(q) for q in queries]


def _key(panel: dict[str, Any], queries: list[str]) -> str:
    return json.dumps([panel, queries], sort_keys=True)


def _titled(panel: SourcePanel, legend: str = "") -> dict[str, Any]:
    title = f"{panel.title} ({legend})" if legend and panel.title else panel.title or legend
    return {"title": title} if title else {}


def _candidate(panel: SourcePanel, ctx: Context) -> tuple[dict[str, Any] | None, str]:
    shapes = [shape(q.expr) for q in panel.queries]
    if any(s is None for s in shapes):
        return None, "not a shape the spec compiles to"
    found = [s for s in shapes if s is not None]
    if len(found) > 1:
        if all(s.kind == "quantile" and s.selector == found[0].selector for s in found):
            ref = catalog_ref(found[0].selector, ctx)
            if ref is not None:
                return {"percentiles": ref, "quantiles": [s.quantile for s in found], **_titled(panel)}, ""
        return None, "several queries of different shapes"
    first = found[0]
    kind = _panel_kind(first, panel)
    if kind is None:
        return None, f"a {first.kind} query in a {panel.viz} panel"
    # an increase over a fixed window of a counter is our rate panel counted per that window (bars)
    per = {"per": first.window} if first.kind == "increase" and kind == "rate" else {}
    ref = catalog_ref(first.selector, ctx, first.by if kind == "rate" else ())
    if ref is None:
        return None, "a selector the catalog cannot name (two matchers on one label, or a recording rule)"
    extra: dict[str, Any] = {}
    if kind == "percentiles":
        extra["quantiles"] = [first.quantile]
    if kind == "error_ratio":
        total = catalog_ref(first.total, ctx) if first.total else None
        if total is None:
            return None, "a ratio whose denominator the catalog cannot name"
        extra["total"] = total
    if kind == "timeline" and panel.states:
        _add_states(ctx, first.selector.metric, panel.states)
    return {kind: ref, **per, **extra, **_titled(panel)}, ""


def _panel_kind(found: Shape, panel: SourcePanel) -> str | None:
    """The spec panel kind a query of this shape in this Grafana panel type is, if any."""
    buckets = found.selector.metric.endswith("_bucket") and found.by == ("le",)
    match found.kind:
        case "rate":
            if buckets:
                return "heatmap" if panel.viz == "heatmap" else None
            return "stat" if panel.viz in _STAT_VIZ else "rate"
        case "increase":
            if buckets:
                return "histogram"
            return "rate" if panel.viz in ("timeseries", "graph", "barchart") else None
        case "quantile":
            return "percentiles"
        case "ratio":
            return "error_ratio"
        case "value":
            if panel.viz == "state-timeline":
                return "timeline" if panel.states else None
            return "gauge" if panel.viz == "gauge" else "stat" if panel.viz in _STAT_VIZ else None
        case "absent":
            return None  # an alert's shape: no panel shows absence
        case unreachable:
            assert_never(unreachable)


def _add_states(ctx: Context, metric: str, states: dict[str, str]) -> None:
    """A state timeline's value mappings become the states of its metric in the catalog."""
    entry = ctx.catalog.get(metric)
    if entry is not None and all(re.fullmatch(r"-?\d+", v) for v in states):
        ctx.states[entry.logical] = {int(v): text for v, text in states.items()}


def _compiles_to(ctx: Context, panel: dict[str, Any], queries: list[str]) -> bool:
    """Whether ``panel`` alone compiles to ``queries`` (whitespace aside)."""
    key = _key(panel, queries)
    if key not in ctx.checked:
        _check_batch(ctx, [(panel, queries)])
    return ctx.checked[key]


def _compiled_panels(ctx: Context, bundle: Any) -> list[list[str]]:
    """The queries of each panel of the compiled dashboard, in order (rows aside)."""
    board = json.loads(bundle[f"{ctx.name}/grafana/{ctx.name}.json"])
    return [[t.get("expr", "") for t in p.get("targets", [])] for p in board["panels"] if p.get("type") != "row"]


def _one_panel(ctx: Context, panel: dict[str, Any]) -> dict[str, Any]:
    return _panels_spec(ctx, [panel])


def _panels_spec(ctx: Context, panels: list[dict[str, Any]]) -> dict[str, Any]:
    variables = {"variables": ctx.variables} if ctx.variables else {}
    return {"dashboard": {**variables, "rows": [{"title": "R", "panels": panels}]}}
