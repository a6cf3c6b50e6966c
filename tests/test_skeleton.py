"""An SLO's (or a threshold alert's) Prometheus files filled in from its shape's skeleton are byte
for byte the files its full path writes (``compilers/prometheus/skeleton.py``).

Every file is compared: the Prometheus target's output with skeletons and with ``ENABLED`` off,
on the project's specs, on the benchmark's spec and on specs of drawn names (YAML words, numbers
as text, names found in the generated text, names that are parts of others). Each comparison also
counts the files filled in, so a skeleton that is never used cannot pass for a proven one.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sigil_monitoring import parse_spec
from sigil_monitoring.compilers import compiler, prometheus
from sigil_monitoring.compilers.prometheus import skeleton
from sigil_monitoring.ir.build import build_model

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import slo_spec  # noqa: E402

SPECS = sorted((ROOT / "specs").glob("*.yaml")) + sorted((ROOT / "specs" / "examples").glob("*.yaml"))


@pytest.fixture
def fills(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many records took a skeleton in the compiles of the test (one entry per fill)."""
    count: list[int] = []
    fill = skeleton._Skeleton.fill

    def counted(self: skeleton._Skeleton, names: tuple[str, ...]) -> tuple[skeleton.Files, skeleton.RuleKeys]:
        count.append(1)
        return fill(self, names)

    monkeypatch.setattr(skeleton._Skeleton, "fill", counted)
    yield count


def both_ways(text: str, name: str = "spec.yaml") -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The Prometheus target's files of ``text`` with skeletons (from the first record on, however
    few a service has), and with every record built in full."""
    model = build_model([parse_spec(text, name)])
    least, prometheus.SKELETON_FROM = prometheus.SKELETON_FROM, 0
    try:
        with_skeletons = {a.path: a.render() for a in compiler("prometheus")(model)}
        skeleton.ENABLED = False
        in_full = {a.path: a.render() for a in compiler("prometheus")(model)}
    finally:
        skeleton.ENABLED = True
        prometheus.SKELETON_FROM = least
    return with_skeletons, in_full


def test_the_benchmark_spec_fills_in_most_files_and_writes_the_same_bytes(fills: list[int]) -> None:
    filled, full = both_ways(slo_spec(300), "bench.yaml")
    assert filled == full
    # 300 SLOs and 150 latency alerts in shapes of one- and two-digit names and panels of one to
    # three digits: each shape builds two of its records in full, the rest are filled in.
    assert len(fills) > 400


def test_a_service_of_few_records_takes_no_skeleton(fills: list[int]) -> None:
    # sigil-dna: 7 SLOs and 14 alerts, below SKELETON_FROM: finding shapes would cost more than it saves.
    model = build_model([parse_spec((ROOT / "specs" / "sigil-dna.yaml").read_text(encoding="utf-8"), "sigil-dna.yaml")])
    assert len(model.services[0].slos) < prometheus.SKELETON_FROM > len(model.services[0].alerts)
    list(compiler("prometheus")(model))
    assert not fills
    # and a spec of many SLOs does take them: the benchmark's 40 SLOs and 20 alerts
    list(compiler("prometheus")(build_model([parse_spec(slo_spec(40), "bench.yaml")])))
    assert fills


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_project_spec_writes_the_same_bytes_with_skeletons(path: Path) -> None:
    filled, full = both_ways(path.read_text(encoding="utf-8"), str(path))
    assert filled == full


# Names an SLO or its metrics may take, all of one pattern in a spec (or no two records would share
# a shape): each list holds a word and names made like it. The words are YAML's (never filled in,
# and "yes" shares its pattern with "bat"), words of the generated text ("burning", "total": the
# skeleton's first record hollows them out of fixed text, and its second must refuse it), the
# values a test feeds to satisfy a selector ("test", "other"), labels of every rule ("service",
# "slo") and "finity" ("in" + "finity" is a YAML number), in any place of the list.
_WORDS = ["yes", "no", "on", "null", "true", "inf", "nan", "burning", "budget", "total", "error"]
_WORDS += ["test", "other", "service", "slo", "page", "code", "queue", "value", "finity", "ab", "abc"]
_LETTERS = "abcdfghijklmnopqrstuvwxyz"  # no "e": the word's pattern says where it stands


@st.composite
def _names(draw: st.DrawFn, count: int) -> list[str]:
    word = draw(st.sampled_from(_WORDS))
    shape = skeleton.pattern(word)
    made = draw(
        st.lists(st.text(_LETTERS, min_size=len(word), max_size=len(word)), min_size=count - 1, max_size=count - 1)
    )
    names = [word] + ["".join("e" if c == "e" else m for c, m in zip(shape, name, strict=True)) for name in made]
    unique = list(dict.fromkeys(names))
    return list(draw(st.permutations(unique)))


_SPECS = st.integers(3, 6).flatmap(lambda n: st.tuples(_names(n), _names(n)))


def _pairs(drawn: tuple[list[str], list[str]]) -> list[tuple[str, str]]:
    slos, stems = drawn
    return list(zip(slos, stems, strict=False))


def _spec(slos: list[tuple[str, str]]) -> str:
    """One service with an availability SLO and a latency alert per (SLO name, metric stem).

    A metric's key does not begin its name ("req_x" for "x_requests_total"): a key "x_req" would
    lie joined inside "x_requests_total", and no record would take a skeleton (``skeleton._joined``). Ten
    SLOs of another objective come first, so that the drawn SLOs' panels have two digits: a panel
    4 joined in "4m" would refuse every shape."""
    lines = ["apiVersion: sigil-monitoring/v1", "service: {name: shop, selector: {job: shop}}", "metrics:"]
    lines += ["  padding: {name: padding_total, type: counter, labels: [code]}"]
    for _, stem in slos:
        lines += [
            f"  req_{stem}: {{name: {stem}_requests_total, type: counter}}",
            f"  err_{stem}: {{name: {stem}_errors_total, type: counter}}",
            f"  lat_{stem}: {{name: {stem}_seconds, type: histogram, unit: seconds, buckets: [0.1, 1, 5]}}",
        ]
    lines.append("slos:")
    padding = '{objective: 99%, sli: {bad: {metric: padding, where: {code: "500"}}, total: padding}}'
    lines += [f"  padding-{i}: {padding}" for i in range(10)]
    # Quoted: an SLO may be named "null" or "yes" (its label value is then quoted in the rules).
    lines += [f'  "{name}": {{objective: 99.9%, sli: {{bad: err_{stem}, total: req_{stem}}}}}' for name, stem in slos]
    lines.append("alerts:")
    lines += [
        f"  Slow{stem.title().replace('_', '')}: {{when: {{quantile: 0.99, of: lat_{stem}, above: 1s}}}}"
        for _, stem in slos
    ]
    return "\n".join(lines) + "\n"


def test_drawn_names_write_the_same_bytes_with_skeletons(fills: list[int]) -> None:
    @settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(_SPECS)
    def compile_both_ways(drawn: tuple[list[str], list[str]]) -> None:
        filled, full = both_ways(_spec([(name, f"m{stem}") for name, stem in _pairs(drawn)]))
        assert filled == full

    compile_both_ways()
    assert fills, "no drawn spec took a skeleton: the comparison proved nothing"


# Where a spec may write an SLO's or a metric's name besides naming it: each placement is given
# to every SLO of a drawn spec (so their shapes match), with names drawn as above. Only a summary
# of words keeps its records on skeletons (``skeleton._NAMING``); the rest take the full path.
_PLACEMENTS = {
    "annotation template": "alerting: {{annotations: {{who: '{{{{ $labels.{stem} }}}}'}}}}",
    "slo label template": "alerting: {{annotations: {{who: 'in{{{{ $labels.slo }}}}'}}}}",
    "label value": "alerting: {{labels: {{x: in{stem}}}}}",
    "annotation key": 'alerting: {{annotations: {{"{stem}": v}}}}',
    "summary": "summary: {stem} burns",
    "word summary": "summary: in{stem}",
    "tier summary": "alerting: {{page: {{summary: {stem} pages}}}}",
    "description": "description: {stem} requests",
    "tier description": "alerting: {{page: {{description: '{stem} {{{{ $value }}}}'}}}}",
    "runbook": "runbook: see {stem}",
    "where": "where",
}


def test_names_written_in_the_specs_own_text_write_the_same_bytes(fills: list[int]) -> None:
    @settings(max_examples=80, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(_SPECS, st.sampled_from(sorted(_PLACEMENTS)))
    def compile_both_ways(drawn: tuple[list[str], list[str]], placement: str) -> None:
        lines = ["apiVersion: sigil-monitoring/v1", "service: {name: shop, selector: {job: shop}}", "metrics:"]
        lines += ["  padding: {name: padding_total, type: counter, labels: [code]}"]  # as in _spec
        pairs = _pairs(drawn)
        for _, stem in pairs:  # the metric's key is the drawn name itself: "service", "test", "finity"
            lines += [f'  "{stem}": {{name: {stem}_total, type: counter, labels: [code, queue]}}']
        lines.append("slos:")
        padding = '{objective: 99%, sli: {bad: {metric: padding, where: {code: "500"}}, total: padding}}'
        lines += [f"  padding-{i}: {padding}" for i in range(10)]
        for name, stem in pairs:
            where = f'{{queue: {{not_regex: "{stem}"}}}}' if placement == "where" else '{code: "500"}'
            extra = "" if placement == "where" else ", " + _PLACEMENTS[placement].format(stem=stem)
            slo = f'{{objective: 99.9%, sli: {{bad: {{metric: "{stem}", where: {where}}}, total: "{stem}"}}{extra}}}'
            lines.append(f'  "{name}": {slo}')
        filled, full = both_ways("\n".join(lines) + "\n")
        assert filled == full

    compile_both_ways()
    assert fills, "no drawn spec took a skeleton: the comparison proved nothing"


def test_a_name_found_in_the_generated_text_is_refused_and_the_bytes_stay_the_same(fills: list[int]) -> None:
    # "burning" is in every burn alert's summary: the first SLO's skeleton hollows it out there too,
    # so the second SLO's files differ from the skeleton filled in, and that SLO's skeleton becomes
    # the candidate; the third proves it, and the last two are filled in. (Names of one pattern:
    # seven letters, no "e".)
    slos = [("burning", "a"), ("looking", "b"), ("running", "c"), ("jumping", "d"), ("singing", "f")]
    filled, full = both_ways(_spec([(name, f"m{stem}x") for name, stem in slos]))
    assert filled == full
    assert len(fills) >= 2


# Three reviews' counterexamples to earlier versions, which proved a shape by one comparison of
# two records: a name inside an annotation template ($labels.service found a fixed label for one
# SLO), in a `where` matcher (the value a test feeds to satisfy it), inside a label value ("in" +
# "finity" is a YAML number), as an annotation key (sorted among the fixed ones); a metric key
# joined to fixed text ("abc_b" in "abc_bucket", "abc_c" in "abc_count"), a counter that is a
# histogram's "_count" for two records and not the third, and `in{{ $labels.slo }}` (the SLO's
# name reaching a test's text through its label); and from a third, "#hkc" at the end of a
# matcher's value (taken for a runbook anchor) and a promql test's .inf and .nan (one null in
# JSON). Each wrote files the full path does not (promtool failed four); now such a record keeps
# the full path or its own shape (``skeleton._only_naming``, ``skeleton._joined``, the histogram's series
# as names, ``_lost_in_json``).
COUNTEREXAMPLES = sorted((ROOT / "tests" / "data" / "skeleton").glob("*.yaml"))


@pytest.mark.parametrize("path", COUNTEREXAMPLES, ids=lambda p: p.stem)
def test_the_reviews_counterexamples_write_the_same_bytes(path: Path) -> None:
    filled, full = both_ways(path.read_text(encoding="utf-8"), str(path))
    assert filled == full


def test_names_that_would_quote_otherwise_take_the_full_path() -> None:
    from sigil_monitoring.compilers.prometheus.skeleton import pattern

    assert pattern("op7-availability") == "aa0-aaaaaaaaaaaa"
    assert pattern("e5") != pattern("a5")  # "1e5" is a number, "1a5" is not
    model = build_model([parse_spec(_spec([("s-yes", "myes"), ("s-no", "mno")]), "spec.yaml")])
    [service] = model.services
    # The SLOs' own names are plain, but their metrics' keys ("myes_err") are too: only a name
    # YAML would quote (a bare "yes") keeps its record on the full path.
    assert skeleton.slo_names(service.slos[0]) is not None
    assert skeleton.slo_names(skeleton_slo_named(service.slos[0], "yes")) is None
    assert skeleton.slo_names(skeleton_slo_named(service.slos[0], "a.b")) is None


def skeleton_slo_named(slo: object, name: str) -> object:
    import msgspec

    return msgspec.structs.replace(slo, name=name)  # type: ignore[type-var]


def test_the_shape_says_what_json_does_not() -> None:
    """The model's unions are untagged in JSON (a rate and a value condition write the same keys):
    the kind of a record's SLI or condition joins its shape (a fourth review's note)."""
    [service] = build_model([parse_spec(slo_spec(4), "bench.yaml")]).services
    availability, latency = service.slos[0], service.slos[1]
    assert skeleton._lost_in_json(availability) == ("RatioSli", None)
    assert skeleton._lost_in_json(latency) == ("LatencySli", None)
    assert skeleton._lost_in_json(service.alerts[0]) == ("QuantileCondition", None)
