"""Properties over whole specs: random valid specs compile with user text escaped everywhere, and
random mutations of a valid spec give a spec or positioned errors, never a crash.

The number of examples follows the hypothesis profile (tests/hypothesis_profiles.py): thousands
under CI for the escaping properties, a share of that for the ones that compile whole specs.
"""

from __future__ import annotations

import copy
import json
import zoneinfo
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples
from markdown_it import MarkdownIt

from sigil_monitoring import SpecError, parse_spec
from sigil_monitoring.compilers.prometheus.testgen.templates import expand
from sigil_monitoring.escape import go_string, markdown_block, markdown_inline, template_literal, template_text
from sigil_monitoring.gotemplate import problem
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.output.pipeline import compile_spec
from sigil_monitoring.spec.yaml_io import load as load_yaml

BASE = Path(__file__).parent / "hostile" / "template-in-summary.yaml"

# Any text but lone surrogates (refused by the loader, tests/invalid/surrogate-*), with braces,
# quotes, backslashes and Markdown punctuation drawn often.
TEXT = st.text(
    st.one_of(st.characters(blacklist_categories=("Cs",)), st.sampled_from(list('{}{}"\\`#<>[]|*_-$.'))), max_size=40
)
LINE = TEXT.map(
    lambda t: t.replace("\n", " ").replace("\r", " ").replace("\x85", " ").replace("\u2028", " ").replace("\u2029", " ")
)
ZONES = sorted(zoneinfo.available_timezones())


@cache
def _base() -> dict[str, Any]:
    return load_yaml(BASE.read_text())  # type: ignore[no-any-return]


@st.composite
def valid_specs(draw: st.DrawFn) -> dict[str, Any]:
    doc = copy.deepcopy(_base())
    svc = doc["service"]
    svc["title"], svc["description"], svc["team"] = (
        draw(LINE.filter(str.strip)),
        draw(TEXT),
        draw(LINE.filter(str.strip)),
    )
    svc["labels"] = draw(
        st.dictionaries(
            st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True).filter(
                lambda k: k not in {"service", "team", "severity", "slo", "burn_tier", "alertname"}
            ),
            LINE,
            max_size=3,
        )
    )
    svc["scrape_interval"] = draw(st.sampled_from(["1s", "10s", "15s", "30s", "1m", "2m"]))
    latency = doc["metrics"]["latency"]
    # 1 is the threshold, and a bucket above it keeps the alert able to fire (an error otherwise).
    latency["buckets"] = sorted(
        draw(st.sets(st.sampled_from([0, 0.005, 0.1, 0.5, 1, 2.5, 5, 10, 60]), min_size=1)) | {1, 2.5}
    )
    doc["metrics"]["breaker"]["states"] = {0: "closed", 1: draw(LINE.filter(lambda s: s.strip() and s != "closed"))}
    alerts = doc["alerts"]
    alerts["LatencyHigh"].update(
        summary=draw(TEXT.filter(str.strip)),
        runbook=draw(TEXT),
        labels=draw(st.dictionaries(st.sampled_from(["a", "b", "owner"]), LINE, max_size=2)),
        description=template_literal(draw(TEXT)) + " {{ $value | humanizeDuration }}",
        **{"for": draw(st.sampled_from(["1m", "5m", "1h", "1d"]))},
    )
    alerts["LatencyHigh"]["when"]["quantile"] = draw(st.sampled_from([0.0001, 0.5, 0.95, 0.99, 0.999999]))
    alerts["BreakerOpen"]["when"]["is"] = doc["metrics"]["breaker"]["states"][1]
    alerts["ErrorsHigh"]["when"]["above"] = draw(
        st.sampled_from(["0/min", "1/min", "1e-12", "1e21", "0.5/s", "10/h", "3"])
    )
    slo = doc["slos"]["availability"]
    slo["description"] = draw(TEXT)
    slo["window"] = draw(st.sampled_from(["1h", "1d", "7d", "28d", "30d", "90d", "1095d"]))
    slo["group_by"] = draw(st.sampled_from([[], ["code"]]))
    routing = doc["routing"]
    slack = routing["receivers"]["team"]["slack"]
    slack["channel"] = "#" + draw(
        st.text(st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=20)
    )
    slack["mention"] = draw(LINE.filter(str.strip))
    routing["group_by"] = draw(
        st.lists(st.sampled_from(["alertname", "service", "slo", "severity"]), unique=True, min_size=1)
    )
    routing["mute"] = {"night": {"times": ["00:00-06:00"], "location": draw(st.sampled_from(ZONES))}}
    routing["routes"][0]["mute_when"] = ["night"]
    return doc


def _plain_texts(doc: dict[str, Any]) -> dict[str, str]:
    """What Prometheus must print for each plain-text annotation and label of LatencyHigh."""
    service = build_model([parse_spec(json.dumps(doc), "gen.yaml")]).services[0]
    alert = next(a for a in service.alerts if a.name == "LatencyHigh")
    return {"summary": alert.summary, "runbook_url": alert.runbook_url, **{f"labels.{k}": v for k, v in alert.labels}}


@settings(max_examples=examples(0.03))
@given(valid_specs())
def test_random_valid_specs_compile_and_every_plain_text_is_a_literal_template(doc):
    bundle = compile_spec(parse_spec(json.dumps(doc), "gen.yaml"))
    rules = {}
    for path, data in bundle.items():
        if path.endswith((".yml", ".yaml")):
            parsed = yaml.safe_load(data.decode("utf-8"))
            if path.endswith("alerts.rules.yml"):
                rules = {r["alert"]: r for g in parsed["groups"] for r in g["rules"]}
        elif path.endswith(".json"):
            json.loads(data)
    rule = rules["LatencyHigh"]
    written = {
        "summary": rule["annotations"]["summary"],
        "runbook_url": rule["annotations"]["runbook_url"],
        **{f"labels.{k}": v for k, v in rule["labels"].items()},
    }
    for key, text in _plain_texts(doc).items():
        assert problem(written[key]) is None, (key, written[key])
        assert expand(written[key], 0.0, {}) == text, key
    assert problem(rule["annotations"]["description"]) is None


@settings(max_examples=examples(1.0))
@given(TEXT)
def test_template_text_parses_as_a_template_and_prints_the_text_back(text):
    assert problem(template_text(text)) is None
    assert expand(template_text(text), 0.0, {}) == text
    assert expand(template_text(text) + "{{ $value }}", 1.0, {}) == text + "1"


@settings(max_examples=examples(1.0))
@given(TEXT)
def test_go_string_literals_parse_and_hold_the_text(text):
    assert problem(template_literal(text)) is None
    assert expand(template_literal(text), 0.0, {}) == text
    assert "\\ud8" not in go_string(text).lower() or "\\ud8" in text.lower()


def _inline_tokens(markdown: str) -> list[Any]:
    return [child for token in MarkdownIt("commonmark").parse(markdown) for child in (token.children or [token])]


@settings(max_examples=examples(1.0))
@given(LINE)
def test_markdown_inline_text_renders_as_exactly_that_text_in_commonmark(text):
    tokens = _inline_tokens(markdown_inline(text))
    blocks = {t.type for t in tokens} - {"text", "paragraph_open", "paragraph_close", "inline"}
    assert not blocks, (markdown_inline(text), blocks)
    # CommonMark trims a paragraph's ends and shows NUL as U+FFFD; everything else stays.
    assert "".join(t.content for t in tokens if t.type == "text").strip() == text.replace("\0", "\ufffd").strip()


@settings(max_examples=examples(0.3))
@given(
    st.lists(
        st.one_of(
            TEXT, st.sampled_from(["## DatabaseDown", "# x", "<a id=x>", "Title", "===", "---", "```", "- item"])
        ),
        max_size=6,
    )
)
def test_markdown_block_text_never_makes_a_heading_or_html(lines):
    tokens = _inline_tokens(markdown_block("\n".join(lines)))
    assert not {t.type for t in tokens} & {"heading_open", "html_block", "html_inline"}


# ---------------------------------------------------------------- mutations never crash

PALETTE = st.one_of(
    TEXT,
    st.integers(-(10**40), 10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.sampled_from(
        [
            "{{ $value",
            # issue 20: raw PromQL and templates that once compiled to exit 70 or refused rules
            "up[5m]",
            "5m",
            '"abc"',
            "{{ if gt $value 1.0 }}x{{ end }}",
            '{{ with query "up" }}{{ . | first | value }}{{ end }}',
            "{{- $value -}}",
            "300y",
            "99999999999d",
            "0/min",
            "1e-400",
            ".inf",
            "-1",
            "__name__",
            "le",
            "Mars/Olympus",
            "https://u:p@x.example",
            "https://x.example/%zz",
            "https://hooks.slack.com/services/T/B/C",
            "\ud800",
            "0s",
            "1e30",
            "",
            " ",
            "#",
            "@",
            "a" * 300,
            "ab",
            "x-1",
            "AbFastBurn",
        ]
    ),
    st.lists(st.sampled_from(["alertname", "alertname", "code", 1, None]), max_size=3),
    st.dictionaries(
        st.sampled_from(["__name__", "le", "job", "x", "1"]), st.sampled_from(["x", 1, None, "{{"]), max_size=2
    ),
)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        out += [p for k, v in node.items() for p in _paths(v, (*path, k))]
    elif isinstance(node, list):
        out += [p for i, v in enumerate(node) for p in _paths(v, (*path, i))]
    return out


@st.composite
def mutated_specs(draw: st.DrawFn) -> str:
    doc = copy.deepcopy(_base())
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        path = draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["x", "AbFastBurn", "__name__", "le", "ab", "x1", "x-1"]))] = draw(PALETTE)
        else:
            parent[path[-1]] = draw(PALETTE)
    return json.dumps(doc, default=str)


@settings(max_examples=examples(0.1))
@given(mutated_specs())
def test_random_mutations_give_a_spec_that_compiles_or_positioned_errors_never_a_crash(text):
    try:
        spec = parse_spec(text, "mutant.yaml")
    except SpecError as exc:
        assert exc.diagnostics
        for d in exc.diagnostics:
            assert d.file == "mutant.yaml" and d.line >= 1 and d.col >= 1
            assert d.message.rstrip().endswith(")"), d.message
        return
    compile_spec(spec)
