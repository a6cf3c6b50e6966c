"""The VictoriaMetrics target: vmalert 1.79 loads every compiled rule file, the groups are the
Prometheus target's, and spec features VictoriaMetrics lacks are refused at their position."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO
from servers import require_binary
from vm_processes import VMALERT_NAMES, dry_run

from sigil_monitoring import compile_specs, load_spec, parse_spec
from sigil_monitoring.engines import problems
from sigil_monitoring.errors import SpecError
from sigil_monitoring.spec.yaml_io import load as load_yaml

# Every spec the project ships, including examples if that folder exists.
ALL_SPECS = sorted(REPO.glob("specs/*.yaml")) + sorted(REPO.glob("specs/examples/*.yaml"))


def _write(bundle, out: Path, engine: str) -> list[Path]:
    files = []
    for path, data in bundle.items():
        if f"/{engine}/" in path:
            (out / path).parent.mkdir(parents=True, exist_ok=True)
            (out / path).write_bytes(data)
            files.append(out / path)
    return files


@pytest.mark.parametrize("engine", ["victoriametrics", "prometheus"])
@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda p: p.name)
def test_vmalert_dry_run_accepts_every_compiled_rule_file(spec: Path, engine: str, tmp_path: Path):
    """The VictoriaMetrics target's files, and the Prometheus target's too (no target writes
    a `groups: []` file vmalert would refuse)."""
    vmalert = require_binary(VMALERT_NAMES)
    loaded = load_spec(spec)
    if list(problems(loaded, "victoriametrics")):
        # A spec using what vmalert lacks (keep_firing_for) is refused for that target at its
        # line, and its Prometheus files legitimately carry the field.
        with pytest.raises(SpecError, match="VictoriaMetrics"):
            compile_specs([loaded], ["victoriametrics"])
        return
    files = [f for f in _write(compile_specs([loaded], [engine]), tmp_path, engine) if f.name.endswith(".rules.yml")]
    assert files, "every shipped spec records at least its request rates"
    for file in files:  # one by one, so a failure names its file
        result = dry_run(vmalert, [file])
        assert result.returncode == 0, f"{file.name}:\n{result.stderr[-2000:]}"


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda p: p.name)
def test_the_groups_are_the_prometheus_targets_without_empty_files(spec: Path):
    loaded = load_spec(spec)
    if list(problems(loaded, "victoriametrics")):
        pytest.skip("refused for VictoriaMetrics (see the dry-run test)")
    prom = compile_specs([loaded], ["prometheus"])
    vm = compile_specs([loaded], ["victoriametrics"])
    prom_groups = [g for p, d in prom.items() if p.endswith(".rules.yml") for g in load_yaml(d.decode())["groups"]]
    vm_groups = [g for p, d in vm.items() for g in load_yaml(d.decode())["groups"]]
    assert vm_groups == [g for g in prom_groups if g["rules"]]
    for path, data in vm.items():
        assert load_yaml(data.decode())["groups"], f"{path} is empty: vmalert refuses a file with no rules"
        assert b"keep_firing_for" not in data


def test_the_two_traps_are_real_in_this_vmalert(tmp_path: Path):
    """Why the target skips empty files and never writes keep_firing_for: vmalert 1.79 refuses both."""
    vmalert = require_binary(VMALERT_NAMES)
    empty = tmp_path / "empty.rules.yml"
    empty.write_text("groups: []\n")
    assert dry_run(vmalert, [empty]).returncode != 0
    keep = tmp_path / "keep.rules.yml"
    keep.write_text(
        "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        keep_firing_for: 5m\n"
    )
    result = dry_run(vmalert, [keep])
    assert result.returncode != 0 and "keep_firing_for" in result.stderr


NATIVE = """apiVersion: sigil-monitoring/v1
service: {name: native, selector: {job: native}}
metrics:
  latency: {name: native_latency_seconds, type: native_histogram, unit: seconds}
targets:
  victoriametrics: {}
"""


def test_a_native_histogram_is_refused_for_victoriametrics_at_its_type():
    spec = parse_spec(NATIVE, "native.yaml")
    with pytest.raises(SpecError) as err:
        compile_specs([spec])
    assert [str(d) for d in err.value.diagnostics] == [
        "native.yaml:4:49: error: VictoriaMetrics (vmalert 1.79): stores no Prometheus native histograms "
        "(expose a classic histogram with buckets, or drop this target)"
    ]
    assert compile_specs([spec], ["prometheus"])  # the other engines still take it
