"""The Grafana objects are plain typed records: their JSON form, and no pydantic behind them.

The compiler builds every object itself, so nothing validates them at run time; the official
JSON Schemas (test_grafana_schema.py) and the goldens check what they produce.
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from typing import Any, ClassVar

import msgspec
import pytest
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from sigil_monitoring.compilers.grafana.base import GrafanaModel, wire_name
from sigil_monitoring.compilers.grafana.legacy import LegacyHeatmapPanel
from sigil_monitoring.compilers.grafana.model import (
    DatasourceRef,
    FieldConfig,
    FieldDefaults,
    GridPos,
    Link,
    Panel,
    Threshold,
    Thresholds,
    TimeRange,
)
from sigil_monitoring.compilers.grafana.options import Legend, TimeSeriesOptions
from sigil_monitoring.output.render import PlainDocument, _plain, to_json

LEAVES = ("base", "model", "options", "v2_model", "legacy", "provisioning")


def test_the_grafana_object_modules_import_no_pydantic():
    # The package __init__s import the ir model (and through it the spec models, which still use
    # pydantic): stand-ins with the real __path__ load the object modules on their own.
    code = f"""
import importlib, sys, types
import sigil_monitoring
root = sigil_monitoring.__path__[0]
packages = (("sigil_monitoring.compilers", "compilers"), ("sigil_monitoring.compilers.grafana", "compilers/grafana"))
for name, folder in packages:
    package = types.ModuleType(name)
    package.__path__ = [root + "/" + folder]
    sys.modules[name] = package
for leaf in {LEAVES!r}:
    importlib.import_module("sigil_monitoring.compilers.grafana." + leaf)
print(sorted(m for m in sys.modules if m.startswith("pydantic")))
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("ref_id", "refId"),
        ("fiscal_year_start_month", "fiscalYearStartMonth"),
        ("from_", "from"),
        ("h", "h"),
    ],
)
def test_a_field_is_written_under_its_camel_case_name(name, key):
    assert wire_name(name) == key


def test_every_grafana_class_is_a_frozen_keyword_only_struct_whose_json_keys_are_its_wire_names():
    # msgspec's kw_only holds for the declaring class only, so each subclass must say it again; its
    # ``rename`` (inherited) is what ``to_json`` writes.
    import importlib

    import msgspec

    for leaf in LEAVES:
        importlib.import_module("sigil_monitoring.compilers.grafana." + leaf)
    seen, todo = [], [GrafanaModel]
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo.extend(cls.__subclasses__())
    assert len(seen) > 50
    for cls in seen:
        assert issubclass(cls, msgspec.Struct) and cls.__struct_config__.frozen, cls
        assert cls.__match_args__ == (), cls  # every field keyword-only
        assert cls.__struct_encode_fields__ == tuple(map(wire_name, cls.__struct_fields__)), cls


def test_none_fields_are_left_out_except_the_first_threshold_value():
    steps = Thresholds(steps=(Threshold(color="green", value=None), Threshold(color="red", value=5)))
    assert steps.to_json() == {
        "mode": "absolute",
        "steps": [{"color": "green", "value": None}, {"color": "red", "value": 5}],
    }
    assert FieldDefaults(unit="short").to_json() == {"unit": "short", "mappings": [], "custom": {}}


def test_nested_objects_tuples_and_dicts_become_plain_json_in_declaration_order():
    panel = Panel(
        id=1,
        type="timeseries",
        title="t",
        description="d",
        grid_pos=GridPos(h=1, w=2, x=3, y=4),
        links=(Link(title="Runbook", url="https://x"),),
        options=TimeSeriesOptions(legend=Legend(calcs=("max",))),
        field_config=FieldConfig(defaults=FieldDefaults(custom={"nested": (TimeRange(from_="now-1h"),)})),
    )
    out = panel.to_json()
    assert list(out) == ["id", "type", "title", "description", "gridPos", "targets", "links", "options", "fieldConfig"]
    assert out["links"][0]["targetBlank"] is True
    assert out["options"]["legend"]["calcs"] == ["max"]
    assert out["options"]["tooltip"] == {"mode": "multi", "sort": "desc"}
    assert out["fieldConfig"]["defaults"]["custom"] == {"nested": [{"from": "now-1h", "to": "now"}]}


def test_the_objects_are_frozen_and_take_known_keywords_only():
    ref = DatasourceRef(type="prometheus", uid="x")
    with pytest.raises(AttributeError, match="immutable type: 'DatasourceRef'"):  # msgspec's words for frozen
        ref.uid = "y"  # type: ignore[misc]
    with pytest.raises(TypeError):
        DatasourceRef("prometheus", "x")  # type: ignore[misc]
    with pytest.raises(TypeError, match="Unexpected keyword argument 'uuid'"):
        DatasourceRef(type="prometheus", uuid="x")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="Missing required argument 'uid'"):
        DatasourceRef(type="prometheus")  # type: ignore[call-arg]
    assert ref == DatasourceRef(type="prometheus", uid="x") and hash(ref) == hash(
        DatasourceRef(type="prometheus", uid="x")
    )


def test_a_default_dict_is_made_anew_for_each_object():
    assert (
        Panel(id=1, type="t", title="t", description="", grid_pos=GridPos(h=1, w=1, x=0, y=0)).options
        is not Panel(id=2, type="t", title="t", description="", grid_pos=GridPos(h=1, w=1, x=0, y=0)).options
    )


def test_the_legacy_heatmap_keeps_the_panel_fields_and_adds_its_own_after_them():
    panel = Panel(id=7, type="heatmap", title="t", description="d", grid_pos=GridPos(h=1, w=2, x=3, y=4))
    keys = list(LegacyHeatmapPanel(**panel.field_values(), y_axis={"format": "s"}).to_json())
    assert keys[: keys.index("fieldConfig") + 1] == list(panel.to_json())
    assert keys[-2:] == ["yAxis", "yBucketBound"]


class _Leaf(GrafanaModel, frozen=True, kw_only=True):
    keep_none: ClassVar[frozenset[str]] = frozenset({"value"})
    value: Any = None
    note: Any = None


class _Node(GrafanaModel, frozen=True, kw_only=True):
    children: tuple[Any, ...] = ()
    extra: dict[Any, Any] = msgspec.field(default_factory=dict)
    leaf: _Leaf | None = None


_SCALARS = st.one_of(
    st.text(max_size=6),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
)


@st.composite
def _models(draw: st.DrawFn) -> _Node:
    # A few leaves, each used several times: the conversion shares an object's dict (by identity).
    leaves = draw(st.lists(st.builds(_Leaf, value=_SCALARS, note=_SCALARS), min_size=1, max_size=3))
    values = st.recursive(
        st.one_of(_SCALARS, st.sampled_from(leaves)),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3).map(tuple),
            st.dictionaries(st.one_of(st.text(max_size=4), st.integers()), inner, max_size=3),
            st.builds(_Node, children=st.lists(inner, max_size=3).map(tuple), leaf=st.sampled_from(leaves)),
        ),
        max_leaves=12,
    )
    return _Node(
        children=tuple(draw(st.lists(values, max_size=4))),
        extra=draw(st.dictionaries(st.text(max_size=4), values, max_size=3)),
        leaf=draw(st.sampled_from(leaves)),
    )


def _as_json_writes(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    raise TypeError(type(value).__name__)


@settings(max_examples=400, deadline=None)
@given(_models())
def test_json_document_is_to_json_and_says_plain_exactly_when_render_would_find_it_plain(model):
    # json_document's flag lets render.to_json skip its own walk (_plain): a wrong "plain" would
    # write msgspec's form of a float or a Decimal, not json's.
    expected = model.to_json()
    document = model.json_document()
    assert document == expected
    assert (type(document) is PlainDocument) == _plain(expected)
    try:
        text = json.dumps(expected, indent=2, sort_keys=True, ensure_ascii=False, default=_as_json_writes) + "\n"
    except TypeError:  # keys of mixed types do not sort: render.to_json refuses too
        with pytest.raises(TypeError):
            to_json(document)
        return
    assert to_json(document) == text.encode("utf-8")


def test_every_compiled_dashboard_document_is_to_json_and_plain_as_render_finds_it():
    from sigil_monitoring.compilers.grafana import dashboard, v2
    from sigil_monitoring.ir.build import build_model
    from sigil_monitoring.spec.loader import load_spec

    for path in sorted(REPO.glob("specs/**/*.yaml")):
        model = build_model([load_spec(path)])
        for service in model.services:
            for record in (dashboard.build(service), v2.build(service, dashboard.build(service, current=True))):
                expected = record.to_json()
                document = record.json_document()
                assert document == expected, path
                assert (type(document) is PlainDocument) == _plain(expected), path


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=-(10**6), max_value=10**6, places=4), st.integers(min_value=0, max_value=4))
def test_equal_decimals_are_the_same_json_number_so_the_shared_field_configs_may_be_keyed_by_them(value, zeros):
    # slo_panels and context cache field configs and threshold steps by Decimals: equal Decimals
    # (1 and 1.000) must write the same JSON, or a cached object would carry the wrong one.
    from sigil_monitoring.compilers.grafana.context import num

    other = value.quantize(Decimal(1).scaleb(-(4 + zeros)))  # the same value, more digits
    assert other == value
    assert json.dumps(num(other)) == json.dumps(num(value))


def test_time_series_panels_with_limits_equal_but_of_other_types_do_not_share_a_field_config():
    from sigil_monitoring.compilers.grafana.panels import _graph_config

    as_int = _graph_config("s", 1, None, (int, type(None)), False, None)
    as_float = _graph_config("s", 1.0, None, (float, type(None)), False, None)
    assert as_int.to_json()["defaults"]["min"] == 1 and type(as_int.to_json()["defaults"]["min"]) is int
    assert type(as_float.to_json()["defaults"]["min"]) is float
