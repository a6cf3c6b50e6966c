"""Every PromQL expression the compiler writes parses: the self-check moved from compile to here.

The compiler parses only the spec's own PromQL (when the spec is checked); text it builds from
checked parts (``promql.rate``, ``selector``, the rule and query builders) is not parsed again on
every compile, which at 10,000 SLOs was 265,000 parses. A builder bug that writes broken PromQL is
caught here instead: every ``expr`` of every file compiled from the repository's specs and engine
cases (rule files of every engine, promtool tests, Kubernetes resources, both dashboard formats) is
parsed with ``promql_parser``, Grafana variables substituted as the compiler's own check does. The
last test breaks a builder on purpose and shows this finds it. ``promtool check rules`` runs on
the same kind of output in ``test_exporter_examples``, ``test_prometheus_properties`` and others.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ALL_SPECS, REPO

from sigil_monitoring import compile_spec, load_spec, promql
from sigil_monitoring.output.bundle import Bundle

CASES = ALL_SPECS + sorted((Path(__file__).parent / "engine_cases").glob("*.yaml"))


def _exprs(node: object) -> Iterator[str]:
    """Every string under a key ``expr`` (rules, promtool tests, dashboard targets, v2 queries)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "expr" and isinstance(value, str):
                yield value
            else:
                yield from _exprs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _exprs(item)


def _documents(path: str, data: bytes) -> Iterator[object]:
    if path.endswith(".json"):
        yield json.loads(data)
    elif path.endswith((".yml", ".yaml")):
        from ruamel.yaml import YAML

        yield from YAML(typ="safe").load_all(data)


def unparsable(bundle: Bundle) -> list[str]:
    """``path: problem`` for every expression of the bundle that does not parse."""
    problems = []
    for path, data in bundle.items():
        for document in _documents(path, data):
            for expr in _exprs(document):
                problem = promql.parses(promql.substitute_grafana_variables(expr))
                if problem is not None:
                    problems.append(f"{path}: {problem}: {expr}")
    return problems


def _expr_count(bundle: Bundle) -> int:
    return sum(1 for path, data in bundle.items() for doc in _documents(path, data) for _ in _exprs(doc))


@pytest.mark.parametrize("spec_path", CASES, ids=lambda p: p.stem)
def test_every_expression_the_compiler_writes_parses(spec_path, monkeypatch):
    monkeypatch.chdir(REPO)
    bundle = compile_spec(load_spec(spec_path.relative_to(REPO)))
    assert _expr_count(bundle) > 0
    assert unparsable(bundle) == []


def test_a_builder_that_writes_broken_promql_is_caught(monkeypatch):
    """The check above is not vacuous: an unbalanced ``sum by (`` from the shared builder shows up
    in the rule files and in both dashboards."""
    monkeypatch.chdir(REPO)
    monkeypatch.setattr(promql, "by_clause", lambda by: f"sum by ({', '.join(by)} " if by else "sum ")
    problems = unparsable(compile_spec(load_spec("specs/sigil-dna.yaml")))
    broken = {p.split(":")[0] for p in problems}
    assert any(p.endswith(".rules.yml") for p in broken), problems
    assert any(p.endswith(".json") for p in broken), problems
