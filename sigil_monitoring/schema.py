"""The spec's JSON Schema, generated from the spec classes (committed as schemas/spec.schema.json).

One schema serves the three documents an editor opens, told apart as the tool tells them apart:
a template (``kind: Template``, ``Template``), a spec that extends templates (``extend:``,
``ExtendingSpec``) and a plain spec (``Spec``). A template and an extending spec hold parts of a
spec that the merge completes, so their sections are described by *partial* copies of the spec's
definitions (``Partial<Name>``), made here from the spec's own schema: every key optional,
``null`` allowed as a value (it removes what a template gave), and any value or map key may be a
``<<params.NAME>>``/``<<service.FIELD>>`` placeholder; unknown keys stay errors, so a misspelt
field is flagged. An extending spec may hold no placeholder (only templates' are read). Their
own keys (``extend``, ``params``, a template's header and parameters) come from
``spec/template_document.py``, the classes the template reader takes its keys from.

>>> partial({"type": "object", "required": ["a"], "properties": {"a": {"$ref": "#/$defs/A"}}})["properties"]["a"]
{'anyOf': [{'$ref': '#/$defs/PartialA'}, {'type': 'null'}, {'$ref': '#/$defs/Placeholder'}]}
"""

from __future__ import annotations

import json
from typing import Any

from .spec.template_merge import PLACEHOLDER

SCHEMA_ID = "https://sigil-monitoring.dev/schemas/spec.schema.json"
PARTIAL = "Partial"  # the prefix of a definition's partial copy
_PLACEHOLDER = PLACEHOLDER.pattern  # the very expression the merge reads them with
_DATA = ("default", "examples", "const", "enum", "description", "title", "pattern")  # values, not schemas
_REF = {"$ref": "#/$defs/Placeholder"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


def _loose(schema: Any) -> dict[str, Any]:
    """A value of a partial document: as ``schema`` says, ``null`` (a removal) or a placeholder;
    the field's words stay on the field (an editor shows them on hover)."""
    words = {key: schema[key] for key in ("title", "description") if key in schema}
    inner = {key: value for key, value in schema.items() if key not in words}
    return words | {"anyOf": [inner, {"type": "null"}, _REF]}


def partial(node: Any) -> Any:
    """The partial copy of a schema node: no key required, each value loose (``_loose``), a map's
    keys may be placeholders, references to the partial copies; ``oneOf`` becomes ``anyOf``, as
    two partial alternatives may both fit a value."""
    if isinstance(node, list):
        return [partial(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "required":
            continue
        if key in _DATA:
            out[key] = value
        elif key == "$ref":
            out[key] = f"#/$defs/{PARTIAL}{value.rsplit('/', 1)[-1]}"
        elif key == "oneOf":
            out["anyOf"] = partial(value)
        elif key == "properties":
            out[key] = {name: _loose(partial(sub)) for name, sub in value.items()}
        elif key == "patternProperties":
            loose = [_loose(partial(sub)) for sub in value.values()]
            out[key] = dict(zip(value, loose, strict=True)) | {_PLACEHOLDER: {"anyOf": loose}}
        elif key in ("additionalProperties", "items") and isinstance(value, dict):
            out[key] = _loose(partial(value))
        else:
            out[key] = partial(value)
    return out


def _without_placeholders() -> dict[str, Any]:
    """Any YAML value with no placeholder in it, keys included (an extending spec's own text)."""
    return {
        "description": "A spec's own values are taken as written: placeholders are read in templates only.",
        "anyOf": [
            {"type": "string", "not": {"pattern": _PLACEHOLDER}},
            {"type": ["number", "boolean", "null"]},
            {"type": "array", "items": _ref("WithoutPlaceholders")},
            {
                "type": "object",
                "propertyNames": {"not": {"pattern": _PLACEHOLDER}},
                "additionalProperties": _ref("WithoutPlaceholders"),
            },
        ],
    }


def schema() -> dict[str, Any]:
    """The whole schema, as data."""
    from .spec.document import Spec
    from .spec.pydantic_models import model_of
    from .spec.template_document import Extension, TemplateHeader

    def of(cls: Any) -> dict[str, Any]:
        generated: dict[str, Any] = model_of(cls).model_json_schema(by_alias=True, mode="validation")
        return generated

    spec, extension, header = of(Spec), of(Extension), of(TemplateHeader)
    defs: dict[str, Any] = spec.pop("$defs") | header.pop("$defs")
    sections = {key: _loose(partial(value)) for key, value in spec["properties"].items()}
    defs |= {f"{PARTIAL}{name}": partial(defs[name]) for name in list(spec_defs(defs, spec))}
    defs["Placeholder"] = {
        "description": "<<params.NAME>> (a template's parameter) or <<service.FIELD>> (the spec's service:), "
        "alone or inside text; read in templates only.",
        "type": "string",
        "pattern": _PLACEHOLDER,
    }
    defs["WithoutPlaceholders"] = _without_placeholders()
    defs["Spec"] = spec
    defs["ExtendingSpec"] = {
        "title": "ExtendingSpec",
        "description": "A spec that extends templates: its own keys, merged over the templates' sections "
        "(docs/fleet.md); every key is optional here, the merged spec must be complete.",
        "type": "object",
        "additionalProperties": False,
        "properties": sections | {"apiVersion": spec["properties"]["apiVersion"]} | extension["properties"],
        "required": ["apiVersion", *extension["required"]],
        "allOf": [_ref("WithoutPlaceholders")],
    }
    defs["Template"] = {
        "title": "Template",
        "description": header["description"],
        "type": "object",
        "additionalProperties": False,
        "properties": header["properties"] | {k: v for k, v in sections.items() if k not in header["properties"]},
        "required": header["required"],
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "Spec",
        "description": "A file is one of three documents: a template, a spec that extends templates, or a "
        "service's whole spec.",
        "if": {"required": ["kind"]},
        "then": _ref("Template"),
        "else": {"if": {"required": ["extend"]}, "then": _ref("ExtendingSpec"), "else": _ref("Spec")},
        "$defs": defs,
    }


def spec_defs(defs: dict[str, Any], root: dict[str, Any]) -> list[str]:
    """The definitions ``root`` reaches, in the order it names them (the partial copies' order)."""
    found: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and (name := ref.rsplit("/", 1)[-1]) not in found and name in defs:
                found.append(name)
                visit(defs[name])
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(root)
    return found


def schema_text() -> str:
    return json.dumps(schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
