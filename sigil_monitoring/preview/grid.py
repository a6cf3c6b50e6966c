"""What a picture of a dashboard shows, read from its compiled classic JSON: rows and panels at
their ``gridPos``, each panel's kind, unit, threshold steps and colours, and which SLO it belongs to.

The layout is the Grafana target's, never recomputed: a panel stands where its ``gridPos`` says,
as Grafana places it (``defaults.GRID_COLUMNS`` columns; an expanded row's panels follow it in the top-level list, a
collapsed row keeps its panels inside ``row.panels`` and Grafana shows only the row's bar).

>>> board = read_dashboard({"title": "T", "uid": "t", "panels": [
...     {"type": "row", "title": "Traffic", "collapsed": False, "gridPos": {"x": 0, "y": 0, "w": 24, "h": 1}},
...     {"type": "stat", "title": "Up", "gridPos": {"x": 0, "y": 1, "w": 6, "h": 4},
...      "fieldConfig": {"defaults": {"unit": "short", "thresholds": {"steps": [
...          {"color": "red", "value": None}, {"color": "green", "value": 1}]}}}}]})
>>> [(i.title, i.y) for i in board.items]
[('Traffic', 0), ('Up', 1)]
>>> board.items[1].steps
(Step(color='red', value=None), Step(color='green', value=1.0))
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from .. import conventions as names


class Step(msgspec.Struct, frozen=True):
    """One threshold step: its colour from ``value`` up (None: the base colour)."""

    color: str
    value: float | None


class State(msgspec.Struct, frozen=True):
    """One value mapping of a state panel: the text shown and its colour."""

    text: str
    color: str


class Item(msgspec.Struct, frozen=True, kw_only=True):
    """A row bar or a panel, where Grafana puts it."""

    kind: str  # Grafana's panel type; "row" for a row bar
    title: str
    x: int
    y: int
    w: int
    h: int
    unit: str = ""
    steps: tuple[Step, ...] = ()
    states: tuple[State, ...] = ()
    slo: str | None = None  # the SLO an SLO panel shows
    text: str = ""  # a text panel's content
    collapsed: bool = False  # a row whose panels Grafana hides until it is opened
    folded: tuple[str, ...] = ()  # a collapsed row: the titles of the panels it hides


class Board(msgspec.Struct, frozen=True):
    title: str
    uid: str
    items: tuple[Item, ...]

    @property
    def height(self) -> int:
        """Grid units from the top to the bottom of the lowest item."""
        return max((i.y + i.h for i in self.items), default=0)


_SLO_MATCHER = re.compile(rf'\b{names.SLO_LABEL}="((?:[^"\\]|\\.)*)"')


def _slo(panel: dict[str, Any]) -> str | None:
    """The SLO whose recorded series every query of the panel reads (the SLO panels' queries carry
    the ``slo`` label of the SLO recording rules), or None."""
    found = {m.group(1) for t in panel.get("targets") or () for m in [_SLO_MATCHER.search(str(t.get("expr", "")))] if m}
    exprs = [t for t in panel.get("targets") or () if isinstance(t, dict)]
    return found.pop() if len(found) == 1 and exprs and all("slo:" in str(t.get("expr", "")) for t in exprs) else None


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _steps(defaults: dict[str, Any]) -> tuple[Step, ...]:
    steps = (defaults.get("thresholds") or {}).get("steps") or ()
    return tuple(Step(str(s.get("color", "")), _number(s.get("value"))) for s in steps if isinstance(s, dict))


def _states(defaults: dict[str, Any]) -> tuple[State, ...]:
    out = []
    for mapping in defaults.get("mappings") or ():
        options = mapping.get("options") if isinstance(mapping, dict) else None
        if isinstance(options, dict):
            results = sorted((r for r in options.values() if isinstance(r, dict)), key=lambda r: r.get("index", 0))
            out += [State(str(r.get("text", "")), str(r.get("color", ""))) for r in results]
    return tuple(out)


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _item(panel: dict[str, Any]) -> Item:
    grid = panel.get("gridPos") or {}
    defaults = (panel.get("fieldConfig") or {}).get("defaults") or {}
    kind = str(panel.get("type", ""))
    collapsed = kind == "row" and panel.get("collapsed") is True
    folded = tuple(str(p.get("title", "")) for p in panel.get("panels") or () if isinstance(p, dict) and collapsed)
    return Item(
        kind=kind,
        title=str(panel.get("title", "")),
        x=_int(grid.get("x")),
        y=_int(grid.get("y")),
        w=_int(grid.get("w")),
        h=_int(grid.get("h")),
        # A heatmap's unit is its y axis' (its buckets), not a field's.
        unit=str(defaults.get("unit") or ((panel.get("options") or {}).get("yAxis") or {}).get("unit") or ""),
        steps=_steps(defaults),
        states=_states(defaults),
        slo=_slo(panel) if kind != "row" else None,
        text=str((panel.get("options") or {}).get("content", "")) if kind == "text" else "",
        collapsed=collapsed,
        folded=folded,
    )


def read_dashboard(dashboard: dict[str, Any]) -> Board:
    """The rows and panels of a classic dashboard JSON, in its order."""
    items = tuple(_item(p) for p in dashboard.get("panels") or () if isinstance(p, dict))
    return Board(str(dashboard.get("title", "")), str(dashboard.get("uid", "")), items)
