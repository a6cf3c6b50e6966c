"""Property: on any document, the fast validator never accepts what pydantic rejects, and what it
accepts equals pydantic's result (the same classes, values and fields set). Documents are the
repository's valid specs with one to three mutations: a key dropped, renamed or added, a value
replaced by another type ("5" for 5, True for an int, a float for an int, a list for a mapping...),
a bad name."""

from __future__ import annotations

import copy
from typing import Any

from fastspec_support import documents, dump
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples
from pydantic import ValidationError

from sigil_monitoring.spec import _fast_generated as fast
from sigil_monitoring.spec.document import Spec
from sigil_monitoring.spec.pydantic_models import validate

DOCUMENTS = [doc for _, doc in documents()]
ODD_VALUES = [
    "5",
    5,
    5.0,
    2.5,
    -1,
    0,
    1e300,
    True,
    False,
    None,
    "",
    "x",
    "Bad Name",
    "5m",
    "0s",
    "99.9%",
    "1/min",
    "ab",
    "Ab",
    "a_b",
    "1s",
    "https://x.example/a?token=1",
    "/etc/x",
    [],
    [1],
    ["a", "a"],
    ["x"],
    {},
    {"a": 1},
    {"metric": "x"},
    "monday:friday",
    "25:00-26:00",
    10**20,
    float("inf"),
    float("nan"),
]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if type(node) is dict:
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif type(node) is list:
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


def _odd(draw: st.DrawFn) -> Any:
    # A copy: a later mutation may descend into the inserted list or mapping and change it in
    # place, which would change ODD_VALUES for every later example (Hypothesis then reports
    # "Inconsistent data generation", as a CI run did).
    return copy.deepcopy(draw(st.sampled_from(ODD_VALUES)))


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    doc = copy.deepcopy(draw(st.sampled_from(DOCUMENTS)))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(doc)[1:]))
        parent, last = _parent(doc, path), path[-1]
        kind = draw(st.sampled_from(["replace", "drop", "rename", "add", "wrap"]))
        if kind == "replace":
            parent[last] = _odd(draw)
        elif kind == "drop":
            del parent[last]
        elif kind == "wrap":
            parent[last] = draw(st.sampled_from([[parent[last]], {"x": parent[last]}, str(parent[last])]))
        elif type(parent) is dict:
            key = draw(
                st.sampled_from(["extra", "from", "for", "is", "continue", "from_", "0", 0, "Bad Key", "name", "type"])
            )
            if kind == "rename":
                parent[key] = parent.pop(last)
            else:
                parent[key] = _odd(draw)
        if not _paths(doc)[1:]:
            break
    return doc


@settings(max_examples=examples(0.5))
@given(mutated())
def test_the_fast_path_accepts_only_what_pydantic_accepts_and_builds_the_same(doc: dict[str, Any]):
    try:
        expected = validate(Spec, copy.deepcopy(doc))
    except ValidationError:
        expected = None
    try:
        built = fast.build_spec(copy.deepcopy(doc))
    except Exception:  # refusing is always allowed: pydantic then judges
        return
    assert expected is not None, "the fast path accepted a document pydantic rejects"
    assert dump(built) == dump(expected) and built == expected
