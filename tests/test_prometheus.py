"""The Prometheus target: golden output, promtool on every rule and test file, caught mutations.

promtool runs on many files per call (one check and one test run for all specs), so the suite
stays fast; missing promtool skips locally and fails under CI (servers.require_binary).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import GOLDEN, REPO, SPECS
from servers import require_binary

from sigil_monitoring import load_spec
from sigil_monitoring.compilers import compiler, prometheus
from sigil_monitoring.compilers.prometheus.rules import RuleFile
from sigil_monitoring.ir.build import build_model

TARGET = "prometheus"


def compile_to(specs: list, out: Path) -> dict[str, bytes]:
    """Compile with the Prometheus target only, write under ``out``, return path -> bytes."""
    files = {a.path: a.render() for a in compiler(TARGET)(build_model(specs))}
    for rel, data in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    return files


def promtool(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_binary("promtool"), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def spec_variant(
    tmp_path: Path, name: str, *replacements: tuple[str, str], source: Path = REPO / "specs" / "sigil-dna.yaml"
):
    """A copy of a spec with exact text replacements (each must apply once)."""
    text = source.read_text()
    for old, new in replacements:
        assert text.count(old) == 1, f"{old!r} must occur once in {source.name}"
        text = text.replace(old, new)
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return load_spec(path)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every spec in specs/ compiled into one directory (one subdirectory per service)."""
    out = tmp_path_factory.mktemp("prometheus")
    compile_to([load_spec(p) for p in SPECS], out)
    return out


@pytest.mark.parametrize("spec_path", SPECS, ids=lambda p: p.stem)
def test_each_spec_compiles_to_its_golden_prometheus_files(spec_path, update_golden, monkeypatch, tmp_path):
    monkeypatch.chdir(REPO)  # headers name the spec relative to the repo, as test_golden does
    files = compile_to([load_spec(f"specs/{spec_path.name}")], tmp_path)
    golden = GOLDEN / spec_path.stem
    ours = {p.relative_to(golden).as_posix(): p.read_bytes() for p in golden.glob("*/prometheus/**/*") if p.is_file()}
    if update_golden:
        for rel in ours:
            (golden / rel).unlink()
        for rel, data in files.items():
            (golden / rel).parent.mkdir(parents=True, exist_ok=True)
            (golden / rel).write_bytes(data)
        ours = dict(files)
    assert sorted(ours) == sorted(files), "the set of Prometheus files changed (run with --update-golden and review)"
    for rel, data in files.items():
        assert data == ours[rel], f"{rel} differs from golden (run with --update-golden and review the diff)"


def test_promtool_check_passes_with_every_lint_on_every_rule_file(compiled):
    files = sorted(compiled.glob("*/prometheus/*.rules.yml"))
    assert len(files) >= 2 * len(SPECS)
    result = promtool("check", "rules", "--lint=all", "--lint-fatal", *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_passes_every_generated_unit_test(compiled):
    tests = sorted(compiled.glob("*/prometheus/tests/*.test.yml"))
    result = promtool("test", "rules", *tests)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(tests)


def test_every_alert_of_sigil_dna_has_its_own_test_file_listing_only_the_rules_it_needs(compiled):
    service = build_model([load_spec(REPO / "specs" / "sigil-dna.yaml")]).services[0]
    tests = compiled / "sigil-dna" / "prometheus" / "tests"
    names = [a.name for a in service.alerts] + [b.name for s in service.slos for b in s.alerts]
    assert sorted(p.name for p in tests.glob("*.test.yml")) == sorted(
        [f"{n}.test.yml" for n in names] + ["recording.test.yml"]
    )
    slo_test = (tests / "EncodeLatencyFastBurn.test.yml").read_text()
    assert "rule_files:\n  - ../slo-encode-latency.rules.yml\nevaluation" in slo_test
    threshold_test = (tests / "DatabaseDown.test.yml").read_text()
    assert "rule_files:\n  - ../recording.rules.yml\n  - ../alerts.rules.yml\nevaluation" in threshold_test
    for name in names:  # every alert is checked both firing and staying quiet
        text = (tests / f"{name}.test.yml").read_text()
        assert "exp_annotations:" in text and "exp_alerts: []" in text, name


# Each change moves one threshold (or objective) and names the tests it must break.
MUTATIONS = [
    (
        ("{quantile: 0.95, of: encode_latency, above: 1s}", "{quantile: 0.95, of: encode_latency, above: 2500ms}"),
        ("EncodeLatencyHigh",),
    ),
    (
        (
            "{rate: {metric: errors, where: {operation: {not: gc}}}, above: 1/min}",
            "{rate: {metric: errors, where: {operation: {not: gc}}}, above: 5/min}",
        ),
        ("ErrorRateHigh",),
    ),
    (("{value: disk_free, below: 10GiB}", "{value: disk_free, below: 50GiB}"), ("DiskAlmostFull",)),
    (("objective: 99.9%", "objective: 99%"), ("EncodeAvailabilityFastBurn", "EncodeAvailabilitySlowBurn")),
]


def _run_tests_against(tests_from: Path, rules_dir: Path, names: list[str]) -> dict[str, bool]:
    """Copy the named test files next to other rules and run each; name -> passed."""
    (rules_dir / "tests").mkdir(exist_ok=True)
    passed = {}
    for name in names:
        shutil.copy(tests_from / f"{name}.test.yml", rules_dir / "tests" / f"{name}.test.yml")
        passed[name] = promtool("test", "rules", rules_dir / "tests" / f"{name}.test.yml").returncode == 0
    return passed


def test_a_changed_threshold_fails_the_original_tests_and_the_changed_tests_fail_the_original_rules(tmp_path):
    original = tmp_path / "original"
    changed = tmp_path / "changed"
    compile_to([load_spec(REPO / "specs" / "sigil-dna.yaml")], original)
    compile_to([spec_variant(tmp_path, "sigil-dna", *(change for change, _ in MUTATIONS))], changed)
    broken = [n for _, names in MUTATIONS for n in names]
    untouched = ["DatabaseDown", "CircuitBreakerOpen", "EncodeLatencyFastBurn"]
    svc = Path("sigil-dna") / "prometheus"
    # The original tests against the changed rules, then the changed tests against the original rules.
    forward = _run_tests_against(
        original / svc / "tests", _rules_only(changed / svc, tmp_path / "fw"), broken + untouched
    )
    backward = _run_tests_against(
        changed / svc / "tests", _rules_only(original / svc, tmp_path / "bw"), broken + untouched
    )
    assert {n: forward[n] for n in broken} == dict.fromkeys(broken, False)
    assert {n: backward[n] for n in broken} == dict.fromkeys(broken, False)
    assert all(forward[n] and backward[n] for n in untouched), (forward, backward)


def _rules_only(service_dir: Path, into: Path) -> Path:
    into.mkdir(parents=True)
    for rules in service_dir.glob("*.rules.yml"):
        shutil.copy(rules, into / rules.name)
    return into


def test_the_error_rate_alert_compares_per_second_rates_with_an_exact_readable_threshold(compiled):
    alerts = (compiled / "sigil-dna" / "prometheus" / "alerts.rules.yml").read_text()
    assert 'rate5m{service=\\"sigil-dna\\",operation!=\\"gc\\"}) > 1 / 60"' in alerts  # user-facing only
    assert 'result=\\"fail\\"}[3h])) > 0.5 / 3600"' in alerts  # over: 3h, the hourly suites' own range
    assert "Current value: {{ $value | humanize }}/s" in alerts  # so $value must stay per second


def test_budget_arithmetic_is_exact_decimal(compiled):
    text = (compiled / "sigil-dna" / "prometheus" / "slo-encode-availability.rules.yml").read_text()
    assert "expr: vector(0.001)" in text and "expr: vector(0.999)" in text
    assert "> 0.0144\n" in text and "> 0.006)" in text and "> 0.003\n" in text
    assert not re.search(r"\d\.\d*9999", text) and not re.search(r"\d\.\d*0000\d", text)


def test_classic_latency_sli_matches_the_bucket_as_prometheus_2_and_3_spell_it(compiled):
    text = (compiled / "sigil-dna" / "prometheus" / "slo-encode-latency.rules.yml").read_text()
    assert 'le=~\\"1(\\\\\\\\.0)?\\"' in text  # PromQL le=~"1(\\.0)?" inside a YAML double-quoted string


def test_two_services_and_two_slos_on_one_metric_never_write_the_same_series(tmp_path):
    twin = spec_variant(
        tmp_path,
        "twin",
        ("name: sigil-dna\n", "name: sigil-twin\n"),
        (
            "\nalerts:\n",
            """
  encode-latency-strict:
    objective: 95%
    sli: {latency: encode_latency, below: 500ms}

alerts:
""",
        ),
    )
    model = build_model([load_spec(REPO / "specs" / "sigil-dna.yaml"), twin])
    list(compiler(TARGET)(model))  # checks collisions
    seen = set()
    for file in prometheus.records(model):
        for group in file.document()["groups"] if isinstance(file, RuleFile) else []:
            for rule in group["rules"]:
                key = (rule.get("record") or rule["alert"], tuple(sorted(rule["labels"].items())))
                assert key not in seen, key
                seen.add(key)
                assert rule["labels"]["service"] in ("sigil-dna", "sigil-twin")
    assert (
        "slo:sli_error:ratio_rate5m",
        (("service", "sigil-twin"), ("slo", "encode-latency-strict"), ("team", "sigil")),
    ) in seen


INGRESS = """
apiVersion: sigil-monitoring/v1
service: {name: shop, selector: {ingress: shop, exported_namespace: web}}
metrics:
  requests: {name: nginx_ingress_controller_requests, type: counter, labels: [status, method, ingress]}
"""


def test_a_metric_label_the_selector_fixes_keeps_the_selectors_value_in_the_recording_test(tmp_path: Path):
    """ingress-nginx, selected by its ``ingress`` label, declares that label on its counter too.
    The recording test fed ``ingress="shop"`` and expected a record with ``ingress="test"``, so
    promtool failed the generated test right after compile (found writing a fleet as a new user)."""
    from sigil_monitoring import parse_spec

    compile_to([parse_spec(INGRESS)], tmp_path)
    test = tmp_path / "shop" / "prometheus" / "tests" / "recording.test.yml"
    assert 'status=\\"test\\",method=\\"test\\",ingress=\\"shop\\"}' in test.read_text()
    result = promtool("test", "rules", test)
    assert result.returncode == 0, result.stdout + result.stderr


MILLISECONDS = """
apiVersion: sigil-monitoring/v1
service: {name: reviews, selector: {job: istio-proxy, destination_workload: reviews-v2}}
metrics:
  requests: {name: istio_requests_total, type: counter}
  duration:
    name: istio_request_duration_milliseconds
    type: histogram
    unit: ms
    buckets: [5, 10, 25, 50, 100, 250, 500, 1000, 2500]
slos:
  latency: {objective: 99%, sli: {latency: duration, below: 250ms}}
alerts:
  SlowestRequestsSlow: {when: {quantile: 0.99, of: duration, above: 1s}, for: 10m}
"""


def test_a_histogram_in_milliseconds_compares_durations_in_milliseconds(tmp_path: Path):
    """Istio's istio_request_duration_milliseconds: ``below: 250ms`` is its bucket 250 and
    ``above: 1s`` is 1000, and every generated test passes on the compiled rules."""
    from sigil_monitoring import parse_spec

    files = compile_to([parse_spec(MILLISECONDS)], tmp_path)
    slo = files["reviews/prometheus/slo-latency.rules.yml"].decode()
    alert = files["reviews/prometheus/alerts.rules.yml"].decode()
    assert 'le=~\\"250(\\\\\\\\.0)?\\"' in slo and "0.25" not in slo
    assert '{service=\\"reviews\\",quantile=\\"0.99\\"} > 1000"' in alert
    # Whole milliseconds: humanize's SI prefixes would write 2485 as "2.485kms".
    assert 'Current value: {{ printf \\"%.0f\\" $value }}ms (threshold 1s)' in alert
    expected = files["reviews/prometheus/tests/SlowestRequestsSlow.test.yml"].decode()
    assert re.search(r"Current value: \d+ms \(threshold 1s\)", expected), expected
    result = promtool("test", "rules", *sorted(tmp_path.glob("reviews/prometheus/tests/*.test.yml")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_promql_alert_and_panel_take_the_ms_unit_as_metrics_do(tmp_path: Path):
    """``unit: ms`` is ``milliseconds`` wherever a unit is written (one list of short forms): a
    promql condition compares ``above: 500ms`` as 500, and a promql panel draws in Grafana's ms."""
    from sigil_monitoring import parse_spec

    median = "histogram_quantile(0.5, sum by (le) (rate(istio_request_duration_milliseconds_bucket[5m])))"
    text = MILLISECONDS + (
        f"  MedianSlow: {{when: {{promql: '{median}', unit: ms, above: 500ms}}, for: 10m}}\n"
        f"dashboard:\n  rows:\n    - title: median\n      panels: [{{promql: '{median}', unit: ms, title: Median}}]\n"
    )
    spec = parse_spec(text)
    assert spec.alerts["MedianSlow"].when.unit == "milliseconds"
    files = compile_to([spec], tmp_path)
    alert = files["reviews/prometheus/alerts.rules.yml"].decode()
    assert f"({median}) > 500" in alert.replace("\\", "") and 'printf \\"%.0f\\" $value }}ms (threshold 500ms)' in alert
    from sigil_monitoring import compile_spec

    dashboard = json.loads(compile_spec(spec)["reviews/grafana/reviews.json"])
    panel = next(p for p in dashboard["panels"] if p.get("title") == "Median")
    assert panel["fieldConfig"]["defaults"]["unit"] == "ms"


ABOVE_ZERO = """
apiVersion: sigil-monitoring/v1
service: {name: dns, selector: {job: coredns}}
metrics:
  panics: {name: coredns_panics_total, type: counter}
  requests: {name: coredns_dns_requests_total, type: counter}
  rejects: {name: coredns_forward_max_concurrent_rejects_total, type: counter}
  conns: {name: x_connections, type: gauge}
  maxc: {name: x_max_connections, type: gauge}
alerts:
  Panics: {when: {rate: panics, above: 0}, for: 0s}
  Rejects: {when: {ratio: {bad: rejects, total: requests}, above: 0%}, for: 5m}
  Share: {when: {value: conns, of: maxc, above: 0%}, for: 5m}
"""


def test_an_alert_above_zero_is_proven_quiet_at_zero(tmp_path: Path):
    """Any panic, any rejected request: ``above: 0`` had only a firing case (its quiet input, T/2
    below 0, cannot be fed to a counter), so a rule that fired on nothing passed. The quiet case is
    now exactly 0, and it catches ``>=`` in place of ``>``."""
    from sigil_monitoring import parse_spec

    compile_to([parse_spec(ABOVE_ZERO)], tmp_path)
    tests = tmp_path / "dns" / "prometheus" / "tests"
    panics = (tests / "Panics.test.yml").read_text()
    assert 'values: "0+0x' in panics and "exp_alerts: []" in panics
    # Quiet cases: at zero for each, and for the two with a ``for`` also before it has elapsed.
    for name, quiet in (("Panics", 1), ("Rejects", 2), ("Share", 2)):
        assert (tests / f"{name}.test.yml").read_text().count("exp_alerts: []") == quiet, name
    result = promtool("test", "rules", *sorted(tests.glob("*.test.yml")))
    assert result.returncode == 0, result.stdout + result.stderr
    rules = tmp_path / "dns" / "prometheus" / "alerts.rules.yml"
    rules.write_text(rules.read_text().replace('rate5m{service=\\"dns\\"} > 0"', 'rate5m{service=\\"dns\\"} >= 0"', 1))
    broken = promtool("test", "rules", tests / "Panics.test.yml")
    assert broken.returncode != 0, "the quiet case must fail a rule that fires on nothing"


def test_a_rate_threshold_written_per_hour_is_also_said_per_second_beside_the_value(tmp_path: Path):
    """The kube-state-metrics trial read 'Current value: 1.667m/s (threshold 3/h)'. Prometheus'
    templates cannot scale $value, so the threshold is said in its unit too: '3/h, 833.3u/s'."""
    from sigil_monitoring import parse_spec

    spec = parse_spec(
        "apiVersion: sigil-monitoring/v1\nservice: {name: kube, selector: {namespace: shop}}\n"
        "metrics: {restarts: {name: kube_pod_container_status_restarts_total, type: counter}}\n"
        "alerts: {Restarting: {when: {rate: restarts, over: 1h, above: 3/h}, for: 5m}}\n"
    )
    files = compile_to([spec], tmp_path)
    assert "Current value: {{ $value | humanize }}/s (threshold 3/h, 833.3u/s)." in files[
        "kube/prometheus/alerts.rules.yml"
    ].decode().replace('\\"', '"')
    expected = files["kube/prometheus/tests/Restarting.test.yml"].decode()
    assert re.search(r"Current value: [0-9.]+m/s \(threshold 3/h, 833.3u/s\)", expected), expected
    result = promtool("test", "rules", tmp_path / "kube" / "prometheus" / "tests" / "Restarting.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_rate_alerts_default_summary_says_above_or_below() -> None:
    """'Forward healthcheck broken happen more often than 1/min' (the CoreDNS trial), and a rate
    alert *below* its threshold was said to 'happen more often' too."""
    from sigil_monitoring import parse_spec

    spec = parse_spec(
        "apiVersion: sigil-monitoring/v1\nservice: {name: dns, selector: {job: coredns}}\n"
        "metrics: {broken: {name: coredns_forward_healthcheck_broken_total, type: counter},"
        " requests: {name: coredns_dns_requests_total, type: counter}}\n"
        "alerts: {Broken: {when: {rate: broken, above: 1/min}}, Quiet: {when: {rate: requests, below: 1/s}}}\n"
    )
    alerts = {a.name: a.summary for a in build_model([spec]).services[0].alerts}
    assert alerts == {"Broken": "Broken rate is above 1/min.", "Quiet": "Requests rate is below 1/s."}
