"""Every spec that ``validate`` accepts compiles, to rule files and tests promtool accepts (issue 20).

Two halves. ``tests/valid_compiles/`` holds valid but unusual specs (templates the test generator
cannot predict, degenerate ratios, scalar alerts), each compiled and handed to ``promtool check
rules`` and ``promtool test rules``; the specs that cannot work are refused instead, with their
positioned errors in ``tests/invalid/`` (promql-alert-*, slo-*, sli-*, *-unparseable). And a
property: specs built from the constructs that used to crash the compiler (raw PromQL alerts,
ratio SLIs whose sides overlap, contradict or split by ``group_by``, Go templates in every
templated field) either give positioned errors or compile to files promtool accepts.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples
from servers import require_binary

from sigil_monitoring import SpecError, load_spec, parse_spec
from sigil_monitoring.output.pipeline import compile_spec

CASES = sorted((Path(__file__).parent / "valid_compiles").glob("*.yaml"))


def _write(bundle: dict[str, bytes], root: Path) -> None:
    for rel, data in bundle.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)


def promtool_accepts(root: Path) -> None:
    """``promtool check rules`` on every rule file under ``root``, ``promtool test rules`` on every test."""
    promtool = require_binary("promtool")
    rules = sorted(root.glob("*/prometheus/*.rules.yml"))
    if rules:
        checked = subprocess.run([promtool, "check", "rules", *rules], capture_output=True, text=True, timeout=120)
        assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-3000:]
    for folder in sorted(root.glob("*/prometheus")):
        tests = sorted(p.relative_to(folder.parent.parent) for p in folder.glob("tests/*.test.yml"))
        if tests:
            run = subprocess.run(
                [promtool, "test", "rules", *tests], cwd=root, capture_output=True, text=True, timeout=300
            )
            assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


def test_the_corpus_has_the_cases_of_issue_20():
    assert {p.stem for p in CASES} >= {"tier-annotation-if", "alert-annotation-query", "promql-alert-scalar"}


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_every_case_compiles_to_rules_and_tests_promtool_accepts(case, tmp_path):
    _write(compile_spec(load_spec(case)), tmp_path)
    promtool_accepts(tmp_path)


def test_an_annotation_the_generator_cannot_predict_is_proven_firing_through_alerts(tmp_path):
    """The fallback test can fail: a burn rule that never fires makes it red."""
    _write(compile_spec(load_spec(CASES[[p.stem for p in CASES].index("tier-annotation-if")])), tmp_path)
    test = tmp_path / "shop/prometheus/tests/AvailabilityFastBurn.test.yml"
    assert 'ALERTS{alertname=\\"AvailabilityFastBurn\\",alertstate=\\"firing\\"}' in test.read_text()
    promtool_accepts(tmp_path)
    rules = tmp_path / "shop/prometheus/slo-availability.rules.yml"
    doc = yaml.safe_load(rules.read_text())
    for group in doc["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") == "AvailabilityFastBurn":
                rule["expr"] = f"({rule['expr']}) and on() vector(0) > 1"  # never true
    rules.write_text(yaml.safe_dump(doc))
    with pytest.raises(AssertionError, match="AvailabilityFastBurn"):
        promtool_accepts(tmp_path)


# Raw PromQL alert expressions: instant vectors, scalars, and what Prometheus refuses as an alert
# (range vectors, strings, Prometheus 3's durations as numbers).
PROMQL = [
    "up == 0",
    "sum(rate(shop_errors_total[5m])) > 0",
    "time() - 1700000000",
    "scalar(up)",
    "vector(1)",
    "-up",
    "up offset 5m",
    "1",
    "5m",
    '"abc"',
    "up[5m]",
    "rate(up[5m])[10m:1m]",
    "time() - 5m",
    "predict_linear(shop_queue[1h], 3600) < 0",
    "absent(up)",
    "up == bool 1",
    "(up)",
]
ERROR_RATIOS = [
    "sum(rate(shop_errors_total[$window])) / sum(rate(shop_requests_total[$window]))",
    "vector(0.001)",
    'scalar(sum(rate(shop_errors_total{code="500"}[$window])))',
    "shop_errors_total[$window]",
    "0.001 + $window",
    '"x" or rate(up[$window])',
]
# Go templates, valid and not, predictable by the test generator and not.
TEMPLATES = [
    "plain text",
    "{{ $value }}",
    "{{ $value | humanize }}",
    "{{ humanizePercentage $value }}",
    "{{ $labels.handler }}",
    "{{ if $labels.code }}code {{ $labels.code }}{{ else }}no code{{ end }}",
    "{{ if gt $value 0.5 }}most{{ else }}some{{ end }}",
    '{{ with query "up" }}{{ . | first | value }}{{ end }}',
    '{{ printf "%.2f" $value }}',
    "{{- $value -}} trimmed",
    '{{ "{{" }} literal',
    "{{ $labels.code | toUpper }}",
    '{{ index $labels "code" }}',
    "{{ $x := 1 }}{{ $x }}",
    "{{/* a comment */}}after",
    "{{ range $k, $v := $labels }}{{ $k }}={{ $v }} {{ end }}",
]
BROKEN_TEMPLATES = [
    "{{ $value",
    "{{ if $labels.x }}",
    "{{ end }}",
    '{{ template "x" }}',
    "{{ nope }}",
    "{{ $undefined }}",
]
WHERE = [
    {},
    {"code": "500"},
    {"code": "200"},
    {"code": {"regex": "5.."}},
    {"code": {"not_regex": "5.."}},
    {"code": ["500", "503"]},
    {"handler": {"not": "a"}},
    {"job": "shop"},
    {"job": "other"},
    {"job": {"regex": "shop|other"}},
]


def _ref(draw: st.DrawFn, metrics: list[str]) -> Any:
    metric = draw(st.sampled_from(metrics))
    where = draw(st.sampled_from(WHERE))
    return {"metric": metric, "where": where} if where or draw(st.booleans()) else metric


def _text(draw: st.DrawFn) -> str:
    # Mostly templates that parse, so that most specs reach the compiler.
    broken = draw(st.integers(0, 30)) == 13  # not a bound: Hypothesis draws those often
    return " ".join(draw(st.lists(st.sampled_from(BROKEN_TEMPLATES if broken else TEMPLATES), min_size=1, max_size=2)))


def _texts(draw: st.DrawFn, keys: list[str]) -> dict[str, str]:
    return {key: _text(draw) for key in draw(st.lists(st.sampled_from(keys), max_size=2, unique=True))}


@st.composite
def constructed_specs(draw: st.DrawFn) -> dict[str, Any]:
    selector: dict[str, Any] = {"job": "shop"}
    if draw(st.booleans()):
        selector["env"] = {"regex": "prod|staging"}
    slos: dict[str, Any] = {}
    for i in range(draw(st.integers(0, 2))):
        kind = draw(st.sampled_from(["bad", "good", "latency", "error_ratio"]))
        if kind in ("bad", "good"):
            sli: dict[str, Any] = {
                kind: _ref(draw, ["errors", "requests", "derived"]),
                "total": _ref(draw, ["requests"]),
            }
        elif kind == "latency":
            sli = {"latency": _ref(draw, ["latency"]), "below": "1s"}
        else:
            sli = {"error_ratio": draw(st.sampled_from(ERROR_RATIOS))}
        alerting: dict[str, Any] = {"annotations": _texts(draw, ["note"])}
        for tier in ("page", "ticket"):
            alerting[tier] = {"annotations": _texts(draw, ["hint", "detail"])}
            if draw(st.booleans()):
                alerting[tier]["description"] = _text(draw)
        slos[f"slo{i}"] = {
            "objective": draw(st.sampled_from(["99%", "99.9%"])),
            "sli": sli,
            "group_by": draw(st.lists(st.sampled_from(["code", "handler"]), max_size=2, unique=True)),
            "alerting": alerting,
        }
    alerts: dict[str, Any] = {}
    for i in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["promql", "promql", "rate", "ratio", "quantile", "value", "absent"]))
        if kind == "promql":
            when: dict[str, Any] = {"promql": draw(st.sampled_from(PROMQL))}
            side = draw(st.sampled_from([None, "above", "below"]))
            if side:
                when[side] = draw(st.sampled_from([0, 1, 0.5]))
        elif kind == "rate":
            when = {"rate": _ref(draw, ["errors", "requests"]), "above": "1/min"}
        elif kind == "ratio":
            when = {"ratio": {"bad": _ref(draw, ["errors", "requests", "derived"]), "total": _ref(draw, ["requests"])}}
            when["above"] = "5%"
        elif kind == "quantile":
            when = {"quantile": 0.95, "of": _ref(draw, ["latency"]), "above": "500ms"}
        elif kind == "value":
            when = {"value": _ref(draw, ["queue"]), draw(st.sampled_from(["above", "below"])): 10}
        else:
            when = {"absent": _ref(draw, ["requests", "derived"])}
        alerts[f"Alert{i}"] = {"when": when, "annotations": _texts(draw, ["note", "hint"])}
        if draw(st.booleans()):
            alerts[f"Alert{i}"]["description"] = _text(draw)
    return {
        "apiVersion": "sigil-monitoring/v1",
        "service": {"name": "shop", "team": "payments", "selector": selector},
        "metrics": {
            "requests": {"name": "shop_requests_total", "type": "counter", "labels": ["code", "handler"]},
            "errors": {"name": "shop_errors_total", "type": "counter", "labels": ["code", "handler"]},
            "latency": {
                "name": "shop_request_duration_seconds",
                "type": "histogram",
                "unit": "seconds",
                "buckets": [0.1, 0.5, 1, 5],
                "labels": ["code", "handler"],
            },
            "queue": {"name": "shop_queue", "type": "gauge", "labels": ["code", "handler"]},
            "derived": {"from": "requests", "where": draw(st.sampled_from(WHERE[1:]))},
        },
        "slos": slos,
        "alerts": alerts,
    }


@settings(max_examples=examples(0.03), suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(constructed_specs())
def test_a_constructed_spec_gives_positioned_errors_or_compiles_to_what_promtool_accepts(doc):
    try:
        spec = parse_spec(yaml.safe_dump(doc, sort_keys=False), "constructed.yaml")
    except SpecError as exc:
        for d in exc.diagnostics:
            assert d.line >= 1 and d.col >= 1 and d.message.rstrip().endswith(")"), d
        return
    bundle = compile_spec(spec)  # anything but a SpecError here is the exit 70 of issue 20
    with tempfile.TemporaryDirectory(prefix="sigil-valid-") as tmp:
        _write(bundle, Path(tmp))
        promtool_accepts(Path(tmp))
