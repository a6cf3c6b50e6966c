"""The YAML emitter: any text we write reads back exactly, and YAML 1.1 traps are quoted."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from sigil_monitoring.render import to_json, to_yaml

KEYS = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
SCALARS = st.one_of(st.text(max_size=40), st.integers(-10**9, 10**9), st.booleans(), st.none(),
                    st.sampled_from(["yes", "no", "on", "off", "~", "1:30", "0x1f", "010", "5m", "1e3", ".inf", "- a", "a: b", "#x", ""]))
DOCS = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)), max_leaves=12)


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
