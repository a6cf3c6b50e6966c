"""An error in a spec drafted from another tool's file points at the line of that file that wrote
the value, in the loader's own words; a file the readers cannot read is an error at its place."""

from __future__ import annotations

from sigil_monitoring.readers import load

SLOTH = """\
version: prometheus/v1
service: checkout
slos:
  - name: availability
    objective: 101
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="checkout"}[{{.window}}])
"""


def _errors(text: str, name: str = "sloth.yml") -> list[str]:
    return [str(d) for d in load([(name, text.encode())])[2]]


def test_a_value_the_spec_refuses_is_reported_at_the_source_line_that_wrote_it():
    (objective,) = [e for e in _errors(SLOTH.replace("}[{{.window}}])\n", "}[{{.window}}]))\n")) if "objective" in e]
    assert objective.startswith("sloth.yml:5:16: error: slos.availability.objective:")


def test_a_query_that_is_not_promql_is_a_loss_at_the_query_and_drafts_no_spec():
    specs, orphans, errors = load([("sloth.yml", SLOTH.replace("objective: 101", "objective: 99").encode())])
    assert specs == [] and errors == []
    # The query, then its SLO (not converted), then the service (no spec drafted): each at its line.
    assert [f"{d.line}:{d.col}" for d in orphans] == ["2:1", "4:5", "9:9"]
    assert "total_query: not PromQL the compiler can check" in orphans[2].message


def test_an_unknown_kind_and_broken_yaml_are_errors_at_their_place():
    (unknown,) = _errors("version: prometheus/v1\nservice: a\n---\napiVersion: openslo/v1\nkind: Composite\n")
    assert unknown.startswith(
        "sloth.yml:4:1: error: the document: apiVersion 'openslo/v1' kind 'Composite' is not a format the readers "
        "know (one of: openslo/v1 AlertCondition, "
    )
    assert unknown.endswith("; or write our own apiVersion: sigil-monitoring/v1)")
    (broken,) = _errors("version: prometheus/v1\nservice: [a\n")
    assert broken.startswith("sloth.yml:3:1: error: YAML syntax:")


def test_an_alias_bomb_is_refused_like_in_our_own_specs():
    lines = ["version: prometheus/v1", "service: a", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 9)]
    (error,) = _errors("\n".join(lines) + "\n")
    assert error.startswith("sloth.yml:1:1: error: the document expands to more than 100000 values")
