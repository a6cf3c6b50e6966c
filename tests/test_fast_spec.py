"""The generated fast validator (spec/_fast_generated.py) against pydantic over the same spec classes.

The fast path must never accept what pydantic rejects, and what it accepts it must build exactly
as pydantic does (the same classes, values and value types, fields set), so that everything
downstream, from semantic checks to every compiled byte, cannot tell the two apart.
"""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from conftest import REPO
from fastspec_support import documents, dump, spec_paths
from pydantic import BeforeValidator, Field, WrapValidator

from sigil_monitoring.spec import _fast_generated as fast
from sigil_monitoring.spec import fastgen, loader
from sigil_monitoring.spec.document import Spec
from sigil_monitoring.spec.pydantic_models import SpecModel, model_of, validate

DOCUMENTS = documents()


def test_the_committed_generated_module_equals_a_fresh_generation():
    committed = (REPO / "sigil_monitoring" / "spec" / "_fast_generated.py").read_text(encoding="utf-8")
    assert committed == fastgen.generate(), "run: python -m sigil_monitoring.spec.fastgen"


def test_the_repository_has_valid_specs_to_compare():
    names = {name for name, _ in DOCUMENTS}
    assert {"specs/sigil-dna.yaml", "specs/shop.yaml", "specs/minimal.yaml"} <= names
    assert len(DOCUMENTS) >= 10


@pytest.mark.parametrize("name, doc", DOCUMENTS, ids=[n for n, _ in DOCUMENTS])
def test_the_fast_path_builds_what_pydantic_builds(name: str, doc: dict[str, Any]):
    expected = validate(Spec, doc)
    try:
        built = fast.build_spec(doc)
    except Exception as exc:
        # Only the shipped specs must take the fast path; a fixture may use a lax form.
        assert not name.startswith("specs/"), f"{name}: the fast path refused a shipped spec: {exc!r}"
        return
    assert type(built) is type(expected) is Spec
    assert dump(built) == dump(expected) and built == expected
    assert repr(built) == repr(expected)


@pytest.mark.parametrize("path", spec_paths(), ids=lambda p: p.name)
def test_a_shipped_spec_compiles_to_the_same_bytes_by_either_path(path, monkeypatch):
    from sigil_monitoring.output.pipeline import compile_artifacts, render_all

    quick = loader.load_spec(path)
    monkeypatch.setattr(loader, "_fast", lambda doc: None)
    slow = loader.load_spec(path)
    assert type(quick) is type(slow) is Spec and quick == slow
    assert quick._warnings == slow._warnings
    from sigil_monitoring.compilers import TARGETS
    from sigil_monitoring.errors import SpecError

    def outcome(spec: Any, targets: list[str] | None) -> object:
        try:
            return render_all(compile_artifacts([spec], targets))
        except SpecError as exc:  # an engine that cannot express the spec says so alike on both paths
            return exc.diagnostics

    for targets in (None, *([t] for t in TARGETS)):
        assert outcome(quick, targets) == outcome(slow, targets), targets


def test_spec_objects_are_frozen_equal_by_fields_and_copy_like_pydantic():
    from sigil_monitoring.spec.refs import MetricRef

    doc = dict(DOCUMENTS[0][1])
    spec = fast.build_spec(doc)
    with pytest.raises(AttributeError, match="immutable"):
        spec.service.name = "other"  # type: ignore[misc]
    assert spec == fast.build_spec(doc) and spec.service != spec.service.model_copy(update={"name": "zz"})
    copy = spec.service.model_copy(update={"title": "T"})
    assert copy.title == "T" and "title" in copy.model_fields_set and copy.name == spec.service.name
    assert MetricRef(metric="x").model_fields_set == set() and MetricRef(metric="x").where == {}


def test_load_spec_returns_a_spec_on_either_path(monkeypatch):
    path = REPO / "specs" / "sigil-dna.yaml"
    assert isinstance(loader.load_spec(path), Spec)
    monkeypatch.setattr(loader, "_fast", lambda doc: None)  # as if the fast path could not vouch
    assert isinstance(loader.load_spec(path), Spec)


def test_the_targets_name_the_targets_in_one_order_on_either_path():
    from sigil_monitoring.compilers.registry import TARGET_NAMES
    from sigil_monitoring.spec.targets import Targets

    assert Targets.__struct_fields__ == TARGET_NAMES == tuple(model_of(Targets).model_fields)
    doc = {"kubernetes": {"namespace": "obs"}, "victoriametrics": None}
    assert fast._build_Targets(doc).chosen() == validate(Targets, doc).chosen() == ("kubernetes", "victoriametrics")


def test_every_generated_name_starts_with_the_class_it_checks():
    import re

    from sigil_monitoring.spec.struct import SpecStruct

    classes = {c.__name__ for c in _subclasses(SpecStruct)}
    text = (REPO / "sigil_monitoring" / "spec" / "_fast_generated.py").read_text(encoding="utf-8")
    for name in re.findall(r"^(?:def )?(_\w+)(?: = |\()", text, flags=re.MULTILINE):
        owner = name.removeprefix("_build_").lstrip("_").split("_")[0]
        assert owner in classes or name == "build_spec", name


def _subclasses(cls: type) -> list[type]:
    return [c for sub in cls.__subclasses__() for c in (sub, *_subclasses(sub))]


def _generate(model: type) -> None:
    writer = fastgen._Writer()
    writer.model(model)
    writer.write()


def test_the_generator_refuses_a_field_type_it_does_not_know():
    class Odd(SpecModel):
        tags: set[str] = Field(default_factory=set)

    with pytest.raises(fastgen.Unknown, match="unknown type"):
        _generate(Odd)


def test_the_generator_refuses_a_wrap_validator_and_a_closure():
    class Wrapped(SpecModel):
        name: Annotated[str, WrapValidator(lambda v, handler: handler(v))] = "x"

    with pytest.raises(fastgen.Unknown):
        _generate(Wrapped)

    def local(value: object) -> object:
        return value

    class Closure(SpecModel):
        name: Annotated[str, BeforeValidator(local)] = "x"

    with pytest.raises(fastgen.Unknown, match="not importable"):
        _generate(Closure)


def test_a_spec_the_fast_path_refuses_still_loads_through_pydantic(tmp_path):
    # `enabled: "true"` is pydantic's lax bool: valid, but not an exact type the fast path vouches for.
    text = (REPO / "specs" / "minimal.yaml").read_text(encoding="utf-8")
    assert "alerts:" not in text
    path = tmp_path / "lax.yaml"
    path.write_text(text + "dashboard:\n  grafana_version: 12\n  tags: [a]\nroutin: x\n", encoding="utf-8")
    from sigil_monitoring.errors import SpecError

    with pytest.raises(SpecError) as caught:
        loader.load_spec(path)
    assert "routin" in str(caught.value.diagnostics[0].message)


def test_spec_objects_copy_and_deep_copy_to_equal_objects():
    import copy

    spec = loader.load_spec(REPO / "specs" / "sigil-dna.yaml")
    deep = copy.deepcopy(spec)
    assert deep == spec and deep is not spec and deep.metrics is not spec.metrics
    assert copy.copy(spec) == spec and deep._source.display == spec._source.display
