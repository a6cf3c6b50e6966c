"""Valid but unusual specs are data: every tests/hostile/<case>.yaml compiles, and the real tools
accept what it compiles to.

For all cases at once (one tool run each, so the corpus stays fast): ``promtool check rules
--lint=all --lint-fatal`` on every rule file, ``promtool test rules`` on every generated test,
``amtool check-config`` on every Alertmanager config. Per case, one ``amtool template render``
renders every templated field of every receiver, and every plain-text annotation and alert label
the Prometheus target wrote: Go's text/template must give back the spec's text exactly, so a
``{{`` anywhere in user text is printed, never run.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from servers import require_binary

from sigil_monitoring import conventions as names
from sigil_monitoring import load_spec
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.ir.model import Slack
from sigil_monitoring.output.pipeline import compile_spec

HOSTILE = Path(__file__).parent / "hostile"
CASES = sorted(HOSTILE.glob("*.yaml"))


def run(tool: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require_binary(tool), *map(str, args)], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every case compiled into <root>/<case>/."""
    root = tmp_path_factory.mktemp("hostile")
    for case in CASES:
        bundle = compile_spec(load_spec(case))
        for rel, data in bundle.items():
            (root / case.stem / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / case.stem / rel).write_bytes(data)
    return root


def test_the_corpus_covers_the_injection_and_range_cases():
    assert len(CASES) >= 25


def test_every_hostile_rule_file_passes_promtool_check_with_every_lint(compiled):
    files = sorted(compiled.glob("*/*/prometheus/*.rules.yml"))
    assert len(files) >= 3 * len(CASES)
    result = run("promtool", "check", "rules", "--lint=all", "--lint-fatal", *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_generated_test_of_every_hostile_spec_passes_promtool_test(compiled):
    tests = sorted(compiled.glob("*/*/prometheus/tests/*.test.yml"))
    assert len(tests) >= 4 * len(CASES)
    result = run("promtool", "test", "rules", *tests)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]


def test_every_hostile_alertmanager_config_passes_amtool_check_config(compiled):
    configs = sorted(compiled.glob(f"*/{names.ALERTMANAGER_CONFIG_PATH}"))
    assert len(configs) == len(CASES)
    result = run("amtool", "check-config", *configs)
    assert result.returncode == 0, result.stdout + result.stderr


def _templated(value: Any, path: str = "") -> list[tuple[str, str]]:
    """(path, text) of every string in a receiver config that Alertmanager expands as a template."""
    if isinstance(value, dict):
        return [
            p for k, v in value.items() if not k.endswith("_file") and k != "url" for p in _templated(v, f"{path}.{k}")
        ]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _templated(v, f"{path}[{i}]")]
    return [(path, value)] if isinstance(value, str) else []


def _render(tmpl: Path | None, texts: list[str], data: dict[str, Any], tmp: Path) -> list[str]:
    """Each text rendered by amtool's Go text/template, in one run."""
    marker = "\x1e"
    (tmp / "data.json").write_text(json.dumps(data))
    glob = ["--template.glob", str(tmpl)] if tmpl else []
    result = run(
        "amtool",
        "template",
        "render",
        *glob,
        "--template.text",
        marker + marker.join(texts) + marker,
        "--template.data",
        str(tmp / "data.json"),
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split(marker)[1:-1]


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_plain_text_annotations_labels_and_receiver_fields_render_as_the_spec_wrote_them(case, compiled, tmp_path):
    out = compiled / case.stem
    model = build_model([load_spec(case)])
    service = model.services[0]
    rules = [
        r
        for f in sorted((out / service.name / "prometheus").glob("*.rules.yml"))
        for g in yaml.safe_load(f.read_text())["groups"]
        for r in g["rules"]
        if "alert" in r
    ]
    expected: dict[str, str] = {}
    for alert in service.alerts:
        expected |= {
            f"{alert.name}.summary": alert.summary,
            f"{alert.name}.runbook_url": alert.runbook_url,
            f"{alert.name}.dashboard_url": alert.dashboard_url,
            **{f"{alert.name}.labels.{k}": v for k, v in alert.labels},
        }
    written = {f"{r['alert']}.{k}": v for r in rules for k, v in r["annotations"].items() if k != "description"}
    written |= {f"{r['alert']}.labels.{k}": v for r in rules for k, v in r["labels"].items()}
    keys = sorted(expected)
    assert set(keys) <= set(written)

    alert = service.alerts[0]
    labels = {**dict(alert.labels), "alertname": alert.name, "severity": "critical"}
    annotations = {
        "summary": alert.summary,
        "description": "d",
        "runbook_url": alert.runbook_url,
        "dashboard_url": alert.dashboard_url,
    }
    data = {
        "receiver": "r",
        "status": "firing",
        "externalURL": "http://am.example:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": annotations,
                "fingerprint": "0",
                "startsAt": "2024-01-01T00:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "",
            }
        ],
        "groupLabels": {},
        "commonLabels": labels,
        "commonAnnotations": annotations,
    }
    config = yaml.safe_load((out / names.ALERTMANAGER_CONFIG_PATH).read_text())
    fields = [p for r in config["receivers"] for p in _templated(r, r["name"])]
    rendered = _render(
        out / names.ALERTMANAGER_TEMPLATE_PATH, [written[k] for k in keys] + [t for _, t in fields], data, tmp_path
    )

    assert dict(zip(keys, rendered[: len(keys)], strict=True)) == {k: expected[k] for k in keys}
    receiver_fields = dict(zip((p for p, _ in fields), rendered[len(keys) :], strict=True))
    for receiver in service.routing.receivers if service.routing else ():
        if isinstance(slack := receiver.integration, Slack):
            assert receiver_fields[f"{receiver.name}.slack_configs[0].channel"] == slack.channel
            if slack.mention:
                assert receiver_fields[f"{receiver.name}.slack_configs[0].text"].startswith(slack.mention + " ")


def test_a_runbook_heading_in_user_text_cannot_take_an_alerts_anchor(compiled):
    text = (compiled / "runbook-with-headings" / "shop" / "runbook.md").read_text()
    assert "\n## BreakerOpen\n" in text and text.count("\n## BreakerOpen") == 1
    assert "\\## BreakerOpen" in text and "<a id" not in text
    assert "\n# a shell comment\n" in text  # fenced code is left as the user wrote it


def test_alerts_whose_names_differ_in_case_link_to_distinct_anchors():
    service = build_model([load_spec(HOSTILE / "alert-names-differ-in-case.yaml")]).services[0]
    urls = {a.name: a.runbook_url for a in service.alerts}
    assert urls["ErrorsHigh"].endswith("#errorshigh") and urls["ERRORSHIGH"].endswith("#errorshigh-1")


def test_every_generated_alert_test_keeps_its_firing_half_whatever_the_text(compiled):
    """User text with template actions in it (summary, team, labels) is literal, so the generator
    knows what Prometheus will print and never drops the case where the alert fires."""
    missing = []
    for test in sorted(compiled.glob("*/*/prometheus/tests/*.test.yml")):
        # A description that runs a query is a template on purpose: what the query returns cannot
        # be known, so that one case keeps its quiet half only (docs/prometheus.md, generated tests).
        if test.name == "recording.test.yml" or test.parts[-5] == "description-with-query":
            continue
        doc = yaml.safe_load(test.read_text())
        cases = [case for group in doc["tests"] for case in group.get("alert_rule_test", [])]
        if not any(case["exp_alerts"] for case in cases):
            missing.append(str(test.relative_to(compiled)))
    assert missing == []
