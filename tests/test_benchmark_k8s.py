"""The kubernetes-mixin-sized benchmark input is the size its row says: the generated folder
compiles to 65 alerts, 71 recording rules and 252 panels (kubernetes-mixin: 65, 71, 254), and the
jsonnet peer builds the same 252 panels with the same queries, so the row compares like with like."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from sigil_monitoring import compile_specs, load_spec

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from generate import k8s_mixin  # noqa: E402 - found through the sys.path entry above
from k8s_mixin import peer_table  # noqa: E402 - found through the sys.path entry above


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    paths = k8s_mixin(tmp_path_factory.mktemp("k8s"))
    return {path: content.decode() for path, content in compile_specs([load_spec(p) for p in paths]).items()}


def _panels(bundle: dict[str, str]) -> dict[str, list[dict]]:
    boards = {p: json.loads(text) for p, text in bundle.items() if p.endswith(".json") and "/grafana/" in p}
    return {Path(p).stem: [panel for panel in board["panels"] if panel["type"] != "row"] for p, board in boards.items()}


def test_the_kubernetes_mixin_sized_folder_compiles_to_65_alerts_71_records_and_252_panels(bundle):
    rules = "".join(text for path, text in bundle.items() if path.endswith(".rules.yml"))
    assert len(re.findall(r"^ +- alert: ", rules, re.MULTILINE)) == 65
    assert len(re.findall(r"^ +- record: ", rules, re.MULTILINE)) == 71
    panels = _panels(bundle)
    assert len(panels) == 8
    assert sum(len(members) for members in panels.values()) == 252


def test_the_spec_uses_kubernetes_metric_names(bundle):
    rules = "".join(text for path, text in bundle.items() if path.endswith(".rules.yml"))
    for name in [
        "container_cpu_usage_seconds_total",
        "kube_pod_container_status_restarts_total",
        "kubelet_volume_stats_available_bytes",
        "apiserver_request_duration_seconds_bucket",
    ]:
        assert name in rules, name


def test_the_jsonnet_peer_builds_the_same_panels_with_the_same_queries(bundle, tmp_path):
    rjsonnet = pytest.importorskip("rjsonnet")
    peers = REPO / "benchmarks" / "peers"
    text = rjsonnet.evaluate_file(
        str(peers / "k8s_dashboards.jsonnet"), jpathdir=[str(peers)], tla_codes={"mixin": json.dumps(peer_table())}
    )
    theirs = {
        Path(name).stem: [p for p in board["panels"] if p["type"] != "row"] for name, board in json.loads(text).items()
    }
    ours = _panels(bundle)
    assert sorted(theirs) == sorted(ours)
    for uid, panels in ours.items():
        mine = [(p["type"], p["title"], [t.get("expr") for t in p.get("targets", [])]) for p in panels]
        peer = [(p["type"], p["title"], [t["expr"] for t in p["targets"]]) for p in theirs[uid]]
        assert peer == mine, uid
