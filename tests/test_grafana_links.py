"""Every compiled alert carries Grafana's panel-link annotations, pointing at the panel its
``dashboard_url`` opens, for every alert of every spec in ``specs/``."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

import pytest
import yaml

from sigil_monitoring import compile_spec, load_spec

REPO = Path(__file__).resolve().parent.parent
SPECS = sorted((REPO / "specs").glob("*.yaml"))


def _panel_ids(panels: list[dict]) -> set[int]:
    ids = set()
    for panel in panels:
        ids.add(panel["id"])
        ids |= _panel_ids(panel.get("panels", []))  # panels inside a collapsed row
    return ids


@pytest.mark.parametrize("spec_path", SPECS, ids=[p.stem for p in SPECS])
def test_every_alert_links_to_the_panel_its_dashboard_url_opens(spec_path: Path) -> None:
    spec = load_spec(str(spec_path))
    bundle = compile_spec(spec)
    service = spec.service.name
    dashboard = json.loads(bundle[f"{service}/grafana/{service}.json"])
    alerts = [
        rule
        for path, data in bundle.items()
        if path.endswith(".rules.yml")
        for group in yaml.safe_load(data)["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]
    assert bool(alerts) == bool(spec.alerts or spec.slos), f"{spec_path.name}: alerts expected"
    for rule in alerts:
        notes = rule["annotations"]
        url = urllib.parse.urlsplit(notes["dashboard_url"])
        uid = url.path.split("/")[2]
        assert notes["__dashboardUid__"] == uid == dashboard["uid"], rule["alert"]
        view_panel = urllib.parse.parse_qs(url.query).get("viewPanel")
        if view_panel is None:
            assert "__panelId__" not in notes, rule["alert"]
            continue
        assert notes["__panelId__"] == view_panel[0], rule["alert"]
        assert isinstance(notes["__panelId__"], str)  # annotation values are strings in Prometheus
        assert int(notes["__panelId__"]) in _panel_ids(dashboard["panels"]), rule["alert"]


def test_vmalert_accepts_the_rule_files_with_the_link_annotations(tmp_path: Path) -> None:
    import subprocess

    from sigil_monitoring.live.net import binary

    vmalert = binary("vmalert")
    if vmalert is None:
        pytest.skip("vmalert is not installed (Debian package victoria-metrics); promtool checks the same files")
    bundle = compile_spec(load_spec(str(REPO / "specs/sigil-dna.yaml")))
    files = []
    for path, data in bundle.items():
        if path.endswith(".rules.yml"):
            files.append(tmp_path / Path(path).name)
            files[-1].write_bytes(data)
    assert b"__panelId__" in files[0].read_bytes() or any(b"__panelId__" in f.read_bytes() for f in files)
    result = subprocess.run(
        [vmalert, "-dryRun", *(f"-rule={f}" for f in files)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
