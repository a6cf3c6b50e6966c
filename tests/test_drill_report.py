"""The drill report people read: a summary table first, charts in the spec's units with both burn
windows, valid HTML with everything escaped (parsed by html5lib in strict mode, and opened in
headless Chromium when it is installed), Markdown whose code spans hold PromQL exactly, and a
terminal text without SVG that ends with one verdict line.
"""

from __future__ import annotations

import re
import struct
import subprocess
import zlib
from pathlib import Path

import html5lib
import pytest
from conftest import REPO
from markdown_it import MarkdownIt
from servers import headless_chromium

from sigil_monitoring import load_spec
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.live import incidents as inc
from sigil_monitoring.live.charts import chart
from sigil_monitoring.live.drill_mode import drill_model
from sigil_monitoring.live.planning import plan
from sigil_monitoring.live.report import COLUMNS, render
from sigil_monitoring.live.results import AlertRun, Chart, DrillResult, Line, ReceiverFailure, Skipped
from sigil_monitoring.live.timeline import timeline_svg

HOSTILE_EXPR = 'sum(rate(x{path=~"/a|<b>&c", q=`raw`}[5s])) > 0 </td>'
HOSTILE_REASON = "a `delta` over a gauge </li><script>alert(1)</script> & more | pipes"
NS = "{http://www.w3.org/1999/xhtml}"

RATE_SPEC = """
apiVersion: sigil-monitoring/v1
service: {name: units, selector: {job: units}}
metrics:
  restarts: {name: units_restarts_total, type: counter, help: Restarts.}
  latency: {name: units_seconds, type: histogram, unit: seconds, help: Latency., buckets: [0.1, 0.25, 1]}
  used: {name: units_disk_bytes, type: gauge, unit: bytes, help: Disk.}
slos:
  fast:
    objective: 99%
    sli: {latency: latency, below: 250ms}
alerts:
  RestartsHigh:
    when: {rate: restarts, above: 1/min}
    for: 5m
  SlowRequests:
    when: {quantile: 0.99, of: latency, above: 250ms}
    for: 5m
  DiskFull:
    when: {value: used, above: 10GiB}
    for: 5m
"""


def _run(alert: str, chart_: Chart, **kw: object) -> AlertRun:
    base: dict[str, object] = {"pending": 0.4, "firing": 2.5, "notified": 3.4, "cleared": 4.0, "resolved": 6.0}
    base |= {"receivers_reached": ["svc/oncall"], "runbook_link": True, "dashboard_link": True}
    return AlertRun("svc", alert, "ErrorBurst", ["svc/oncall"], chart_, **(base | kw))  # type: ignore[arg-type]


def _result() -> DrillResult:
    """One passed alert, one failed with a receiver's hostile reason, one unexpected tier, a burn
    with both windows, a not-drivable alert; hostile text everywhere a server or spec can put it."""
    samples = [(0.0, 0.0), (2.0, 0.05), (5.0, 0.0)]
    plain = Chart("rate", "/min", 60.0, 1 / 60, "above 1/min", [Line("value", HOSTILE_EXPR, samples)])
    burn = Chart(
        "burn rate (error ratio / budget)",
        "×",
        1.0,
        14.4,
        "14.4× (page tier)",
        [
            Line("long window 10s", "a / 0.001", [(0, 1), (3, 20)]),
            Line("short window 4s", "b / 0.001", [(0, 1), (3, 30)]),
        ],
    )
    failed = _run(
        "ErrorsHigh",
        plain,
        notified=None,
        resolved=None,
        receivers_reached=[],
        receiver_failures=[ReceiverFailure("svc/oncall", "slack[0]: " + HOSTILE_REASON)],
        problem="no notification at svc/oncall: " + HOSTILE_REASON,
    )
    return DrillResult(
        specs=["specs/<odd>&.yaml"],
        scaling="Drill mode scales time: every `for:` capped at 2s",
        normal_seconds=8.0,
        normal_alerts=[],
        runs=[
            _run("RestartsHigh", plain),
            failed,
            _run("AvailabilitySlowBurn", burn, unexpected=["AvailabilityFastBurn"]),
        ],
        skipped=[Skipped("svc", "TargetDown", HOSTILE_REASON)],
        setup_seconds=10.0,
        total_seconds=61.0,
    )


def test_the_html_report_parses_strictly_and_shows_every_text_as_it_is():
    doc = render(_result(), "html")
    tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True).parse(doc)  # raises on any parse error
    assert "`" not in re.sub(r"<code>.*?</code>", "", doc) and "<script>" not in doc  # backticks only in PromQL
    tables = list(tree.iter(f"{NS}table"))
    header = [th.text for th in tables[0].iter(f"{NS}th")]
    assert header == list(COLUMNS)  # the summary first
    rows = [["".join(td.itertext()) for td in tr.iter(f"{NS}td")] for tr in tables[0].iter(f"{NS}tr")][1:]
    assert [r[0] for r in rows] == ["RestartsHigh", "ErrorsHigh", "AvailabilitySlowBurn", "TargetDown"]
    assert rows[0][-1] == "passed" and rows[1][-1].startswith("FAILED: no notification at svc/oncall")
    assert rows[2][-1] == "FAILED: also set off AvailabilityFastBurn, which this incident must not"
    assert rows[3][-1] == "not drivable" and rows[1][6] == "oncall ✗"
    codes = ["".join(c.itertext()) for c in tree.iter(f"{NS}code")]
    assert HOSTILE_EXPR in codes and "for:" in codes and "delta" in codes  # code spans, exactly
    text = "".join(tree.find(f"{NS}body").itertext())
    assert HOSTILE_REASON.replace("`", "") in text and "specs/<odd>&.yaml" in text
    assert len(list(tree.iter("{http://www.w3.org/2000/svg}svg"))) == 3


def test_the_markdown_report_has_the_summary_table_first_and_promql_in_exact_code_spans():
    md = render(_result(), "markdown")
    tokens = MarkdownIt("commonmark").enable("table").parse(md)
    first = next(i for i, t in enumerate(tokens) if t.type == "table_open")
    header = [tokens[i + 1].content for i, t in enumerate(tokens[first:], first) if t.type == "th_open"][: len(COLUMNS)]
    assert header == list(COLUMNS)
    inline = [t for t in tokens if t.type == "inline"]
    codes = [c.content for t in inline for c in t.children or [] if c.type == "code_inline"]
    assert HOSTILE_EXPR in codes and "delta" in codes
    shown = "".join(c.content for t in inline for c in t.children or [] if c.type == "text")
    assert "</li><script>alert(1)</script> & more | pipes" in shown  # literal text, not markup


def test_the_terminal_gets_text_without_svg_ending_with_one_verdict_line():
    out = render(_result(), "text")
    lines = out.rstrip("\n").splitlines()
    assert "<svg" not in out and lines[0].split() == list(COLUMNS)
    assert lines[-1] == "FAILED: 1 of 3 alerts passed, 2 failed, 1 not drivable (61 s)"
    assert sum(line.startswith(("PASSED", "FAILED")) for line in lines) == 1
    assert any(HOSTILE_REASON in line for line in lines)  # the whole reason below the table


def _drill_service(text: str, tmp_path: Path):
    spec = tmp_path / "units.yaml"
    spec.write_text(text)
    return drill_model(build_model([load_spec(spec)]), "http://127.0.0.1:9", tmp_path).services[0]


def test_charts_are_in_the_spec_units_with_the_threshold_in_its_words(tmp_path: Path):
    service = _drill_service(RATE_SPEC, tmp_path)
    charts = {i.alert: chart(service, i) for i in plan(service) if not isinstance(i, inc.Undrivable)}
    got = {name: (c.unit, round(c.scale, 6), c.threshold_text) for name, c in charts.items()}
    assert got["RestartsHigh"] == ("/min", 60.0, "above 1/min")
    assert got["SlowRequests"] == ("ms", 1000.0, "above 250ms")
    assert got["DiskFull"] == ("GiB", round(2**-30, 6), "above 10GiB")
    restarts = charts["RestartsHigh"]
    assert restarts.threshold == pytest.approx(1 / 60)  # compared per second, as Prometheus does
    restarts.lines[0].samples[:] = [(0.0, 0.0), (3.0, 0.5)]  # 0.5/s is 30/min
    svg = timeline_svg(_run("RestartsHigh", restarts))
    assert "above 1/min" in svg and "33/min" in svg  # the top of the axis: 30/min plus a tenth


def test_a_burn_chart_plots_the_long_and_the_short_window_against_the_factor():
    service = drill_model(build_model([load_spec(REPO / "specs" / "sigil-dna.yaml")]), "http://x", "/tmp/x").services[0]
    fast = next(i for i in plan(service) if isinstance(i, inc.SloBurn) and i.speed == "fast")
    burn = chart(service, fast)
    assert [line.label for line in burn.lines] == ["long window 10s", "short window 4s"]
    assert "ratio_rate10s{" in burn.lines[0].expr and "ratio_rate4s{" in burn.lines[1].expr
    assert burn.unit == "×" and burn.threshold_text == "14.4× (page tier)" and burn.threshold == 14.4
    for line in burn.lines:
        line.samples[:] = [(0.0, 0.1), (5.0, 20.0)]
    assert timeline_svg(_run(fast.alert, burn)).count("<polyline") == 2


def _png_size_and_colours(path: Path) -> tuple[int, int, int]:
    """Width, height and the number of distinct bytes of the decoded image data (stdlib only)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    at, idat = 8, b""
    while at < len(data):
        (size,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        if kind == b"IDAT":
            idat += data[at + 8 : at + 8 + size]
        at += 12 + size
    return width, height, len(set(zlib.decompress(idat)))


def test_headless_chromium_renders_the_html_report(tmp_path: Path):
    flags = headless_chromium(tmp_path / "u")
    page = tmp_path / "drill.html"
    page.write_text(render(_result(), "html"))
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    # The browser built the document we meant: every table, chart and code span, no script.
    assert dom.count("<table") == 4 and dom.count("<svg") == 3 and "<script>" not in dom
    shot = tmp_path / "drill.png"
    subprocess.run([*flags, "--window-size=1200,1600", f"--screenshot={shot}", page.as_uri()], timeout=120, check=True)
    width, height, colours = _png_size_and_colours(shot)
    assert (width, height) == (1200, 1600) and colours > 50  # a page with text and charts, not a blank one


@pytest.mark.parametrize("fmt", ["html", "markdown"])
def test_a_report_with_charts_without_a_file_is_a_usage_error_before_anything_starts(fmt: str, capsys):
    from sigil_monitoring.cli import main

    assert main(["drill", str(REPO / "specs" / "minimal.yaml"), "--format", fmt]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"drill: error: --format {fmt} has charts (SVG) and goes to a file: add --report FILE")
    assert len(err.splitlines()) == 1


def test_progress_lines_are_written_whole_each_with_its_newline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The drill reports from a thread per alert: each progress line must reach stderr in one
    write, newline included, or two lines run together (print() writes text and newline apart)."""
    import sys

    from sigil_monitoring.cli.live import _progress

    class Recorder:
        def __init__(self) -> None:
            self.writes: list[str] = []

        def write(self, text: str) -> int:
            self.writes.append(text)
            return len(text)

        def flush(self) -> None:
            pass

    recorder = Recorder()
    monkeypatch.setattr(sys, "stderr", recorder)
    say = _progress(quiet=False)
    say("    LatencySlowBurn: notified greeter/drill after 4.0s")
    say("a line\nwith a break")  # one_line keeps it one line
    assert recorder.writes == [
        "    LatencySlowBurn: notified greeter/drill after 4.0s\n",
        "a line\\nwith a break\n",
    ]
    assert _progress(quiet=True)("anything") is None
