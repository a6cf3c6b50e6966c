"""The spec's JSON Schema, generated from the pydantic models (committed as schemas/spec.schema.json)."""

from __future__ import annotations

import json

SCHEMA_ID = "https://sigil-monitoring.dev/schemas/spec.schema.json"


def schema_text() -> str:
    from .spec.document import Spec
    from .spec.pydantic_models import model_of

    schema = model_of(Spec).model_json_schema(by_alias=True, mode="validation")
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", "$id": SCHEMA_ID, **schema}
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
