"""schemas/spec.schema.json accepts every spec the tool accepts.

Editors validate against the committed schema while the tool validates with the pydantic models;
where a model coerces its input (a receiver name for a list, `s` for seconds) the schema must
describe the input, not the coerced value, or editors flag specs that compile fine.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from conftest import REPO
from pydantic import BaseModel, BeforeValidator, WithJsonSchema
from pydantic_core import PydanticUndefined
from ruamel.yaml import YAML

from sigil_monitoring import parse_spec
from sigil_monitoring.spec.document import Spec
from sigil_monitoring.spec.pydantic_models import model_of

SCHEMA = json.loads((REPO / "schemas" / "spec.schema.json").read_text(encoding="utf-8"))
# The specs we ship (specs/, specs/examples/) and the valid specs the diff tests compare.
SPEC_FILES = sorted(
    {
        *(REPO / "specs").glob("*.yaml"),
        *(REPO / "specs").glob("examples/**/*.yaml"),
        *(REPO / "tests" / "diff_cases").glob("*/*.yaml"),
    }
)


def schema_errors(document: object) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA)
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in validator.iter_errors(document)]


def test_the_committed_schema_is_a_valid_draft_7_schema():
    jsonschema.Draft7Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_spec_we_ship_validates_against_the_committed_schema(path: Path):
    parse_spec(path.read_text(encoding="utf-8"), str(path))  # the tool accepts it
    assert schema_errors(YAML(typ="safe").load(path.read_text(encoding="utf-8"))) == []


def _coercing_fields(model: type[BaseModel], seen: set[type]) -> list[str]:
    """Fields with a BeforeValidator that declares neither its input type nor a JSON Schema."""
    if model in seen:
        return []
    seen.add(model)
    out = []
    for name, field in model.model_fields.items():
        metadata = list(field.metadata)
        for arg in _type_args(field.annotation):
            metadata += getattr(arg, "__metadata__", ())
            for inner in _type_args(arg):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    out += _coercing_fields(inner, seen)
        described = any(isinstance(m, WithJsonSchema) for m in metadata)
        for m in metadata:
            if isinstance(m, BeforeValidator) and m.json_schema_input_type is PydanticUndefined and not described:
                out.append(f"{model.__name__}.{name}")
    return out


def _type_args(annotation: object) -> list[object]:
    """The annotation and every type nested in it (Annotated, unions, containers)."""
    out, todo = [], [annotation]
    while todo:
        current = todo.pop()
        out.append(current)
        todo += list(getattr(current, "__args__", ()))
        origin = getattr(current, "__origin__", None)
        if origin is not None and hasattr(current, "__metadata__"):
            todo.append(origin)
    return out


def test_every_field_that_coerces_its_input_tells_the_schema_what_input_it_takes():
    assert _coercing_fields(model_of(Spec), set()) == []
