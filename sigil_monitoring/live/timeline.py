"""An alert's drill as a small SVG picture: what Prometheus computed, the threshold, the marks.

The chart (``results.Chart``) says what to plot and in which unit: each line's samples are shown
times ``chart.scale`` with ``chart.unit`` on the axis (``0.5/min``), the threshold is a dashed line
labelled in the spec's words (``above 1/min``), and vertical marks show when the alert went
pending, fired, was notified, cleared and resolved. The time axis starts at the earliest of the
injection and any mark (an alert already pending before its incident shows left of 0 s, inside the
picture). Every text reaches the SVG through ``html.escape``.

>>> from sigil_monitoring.live.results import AlertRun, Chart, Line
>>> chart = Chart("rate", "/min", 60.0, 1 / 60, "above 1/min", [Line("value", "x", [(0, 0.001), (3, 0.2)])])
>>> run = AlertRun("svc", "Burst", "ErrorBurst", ["svc/team"], chart, pending=-0.5, firing=2.5, notified=3.4)
>>> svg = timeline_svg(run)
>>> svg.startswith("<svg") and "above 1/min" in svg and "13.2/min" in svg and "notified 3.4s" in svg
True
>>> import re
>>> all(0 <= float(x) <= WIDTH for x in re.findall(r' x[12]?="([-0-9.]+)"', svg))
True
"""

from __future__ import annotations

from html import escape

from .results import AlertRun

WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 600, 218, 64, 12, 36, 72
CHAR_WIDTH = 5.6  # of the 10 px sans-serif labels, to keep mark labels from overlapping
MARKS = (
    ("pending", "#b8860b"),
    ("firing", "#c9302c"),
    ("notified", "#0262b8"),
    ("cleared", "#666666"),
    ("resolved", "#1e7e34"),
)
LINE_COLOURS = ("#222222", "#7b3fa0")  # long window, short window


def _number(value: float, unit: str) -> str:
    return f"{value:.3g}{unit}" if unit in ("", "%", "/s", "/min", "/h", "/d", "×") else f"{value:.3g} {unit}"


def timeline_svg(run: AlertRun) -> str:
    """The picture of one alert's drill (a self-contained ``<svg>`` element)."""
    chart = run.chart
    marks = [(name, colour, float(at)) for name, colour in MARKS if (at := getattr(run, name)) is not None]
    times = [t for line in chart.lines for t, _ in line.samples] + [at for _, _, at in marks]
    t_min, t_max = min(times + [0.0]), max(times + [1.0])
    shown = [v * chart.scale for line in chart.lines for _, v in line.samples]
    values = shown + [chart.threshold * chart.scale, 0.0]
    v_min, v_max = min(values), max(values)
    if v_max == v_min:
        v_max = v_min + 1
    v_max += (v_max - v_min) * 0.1
    plot_w, plot_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(t: float) -> float:
        return round(PAD_LEFT + plot_w * (t - t_min) / (t_max - t_min), 1)

    def y(v: float) -> float:
        return round(PAD_TOP + plot_h * (1 - (v - v_min) / (v_max - v_min)), 1)

    threshold_y = y(chart.threshold * chart.scale)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="10" role="img" '
        f'aria-label="{escape(run.alert)}: {escape(chart.quantity)} during the drill">',
        f'<rect x="{PAD_LEFT}" y="{PAD_TOP}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#ccc"/>',
        f'<text x="{PAD_LEFT}" y="12">{escape(chart.quantity)}</text>',
        f'<text x="{PAD_LEFT - 4}" y="{y(v_max) + 8}" text-anchor="end">{escape(_number(v_max, chart.unit))}</text>',
        f'<text x="{PAD_LEFT - 4}" y="{y(v_min)}" text-anchor="end">{escape(_number(v_min, chart.unit))}</text>',
        f'<text x="{x(0.0)}" y="{PAD_TOP + plot_h + 12}" text-anchor="middle">0s</text>',
        f'<text x="{WIDTH - PAD_RIGHT}" y="12" text-anchor="end">seconds after the injection (drill time)</text>',
        f'<text x="{WIDTH - PAD_RIGHT}" y="{PAD_TOP + plot_h + 12}" text-anchor="end">{t_max:.3g}s</text>',
        f'<line x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{threshold_y}" y2="{threshold_y}" '
        f'stroke="#c9302c" stroke-dasharray="4 3"/>',
        f'<text x="{WIDTH - PAD_RIGHT - 2}" y="{threshold_y - 3}" text-anchor="end" fill="#c9302c">'
        f"{escape(chart.threshold_text)}</text>",
    ]
    for i, (line, colour) in enumerate(zip(chart.lines, LINE_COLOURS, strict=False)):
        if line.samples:
            points = " ".join(f"{x(t)},{y(v * chart.scale)}" for t, v in line.samples)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
        if len(chart.lines) > 1:  # a legend only when there is more than one line
            at = PAD_LEFT + 170 * i
            parts.append(f'<line x1="{at}" x2="{at + 14}" y1="23" y2="23" stroke="{colour}" stroke-width="1.5"/>')
            parts.append(f'<text x="{at + 18}" y="26">{escape(line.label)}</text>')
    row_ends: list[float] = []  # where the last label of each text row ends
    for name, colour, at in marks:
        label = f"{name} {at:.1f}s"
        start = max(PAD_LEFT, min(x(at) + 2, WIDTH - PAD_RIGHT - CHAR_WIDTH * len(label)))
        row = next((i for i, end in enumerate(row_ends) if end < start), len(row_ends))
        row_ends[row : row + 1] = [start + CHAR_WIDTH * len(label) + 4]
        parts.append(f'<line x1="{x(at)}" x2="{x(at)}" y1="{PAD_TOP}" y2="{PAD_TOP + plot_h}" stroke="{colour}"/>')
        parts.append(
            f'<text x="{round(start, 1)}" y="{PAD_TOP + plot_h + 24 + 10 * row}" fill="{colour}">{label}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
