"""schemas/spec.schema.json describes templates and specs that extend them (issue 23).

Editors validate a file against the committed schema through the modeline our drafts write; a
fleet's templates and extending specs must validate as the tool accepts them, and a misspelt
key of a template must be flagged as the tool flags it.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "tests"))

import test_fleet  # noqa: E402
import test_template_chain as chain  # noqa: E402
from generate import TEMPLATE_FLEET, template_fleet  # noqa: E402

from sigil_monitoring.cli import main  # noqa: E402

SCHEMA = json.loads((REPO / "schemas" / "spec.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)


def _errors(text: str) -> list[str]:
    document = YAML(typ="safe").load(text)
    return sorted(f"{'.'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in VALIDATOR.iter_errors(document))


def _leaves(text: str) -> list[str]:
    """Every error, down to the alternatives of an ``anyOf`` (what an editor shows of the best one)."""

    def down(error: jsonschema.ValidationError) -> list[str]:
        here = [f"{'.'.join(map(str, error.absolute_path))}: {error.message[:200]}"]
        return here + [leaf for sub in error.context or () for leaf in down(sub)]

    return [leaf for error in VALIDATOR.iter_errors(YAML(typ="safe").load(text)) for leaf in down(error)]


def _fleet_documents() -> dict[str, str]:
    """Every template and extending spec the repository ships as a fleet example or test."""
    fleet_md = (REPO / "docs" / "fleet.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", fleet_md, re.S)
    found = {f"docs/fleet.md block {i}": block for i, block in enumerate(blocks) if "apiVersion" in block}
    found |= {f"benchmarks/generate.py {name}": text for name, (text, _) in TEMPLATE_FLEET.items()}
    found["tests/test_fleet.py TEMPLATE"] = test_fleet.TEMPLATE
    found |= {f"tests/test_template_chain.py {n}": getattr(chain, n) for n in ("ORG", "HTTP_API", "PAYMENTS")}
    return found


@pytest.mark.parametrize(("name", "text"), sorted(_fleet_documents().items()))
def test_every_fleet_template_and_extending_spec_validates(name: str, text: str) -> None:
    assert _errors(text) == []


def test_a_generated_fleet_validates_against_the_schema_and_loads(tmp_path: Path) -> None:
    specs = template_fleet(tmp_path, 6)
    files = [*specs, *(tmp_path / "templates").iterdir()]
    assert {str(f.relative_to(tmp_path)): _errors(f.read_text()) for f in files} == {
        str(f.relative_to(tmp_path)): [] for f in files
    }
    assert main(["validate", "-q", str(tmp_path / "specs"), str(tmp_path / "templates")]) == 0


def test_the_layered_templates_and_specs_of_the_chain_tests_validate(tmp_path: Path) -> None:
    layered = chain.layered_fleet(tmp_path)
    files = sorted(layered.rglob("*.yaml"))
    assert len(files) == 6 and all(_errors(f.read_text()) == [] for f in files)


TEMPLATE = test_fleet.TEMPLATE


@pytest.mark.parametrize(
    ("wrong", "flagged"),
    [
        (TEMPLATE.replace("parameters:", "paramters:"), "'paramters' was unexpected"),
        (TEMPLATE.replace("kind: Template\n", "kind: Template\nextnd: [x.yaml]\n"), "'extnd' was unexpected"),
        (
            TEMPLATE.replace("{type: duration", "{tpye: duration"),
            "parameters.window: Additional properties are not allowed ('tpye' was unexpected)",
        ),
        (TEMPLATE.replace("type: duration", "type: interval"), "parameters.window.type: 'interval' is not one of"),
        (
            TEMPLATE.replace("  availability: {objective:", "  availability: {objectve:"),
            "slos.availability: Additional properties are not allowed ('objectve' was unexpected)",
        ),
        (
            TEMPLATE.replace("    - {title: Traffic,", "    - {titel: Traffic,"),
            "dashboard.rows.0: Additional properties are not allowed ('titel' was unexpected)",
        ),
    ],
)
def test_a_misspelt_template_key_is_flagged(wrong: str, flagged: str) -> None:
    assert _errors(TEMPLATE) == []
    assert _errors(wrong) != []
    errors = _leaves(wrong)
    assert any(flagged in error for error in errors), errors


def _as_spec(**sections: Any) -> str:
    lines = ["apiVersion: sigil-monitoring/v1", "extend: [templates/api.yaml]"]
    return "\n".join(lines + [f"{key}: {json.dumps(value)}" for key, value in sections.items()]) + "\n"


def test_an_extending_spec_is_partial_may_remove_and_has_no_placeholders() -> None:
    assert _errors(_as_spec(service={"name": "api"}, slos={"strict": None, "availability": {"objective": "99%"}})) == []
    assert _errors(_as_spec(service={"name": "api"}, params={"window": "7d"})) == []
    assert _errors(_as_spec(parms={"window": "7d"}))[0].startswith(": Additional properties are not allowed")
    assert _errors(_as_spec(service={"name": "<<params.name>>"})) != []
    assert _errors(_as_spec(slos={"<<service.name>>": {"objective": "99%"}})) != []
    # A plain spec is still whole: without extend, service and metrics are required.
    assert _errors("apiVersion: sigil-monitoring/v1\nservice: {name: api}\n") == [": 'metrics' is a required property"]
