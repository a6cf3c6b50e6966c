"""Property tests for the loader: both YAML paths agree, valid specs load, errors point inside the file."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from sigil_monitoring import SpecError, parse_spec
from sigil_monitoring.spec import yaml_fast, yaml_io
from sigil_monitoring.spec.source import Source

KEYS = st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True)
WORDS = st.sampled_from(
    [
        "sigil",
        "1s",
        "99.9%",
        "http://x.example/a?b=c",
        "#chan",
        "a: b",
        "x # y",
        "10GiB",
        "1/min",
        "yes",
        "~",
        "0.5",
        "'q'",
        '"d"',
        'up{job="a"} == 0',
        "[x]",
        "{k: v}",
    ]
)


def _scalar(draw, word):
    style = draw(st.sampled_from(["plain", "single", "double"]))
    if style == "single":
        return "'" + word.replace("'", "''") + "'"
    if style == "double":
        return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'
    # Plain only where YAML allows it; otherwise quote.
    risky = any(t in word for t in (": ", " #", "'", '"', "[", "{", "#")) or word[0] in "~'\"[{#"
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"' if risky else word


@st.composite
def spec_shaped_yaml(draw):
    """Documents shaped like specs: nested mappings, flow and block styles, quoted and plain text."""
    lines = []
    for key in draw(st.lists(KEYS, min_size=1, max_size=5, unique=True)):
        kind = draw(st.sampled_from(["scalar", "flow_map", "flow_list", "block_map", "literal"]))
        words = draw(st.lists(WORDS, min_size=1, max_size=3))
        if kind == "scalar":
            lines.append(f"{key}: {_scalar(draw, words[0])}")
        elif kind == "flow_map":
            inner = ", ".join(f"k{i}: {_scalar(draw, w)}" for i, w in enumerate(words))
            lines.append(f"{key}: {{{inner}}}")
        elif kind == "flow_list":
            lines.append(f"{key}: [{', '.join(_scalar(draw, w) for w in words)}]")
        elif kind == "block_map":
            lines.append(f"{key}:")
            lines += [f"  k{i}: {_scalar(draw, w)}  # note" for i, w in enumerate(words)]
        else:
            lines.append(f"{key}: |")
            lines += [f"  {w}" for w in words]
    return "\n".join(lines) + "\n"


def _round_trip(text):
    try:
        return ("ok", json.dumps(yaml_io.load_round_trip(text), sort_keys=True, default=str))
    except (YAMLError, TypeError, ValueError):  # TypeError: keys that are lists or mappings
        return ("error", None)


def _loaded(text):
    try:
        data = yaml_io.load(text)
    except yaml_io.YamlProblem:
        return ("error", None)
    try:
        return ("ok", json.dumps(data, sort_keys=True, default=str))
    except TypeError:  # libyaml reads "[]:" as a tuple key; the spec models reject it later
        return ("not json", None)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(spec_shaped_yaml())
def test_spec_shaped_documents_read_the_same_on_the_fast_path_and_the_round_trip_path(text):
    # The fast path (libyaml) and ruamel's own parser differ in degenerate corners (a block
    # scalar at column 0, anchors named "1:"); the loader sends tags, anchors and complex keys to
    # the round-trip parser. For documents shaped like specs both must read exactly the same.
    assert _round_trip(text)[0] == "ok", text
    assert _loaded(text) == _round_trip(text)


# Values of spec-shaped YAML, empty ones and comments included: where libyaml's events and
# ruamel's round-trip tree place values apart (an empty value, ``spec/positions.py``).
_VALUES = [
    "",
    " # note",
    " 1",
    " ~",
    " ''",
    " x # note",
    "\n  c:\n  d: x",
    "\n  c: # note\n    # more\n  d:",
    "\n  - \n  - y\n  -",
    "\n- z\n-\n- - x",
    " |\n  lit\n  more",
    " >-\n  fold",
    " [1,\n  2, ]",
    " {p: , q: 2}",
    " {u}",
    " [a: b, c]",
    ' "s\n  t"',
    " plain\n  more",
    " {}",
    " []",
    " ä 😀",
]


@st.composite
def documents_with_empty_values(draw):
    keys = draw(st.lists(st.sampled_from(["a", "b", "ü", "k_1", "'q'"]), min_size=1, max_size=5, unique=True))
    lines = [f"{key}:{draw(st.sampled_from(_VALUES))}" for key in keys]
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n# end\n"]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(spec_shaped_yaml(), documents_with_empty_values()))
def test_every_position_read_from_libyaml_events_is_the_round_trip_trees(text):
    # Diagnostics (warnings included) are placed from libyaml's events, not the slow round-trip
    # tree; every key and value position, and that of a missing child, must be the same.
    expected = Source("s.yaml", text)._round_trip_positions()
    assert expected, text
    for path, (key, value) in expected.items():
        for at, want, asked in (("key", key, path), ("value", value, path), ("key", key, (*path, "zz"))):
            assert Source("s.yaml", text).position(asked, at) == want, (text, asked, at)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(spec_shaped_yaml(), documents_with_empty_values()), st.data())
def test_positions_found_for_some_paths_only_are_those_of_the_whole_map(text, data):
    # Source.expect walks for the paths of the warnings only (spec/positions.py ``wanted``): every
    # answer, for an expected path, a missing child of one, or a path not expected (which then
    # builds the whole map), must be the one the whole map gives.
    whole = Source("s.yaml", text)._round_trip_positions()
    paths = sorted(whole)
    picked = data.draw(st.lists(st.sampled_from(paths), max_size=4)) if paths else []
    asked = data.draw(st.lists(st.sampled_from([*paths, ("zz",)]), max_size=4)) if paths else [("zz",)]
    source = Source("s.yaml", text)
    source.expect(picked)
    for path in [*picked, *(p + ("zz",) for p in picked), *asked]:
        for at in ("key", "value"):
            assert source.position(path, at) == Source("s.yaml", text).position(path, at), (text, path, at)


def _deeper(text):
    """``text`` nested one level further under a key and in a list, so that its values reach the
    levels below ``PLACED_DEPTH`` too."""
    inner = "".join(f"    {line}\n" for line in text.splitlines())
    return f"top:\n  -\n{inner}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(spec_shaped_yaml(), documents_with_empty_values()).flatmap(
        lambda text: st.sampled_from([text, _deeper(text), text + "\n9: nine\n"])
    ),
    st.data(),
)
def test_positions_the_load_placed_are_those_of_the_whole_map(text, data):
    # The loader keeps the positions of the first PLACED_DEPTH levels from its one pass
    # (yaml_fast.Placed, Source.place) instead of walking libyaml's events again for the warnings:
    # every answer (expected path or not, a missing child, a path below those levels) must be
    # the whole map's, and a key that is not text places nothing (the round-trip tree decides).
    placed = yaml_fast.Placed({}, set())
    try:
        doc = yaml_io.load(text, placed)
    except yaml_io.YamlProblem:
        return
    if isinstance(doc, dict) and 9 in doc:
        assert not placed.spans, text
    whole = Source("s.yaml", text)._round_trip_positions()
    paths = sorted(whole)
    shallow = {p: span for p, span in whole.items() if len(p) <= yaml_fast.PLACED_DEPTH}
    if placed.spans:
        assert {p: placed.spans[p] for p in placed.spans if p not in placed.empty} == {
            p: span for p, span in shallow.items() if p not in placed.empty
        }, text
    picked = data.draw(st.lists(st.sampled_from(paths), max_size=4)) if paths else []
    asked = data.draw(st.lists(st.sampled_from([*paths, ("zz",)]), max_size=4)) if paths else [("zz",)]
    source = Source("s.yaml", text)
    source.place(placed)
    source.expect(picked)
    for path in [*picked, *(p + ("zz",) for p in picked), *asked]:
        for at in ("key", "value"):
            assert source.position(path, at) == Source("s.yaml", text).position(path, at), (text, path, at)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(spec_shaped_yaml(), documents_with_empty_values()))
def test_the_one_pass_reader_builds_what_libyamls_composer_builds(text):
    # yaml_fast.load_events builds the data from libyaml's events instead of its node tree; where
    # it answers, the data (types included) must be load_fast's.
    built = yaml_fast.load_events(text, yaml_io.MAX_DEPTH)
    try:
        composed = yaml_fast.load_fast(text)
    except Exception:  # noqa: BLE001 - libyaml refuses it: the one-pass reader must decline it too
        assert built is None, text
    else:
        assert repr(built) == repr(composed), text


def test_an_empty_value_is_placed_where_the_round_trip_tree_places_it():
    # libyaml places ``b:`` (nothing after it) right after its colon; ruamel at the next token.
    source = Source("s.yaml", "a:\n  b:\n  c: 1\n")
    assert source.position(("a", "c")) == (3, 6)  # from the events
    assert source._unsure == {("a", "b")}
    assert source.position(("a", "b")) == (3, 3)  # the round-trip tree's


def test_a_plain_url_in_a_flow_mapping_is_accepted_although_libyaml_refuses_it():
    # libyaml rejects this; ruamel's own parser accepts it; the spec must not depend on which is installed.
    assert yaml_io.load("{a: http://x.com/y}") == {"a": "http://x.com/y"}


NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
METRIC_TYPES = st.sampled_from(["counter", "gauge", "histogram"])


@st.composite
def specs(draw):
    metrics = draw(st.dictionaries(NAMES, METRIC_TYPES, min_size=1, max_size=6))
    lines = ["apiVersion: sigil-monitoring/v1", "service:", "  name: svc-a", "  selector: {job: svc}", "metrics:"]
    for key, kind in metrics.items():
        name = f"m_{key}_total" if kind == "counter" else f"m_{key}"
        lines.append(f"  {key}: {{name: {name}, type: {kind}}}")
    counters = [k for k, t in metrics.items() if t == "counter"]
    histograms = [k for k, t in metrics.items() if t == "histogram"]
    gauges = [k for k, t in metrics.items() if t == "gauge"]
    alerts = []
    if counters:
        per = draw(st.sampled_from(["s", "min", "h"]))
        alerts.append(f"  RateHigh: {{when: {{rate: {counters[0]}, above: {draw(st.integers(1, 100))}/{per}}}}}")
    if histograms:
        q = draw(st.sampled_from(["0.5", "0.9", "0.99"]))
        alerts.append(
            f"  QuantileHigh: {{when: {{quantile: {q}, of: {histograms[0]}, above: "
            f"{draw(st.integers(1, 60))}}}, for: {draw(st.integers(1, 59))}m}}"
        )
    if gauges:
        alerts.append(
            f"  GaugeLow: {{when: {{value: {gauges[0]}, below: {draw(st.integers(0, 10))}}}, severity: "
            f"{draw(st.sampled_from(['critical', 'warning', 'info']))}}}"
        )
    if alerts:
        lines += ["alerts:", *alerts]
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None)
@given(specs())
def test_generated_valid_specs_load(text):
    spec = parse_spec(text, "gen.yaml")
    assert spec.service.name == "svc-a"


@settings(max_examples=60, deadline=None)
@given(specs(), st.sampled_from([2, 3]))
def test_an_injected_unknown_key_is_reported_at_its_own_line(text, index):
    lines = text.splitlines()
    lines.insert(index + 1, "  zzz_unknown: 1")  # inside the service: block
    try:
        parse_spec("\n".join(lines) + "\n", "gen.yaml")
    except SpecError as exc:
        errors = [d for d in exc.diagnostics if "zzz_unknown" in d.message]
        assert [(d.line, d.col) for d in errors] == [(index + 2, 3)]
    else:
        raise AssertionError("unknown key accepted")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_give_a_spec_or_positioned_errors_never_a_crash(data):
    try:
        parse_spec(data, "any.yaml")
    except SpecError as exc:
        text = data.decode("utf-8", errors="replace")
        for diag in exc.diagnostics:
            assert 1 <= diag.line <= text.count("\n") + 2
            assert diag.message.endswith(")")


@given(
    st.lists(
        st.sampled_from(["1", "yes", "0x1f", "1.5", "null", "~", "x", "2001-12-14", "0o7", ".inf", "''", "1_000"]),
        min_size=1,
        max_size=12,
    )
)
def test_a_repeated_scalar_reads_the_same_every_time(words):
    # The fast path remembers each plain scalar's tag within one load (yaml_io._memo_resolver):
    # the second "yes" or "0x1f" must read as the first did, and as ruamel reads it unaided.
    text = "".join(f"k{i}: {w}\n" for i, w in enumerate(words + words))
    assert _loaded(text) == _round_trip(text)
    assert yaml_fast.load_fast(text) == YAML(typ="safe").load(text)


def _safe(load, text):
    try:
        return ("ok", load(text))
    except YAMLError as exc:
        return ("error", type(exc).__name__)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # duplicate key: ruamel's constructor reports it
        "1: a\n0x1: b\n",  # duplicate once read as numbers
        "<<: {a: 1}\nb: 2\n",  # merge key
        "? [a, b]\n: 1\n",  # a key that is not a scalar
        "1: a\n2.5: b\ntrue: c\n~: d\n2001-12-14: e\n",  # keys of other types
        "a: [1, 2.5, true, null, 2001-12-14, '1', x]\nb: {c: [d, {e: f}]}\n",
        "",
        "x\n",
        "- a\n- {b: c}\n",
        "--- a\n--- b\n",
    ],
)
def test_the_direct_constructor_reads_what_ruamels_safe_constructor_reads(text):
    # yaml_io builds plain nodes itself and hands every other document to ruamel's constructor.
    assert _safe(yaml_fast.load_fast, text) == _safe(YAML(typ="safe").load, text)
