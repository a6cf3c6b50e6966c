"""Helpers shared by the fast-path tests: the valid spec documents of the repository and a canonical
dump of a spec object graph (classes, field values and their types, which fields were set), so the
fast path and the pydantic path are compared on everything, not only on equality."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import REPO

from sigil_monitoring.spec.yaml_io import YamlProblem, decode, load


def documents() -> list[tuple[str, dict[str, Any]]]:
    """Every spec document in specs/, golden/ and tests/ that the pydantic models accept."""
    from pydantic import ValidationError

    from sigil_monitoring.spec.document import Spec
    from sigil_monitoring.spec.pydantic_models import validate

    found = []
    paths = sorted({*REPO.glob("specs/**/*.yaml"), *REPO.glob("golden/**/*.yaml"), *REPO.glob("tests/**/*.yaml")})
    for path in paths:
        try:
            doc = load(decode(path.read_bytes()))
        except (YamlProblem, OSError):
            continue
        if type(doc) is not dict or doc.get("apiVersion") != "sigil-monitoring/v1":
            continue
        try:
            validate(Spec, doc)
        except ValidationError:
            continue
        found.append((str(path.relative_to(REPO)), doc))
    return found


def dump(obj: Any) -> Any:
    """A comparable form of a spec object graph, whichever path built it."""
    from sigil_monitoring.spec.struct import SpecStruct

    if isinstance(obj, SpecStruct):
        fields = obj.__struct_fields__
        return (
            type(obj).__qualname__,
            tuple(sorted(obj.model_fields_set)),
            tuple((n, dump(getattr(obj, n))) for n in fields),
        )
    if type(obj) is dict:
        return ("dict", tuple((dump(k), dump(v)) for k, v in obj.items()))
    if type(obj) in (list, tuple):
        return (type(obj).__name__, tuple(dump(v) for v in obj))
    return (type(obj).__name__, repr(obj))


def spec_paths() -> list[Path]:
    return sorted(REPO.glob("specs/**/*.yaml"))
