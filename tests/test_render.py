"""The YAML emitter: any text we write reads back exactly, and YAML 1.1 traps are quoted."""

from __future__ import annotations

import json
from decimal import Decimal

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from sigil_monitoring.output.render import to_json, to_yaml

KEYS = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
SCALARS = st.one_of(
    st.text(max_size=40),
    st.integers(-(10**9), 10**9),
    st.booleans(),
    st.none(),
    st.sampled_from(
        ["yes", "no", "on", "off", "~", "1:30", "0x1f", "010", "5m", "1e3", ".inf", "- a", "a: b", "#x", ""]
    ),
)
DOCS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, DOCS, min_size=1, max_size=4))
def test_every_document_reads_back_identically_with_both_parsers(document):
    text = to_yaml(document, header="generated\nby a test").decode("utf-8")
    assert YAML(typ="safe").load(text) == document
    assert YAML(typ="rt").load(text) == document


def test_yaml_1_1_booleans_and_sexagesimals_are_quoted_for_go_yaml():
    text = to_yaml({"a": "yes", "b": "on", "c": "1:30", "d": "5m"}).decode()
    assert text == 'a: "yes"\nb: "on"\nc: "1:30"\nd: 5m\n'


def test_line_separators_are_escaped_not_written_raw():
    assert to_yaml({"s": "a\u2028b\x85"}).decode() == 's: "a\\u2028b\\u0085"\n'


def test_json_is_sorted_indented_and_ends_with_a_newline():
    assert to_json({"b": 1, "a": [2]}) == b'{\n  "a": [\n    2\n  ],\n  "b": 1\n}\n'


JSON_SCALARS = st.one_of(st.text(max_size=20), st.integers(), st.floats(), st.booleans(), st.none())
JSON_DOCS = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), inner, max_size=4),
    ),
    max_leaves=16,
)


@settings(max_examples=300, deadline=None)
@given(JSON_DOCS)
def test_json_is_what_the_standard_library_writes_with_indent_2_and_sorted_keys(document):
    try:
        expected = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    except TypeError:  # keys of mixed types do not sort: both refuse
        with pytest.raises(TypeError):
            to_json(document)
        return
    assert to_json(document) == expected.encode("utf-8")


def test_json_writes_decimals_as_integers_or_floats():
    assert to_json({"a": Decimal("2"), "b": [Decimal("0.25")]}) == b'{\n  "a": 2,\n  "b": [\n    0.25\n  ]\n}\n'


def _float_reads(text):
    try:
        float(text.replace("_", ""))
    except ValueError:
        return False
    return True


@given(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.text(alphabet="0123456789+-._eEinfatyINFATY \t\x1c", max_size=12),
        st.text(max_size=12),
    )
)
def test_a_string_float_reads_is_always_quoted(text):
    # The emitter skips float() for text holding a character no number holds; that shortcut
    # must never let a number-like string out plain, where YAML would read a float.
    from sigil_monitoring.output.render import _looks_numeric

    if _float_reads(text):
        assert _looks_numeric(text)


@settings(max_examples=2000, deadline=None)
@given(st.floats())
def test_msgspec_writes_a_float_with_an_exponent_only_where_json_does(number):
    # to_json lets msgspec write a document whose floats json writes without an exponent, and
    # does not search msgspec's text for one: this is the premise.
    if "e" not in repr(number):
        assert b"e" not in msgspec.json.encode(number)
    assert to_json({"a": [number]}) == (json.dumps({"a": [number]}, indent=2, ensure_ascii=False) + "\n").encode()
