"""The drill report people read: a summary table first, then one section per alert; JSON for CI.

Three renderings of one ``DrillResult``, all built from the same rows (``summary``, ``details``):

- ``text``: what the terminal gets without ``--report``: the summary table in aligned columns,
  why each failure failed, what could not be driven, and the verdict line; never any SVG;
- ``markdown`` and ``html``: the file ``--report`` writes: verdict, summary table, then per alert
  its timeline (``timeline.timeline_svg``) and every detail; HTML is a whole valid document, and
  every text from the spec or a server is escaped for the language it lands in (PromQL in code
  spans, never raw backticks in HTML);
- ``json``: the result as it is, with ``passed`` and ``verdict``.

>>> from sigil_monitoring.live.results import AlertRun, Chart, DrillResult, Line, Skipped
>>> chart = Chart("value", "", 1.0, 1.0, "below 1", [Line("value", "db_up", [(0, 1.0), (2, 0.0)])])
>>> run = AlertRun("svc", "DatabaseDown", "GaugeCross", ["svc/oncall"], chart, pending=0.5, firing=2.5,
...                notified=3.4, cleared=4.0, resolved=6.0, receivers_reached=["svc/oncall"],
...                runbook_link=True, dashboard_link=True)
>>> skipped = [Skipped("svc", "Raw", "a raw <PromQL>")]
>>> result = DrillResult(["db.yaml"], "scaled", 8.0, [], [run], skipped, total_seconds=40)
>>> print(text(result))
alert         incident    detected  firing  notified  resolved  receivers  verdict
DatabaseDown  GaugeCross  yes       2.5 s   3.4 s     2.0 s     oncall ✓   passed
Raw           —           —         —       —         —         —          not drivable
<BLANKLINE>
not drivable:
  Raw (svc): a raw <PromQL>
<BLANKLINE>
PASSED: 1 of 1 alerts passed, 0 failed, 1 not drivable (40 s)
>>> print(text(DrillResult(["x"], "", 8.0, ["Odd\\x1b]0;pwned\\x07 (firing)"], [], [])).splitlines()[-3])
Normal traffic for 8 s: raised Odd\\x1b]0;pwned\\x07 (firing).
>>> "&lt;PromQL&gt;" in html(result) and "<PromQL>" not in html(result) and "`" not in html(result)
True
"""

from __future__ import annotations

import json
import re
from html import escape

from ..escape import one_line
from .results import AlertRun, DrillResult
from .timeline import timeline_svg

COLUMNS = ("alert", "incident", "detected", "firing", "notified", "resolved", "receivers", "verdict")
DASH = "—"
TEXT_VERDICT = 48  # characters of a verdict in the terminal table; the whole reason follows it


def _secs(value: float | None) -> str:
    return DASH if value is None else f"{value:.1f} s"


def _short(receiver: str) -> str:
    """``svc/oncall`` -> ``oncall``: the table is per alert, whose service the row already names."""
    return receiver.split("/", 1)[-1]


def _receivers(run: AlertRun) -> str:
    """Each expected receiver with ✓ (reached) or ✗, then any other receiver reached; an inhibited
    alert reaches none, as designed."""
    if run.inhibited_by and not run.receivers_reached:
        return "none (inhibited)"
    marks = [f"{_short(r)} {'✓' if r in run.receivers_reached else '✗'}" for r in run.expected_receivers]
    marks += [f"{_short(r)} (also)" for r in run.receivers_reached if r not in run.expected_receivers]
    return ", ".join(marks) or DASH


def _name(result: DrillResult, service: str, alert: str) -> str:
    return (
        alert
        if len({r.service for r in result.runs} | {s.service for s in result.skipped}) <= 1
        else f"{service}/{alert}"
    )


def summary(result: DrillResult) -> list[tuple[str, ...]]:
    """One row per drilled alert (``COLUMNS``), then one per alert that could not be driven."""
    rows: list[tuple[str, ...]] = []
    for run in result.runs:
        detected = "yes" if run.detected else "no"
        rows.append(
            (
                _name(result, run.service, run.alert),
                run.incident,
                detected,
                _secs(run.firing),
                _secs(run.notified),
                _secs(run.resolve_seconds),
                _receivers(run),
                run.verdict,
            )
        )
    for skipped in result.skipped:
        rows.append((_name(result, skipped.service, skipped.alert), DASH, DASH, DASH, DASH, DASH, DASH, "not drivable"))
    return rows


def details(run: AlertRun) -> list[tuple[str, str]]:
    """Everything about one alert's drill, as (label, value) pairs; the signal last (PromQL)."""
    inhibited = (
        f"by {', '.join(run.inhibited_by)}, which the incident also set off (as designed)" if run.inhibited_by else "no"
    )
    rows = [
        ("incident", run.incident),
        ("detected", "yes" if run.detected else "no"),
        ("time to pending", _secs(run.pending)),
        ("time to firing", _secs(run.firing)),
        ("time to notification", _secs(run.notified)),
        ("time to resolve after clearing", _secs(run.resolve_seconds)),
        ("receivers expected", ", ".join(run.expected_receivers) or "none"),
        ("receivers reached", ", ".join(run.receivers_reached) or "none"),
    ]
    rows += [(f"{f.receiver} got nothing", f.reason) for f in run.receiver_failures]
    rows += [
        ("tiers the burn maths expects", ", ".join(run.expected_tiers) or DASH),
        ("must not fire, fired", ", ".join(run.unexpected) or "none"),
        ("inhibited", inhibited),
        ("other alerts then", ", ".join(run.also_active) or "none"),
        ("runbook link in payload", "yes" if run.runbook_link else "no"),
        ("dashboard link in payload", "yes" if run.dashboard_link else "no"),
        ("threshold", run.chart.threshold_text),
    ]
    rows += [
        (f"signal ({line.label})" if len(run.chart.lines) > 1 else "signal", line.expr) for line in run.chart.lines
    ]
    return rows


def _normal(result: DrillResult) -> str:
    said = "nothing alerted" if not result.normal_alerts else "raised " + ", ".join(result.normal_alerts)
    return f"Normal traffic for {result.normal_seconds:.0f} s: {said}."


# ----------------------------------------------------------------------------------------- text
def text(result: DrillResult) -> str:
    """The terminal's report: aligned summary, the reasons, what was not drivable, the verdict."""
    rows = [COLUMNS] + [(*row[:-1], _clip(row[-1], TEXT_VERDICT)) for row in summary(result)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    out = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    failed = [r for r in result.runs if not r.passed]
    if failed:
        out += ["", "failed:"] + [f"  {_name(result, r.service, r.alert)}: {r.verdict}" for r in failed]
    if result.normal_alerts:
        out += ["", _normal(result)]
    if result.skipped:
        out += ["", "not drivable:"] + [f"  {s.alert} ({s.service}): {s.reason}" for s in result.skipped]
    return "\n".join(one_line(line) for line in out + ["", result.verdict])


def _clip(value: str, width: int) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"


# ------------------------------------------------------------------------------------- markdown
_MD_SPECIAL = set("\\`*_{}[]<>()#+-.!|~&")
_CODE = re.compile(r"`([^`\n]+)`")  # a code span in our own prose (the scaling note, reasons)


def _spans(value: str) -> list[tuple[bool, str]]:
    """``value`` cut into (is code, text) pieces at its `code spans`."""
    pieces: list[tuple[bool, str]] = []
    at = 0
    for match in _CODE.finditer(value):
        pieces += [(False, value[at : match.start()]), (True, match.group(1))]
        at = match.end()
    return [p for p in pieces + [(False, value[at:])] if p[1]]


def md_inline(value: str) -> str:
    """Prose with `code spans` as Markdown: code spans kept, everything else literal."""
    return "".join(md_code(t) if code else md_text(t) for code, t in _spans(value))


def html_inline(value: str) -> str:
    """Prose with `code spans` as HTML: ``<code>`` elements, everything escaped, no backtick left."""
    return "".join(f"<code>{escape(t)}</code>" if code else escape(t) for code, t in _spans(value))


def md_text(value: str) -> str:
    """Text as Markdown shows it literally: punctuation backslash-escaped (CommonMark allows it
    before any ASCII punctuation), newlines as spaces."""
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in value.replace("\n", " "))


def md_code(value: str) -> str:
    """A code span holding ``value`` exactly: a fence longer than any backtick run inside it, with
    ``|`` escaped for a table cell (GFM reads the cell border first)."""
    fence = "`" * (max(_backtick_runs(value), default=0) + 1)
    body = value.replace("\n", " ").replace("|", "\\|")
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def _backtick_runs(value: str) -> list[int]:
    runs: list[int] = []
    count = 0
    for c in value + " ":
        if c == "`":
            count += 1
        elif count:
            runs.append(count)
            count = 0
    return runs


def _md_row(cells: tuple[str, ...] | list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def markdown(result: DrillResult) -> str:
    out = [
        f"# Fire drill: {md_text(', '.join(result.specs))}",
        "",
        f"**{md_text(result.verdict)}**",
        "",
        f"> {md_inline(result.scaling)}",
        "",
        md_text(_normal(result)),
        "",
        _md_row(list(COLUMNS)),
        _md_row(["---"] * len(COLUMNS)),
    ]
    out += [_md_row([md_inline(c) for c in row]) for row in summary(result)]
    for run in result.runs:
        out += ["", f"## {md_text(run.alert)} ({md_text(run.service)}): {md_inline(run.verdict)}", ""]
        out += [timeline_svg(run), "", "| | |", "| --- | --- |"]
        out += [_md_row([md_text(k), md_code(v) if k.startswith("signal") else md_inline(v)]) for k, v in details(run)]
    if result.skipped:
        out += ["", "## Not drivable", ""]
        out += [f"- **{md_text(s.alert)}** ({md_text(s.service)}): {md_inline(s.reason)}" for s in result.skipped]
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------------------- html
_STYLE = (
    "body{font-family:sans-serif;max-width:64em;margin:2em auto;padding:0 1em}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{padding:2px 8px;text-align:left;vertical-align:top}"
    "thead th{border-bottom:1px solid #999}tbody tr:nth-child(even){background:#f4f4f4}"
    "code{font-size:90%;word-break:break-all}.fail{color:#c9302c}.pass{color:#1e7e34}.skip{color:#666}"
)


def _verdict_class(verdict: str) -> str:
    return "pass" if verdict.startswith("passed") else "skip" if verdict == "not drivable" else "fail"


def html(result: DrillResult) -> str:
    title = f"Fire drill: {', '.join(result.specs)}"
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in COLUMNS)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{escape(c)}</td>" for c in row[:-1])
        + f'<td class="{_verdict_class(row[-1])}">{html_inline(row[-1])}</td></tr>'
        for row in summary(result)
    )
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        '<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{_STYLE}</style></head>",
        "<body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="{"pass" if result.passed else "fail"}"><strong>{escape(result.verdict)}</strong></p>',
        f"<blockquote><p>{html_inline(result.scaling)}</p></blockquote>",
        f"<p>{escape(_normal(result))}</p>",
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>",
    ]
    for run in result.runs:
        rows = "".join(
            f'<tr><th scope="row">{escape(k)}</th><td>'
            + (f"<code>{escape(v)}</code>" if k.startswith("signal") else html_inline(v))
            + "</td></tr>"
            for k, v in details(run)
        )
        out += [
            f"<h2>{escape(run.alert)} ({escape(run.service)}): "
            f'<span class="{_verdict_class(run.verdict)}">{html_inline(run.verdict)}</span></h2>',
            f"<figure>{timeline_svg(run)}</figure>",
            f"<table><tbody>{rows}</tbody></table>",
        ]
    if result.skipped:
        items = "".join(
            f"<li><strong>{escape(s.alert)}</strong> ({escape(s.service)}): {html_inline(s.reason)}</li>"
            for s in result.skipped
        )
        out.append(f"<h2>Not drivable</h2><ul>{items}</ul>")
    out.append("</body>\n</html>")
    return "\n".join(out) + "\n"


def render(result: DrillResult, fmt: str) -> str:
    """``fmt`` is text, markdown, html or json."""
    match fmt:
        case "json":
            return json.dumps(result.to_json(), indent=2, sort_keys=True) + "\n"
        case "html":
            return html(result)
        case "markdown":
            return markdown(result)
        case _:
            return text(result) + "\n"
