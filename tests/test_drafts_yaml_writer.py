"""The spec-YAML writer: what it writes loads back, through the spec loader, as what it was given."""

from __future__ import annotations

import glob

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sigil_monitoring.drafts.yaml_writer import commented_out, dump_spec
from sigil_monitoring.spec.loader import parse_spec
from sigil_monitoring.spec.yaml_io import load

# Text a spec really holds: PromQL with braces, quotes and commas, durations, percentages, words
# YAML 1.1 read as booleans, numbers as text, leading symbols, several lines.
_TRICKY = [
    'sum(rate(http_requests_total{job="api",code=~"5.."}[5m])) by (handler)',
    "{job: api}",
    "5m",
    "99.9%",
    "yes",
    "null",
    "0123",
    "1e3",
    "- item",
    "#not a comment",
    "a: b",
    "line one\nline two\n",
    "trailing space \nnext",
    "{{ $labels.instance }} is down",
    "",
    "@at",
    "* star",
]

_scalars = st.one_of(
    st.sampled_from(_TRICKY),
    st.text(max_size=30),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)
_keys = st.one_of(st.sampled_from(["name", "type", "job", "a b", "yes", "1", "on"]), st.text(min_size=1, max_size=10))
_data = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=20,
)


@given(st.dictionaries(_keys, _data, min_size=1, max_size=5))
def test_what_the_writer_writes_loads_back_as_the_data_it_was_given(data: dict[str, object]) -> None:
    assert load(dump_spec(data, header=["a header", "", "with a blank line"])) == data


@pytest.mark.parametrize("path", sorted(glob.glob("specs/*.yaml") + glob.glob("specs/examples/*.yaml")))
def test_every_spec_of_the_checkout_rewritten_by_the_writer_loads_as_the_same_spec(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        data = load(f.read())
    text = dump_spec(data, comments={(next(iter(data)),): "first key"})
    assert load(text) == data
    with open(path, encoding="utf-8") as f:
        assert parse_spec(text, path) == parse_spec(f.read(), path)


def test_comments_sit_above_their_key_at_its_indentation() -> None:
    text = dump_spec(
        {"apiVersion": "sigil-monitoring/v1", "alerts": {"Down": {"when": {"absent": "up"}}}},
        comments={("alerts", "Down"): "raw: up == 0\nkept as an absent alert", ("apiVersion",): "the format"},
    )
    assert text.splitlines()[1:] == [
        "# the format",
        "apiVersion: sigil-monitoring/v1",
        "alerts:",
        "  # raw: up == 0",
        "  # kept as an absent alert",
        "  Down:",
        "    when: {absent: up}",
    ]


def test_a_suggestion_commented_out_becomes_valid_spec_when_uncommented() -> None:
    base = {"apiVersion": "sigil-monitoring/v1", "service": {"name": "api", "selector": {"job": "api"}}}
    base["metrics"] = {"requests": {"name": "http_requests_total", "type": "counter"}}
    slos = {"slos": {"availability": {"objective": "99.9%", "sli": {"bad": "requests", "total": "requests"}}}}
    text = dump_spec(base, footer="Suggested:\n" + commented_out(slos))
    document, suggestion = text.split("# Suggested:\n")
    uncommented = document + "".join(line.removeprefix("# ") + "\n" for line in suggestion.splitlines())
    assert load(text) == base
    assert load(uncommented) == {**base, **slos}


def test_the_same_data_gives_the_same_bytes() -> None:
    data = {"b": {"z": 1, "a": [1, 2]}, "a": "x"}
    assert dump_spec(data) == dump_spec(dict(data)) == dump_spec(data)
    assert dump_spec(data).index("b:") < dump_spec(data).index("a: x")  # the caller's key order
