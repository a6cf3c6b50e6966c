"""The target registry (compilers/registry.py): every list of targets comes from its records, and a
new target is three hand-edited files (docs/architecture.md, "Adding a target")."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from conftest import REPO

from sigil_monitoring.compilers import registry
from sigil_monitoring.compilers.registry import TARGETS, Engine, Support


def test_an_engine_without_its_support_row_or_a_feature_of_it_is_refused():
    with pytest.raises(TypeError, match="support"):
        Engine(title="Nagios")  # type: ignore[call-arg]
    row = dict.fromkeys(registry.FEATURES, "yes")
    del row["native_histograms"]
    with pytest.raises(TypeError, match="native_histograms"):
        Support(**row)


def test_every_feature_of_the_support_table_has_a_label():
    assert tuple(registry.FEATURES) == Support.__struct_fields__


def test_every_record_names_a_compiler_and_an_options_model_that_exist():
    from sigil_monitoring.spec.struct import SpecStruct
    from sigil_monitoring.spec.targets import Targets

    for target in TARGETS:
        module = importlib.import_module(target.module)
        assert callable(module.compile), target.name
        assert callable(getattr(module, "compile_shared", None)) == target.shared, target.name
        owner, _, name = target.options.partition(":")
        model = getattr(importlib.import_module(owner), name)
        assert issubclass(model, SpecStruct) and type(getattr(Targets(), target.name)) is model
        if target.engine is not None and target.engine.refuses is not None:
            owner, _, name = target.engine.refuses.partition(":")
            assert callable(getattr(importlib.import_module(owner), name)), target.name
    assert Targets.__struct_fields__ == registry.TARGET_NAMES


def test_the_derived_lists_follow_the_records():
    from sigil_monitoring.engines import support_table, target_help

    assert registry.DEFAULT_TARGETS == tuple(t.name for t in TARGETS if t.default)
    assert support_table().splitlines()[0] == f"| spec feature | {' | '.join(registry.ENGINES)} |"
    assert all(name in target_help() for name in registry.TARGET_NAMES)


def test_the_ir_holds_plain_options_and_no_spec_object():
    from sigil_monitoring import load_spec
    from sigil_monitoring.ir.build import build_model

    service = build_model([load_spec(REPO / "specs" / "sigil-dna.yaml")]).services[0]
    assert [name for name, _ in service.targets.by_target] == list(registry.TARGET_NAMES)
    hash(service.targets)  # frozen all the way down: no list or dict inside

    def leaves(value):
        return [leaf for item in value for leaf in leaves(item)] if isinstance(value, tuple) else [value]

    assert {type(v) for v in leaves(service.targets.by_target)} <= {str, bool, type(None)}


# --- a throw-away target, added the way docs/architecture.md says, to a copy of the package -------

MODULE = '''
"""A throw-away rule engine: each service's rule groups, as JSON."""

import msgspec

from ..output.bundle import Artifact
from ..ir.model import Model
from .rulesets import groups_of


class ThrowawayOptions(msgspec.Struct, frozen=True):
    suffix: str


def compile(model: Model) -> list[Artifact]:
    out = []
    for service in model.services:
        suffix = service.targets.of("throwaway", ThrowawayOptions).suffix
        path = f"{service.name}/throwaway/rules.{suffix}"
        out.append(Artifact(path, {"groups": groups_of(service)}, "json", service.source, header=False))
    return out
'''
OPTIONS = '''
class Throwaway(SpecStruct, frozen=True, kw_only=True):
    """A throw-away engine (tests/test_target_registry.py)."""

    suffix: Annotated[str, Field(description="Extension of the rule file.")] = "json"


'''
RECORD = (
    '    Target(name="throwaway", module="sigil_monitoring.compilers.throwaway", options=f"{_OPTIONS}:Throwaway",\n'
    '           engine=_engine("Throwaway", **_like_prometheus(engine_options="suffix"))),\n'
)
CHECKS = """
import json, sys
from sigil_monitoring.cli import main
from sigil_monitoring.engines import support_table
import sigil_monitoring
assert sigil_monitoring.__file__.startswith(sys.argv[1]), sigil_monitoring.__file__
named, plain, out = sys.argv[2:5]
codes = [
    main(["-q", "compile", named, "--out", out + "/named", "--target", "throwaway,prometheus"]),
    main(["-q", "compile", plain, "--out", out + "/plain", "--target", "throwaway"]),
]
print(json.dumps({"codes": codes, "table": support_table().splitlines()[:3]}))
"""


def _edit(path, marker: str, text: str) -> None:
    source = path.read_text()
    assert source.count(marker) == 1, (path, marker)
    path.write_text(source.replace(marker, text + marker))


def test_a_new_target_is_its_module_its_options_model_and_one_registry_line(tmp_path):
    package = tmp_path / "sigil_monitoring"
    shutil.copytree(REPO / "sigil_monitoring", package, ignore=shutil.ignore_patterns("__pycache__"))
    # The three hand-edited files.
    (package / "compilers" / "throwaway.py").write_text(textwrap.dedent(MODULE).lstrip())
    _edit(package / "spec" / "targets.py", "# --- the section", OPTIONS)
    _edit(package / "compilers" / "registry.py", ")  # end of TARGETS", RECORD)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120
        )

    # And the regenerated files: the fast validator (the schema is printed, not imported).
    assert run("-m", "sigil_monitoring.spec.fastgen").returncode == 0
    named = tmp_path / "named.yaml"
    named.write_text((REPO / "specs" / "sigil-dna.yaml").read_text() + "targets:\n  throwaway: {suffix: txt}\n")
    result = run("-c", CHECKS, str(tmp_path), str(named), str(REPO / "specs" / "minimal.yaml"), str(tmp_path))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["codes"] == [0, 0]
    assert report["table"][0].endswith("| grafana_alerting | throwaway |")
    assert report["table"][2].endswith("| yes | yes |")  # threshold alerts: its own row, from its record
    rules = json.loads((tmp_path / "named" / "sigil-dna" / "throwaway" / "rules.txt").read_text())
    assert rules["groups"] and (tmp_path / "named" / "sigil-dna" / "prometheus").is_dir()
    assert (tmp_path / "plain" / "hello" / "throwaway" / "rules.json").is_file()  # the option's default
    usage = run("-m", "sigil_monitoring", "compile", str(named), "--target", "nagios")
    assert "grafana_alerting, throwaway)" in usage.stderr
    schema = json.loads(run("-m", "sigil_monitoring", "schema").stdout)
    assert "throwaway" in schema["$defs"]["Targets"]["properties"]
