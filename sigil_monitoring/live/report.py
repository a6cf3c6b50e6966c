"""The drill report: Markdown or HTML, one section and one inline SVG timeline per alert; JSON for CI.

The timeline plots the alert's signal as Prometheus computed it during the drill (the condition
without its comparison, or the burn rate of the first window pair), the threshold as a dashed
line, and vertical marks when the alert went pending, fired, was notified, was cleared and was
resolved. Every text from the spec reaches SVG and HTML through ``html.escape``.

>>> from sigil_monitoring.live.results import AlertRun
>>> run = AlertRun("svc", "DatabaseDown", "GaugeCross", ["svc/oncall"], "db_up", 1.0, pending=1.5,
...                firing=3.5, notified=4.4, cleared=4.5, resolved=6.4, samples=[(0, 1), (1, 0), (5, 1)])
>>> svg = timeline_svg(run)
>>> svg.startswith("<svg") and svg.count("<line") == 6 and "notified 4.4s" in svg
True
"""

from __future__ import annotations

import json
from html import escape

from .results import AlertRun, DrillResult

WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 560, 170, 48, 12, 14, 56
CHAR_WIDTH = 5.6  # of the 10 px sans-serif labels, to keep mark labels from overlapping
MARKS = (
    ("pending", "#e0a800"),
    ("firing", "#d9534f"),
    ("notified", "#0275d8"),
    ("cleared", "#777777"),
    ("resolved", "#28a745"),
)


def _number(value: float) -> str:
    return f"{value:.3g}"


def timeline_svg(run: AlertRun) -> str:
    """A small picture of one alert's drill: signal, threshold, and the marks of its life."""
    times: list[float] = [t for t, _ in run.samples] + [getattr(run, m) or 0 for m, _ in MARKS]
    t_max = max(times + [1.0])
    values = [v for _, v in run.samples] + [run.threshold, 0.0]
    v_min, v_max = min(values), max(values)
    if v_max == v_min:
        v_max = v_min + 1
    v_max += (v_max - v_min) * 0.1
    plot_w, plot_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(t: float) -> float:
        return round(PAD_LEFT + plot_w * t / t_max, 1)

    def y(v: float) -> float:
        return round(PAD_TOP + plot_h * (1 - (v - v_min) / (v_max - v_min)), 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="10" role="img" '
        f'aria-label="{escape(run.alert)} drill timeline">',
        f'<rect x="{PAD_LEFT}" y="{PAD_TOP}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#ccc"/>',
    ]
    parts.append(f'<text x="{PAD_LEFT - 4}" y="{y(v_max) + 8}" text-anchor="end">{_number(v_max)}</text>')
    parts.append(f'<text x="{PAD_LEFT - 4}" y="{y(v_min)}" text-anchor="end">{_number(v_min)}</text>')
    parts.append(f'<text x="{PAD_LEFT}" y="{PAD_TOP + plot_h + 12}" text-anchor="end">0s</text>')
    parts.append(
        f'<text x="{WIDTH - PAD_RIGHT}" y="{PAD_TOP - 3}" text-anchor="end">{_number(t_max)}s after injection</text>'
    )
    parts.append(
        f'<line x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y(run.threshold)}" y2="{y(run.threshold)}" '
        f'stroke="#d9534f" stroke-dasharray="4 3"/>'
    )
    parts.append(
        f'<text x="{WIDTH - PAD_RIGHT - 2}" y="{y(run.threshold) - 3}" text-anchor="end" fill="#d9534f">'
        f"threshold {_number(run.threshold)}</text>"
    )
    if run.samples:
        points = " ".join(f"{x(t)},{y(v)}" for t, v in run.samples)
        parts.append(f'<polyline points="{points}" fill="none" stroke="#333" stroke-width="1.5"/>')
    row_ends: list[float] = []  # where the last label of each text row ends
    for name, colour in MARKS:
        at = getattr(run, name)
        if at is None:
            continue
        label = f"{name} {at:.1f}s"
        start = min(x(at) + 2, WIDTH - PAD_RIGHT - CHAR_WIDTH * len(label))
        row = next((i for i, end in enumerate(row_ends) if end < start), len(row_ends))
        row_ends[row : row + 1] = [start + CHAR_WIDTH * len(label) + 4]
        parts.append(f'<line x1="{x(at)}" x2="{x(at)}" y1="{PAD_TOP}" y2="{PAD_TOP + plot_h}" stroke="{colour}"/>')
        parts.append(
            f'<text x="{round(start, 1)}" y="{PAD_TOP + plot_h + 12 + 10 * row}" fill="{colour}">{label}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _verdict(run: AlertRun) -> str:
    return "passed" if run.passed else f"FAILED: {run.problem or 'see the table'}"


def _rows(run: AlertRun) -> list[tuple[str, str]]:
    def secs(v: float | None) -> str:
        return "—" if v is None else f"{v:.1f} s"

    resolve = None if run.resolved is None or run.cleared is None else run.resolved - run.cleared
    return [
        ("incident", run.incident),
        ("detected", "yes" if run.detected else "no"),
        ("time to pending", secs(run.pending)),
        ("time to firing", secs(run.firing)),
        ("time to notification", secs(run.notified)),
        ("expected receiver(s)", ", ".join(run.expected_receivers)),
        ("receiver(s) reached", ", ".join(run.receivers_reached) or "none"),
        (
            "inhibited",
            f"by {', '.join(run.inhibited_by)}, which the incident also set off (as designed)"
            if run.inhibited_by
            else "no (as designed)",
        ),
        ("other alerts then", ", ".join(run.also_active) or "none"),
        ("time to resolve after clearing", secs(resolve)),
        ("runbook link in payload", "yes" if run.runbook_link else "no"),
        ("dashboard link in payload", "yes" if run.dashboard_link else "no"),
        ("signal", f"`{run.signal}`"),
    ]


def markdown(result: DrillResult) -> str:
    out = [
        f"# Fire drill: {', '.join(result.specs)}",
        "",
        f"**{'PASSED' if result.passed else 'FAILED'}** — {sum(r.passed for r in result.runs)} of "
        f"{len(result.runs)} alerts detected, notified and resolved; {len(result.skipped)} not drivable. "
        f"Setup {result.setup_seconds:.0f} s, total {result.total_seconds:.0f} s.",
        "",
        f"> {result.scaling}",
        "",
        f"Normal traffic for {result.normal_seconds:.0f} s: "
        + ("nothing alerted." if not result.normal_alerts else "raised " + ", ".join(result.normal_alerts)),
        "",
    ]
    for run in result.runs:
        out += [
            f"## {run.alert} ({run.service}) — {_verdict(run)}",
            "",
            timeline_svg(run),
            "",
            "| | |",
            "| --- | --- |",
        ]
        out += [f"| {k} | {v.replace('|', chr(92) + '|')} |" for k, v in _rows(run)]
        out.append("")
    if result.skipped:
        out += ["## Not drivable", ""] + [f"- **{s.alert}** ({s.service}): {s.reason}" for s in result.skipped] + [""]
    return "\n".join(out)


def html(result: DrillResult) -> str:
    title = f"Fire drill: {', '.join(result.specs)}"
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}td{padding:2px 8px}"
        ".fail{color:#d9534f}.pass{color:#28a745}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="{"pass" if result.passed else "fail"}"><b>{"PASSED" if result.passed else "FAILED"}</b> — '
        f"{sum(r.passed for r in result.runs)} of {len(result.runs)} alerts passed; "
        f"{len(result.skipped)} not drivable.</p>",
        f"<blockquote>{escape(result.scaling)}</blockquote>",
        f"<p>Normal traffic for {result.normal_seconds:.0f} s: "
        + (escape("nothing alerted.") if not result.normal_alerts else escape(", ".join(result.normal_alerts)))
        + "</p>",
    ]
    for run in result.runs:
        out.append(
            f"<h2>{escape(run.alert)} ({escape(run.service)}) — "
            f'<span class="{"pass" if run.passed else "fail"}">{escape(_verdict(run))}</span></h2>'
        )
        out.append(timeline_svg(run))
        out.append(
            "<table>"
            + "".join(f"<tr><td>{escape(k)}</td><td>{escape(v.strip('`'))}</td></tr>" for k, v in _rows(run))
            + "</table>"
        )
    if result.skipped:
        out.append(
            "<h2>Not drivable</h2><ul>"
            + "".join(
                f"<li><b>{escape(s.alert)}</b> ({escape(s.service)}): {escape(s.reason)}</li>" for s in result.skipped
            )
            + "</ul>"
        )
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def render(result: DrillResult, fmt: str) -> str:
    """``fmt`` is markdown, html or json."""
    if fmt == "json":
        return json.dumps(result.to_json(), indent=2, sort_keys=True) + "\n"
    return html(result) if fmt == "html" else markdown(result) + "\n"
