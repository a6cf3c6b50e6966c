"""``preview`` draws every dashboard as the Grafana target lays it out: each row and panel of the
compiled classic JSON at its gridPos, with its title, kind, unit, threshold colours and SLO; the SVG
is valid XML, self-contained, deterministic, and a real browser renders it."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import ALL_SPECS, REPO
from servers import headless_chromium
from test_drill_report import _png_size_and_colours
from test_grafana import variant

from sigil_monitoring import load_spec
from sigil_monitoring.cli import main
from sigil_monitoring.compilers.grafana import dashboard
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.ir.dashboard import SloBudgetPanel, SloBurnPanel, SloSliPanel
from sigil_monitoring.preview import picture, service_pictures
from sigil_monitoring.preview.svg import CANVAS, COLOURS, GAP, HEADER, PAD, UNIT, colour

SVG = "{http://www.w3.org/2000/svg}"
DOCS_PICTURE = REPO / "docs" / "preview-sigil-dna.svg"
WORLD = REPO / "tests" / "data" / "grafana-dashboards-kubernetes"  # see its README.md


def _groups(root: ET.Element, kind: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == kind]


def _title(group: ET.Element) -> str:
    return group.find(f"{SVG}title").text or ""


def _expected_box(grid: dict[str, int]) -> tuple[float, float, float, float]:
    """Where a gridPos stands on the canvas: 24 equal columns across it, Grafana's 38 px per unit."""
    column = (CANVAS - 2 * PAD) / 24
    return (
        PAD + grid["x"] * column + GAP / 2,
        HEADER + grid["y"] * UNIT + GAP / 2,
        grid["w"] * column - GAP,
        grid["h"] * UNIT - GAP,
    )


def _box(group: ET.Element) -> tuple[float, ...]:
    rect = group.find(f"{SVG}rect")
    return tuple(float(rect.get(k)) for k in ("x", "y", "width", "height"))


def _check_layout(compiled: dict) -> None:
    """Every row and panel of a classic dashboard JSON drawn at its gridPos, in order, none
    overlapping, with each threshold step's colour."""
    root = ET.fromstring(picture(compiled))
    assert root.tag == f"{SVG}svg"
    rows = [p for p in compiled["panels"] if p["type"] == "row"]
    panels = [p for p in compiled["panels"] if p["type"] != "row"]
    drawn_rows, drawn_panels = _groups(root, "row"), _groups(root, "panel")
    assert [_title(g) for g in drawn_rows] == [r["title"] for r in rows]
    assert [_title(g) for g in drawn_panels] == [p["title"] for p in panels]
    for item, group in zip(rows + panels, drawn_rows + drawn_panels, strict=True):
        assert _box(group) == pytest.approx(_expected_box(item["gridPos"]), abs=0.05), item["title"]  # to 0.1 px
    # Grafana's layout never overlaps two panels: nor does the picture.
    boxes = [_box(g) for g in drawn_rows + drawn_panels]
    for i, (x, y, w, h) in enumerate(boxes):
        for x2, y2, w2, h2 in boxes[i + 1 :]:
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y
    for panel, group in zip(panels, drawn_panels, strict=True):
        steps = (((panel.get("fieldConfig") or {}).get("defaults") or {}).get("thresholds") or {}).get("steps") or []
        if panel["type"] in ("stat", "gauge", "timeseries") and any(s.get("value") is not None for s in steps):
            painted = {e.get("fill") for e in group.iter()} | {e.get("stroke") for e in group.iter()}
            assert {colour(s["color"]) for s in steps} <= painted, panel["title"]


@pytest.mark.parametrize("spec_path", ALL_SPECS, ids=lambda p: p.stem)
def test_every_row_and_panel_stands_at_its_compiled_grid_position(spec_path):
    service = build_model([load_spec(spec_path)]).services[0]
    _check_layout(dashboard.build(service).to_json())


@pytest.mark.parametrize("published", sorted(WORLD.glob("*.json")), ids=lambda p: p.stem)
def test_a_published_dashboard_nobody_here_wrote_is_drawn_at_its_grid_positions(published):
    _check_layout(json.loads(published.read_text(encoding="utf-8")))


def test_the_sigil_dna_picture_shows_kinds_units_threshold_colours_and_slos():
    service = build_model([load_spec(REPO / "specs" / "sigil-dna.yaml")]).services[0]
    root = ET.fromstring(service_pictures(build_model([load_spec(REPO / "specs" / "sigil-dna.yaml")]))["sigil-dna"])
    by_title = {_title(g): g for g in _groups(root, "panel")}
    texts = {t: " ".join("".join(e.itertext()) for e in g.iter(f"{SVG}text")) for t, g in by_title.items()}
    assert "time series · seconds" in texts["Encode latency percentiles"]
    assert "≥ 1 s" in texts["Encode latency percentiles"]  # the alert's threshold, as the unit shows it
    assert "< 10 GiB" in texts["Disk free"] and "≥ 10 GiB" in texts["Disk free"]
    assert all(state in texts["Circuit state"] for state in ("closed", "open", "half-open"))
    # The threshold step colours of the compiled panel are drawn, Grafana's orange and green.
    fills = {e.get("fill") for e in by_title["Disk free"].iter(f"{SVG}rect")}
    assert {COLOURS["orange"], COLOURS["green"]} <= fills
    strokes = {e.get("stroke") for e in by_title["Encode latency percentiles"].iter(f"{SVG}line")}
    assert COLOURS["orange"] in strokes
    # The SLO panels, and only they, carry their SLO.
    slo_panels = {
        p.title: c.slo
        for p in service.dashboard.panels()
        if isinstance(c := p.content, SloSliPanel | SloBudgetPanel | SloBurnPanel)
    }
    assert {t: g.get("data-slo") for t, g in by_title.items() if g.get("data-slo")} == slo_panels


def test_a_collapsed_row_is_a_bar_naming_the_panels_it_hides():
    service = variant(**{"    - title: Resonance\n": "    - title: Resonance\n      collapsed: true\n"}).services[0]
    root = ET.fromstring(picture(dashboard.build(service).to_json()))
    row = next(g for g in _groups(root, "row") if _title(g) == "Resonance")
    assert row.get("data-collapsed") == "true"
    assert "Resonance distribution" in "".join(row.itertext())
    assert "Resonance distribution" not in [_title(g) for g in _groups(root, "panel")]


def test_hostile_titles_stay_text_in_a_valid_svg():
    board = {
        "title": 'A <script>alert(1)</script> & "b"\x07',
        "uid": "x",
        "panels": [{"type": "stat", "title": "<b>\x00", "gridPos": {"x": 0, "y": 0, "w": 6, "h": 4}}],
    }
    svg = picture(board)
    root = ET.fromstring(svg)
    assert not list(root.iter(f"{SVG}script")) and "<script>" not in svg
    assert _title(_groups(root, "panel")[0]) == "<b>"


def test_the_picture_in_the_docs_is_the_one_preview_draws_today(update_golden):
    fresh = service_pictures(build_model([load_spec(REPO / "specs" / "sigil-dna.yaml")]))["sigil-dna"]
    if update_golden:
        DOCS_PICTURE.write_text(fresh, encoding="utf-8")
    assert DOCS_PICTURE.read_text(encoding="utf-8") == fresh, "run pytest tests/test_preview.py --update-golden"


def test_preview_writes_one_picture_per_service_and_nothing_on_a_spec_error(tmp_path, capsys):
    out = tmp_path / "pictures"
    assert main(["preview", str(REPO / "specs"), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["hello.svg", "shop.svg", "sigil-dna.svg"]
    assert capsys.readouterr().out.count("wrote ") == 3
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: sigil-monitoring/v1\nservice: {name: x}\nmetrics: {}\n")
    assert main(["preview", str(bad), "--out", str(tmp_path / "none")]) == 2
    assert not (tmp_path / "none").exists()
    assert capsys.readouterr().err.startswith(f"{bad}:")


def test_diff_writes_the_before_and_after_pictures_of_a_changed_dashboard_only(tmp_path, capsys):
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    text = (REPO / "specs" / "sigil-dna.yaml").read_text()
    old.write_text(text)
    new.write_text(text.replace("- title: Resonance", "- title: Resonance strength"))
    assert main(["diff", str(old), str(new), "--preview", str(tmp_path / "pair"), "-q"]) == 1
    before, after = (tmp_path / "pair" / f"sigil-dna.{side}.svg" for side in ("before", "after"))
    rows = [[_title(g) for g in _groups(ET.parse(p).getroot(), "row")] for p in (before, after)]
    assert "Resonance" in rows[0] and "Resonance strength" in rows[1]
    # Unchanged dashboards get no pictures: here the same spec on both sides.
    assert main(["diff", str(old), str(old), "--preview", str(tmp_path / "same"), "-q"]) == 0
    assert not list((tmp_path / "same").glob("*.svg"))


def test_headless_chromium_renders_the_sigil_dna_picture(tmp_path: Path):
    flags = headless_chromium(tmp_path / "u")
    svg = tmp_path / "sigil-dna.svg"
    svg.write_text(DOCS_PICTURE.read_text(encoding="utf-8"), encoding="utf-8")
    height = int(ET.parse(svg).getroot().get("height"))
    dom = subprocess.run([*flags, "--dump-dom", svg.as_uri()], capture_output=True, text=True, timeout=120).stdout
    # The browser parsed our SVG as SVG (an XML error would show as a parser error page).
    assert "parsererror" not in dom and dom.count('class="panel"') == 18
    shot = tmp_path / "sigil-dna.png"
    size = f"--window-size={CANVAS},{height}"
    subprocess.run([*flags, size, f"--screenshot={shot}", svg.as_uri()], timeout=120, check=True, capture_output=True)
    width, shot_height, colours = _png_size_and_colours(shot)
    assert (width, shot_height) == (CANVAS, height) and colours > 50  # drawn panels and text, not a blank page
