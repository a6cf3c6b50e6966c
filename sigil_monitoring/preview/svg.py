"""A dashboard as one self-contained SVG: the grid as Grafana lays it out, no data, no fonts.

Grafana's grid is ``defaults.GRID_COLUMNS`` columns wide and 30 px per height unit plus an 8 px
margin (``GRID_CELL_HEIGHT`` and ``GRID_CELL_VMARGIN`` in Grafana's ``public/app/core/constants.ts``);
the picture keeps those proportions on a 1,200 px wide canvas. Each panel is a group at its
``gridPos`` with its title, kind, unit and threshold steps in their colours (lines on a time
series, bands on a single value, states on a timeline); SLO panels carry the SLO's name. Text is
escaped for XML and measured with a fixed width per character, so the same dashboard gives the
same bytes on every machine; the only font named is the generic ``sans-serif``.

>>> from sigil_monitoring.preview.grid import read_dashboard
>>> picture = render(read_dashboard({"title": "A <b>", "uid": "a", "panels": []}))
>>> picture.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and "A &lt;b&gt;" in picture
True
>>> value_text(0.016666666666666666, "ops"), value_text(10737418240, "bytes"), value_text(0.001, "percentunit")
('1/min', '10 GiB', '0.1 %')
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from .. import defaults
from ..compilers.grafana.context import PANEL_TYPE_WORDS
from .grid import Board, Item, Step

CANVAS = 1200  # px: the picture's width
PAD = 16  # px around the grid
HEADER = 48  # px above the grid: the dashboard's title
COLUMN = (CANVAS - 2 * PAD) / defaults.GRID_COLUMNS  # px per grid column
UNIT = 38  # px per grid height unit: Grafana's 30 px cell and 8 px margin
GAP = 8  # px between panels, Grafana's margin
CHAR = 0.56  # a sans-serif character's mean width, in font sizes (for cutting titles to fit)

BACKGROUND, PANEL, BORDER, TEXT, MUTED, SLO = "#111217", "#181b1f", "#2c3235", "#ccccdc", "#8e8e9e", "#5794f2"

# Grafana's named visualization colours (the dark theme), as the compiled thresholds name them.
COLOURS = {
    "green": "#73bf69",
    "dark-green": "#37872d",
    "red": "#f2495c",
    "dark-red": "#c4162a",
    "orange": "#ff9830",
    "dark-orange": "#fa6400",
    "yellow": "#fade2a",
    "dark-yellow": "#e0b400",
    "blue": "#5794f2",
    "dark-blue": "#1f60c4",
    "purple": "#b877d9",
    "dark-purple": "#8f3bb8",
    "text": TEXT,
    "transparent": "none",
}
_CSS_COLOUR = re.compile(r"^#[0-9a-fA-F]{3,8}$|^rgba?\(\s*[0-9.]+\s*(,\s*[0-9.]+\s*){2,3}\)$")

UNIT_WORDS = {
    "s": "seconds",
    "ms": "milliseconds",
    "bytes": "bytes",
    "percentunit": "percent",
    "percent": "percent",
    "ops": "per second",
    "short": "number",
}


def colour(name: str) -> str:
    """A CSS colour for a Grafana colour name; grey for one this picture does not know."""
    if name in COLOURS:
        return COLOURS[name]
    return name if _CSS_COLOUR.match(name) else MUTED


def _significant(value: float) -> str:
    text = f"{value:.3g}"
    return f"{value:.0f}" if "e" in text else text


def value_text(value: float, unit: str) -> str:
    """A threshold value as the panel's unit shows it, short.

    >>> value_text(0.25, "s"), value_text(250.0, "ms"), value_text(1000.0, "ms"), value_text(1.5, "s")
    ('250 ms', '250 ms', '1 s', '1.5 s')
    """
    if unit in ("s", "ms"):
        seconds = value / 1000 if unit == "ms" else value
        if seconds and abs(seconds) < 1:
            return f"{_significant(seconds * 1000)} ms"
        return f"{_significant(seconds)} s" if abs(seconds) < 120 else f"{_significant(seconds / 60)} min"
    if unit == "bytes":
        for power, prefix in ((4, "Ti"), (3, "Gi"), (2, "Mi"), (1, "Ki")):
            if abs(value) >= 1024**power:
                return f"{_significant(value / 1024**power)} {prefix}B"
        return f"{_significant(value)} B"
    if unit == "percentunit":
        return f"{_significant(value * 100)} %"
    if unit == "percent":
        return f"{_significant(value)} %"
    if unit == "ops":
        # Per second unless that reads as a small fraction: 1/min and 1/h, as specs write rates.
        for per, scale in (("s", 1), ("min", 60), ("h", 3600)):
            if abs(value) * scale >= 0.1 or per == "h":
                return f"{_significant(value * scale)}/{per}"
    return _significant(value)


def _text(s: str) -> str:
    """Text for an XML text node: escaped, and without the characters XML 1.0 forbids."""
    return escape(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", s))


def _attr(s: str) -> str:
    return quoteattr(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", s))


def _fit(s: str, width: float, size: float) -> str:
    """``s`` cut with an ellipsis to fit ``width`` px at font size ``size``."""
    most = max(1, int(width / (size * CHAR)))
    return s if len(s) <= most else s[: most - 1].rstrip() + "…"


def _wrap(s: str, width: float, size: float, most_lines: int = 3) -> list[str]:
    """``s`` in lines that fit ``width``, broken after a space, ``-`` or ``:``; the last line cut to fit.

    >>> _wrap("SLO encode-availability: error budget left", 150, 13)
    ['SLO encode-', 'availability: error', 'budget left']
    """
    most = max(1, int(width / (size * CHAR)))
    words = re.findall(r"[^ :-]+[:-]? *|[:-] *| +", s)
    lines: list[str] = []
    line = ""
    for word in words:
        if line and len((line + word).rstrip()) > most:
            lines.append(line.rstrip())
            line = ""
        line += word
    lines.append(line.rstrip())
    if len(lines) > most_lines:
        lines = lines[: most_lines - 1] + [" ".join(lines[most_lines - 1 :])]
    return [_fit(line, width, size) for line in lines]


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _label(x: float, y: float, s: str, size: float, fill: str = TEXT, anchor: str = "start", bold: bool = False) -> str:
    weight = ' font-weight="600"' if bold else ""
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" fill="{fill}" '
        f'text-anchor="{anchor}"{weight}>{_text(s)}</text>'
    )


def box(item: Item) -> tuple[float, float, float, float]:
    """The pixel rectangle (x, y, width, height) of a panel at its ``gridPos``, margins left out."""
    return (
        PAD + item.x * COLUMN + GAP / 2,
        HEADER + item.y * UNIT + GAP / 2,
        item.w * COLUMN - GAP,
        item.h * UNIT - GAP,
    )


def _thresholds(item: Item) -> list[Step]:
    """The steps above the base colour, lowest first."""
    return sorted((s for s in item.steps if s.value is not None), key=lambda s: s.value or 0.0)


def _step_words(item: Item, i: int) -> str:
    """What step ``i`` of a panel's thresholds covers: ``< 1 s`` for the base below a threshold,
    ``≥ 1 s`` from a threshold up, the unit for a lone base colour."""
    step = item.steps[i]
    if step.value is not None:
        return f"≥ {value_text(step.value, item.unit)}"
    above = next((s.value for s in item.steps[i + 1 :] if s.value is not None), None)
    return f"< {value_text(above, item.unit)}" if above is not None else UNIT_WORDS.get(item.unit, item.unit)


def _legend(item: Item, x: float, y: float, width: float) -> list[str]:
    """The threshold steps in their colours (none when the panel has no threshold)."""
    if not _thresholds(item) or item.kind in ("stat", "gauge"):  # a stat's bands are its legend
        return []
    out, at = [], x
    for i, step in enumerate(item.steps):
        words = _step_words(item, i)
        need = 14 + len(words) * 10 * CHAR + 10
        if at + need > x + width:
            out.append(_label(at, y, "…", 10, MUTED))
            break
        out.append(
            f'<rect x="{_num(at)}" y="{_num(y - 8)}" width="10" height="10" rx="2" fill="{colour(step.color)}"/>'
        )
        out.append(_label(at + 14, y, words, 10, MUTED))
        at += need
    return out


def _series(x: float, y: float, w: float, h: float, item: Item) -> list[str]:
    """A time series: a quiet line, and a dashed line per threshold, the highest at the top."""
    points = " ".join(
        f"{_num(x + w * i / 24)},{_num(y + h * (0.75 - 0.12 * ((i * 7) % 5) / 4 - 0.1 * (i % 3 == 0)))}"
        for i in range(25)
    )
    out = [f'<polyline points="{points}" fill="none" stroke="{MUTED}" stroke-width="1.5" opacity="0.6"/>']
    steps = _thresholds(item)
    for n, step in enumerate(reversed(steps)):
        line_y = y + h * (n + 1) / (len(steps) + 2)
        out.append(
            f'<line x1="{_num(x)}" y1="{_num(line_y)}" x2="{_num(x + w)}" y2="{_num(line_y)}" '
            f'stroke="{colour(step.color)}" stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
        out.append(
            _label(x + w - 2, line_y - 3, value_text(step.value or 0.0, item.unit), 10, colour(step.color), "end")
        )
    return out


def _heatmap(x: float, y: float, w: float, h: float) -> list[str]:
    """Buckets over time: most observations in the middle buckets, a few slow ones above."""
    cols, weights = 24, (0.04, 0.1, 0.3, 0.55, 0.25)
    return [
        f'<rect x="{_num(x + w * c / cols)}" y="{_num(y + h * r / len(weights))}" width="{_num(w / cols - 1)}" '
        f'height="{_num(h / len(weights) - 1)}" fill="{COLOURS["orange"]}" '
        f'opacity="{_num(weight * (0.8 + 0.1 * ((c * 7) % 3)))}"/>'
        for c in range(cols)
        for r, weight in enumerate(weights)
    ]


def _bars(x: float, y: float, w: float, h: float, item: Item) -> list[str]:
    fill = colour(item.steps[0].color) if item.steps else MUTED
    heights = (0.2, 0.45, 0.8, 0.6, 0.35, 0.15, 0.08, 0.04)
    return [
        f'<rect x="{_num(x + w * i / len(heights) + 2)}" y="{_num(y + h * (1 - f))}" '
        f'width="{_num(w / len(heights) - 4)}" height="{_num(h * f)}" fill="{fill}" opacity="0.7"/>'
        for i, f in enumerate(heights)
    ]


def _bands(x: float, y: float, w: float, h: float, parts: list[tuple[str, str]]) -> list[str]:
    """Equal bands side by side, each in its colour with its words: a stat's thresholds, a timeline's states."""
    out = []
    band = w / len(parts)
    for i, (words, fill) in enumerate(parts):
        out.append(
            f'<rect x="{_num(x + band * i)}" y="{_num(y)}" width="{_num(band - 2)}" height="{_num(h)}" '
            f'fill="{colour(fill)}" opacity="0.85" rx="2"/>'
        )
        size = min(14.0, h * 0.5)
        out.append(
            _label(x + band * (i + 0.5), y + h / 2 + size / 3, _fit(words, band - 6, size), size, PANEL, "middle")
        )
    return out


def _single(x: float, y: float, w: float, h: float, item: Item) -> list[str]:
    """A stat or gauge: the colour it takes in each threshold band."""
    if not item.steps:
        return _bands(x, y + h * 0.2, w, h * 0.6, [(UNIT_WORDS.get(item.unit, item.unit), "text")])
    parts = [(_step_words(item, i), step.color) for i, step in enumerate(item.steps)]
    return _bands(x, y + h * 0.2, w, h * 0.6, parts)


def _body(item: Item, x: float, y: float, w: float, h: float) -> list[str]:
    if h < 12 or w < 24:
        return []
    if item.kind in ("timeseries", "graph"):
        return _series(x, y, w, h, item)
    if item.kind == "heatmap":
        return _heatmap(x, y, w, h)
    if item.kind == "bargauge":
        return _bars(x, y, w, h, item)
    if item.kind in ("stat", "gauge"):
        return _single(x, y, w, h, item)
    if item.kind == "state-timeline" and item.states:
        return _bands(x, y + h * 0.25, w, h * 0.5, [(s.text, s.color) for s in item.states])
    if item.kind == "text":
        lines = [line for line in item.text.splitlines() if line.strip()][: max(1, int(h // 16))]
        return [_label(x, y + 12 + 16 * i, _fit(line, w, 11), 11, MUTED) for i, line in enumerate(lines)]
    return []


def _panel(item: Item) -> list[str]:
    x, y, w, h = box(item)
    slo = f" data-slo={_attr(item.slo)}" if item.slo else ""
    out = [
        f'<g class="panel" data-kind={_attr(item.kind)} data-grid="{item.x},{item.y},{item.w},{item.h}"{slo}>',
        f"<title>{_text(item.title)}</title>",
        f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" rx="3" fill="{PANEL}" '
        f'stroke="{SLO if item.slo else BORDER}" stroke-width="{1.5 if item.slo else 1}"/>',
    ]
    title_room = w - 16
    if item.slo:
        # The title names the SLO already: the badge only marks the panel as one of its SLO panels.
        badge = "SLO"
        badge_w = len(badge) * 10 * CHAR + 10
        out.append(
            f'<rect x="{_num(x + w - badge_w - 6)}" y="{_num(y + 6)}" width="{_num(badge_w)}" height="14" rx="7" '
            f'fill="{SLO}" opacity="0.25"/>'
        )
        out.append(_label(x + w - badge_w / 2 - 6, y + 16.5, badge, 10, SLO, "middle"))
        title_room -= badge_w + 6
    lines = _wrap(item.title, title_room, 13, 3 if h > 150 else 2 if h > 90 else 1)
    out += [_label(x + 8, y + 18 + 16 * i, line, 13, TEXT, bold=True) for i, line in enumerate(lines)]
    kind = PANEL_TYPE_WORDS.get(item.kind, item.kind)
    unit = UNIT_WORDS.get(item.unit, item.unit)
    footer = f"{kind} · {unit}" if unit else kind
    out.append(_label(x + 8, y + h - 8, _fit(footer, w * 0.45, 10), 10, MUTED))
    used = min(w * 0.45, len(footer) * 10 * CHAR) + 18
    out += _legend(item, x + used, y + h - 8, w - used - 8)
    top = 28 + 16 * (len(lines) - 1)
    out += _body(item, x + 8, y + top, w - 16, h - top - 22)
    return [*out, "</g>"]


def _row(item: Item) -> list[str]:
    x, y, w, h = box(item)
    if item.collapsed:
        hidden = f": {', '.join(item.folded)}" if item.folded else ""
        shown = f"▸ {item.title} (collapsed, {len(item.folded)} panels{hidden})"
    else:
        shown = f"▾ {item.title}"
    collapsed = "true" if item.collapsed else "false"
    return [
        f'<g class="row" data-grid="{item.x},{item.y},{item.w},{item.h}" data-collapsed="{collapsed}">',
        f"<title>{_text(item.title)}</title>",
        f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" fill="{BACKGROUND}"/>',
        _label(x + 2, y + h / 2 + 5, _fit(shown, w - 4, 14), 14, TEXT, bold=True),
        f'<line x1="{_num(x)}" y1="{_num(y + h)}" x2="{_num(x + w)}" y2="{_num(y + h)}" stroke="{BORDER}"/>',
        "</g>",
    ]


def render(board: Board) -> str:
    """The picture of one dashboard, as SVG text."""
    height = HEADER + board.height * UNIT + PAD
    panels = sum(1 for i in board.items if i.kind != "row")
    rows = len(board.items) - panels
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CANVAS}" height="{height}" viewBox="0 0 {CANVAS} {height}" '
        'font-family="sans-serif">',
        f"<title>{_text(board.title)}</title>",
        f'<rect width="{CANVAS}" height="{height}" fill="{BACKGROUND}"/>',
        _label(PAD, 30, _fit(board.title, CANVAS / 2, 20), 20, TEXT, bold=True),
        _label(
            CANVAS - PAD,
            30,
            f"uid {board.uid} · {rows} rows · {panels} panels · {defaults.GRID_COLUMNS}-column grid",
            12,
            MUTED,
            "end",
        ),
    ]
    for item in board.items:
        out += _row(item) if item.kind == "row" else _panel(item)
    return "\n".join([*out, "</svg>"]) + "\n"
