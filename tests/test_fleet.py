"""Fleets (issue 23): specs that extend shared templates, and compiles that load only what changed.

The fleet is benchmarks/generate.template_fleet: 30 services over 3 templates (the benchmark
builds 1,000 of the same kind).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from generate import template_fleet  # noqa: E402

from sigil_monitoring.conventions import FALLBACK_RECEIVER  # noqa: E402
from sigil_monitoring.errors import SpecError  # noqa: E402
from sigil_monitoring.spec.loader import load_spec, parse_spec  # noqa: E402


def _run(*args: str, cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SIGIL_MONITORING_CACHE": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "sigil_monitoring", *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _compile_loading(cwd: Path, cache: Path) -> list[str]:
    """``compile -q specs --out build`` in ``cwd``; the specs it parsed (the loader's one entry
    point, traced), to show which ones a fleet compile loads."""
    probe = (
        "import sys; from sigil_monitoring.spec import loader; seen = []; real = loader.parse_spec\n"
        "def traced(data, display='<spec>'): seen.append(display); return real(data, display)\n"
        "loader.parse_spec = traced\n"
        "from sigil_monitoring.cli import main\n"
        "code = main(['compile', '-q', 'specs', '--out', 'build']); print('LOADED', *seen); sys.exit(code)\n"
    )
    env = {**os.environ, "SIGIL_MONITORING_CACHE": str(cache)}
    done = subprocess.run([sys.executable, "-c", probe], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:1] == ["LOADED"], done.stdout
    return done.stdout.split()[1:]


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    template_fleet(tmp_path, 30)
    return tmp_path


def test_one_changed_spec_is_the_only_one_loaded_and_the_output_equals_a_full_compile(fleet: Path) -> None:
    cache = fleet / "cache"
    assert _run("compile", "-q", "specs", "--out", "build", cwd=fleet, cache=cache).returncode == 0
    spec = fleet / "specs" / "svc-0004.yaml"
    spec.write_text(spec.read_text().replace("99.4", "99.7"))
    assert _compile_loading(fleet, cache) == ["specs/svc-0004.yaml"]
    full = _run("compile", "-q", "specs", "--out", "full", cwd=fleet, cache=fleet / "other-cache")
    assert full.returncode == 0, full.stderr
    assert _tree(fleet / "build") == _tree(fleet / "full")
    assert b"99.7" in (fleet / "build" / "svc-0004" / "prometheus" / "slo-success.rules.yml").read_bytes()


def test_a_template_change_recompiles_every_service_using_it_and_check_says_so(fleet: Path) -> None:
    cache = fleet / "cache"
    assert _run("compile", "-q", "specs", "--out", "build", cwd=fleet, cache=cache).returncode == 0
    template = fleet / "templates" / "worker.yaml"
    template.write_text(template.read_text().replace("{rate: jobs}, ", ""))
    check = _run("check", "specs", "--out", "build", cwd=fleet, cache=cache)
    assert check.returncode == 1
    stale = {line.split("/")[0] for line in check.stdout.splitlines() if line.startswith("svc-")}
    assert stale == {f"svc-{i:04d}" for i in range(1, 30, 3)}  # every user of worker.yaml, no other
    assert _run("compile", "-q", "specs", "--out", "build", cwd=fleet, cache=cache).returncode == 0
    assert _run("compile", "-q", "specs", "--out", "full", cwd=fleet, cache=fleet / "c2").returncode == 0
    assert _tree(fleet / "build") == _tree(fleet / "full")
    assert _run("check", "-q", "specs", "--out", "build", cwd=fleet, cache=cache).returncode == 0


def test_a_template_every_spec_extends_changes_them_all(fleet: Path) -> None:
    """Nothing is left to take from the cache: the compile of every loaded spec must still see it."""
    cache = fleet / "cache"
    for spec in (fleet / "specs").glob("*.yaml"):
        if "exporter" not in spec.read_text():
            spec.unlink()
    assert _run("compile", "-q", "specs", "--out", "build", cwd=fleet, cache=cache).returncode == 0
    template = fleet / "templates" / "exporter.yaml"
    template.write_text(template.read_text().replace("99.5%", "99.7%"))
    assert _run("check", "-q", "specs", "--out", "build", cwd=fleet, cache=cache).returncode == 1
    assert _run("compile", "-q", "specs", "--out", "build", cwd=fleet, cache=cache).returncode == 0
    assert b"0.997" in (fleet / "build" / "svc-0002" / "prometheus" / "slo-up.rules.yml").read_bytes()


def test_a_lost_cache_or_a_hand_edit_is_rebuilt_not_trusted(fleet: Path) -> None:
    cache = fleet / "cache"
    assert _run("compile", "-q", "specs", "--out", "build", cwd=fleet, cache=cache).returncode == 0
    shutil.rmtree(cache)
    edited = fleet / "build" / "svc-0002" / "runbook.md"
    edited.write_text("hand edit\n")
    (fleet / "specs" / "svc-0005.yaml").write_text((fleet / "specs" / "svc-0005.yaml").read_text() + "# x\n")
    assert _run("compile", "-q", "specs", "--out", "build", cwd=fleet, cache=cache).returncode == 0
    assert _run("compile", "-q", "specs", "--out", "full", cwd=fleet, cache=fleet / "c2").returncode == 0
    assert _tree(fleet / "build") == _tree(fleet / "full")


def test_one_spec_compiled_into_the_fleets_folder_is_refused_and_nothing_is_touched(fleet: Path) -> None:
    """Compiling one spec of the fleet into its folder (a rollback by hand) would delete the other
    services' files and narrow the shared Alertmanager config to one service: refused, exit 2. A
    spec deleted from the fleet loses its files, as before."""
    cache = fleet / "cache"
    assert _run("compile", "-q", "specs", "--out", "build", cwd=fleet, cache=cache).returncode == 0
    before = _tree(fleet / "build")
    one = _run("compile", "specs/svc-0004.yaml", "--out", "build", cwd=fleet, cache=cache)
    assert one.returncode == 2 and one.stdout == ""
    assert one.stderr.count("\n") == 1 and one.stderr.startswith(
        "build/.sigil-manifest.json:1:1: error: build was compiled from 29 more spec(s) that are still there "
        "(specs/svc-0000.yaml, specs/svc-0001.yaml, specs/svc-0002.yaml and 26 more)"
    )
    # From another folder, by another path: the manifest records the specs relative to the output.
    elsewhere = _run("compile", "-q", "svc-0004.yaml", "--out", "../build", cwd=fleet / "specs", cache=cache)
    assert elsewhere.returncode == 2 and "29 more spec(s) that are still there (svc-0000.yaml," in elsewhere.stderr
    check = _run("check", "specs/svc-0004.yaml", "--out", "build", cwd=fleet, cache=cache)
    assert (check.returncode, check.stderr) == (2, one.stderr)
    as_json = _run("check", "--format", "json", "specs/svc-0004.yaml", "--out", "build", cwd=fleet, cache=cache)
    assert as_json.returncode == 2 and '"file": "build/.sigil-manifest.json"' in as_json.stdout
    # The output folder by another path (a link to it): the same folder, the same refusal.
    (fleet / "link").symlink_to(fleet / "build")
    assert _run("compile", "-q", "specs/svc-0004.yaml", "--out", "link", cwd=fleet, cache=cache).returncode == 2
    # No spec at all: what the folder was compiled from, again.
    again = _run("compile", "--out", "build", cwd=fleet, cache=cache)
    assert (again.returncode, again.stdout) == (0, "wrote 274 files to build (0 changed)\n"), again.stderr
    assert _tree(fleet / "build") == before
    # Templates given among the specs have no files: leaving them out later drops nothing.
    assert _run("compile", "-q", "specs", "templates", "--out", "both", cwd=fleet, cache=cache).returncode == 0
    assert _run("compile", "-q", "specs", "--out", "both", cwd=fleet, cache=cache).returncode == 0
    (fleet / "specs" / "svc-0007.yaml").unlink()
    assert _run("compile", "-q", "specs", "--out", "build", cwd=fleet, cache=cache).returncode == 0
    assert not (fleet / "build" / "svc-0007").exists() and (fleet / "build" / "svc-0008").is_dir()


def test_a_fleet_specs_runbook_rolls_back_a_template_change_as_written(fleet: Path) -> None:
    """The runbook of a spec that extends templates finds the last change of the spec or of its
    templates, reverts it and compiles the fleet's folder (a spec alone would be refused)."""
    env = {
        **os.environ,
        "SIGIL_MONITORING_CACHE": str(fleet / "cache"),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        **{f"GIT_{who}_{what}": v for who in ("AUTHOR", "COMMITTER") for what, v in (("NAME", "t"), ("EMAIL", "t@t"))},
    }

    def run(*command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, cwd=fleet, env=env, capture_output=True, text=True, check=True)

    run("git", "init", "-q")
    run("git", "add", "specs", "templates")
    run("git", "commit", "-qm", "first")
    run("sigil-monitoring", "compile", "-q", "specs", "--out", "build")
    first = _tree(fleet / "build")
    template = fleet / "templates" / "exporter.yaml"
    template.write_text(template.read_text().replace("99.5%", "99.7%"))
    run("git", "commit", "-qam", "a stricter objective")
    run("sigil-monitoring", "compile", "-q", "specs", "--out", "build")
    assert _tree(fleet / "build") != first
    page = (fleet / "build" / "svc-0002" / "runbook.md").read_text()
    block = page.split("```sh\ncommit=", 1)[1].split("```", 1)[0]
    assert "-- specs/svc-0002.yaml templates/exporter.yaml)" in block and "compile --out build/" in block
    done = subprocess.run(["bash", "-c", "commit=" + block], cwd=fleet, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _tree(fleet / "build") == first


def test_a_duplicate_service_name_is_found_against_specs_not_loaded(fleet: Path) -> None:
    cache = fleet / "cache"
    assert _run("compile", "-q", "specs", "--out", "build", cwd=fleet, cache=cache).returncode == 0
    spec = fleet / "specs" / "svc-0007.yaml"
    spec.write_text(spec.read_text().replace("name: svc-0007", "name: svc-0003"))
    done = _run("compile", "-q", "specs", "--out", "build", cwd=fleet, cache=cache)
    assert done.returncode == 2
    assert done.stderr.startswith("specs/svc-0007.yaml:3:17: error: service 'svc-0003' is also defined in")


TEMPLATE = """apiVersion: sigil-monitoring/v1
kind: Template
parameters:
  objective: {type: percentage, default: 99.9%}
  window: {type: duration}
service:
  selector: {job: <<service.name>>}
metrics:
  requests: {name: http_requests_total, type: counter}
  errors: {name: http_errors_total, type: counter}
slos:
  availability: {objective: <<params.objective>>, sli: {bad: errors, total: requests}}
  strict: {objective: 99%, window: <<params.window>>, sli: {bad: errors, total: requests}}
dashboard:
  rows:
    - {title: Traffic, panels: [{rate: requests}]}
    - {title: Errors, panels: [{rate: errors}]}
"""


def _spec(folder: Path, body: str, template: str = TEMPLATE) -> Path:
    (folder / "templates").mkdir(exist_ok=True)
    (folder / "templates" / "api.yaml").write_text(template)
    spec = folder / "api.yaml"
    spec.write_text("apiVersion: sigil-monitoring/v1\nextend: [templates/api.yaml]\n" + body)
    return spec


def _errors(spec: Path) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    return [str(d).replace(str(spec.parent) + "/", "") for d in caught.value.diagnostics]


def test_merge_rules_maps_lists_by_title_and_removal(tmp_path: Path) -> None:
    spec = load_spec(
        _spec(
            tmp_path,
            "params: {window: 7d}\nservice: {name: api}\nslos: {strict: null}\n"
            "dashboard:\n  rows:\n    - {title: Errors, collapsed: true}\n"
            "    - {title: Saturation, panels: [{rate: requests}]}\n",
        )
    )
    assert list(spec.slos) == ["availability"]
    assert str(spec.slos["availability"].objective) == "99.9"
    assert spec.service.selector["job"].value == "api"
    assert spec.dashboard.rows is not None
    assert [(r.title, r.collapsed, len(r.panels)) for r in spec.dashboard.rows] == [
        ("Traffic", False, 1),
        ("Errors", True, 1),
        ("Saturation", False, 1),
    ]


def test_a_removal_of_what_no_template_gives_is_a_warning_at_its_key(tmp_path: Path) -> None:
    """A typo in a removal left the alert or SLO it was meant to remove in place, silently. It is
    a warning (an error under --strict), not an error: a template that stops giving what specs
    removed would otherwise stop the whole fleet. A diamond of bases removing the same key twice
    removes nothing new and says nothing."""
    spec = load_spec(
        _spec(
            tmp_path,
            "params: {window: 7d}\nservice: {name: api}\nslos: {strcit: null}\nmetrics: {latency: null}\n",
        )
    )

    def removals(loaded: Any) -> list[str]:
        return [str(w).replace(str(tmp_path) + "/", "") for w in loaded._warnings if "removes nothing" in str(w)]

    assert removals(spec) == [
        "api.yaml:5:8: warning: slos.strcit: null removes nothing: no template this file extends gives it "
        "(did you mean 'strict'?)",
        "api.yaml:6:11: warning: metrics.latency: null removes nothing: no template this file extends gives it "
        "(remove the line, or name what a template gives)",
    ]
    assert "strict" in spec.slos  # the typo removed nothing
    for side in ("left", "right"):
        (tmp_path / "templates" / f"{side}.yaml").write_text(
            "apiVersion: sigil-monitoring/v1\nkind: Template\nextend: [api.yaml]\nslos: {strict: null}\n"
        )
    diamond = tmp_path / "diamond.yaml"
    diamond.write_text(
        "apiVersion: sigil-monitoring/v1\nextend: [templates/left.yaml, templates/right.yaml]\n"
        "params: {window: 7d}\nservice: {name: api}\n"
    )
    merged = load_spec(diamond)
    assert list(merged.slos) == ["availability"] and removals(merged) == []


def test_a_placeholder_in_a_parameters_default_is_an_error_at_the_default(tmp_path: Path) -> None:
    """It was neither expanded nor refused: the text '<<service.name>>' reached the spec and failed
    far away (as 'looks like a regular expression' in a selector)."""
    template = TEMPLATE.replace("window: {type: duration}", 'window: {type: duration, default: "<<service.window>>"}')
    spec = _spec(tmp_path, "service: {name: api}\n", template)
    assert _errors(spec) == [
        "templates/api.yaml:5:37: error: parameter window: a default is a value, not a placeholder "
        "(<<service.window>>) (write the value, or leave the default out so that each spec gives params.window)"
    ]


def test_the_problems_of_templates_and_spec_are_reported_all_at_once(tmp_path: Path) -> None:
    """A template's bad default used to hide everything else (the template was not read), and a
    misspelt params: showed only as every parameter missing. Each problem once, all together."""
    paging = (
        "apiVersion: sigil-monitoring/v1\nkind: Template\nparameters:\n  objective: {type: number}\n"
        "routing:\n  receivers: {team: {slack: {channel: '#x', api_url_file: /etc/am/slack}}}\n"
    )
    broken = TEMPLATE.replace("default: 99.9%", "default: high").replace("<<params.window>>", "<<params.windw>>")
    spec = _spec(tmp_path, "extra: 1\nparms: {window: 7d}\nservice: {name: api}\n", broken)
    (tmp_path / "templates" / "paging.yaml").write_text(paging)
    spec.write_text(spec.read_text().replace("[templates/api.yaml]", "[templates/api.yaml, templates/paging.yaml]"))
    assert _errors(spec) == [
        "api.yaml:2:10: error: templates/api.yaml needs params.window (a duration; give it under params:)",
        "api.yaml:3:1: error: unknown key 'extra' in the document (known keys: apiVersion, service, metrics, slos, "
        "alerts, dashboard, routing, targets, extend, params)",
        "api.yaml:4:1: error: unknown key 'parms' in the document (did you mean 'params'?)",
        "templates/api.yaml:4:42: error: parameter objective: the default 'high' is not a percentage such as 99.9%",
        "templates/api.yaml:13:36: error: <<params.windw>>: the template declares no parameter windw "
        "(declare it under parameters:, or fix the name)",
        "templates/paging.yaml:4:21: error: parameter objective is a number here but a percentage in "
        "templates/api.yaml (give the two one type)",
    ]


def test_errors_are_positioned_where_the_offending_value_was_written(tmp_path: Path) -> None:
    broken = TEMPLATE.replace("{rate: errors}", "{rate: failures}").replace("<<params.window>>", "<<params.windw>>")
    spec = _spec(tmp_path, "params: {objective: 99.99 percent, colour: red}\nservice: {name: api}\n", broken)
    assert _errors(spec) == [
        "api.yaml:2:10: error: templates/api.yaml needs params.window (a duration; give it under params:)",
        "api.yaml:3:21: error: params.objective: '99.99 percent' is not a percentage such as 99.9%",
        "api.yaml:3:36: error: params.colour: no template of extend declares this parameter "
        "(declared: objective, window)",
        "templates/api.yaml:13:36: error: <<params.windw>>: the template declares no parameter windw "
        "(declare it under parameters:, or fix the name)",
    ]
    # A value the spec gives through a parameter is blamed where the spec wrote it; a template's
    # own mistake in the template.
    spec = _spec(
        tmp_path, "params: {window: 0s}\nservice: {name: api}\n", TEMPLATE.replace("{rate: errors}", "{rate: failures}")
    )
    errors = _errors(spec)
    assert any(e.startswith("api.yaml:3:18: error: slos.strict.window") for e in errors), errors
    assert any(e.startswith("templates/api.yaml:17:39: error:") and "failures" in e for e in errors), errors


def test_template_problems_of_its_own(tmp_path: Path) -> None:
    spec = _spec(
        tmp_path,
        "service: {name: api}\nparams: {window: 1d}\n",
        TEMPLATE.replace("kind: Template\n", "kind: Template\nslo:\n  x: 1\n").replace(
            "type: duration", "type: interval"
        ),
    )
    assert _errors(spec) == [
        "templates/api.yaml:3:1: error: slo: a template holds no such key (use one of service, metrics, slos, alerts, "
        "dashboard, routing, targets, description, extend, parameters)",
        "templates/api.yaml:7:18: error: parameter window: give its type, one of string, duration, percentage, number, "
        "boolean, labels",
    ]
    missing = tmp_path / "other.yaml"
    missing.write_text("apiVersion: sigil-monitoring/v1\nextend: [nowhere.yaml]\nservice: {name: api}\n")
    assert _errors(missing)[0].startswith("other.yaml:2:10: error: nowhere.yaml: cannot read the file")


def test_show_merged_names_each_values_file_and_line(tmp_path: Path) -> None:
    spec = _spec(tmp_path, "params: {window: 7d}\nservice: {name: api}\n")
    done = _run("validate", "-q", "--show-merged", str(spec.name), cwd=tmp_path, cache=tmp_path / "c")
    assert done.returncode == 0, done.stderr
    assert '    objective: "99.9%"  # templates/api.yaml:4' in done.stdout
    assert '  name: "api"  # api.yaml:4' in done.stdout


def test_a_spec_without_extend_loads_as_before() -> None:
    plain = (REPO / "specs" / "minimal.yaml").read_bytes()
    spec = parse_spec(plain, "specs/minimal.yaml")
    assert spec._source.origins is None and spec._source.templates == ()


def test_the_walk_through_of_docs_fleet_md_runs_as_written(tmp_path: Path) -> None:
    import re

    text = (REPO / "docs" / "fleet.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    (tmp_path / "templates").mkdir()
    (tmp_path / "specs").mkdir()
    (tmp_path / "templates" / "http-api.yaml").write_text(blocks[0])
    for block in blocks[1:4]:  # each opens with a comment naming its file, which the file does not hold
        name, body = block.split("\n", 1)
        (tmp_path / name.split()[1].rstrip(":")).write_text(body)
    first_error = re.search(r"\$ sigil-monitoring validate specs\n(.*)\n", text)
    assert first_error is not None
    done = _run("validate", "specs", cwd=tmp_path, cache=tmp_path / "cache")
    assert (done.returncode, done.stderr) == (2, first_error.group(1) + "\n")
    with (tmp_path / "specs" / "avatars.yaml").open("a") as avatars:
        avatars.write(blocks[4])
    assert _run("validate", "-q", "specs", cwd=tmp_path, cache=tmp_path / "cache").returncode == 0
    done = _run("compile", "specs", "--out", "build", cwd=tmp_path, cache=tmp_path / "cache")
    wrote = re.search(r"\$ sigil-monitoring compile specs --out build\n(.*)\n", text)
    assert wrote is not None and done.stdout == wrote.group(1) + "\n"
    refused = re.search(r"\$ sigil-monitoring compile specs/checkout.yaml --out build\n(.*)\n", text)
    done = _run("compile", "specs/checkout.yaml", "--out", "build", cwd=tmp_path, cache=tmp_path / "cache")
    assert refused is not None and (done.returncode, done.stderr) == (2, refused.group(1) + "\n")
    merged = _run("validate", "-q", "--show-merged", "specs/search.yaml", cwd=tmp_path, cache=tmp_path / "cache")
    shown = re.search(r"\$ sigil-monitoring validate -q --show-merged specs/search.yaml\n(.*?)\.\.\.\n", text, re.S)
    assert shown is not None and merged.stdout.startswith(shown.group(1))
    # Layers: the team's template extends http-api, checkout extends the team's template.
    for block in blocks[5:7]:
        name, body = block.split("\n", 1)
        (tmp_path / name.split()[1]).write_text(body)
    assert _run("validate", "-q", "specs", cwd=tmp_path, cache=tmp_path / "cache").returncode == 0
    merged = _run("validate", "-q", "--show-merged", "specs/checkout.yaml", cwd=tmp_path, cache=tmp_path / "cache")
    shown = re.search(r"\$ sigil-monitoring validate -q --show-merged specs/checkout.yaml\n(.*?)\.\.\.\n", text, re.S)
    assert shown is not None and merged.stdout.startswith(shown.group(1))
    with (tmp_path / "templates" / "http-api.yaml").open("a") as http_api:
        http_api.write("extend: [payments-api.yaml]\n")
    cycle = re.search(r"  \$ sigil-monitoring validate specs\n  (.*)\n", text)
    done = _run("validate", "specs", cwd=tmp_path, cache=tmp_path / "cache")
    assert cycle is not None and (done.returncode, done.stderr) == (2, cycle.group(1) + "\n")


def test_templates_given_among_the_specs_are_checked_and_skipped(fleet: Path) -> None:
    cache = fleet / "cache"
    both = ("specs", "templates")
    assert _run("compile", "-q", *both, "--out", "build", cwd=fleet, cache=cache).returncode == 0
    spec = fleet / "specs" / "svc-0010.yaml"
    spec.write_text(spec.read_text().replace("team: ", "team: x"))
    assert _run("compile", "-q", *both, "--out", "build", cwd=fleet, cache=cache).returncode == 0
    assert _run("compile", "-q", "specs", "--out", "full", cwd=fleet, cache=fleet / "c2").returncode == 0
    built, full = _tree(fleet / "build"), _tree(fleet / "full")
    assert {k: v for k, v in built.items() if "manifest" not in k} == {
        k: v for k, v in full.items() if "manifest" not in k
    }


def test_an_error_in_a_parameters_value_names_the_placeholder_a_fix_of_its_form_goes_to(tmp_path: Path) -> None:
    template = TEMPLATE.replace("  window: {type: duration}\n", "  window: {type: duration}\n  tier: {type: string}\n")
    template = template.replace(
        "selector: {job: <<service.name>>}", "selector: {job: <<service.name>>, tier: <<params.tier>>}"
    )
    spec = _spec(tmp_path, "params: {window: 7d, tier: web.1}\nservice: {name: api}\n", template)
    (error,) = _errors(spec)
    # Blamed where the spec gave the value; the wrapping fix ({equals: ...}) belongs in the template.
    assert error.startswith("api.yaml:3:28: error: service.selector.tier: 'web.1' looks like a regular expression"), (
        error
    )
    assert error.endswith(
        "(this is the value of <<params.tier>>, which templates/api.yaml:8:43 places whole: "
        "a fix that wraps the value in a mapping goes there, around the placeholder)"
    ), error
    fixed = template.replace("tier: <<params.tier>>}", "tier: {equals: <<params.tier>>}}")
    assert load_spec(_spec(tmp_path, "params: {window: 7d, tier: web.1}\nservice: {name: api}\n", fixed))
    # The spec's own value at that path replaces the template's: the error is the spec's alone.
    own = "params: {window: 7d, tier: web}\nservice: {name: api, selector: {tier: web.1}}\n"
    (error,) = _errors(_spec(tmp_path, own, template))
    assert error.startswith("api.yaml:4:39: error: service.selector.tier:") and "placeholder" not in error, error


def test_a_templates_warning_is_said_once_for_all_the_specs_that_extend_it(tmp_path: Path) -> None:
    """The review: a template's 'null removes nothing' printed once per spec extending it (30
    identical lines for a fleet of 30)."""
    _spec(tmp_path, "params: {window: 7d}\nservice: {name: api}\n")
    extra = tmp_path / "templates" / "extra.yaml"
    extra.write_text("apiVersion: sigil-monitoring/v1\nkind: Template\nslos: {gone: null}\n")
    (tmp_path / "specs").mkdir()
    for name in ("one", "two"):
        (tmp_path / "specs" / f"{name}.yaml").write_text(
            "apiVersion: sigil-monitoring/v1\nextend: [../templates/api.yaml, ../templates/extra.yaml]\n"
            f"params: {{window: 7d}}\nservice: {{name: {name}}}\n"
        )
    done = _run("validate", "specs", cwd=tmp_path, cache=tmp_path / "cache")
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stderr.splitlines() if "removes nothing" in line] == [
        "templates/extra.yaml:3:8: warning: slos.gone: null removes nothing: no template this file extends gives "
        "it (remove the line, or name what a template gives)"
    ]


def test_the_root_receiver_moving_between_specs_reaches_the_unrouted_services_kept(tmp_path: Path) -> None:
    """The shared files are assembled from the pieces kept of the specs not loaded; what depends on
    every service is worked out again. Here the root's receiver (routing.catch_all), which an
    unrouted service's routing-table rows name, moves while that service's spec stays unchanged:
    its rows follow, byte for byte as a full compile writes them."""
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("sigil-dna", "shop", "examples/prometheus-server"):  # routed with the catch-all, routed, unrouted
        shutil.copy(REPO / "specs" / f"{name}.yaml", specs)
    dna, shop = specs / "sigil-dna.yaml", specs / "shop.yaml"
    cache = tmp_path / "cache"
    assert _run("compile", "-q", "specs", "--out", "build", cwd=tmp_path, cache=cache).returncode == 0
    edits = [
        (dna, "\n  catch_all: team\n", "\n"),  # no catch-all: the fallback receiver
        (shop, "\nrouting:\n", "\nrouting:\n  catch_all: dba\n"),  # the shop's dba takes them
    ]
    for round_, (spec, old, new) in enumerate(edits):
        assert old in spec.read_text()
        spec.write_text(spec.read_text().replace(old, new, 1))
        assert _compile_loading(tmp_path, cache) == [f"specs/{spec.name}"], "the other two are kept, not loaded"
        fresh = f"fresh-{round_}"
        done = _run("compile", "-q", "specs", "--out", fresh, cwd=tmp_path, cache=tmp_path / f"cache-{fresh}")
        assert done.returncode == 0, done.stderr
        built = _tree(tmp_path / "build")
        assert built == _tree(tmp_path / fresh)
        table = yaml.safe_load(built["alertmanager/routing-tests.yml"])["tests"]
        unrouted = [row["receivers"] for row in table if row["labels"].get("service") == "prometheus-server"]
        assert unrouted and all(r == [(FALLBACK_RECEIVER, "shop/dba")[round_]] for r in unrouted), unrouted


def _edited_then_as_fresh(folder: Path, edits: list[tuple[Path, str, str]]) -> None:
    """Compile ``folder/specs`` into ``build``, then after each edit (path, old, new) again, and
    compare ``build`` with a compile of the same specs into an empty folder with an empty cache:
    the same files, manifest included (found by a review of the fleet path: each case below
    wrote other files than a full compile, or failed, before its fix)."""
    cache = folder / "cache"
    assert _run("compile", "-q", "specs", "--out", "build", cwd=folder, cache=cache).returncode == 0
    for round_, (path, old, new) in enumerate(edits):
        assert old in path.read_text(), (path, old)
        path.write_text(path.read_text().replace(old, new, 1))
        done = _run("compile", "-q", "specs", "--out", "build", cwd=folder, cache=cache)
        assert done.returncode == 0, done.stderr
        fresh = f"fresh-{round_}"
        full = _run("compile", "-q", "specs", "--out", fresh, cwd=folder, cache=folder / f"cache-{fresh}")
        assert full.returncode == 0, full.stderr
        assert _tree(folder / "build") == _tree(folder / fresh), f"round {round_}"


def test_a_template_that_gains_an_extend_makes_its_new_base_an_input(tmp_path: Path) -> None:
    """The recorded template list of an unchanged spec was reused although a template in it had
    gained an ``extend``: the new base was never recorded, and a later edit of it left the
    spec's output stale (``for: 5m`` where a full compile writes ``10m``)."""
    specs = tmp_path / "specs"
    specs.mkdir()
    head = "apiVersion: sigil-monitoring/v1\n"
    (specs / "t1.yaml").write_text(
        head + "kind: Template\ndescription: t1\nservice: {selector: {job: <<service.name>>}}\n"
        "metrics: {up: {name: up, type: gauge}}\n"
    )
    (specs / "t2.yaml").write_text(
        head + "kind: Template\ndescription: t2\n"
        "alerts: {Down: {when: {value: up, below: 1}, for: 5m, severity: warning, summary: down}}\n"
    )
    (specs / "a.yaml").write_text(head + "extend: [t1.yaml]\nservice: {name: alpha}\n")
    (specs / "b.yaml").write_text(
        head + "service: {name: beta, selector: {job: beta}}\nmetrics: {up: {name: up, type: gauge}}\n"
    )
    t1, t2 = specs / "t1.yaml", specs / "t2.yaml"
    _edited_then_as_fresh(
        tmp_path, [(t1, "description: t1\n", "description: t1\nextend: [t2.yaml]\n"), (t2, "5m", "10m")]
    )
    assert "for: 10m" in (tmp_path / "build" / "alpha" / "prometheus" / "alerts.rules.yml").read_text()


def test_specs_of_other_tools_take_the_full_path(tmp_path: Path) -> None:
    """Sloth files come after our own specs, and one may hold several services: the fleet path
    wrote the services in another order and kept one service per file, dropping the other's files."""
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("home-wifi.yml", "multifile.yml"):  # three services, two in one file
        shutil.copy(REPO / "tests" / "data" / "sloth" / name, specs / f"a-{name}")
    (specs / "b.yaml").write_text((REPO / "specs" / "minimal.yaml").read_text())
    _edited_then_as_fresh(tmp_path, [(specs / "b.yaml", "hello_requests_total", "hello_requests_all_total")])
    assert (tmp_path / "build" / "myservice2").is_dir()


def test_a_kept_spec_with_an_engine_target_takes_the_full_path(tmp_path: Path) -> None:
    """A kept spec that chose Mimir has its tenant's file outside its folder, which the fleet
    path does not reuse: it deleted ``mimir/t1/alpha.rules.yml``."""
    specs = tmp_path / "specs"
    specs.mkdir()
    minimal = (REPO / "specs" / "minimal.yaml").read_text()
    (specs / "b.yaml").write_text(minimal)
    mimir = minimal.replace("name: hello", "name: alpha").replace("job: hello", "job: alpha")
    (specs / "a.yaml").write_text(mimir + "targets: {prometheus: {}, mimir: {tenant: t1}}\n")
    _edited_then_as_fresh(tmp_path, [(specs / "b.yaml", "hello_requests_total", "hello_requests_all_total")])
    assert (tmp_path / "build" / "mimir" / "t1" / "alpha.rules.yml").is_file()


def test_a_second_catch_all_against_a_kept_spec_is_the_full_compiles_error(tmp_path: Path) -> None:
    """A changed spec naming routing.catch_all while a kept one does was an internal error (exit
    70); it is the error a full compile gives, at the same place, and nothing is written."""
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("sigil-dna", "shop"):
        shutil.copy(REPO / "specs" / f"{name}.yaml", specs)
    cache = tmp_path / "cache"
    assert _run("compile", "-q", "specs", "--out", "build", cwd=tmp_path, cache=cache).returncode == 0
    before = _tree(tmp_path / "build")
    shop = specs / "shop.yaml"
    shop.write_text(shop.read_text().replace("\nrouting:\n", "\nrouting:\n  catch_all: dba\n", 1))
    done = _run("compile", "-q", "specs", "--out", "build", cwd=tmp_path, cache=cache)
    full = _run("compile", "-q", "specs", "--out", "fresh", cwd=tmp_path, cache=tmp_path / "cache-fresh")
    assert (done.returncode, done.stderr) == (full.returncode, full.stderr) == (2, full.stderr)
    assert "routing.catch_all is also set in" in done.stderr
    assert _tree(tmp_path / "build") == before


def test_a_changed_specs_warning_is_said_once_on_the_fleet_path_and_when_it_falls_back(tmp_path: Path) -> None:
    """The changed specs are loaded before the fleet path knows it can be taken; when it cannot
    (here: an engine target), every spec is loaded again. Their warnings are said once either way."""
    (tmp_path / "specs").mkdir()
    minimal = (REPO / "specs" / "minimal.yaml").read_text()
    for name in ("one", "two"):
        text = minimal.replace("name: hello", f"name: {name}").replace("job: hello", f"job: {name}")
        (tmp_path / "specs" / f"{name}.yaml").write_text(text)
    cache, two = tmp_path / "cache", tmp_path / "specs" / "two.yaml"
    assert _run("compile", "-q", "specs", "--out", "build", cwd=tmp_path, cache=cache).returncode == 0
    edits = [
        ("  selector: {job: two}\n", ""),  # a warning: no selector
        ("metrics:\n", "targets: {prometheus: {}, mimir: {tenant: t1}}\nmetrics:\n"),  # and no fleet path
    ]
    for old, new in edits:
        assert old in two.read_text()
        two.write_text(two.read_text().replace(old, new, 1))
        done = _run("compile", "-q", "specs", "--out", "build", cwd=tmp_path, cache=cache)
        assert done.returncode == 0, done.stderr
        assert [line for line in done.stderr.splitlines() if "warning:" in line] == [
            "specs/two.yaml:5:3: warning: service.name: the service has no selector, so every query matches the "
            "series of every job that exposes these metrics (add selector: {job: <scrape job>})"
        ], done.stderr


def test_a_service_named_like_a_shared_folder_and_an_escaped_extend_key(tmp_path: Path) -> None:
    """Found by a second review: a service named ``alertmanager`` had the shared Alertmanager
    files taken for its own (an internal error, exit 70); a spec whose ``extend`` key is written
    with a YAML escape recorded no template, so a template edit left its output stale."""
    specs, templates = tmp_path / "specs", tmp_path / "templates"
    specs.mkdir()
    templates.mkdir()
    shop = (REPO / "specs" / "shop.yaml").read_text()
    assert "name: shop\n" in shop
    (specs / "a.yaml").write_text(shop.replace("name: shop\n", "name: alertmanager\n", 1))
    (templates / "t.yaml").write_text(
        "apiVersion: sigil-monitoring/v1\nkind: Template\nservice: {selector: {job: <<service.name>>}}\n"
        "metrics: {requests: {name: http_requests_total, type: counter}}\n"
    )
    (specs / "b.yaml").write_text(
        'apiVersion: sigil-monitoring/v1\n"\\x65xtend": [../templates/t.yaml]\nservice: {name: api}\n'
    )
    minimal = (REPO / "specs" / "minimal.yaml").read_text()
    (specs / "c.yaml").write_text(minimal)
    edits = [
        (specs / "c.yaml", "hello_requests_total", "hello_requests_all_total"),
        (templates / "t.yaml", "http_requests_total", "http_reqs_total"),
        (specs / "a.yaml", "  team: storefront\n", "  team: checkout\n"),
    ]
    _edited_then_as_fresh(tmp_path, edits)
    assert "http_reqs_total" in (tmp_path / "build" / "api" / "prometheus" / "recording.rules.yml").read_text()
