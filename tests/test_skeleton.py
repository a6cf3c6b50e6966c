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
from sigil_monitoring.compilers import compiler
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
    """The Prometheus target's files of ``text`` with skeletons, and with every record built in full."""
    model = build_model([parse_spec(text, name)])
    with_skeletons = {a.path: a.render() for a in compiler("prometheus")(model)}
    skeleton.ENABLED = False
    try:
        in_full = {a.path: a.render() for a in compiler("prometheus")(model)}
    finally:
        skeleton.ENABLED = True
    return with_skeletons, in_full


def test_the_benchmark_spec_fills_in_most_files_and_writes_the_same_bytes(fills: list[int]) -> None:
    filled, full = both_ways(slo_spec(300), "bench.yaml")
    assert filled == full
    # 300 SLOs and 150 latency alerts in shapes of one- and two-digit names and panels of one to
    # three digits: each shape builds two of its records in full, the rest are filled in.
    assert len(fills) > 400


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_project_spec_writes_the_same_bytes_with_skeletons(path: Path) -> None:
    filled, full = both_ways(path.read_text(encoding="utf-8"), str(path))
    assert filled == full


# Names an SLO, its alerts or its metrics may take: YAML words and numbers as text (never filled
# in), words of the generated text ("burning", "budget", "total", "error": the skeleton's first
# SLO hollows them out of its summary, and its second must refuse it), short names inside
# longer ones, and names of which only the digits differ.
_WORDS = st.sampled_from(
    ["yes", "no", "on", "null", "true", "e5", "inf", "burning", "budget", "total", "error", "slo", "a", "ab", "x_1"]
)
_NAMES = st.one_of(_WORDS, st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True))


def _spec(slos: list[tuple[str, str]]) -> str:
    """One service with an availability SLO and a latency alert per (SLO name, metric stem)."""
    lines = ["apiVersion: sigil-monitoring/v1", "service: {name: shop, selector: {job: shop}}", "metrics:"]
    for _, stem in slos:
        lines += [
            f"  {stem}_req: {{name: {stem}_requests_total, type: counter}}",
            f"  {stem}_err: {{name: {stem}_errors_total, type: counter}}",
            f"  {stem}_lat: {{name: {stem}_seconds, type: histogram, unit: seconds, buckets: [0.1, 1, 5]}}",
        ]
    lines.append("slos:")
    lines += [f"  {name}: {{objective: 99.9%, sli: {{bad: {stem}_err, total: {stem}_req}}}}" for name, stem in slos]
    lines.append("alerts:")
    lines += [
        f"  Slow{i}{stem.title().replace('_', '')}: {{when: {{quantile: 0.99, of: {stem}_lat, above: 1s}}}}"
        for i, (_, stem) in enumerate(slos)
    ]
    return "\n".join(lines) + "\n"


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(_NAMES, _NAMES), min_size=3, max_size=7, unique_by=(lambda t: t[0].replace("_", "x"), lambda t: t[1])
    )
)
def test_drawn_names_write_the_same_bytes_with_skeletons(slos: list[tuple[str, str]]) -> None:
    text = _spec([(f"s-{name.replace('_', 'x')}", f"m{stem}") for name, stem in slos])
    filled, full = both_ways(text)
    assert filled == full


def test_a_name_found_in_the_generated_text_is_refused_and_the_bytes_stay_the_same(fills: list[int]) -> None:
    # "burning" is in every burn alert's summary: the first SLO's skeleton hollows it out there too,
    # so the second SLO's files differ from the skeleton filled in, and that SLO's skeleton becomes
    # the candidate; the third proves it, and the last two are filled in. (Names of one pattern:
    # seven letters, no "e".)
    slos = [("burning", "a"), ("looking", "b"), ("running", "c"), ("jumping", "d"), ("singing", "f")]
    filled, full = both_ways(_spec([(name, f"m{stem}x") for name, stem in slos]))
    assert filled == full
    assert len(fills) >= 2


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
