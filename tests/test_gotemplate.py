"""The template checker agrees with promtool: every template here is put through both.

One rule file holds one alert per template, so a single ``promtool check rules`` run says which
ones Prometheus refuses (it reports every broken rule by number).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples
from servers import require_binary

from sigil_monitoring.gotemplate import PROMETHEUS_FUNCTIONS, problem

TEMPLATES = [
    "{{ $value",
    "{{ $value }}",
    "{{ if $labels.x }}a{{ else }}b{{ end }}",
    "{{ end }}",
    "{{ else }}",
    "{{ $nope }}",
    "{{ nosuch }}",
    '{{ "x }}',
    "{{ `a` }}",
    "{{/* c */}}",
    "{{/* c ",
    "{{ ( $value }}",
    "{{ $value ) }}",
    "{{ $x := 1 }}{{ $x }}",
    "{{ range $i, $v := $labels }}{{ $i }}{{ end }}",
    '{{ with query "up" }}{{ . | first | value }}{{ end }}',
    "{{ . }}",
    "{{ .Value }}",
    "{{ }}",
    "{{- $value -}}",
    "{{ if }}{{ end }}",
    "a }} b",
    "{{ 'x' }}",
    '{{ printf "%.2f" $value }}',
    "{{ $labels.x | toUpper }}",
    "{{ else if $value }}",
    "{{ if $value }}{{ else if $value }}{{ end }}",
    "{{ $externalURL }}",
    "{{ $value.x }}",
    "{{ 1.5e3 }}",
    "{{ nil }}",
    "{{ true }}",
    "{{ break }}",
    "{{ range $labels }}{{ break }}{{ end }}",
    '{{ "{{" }} literal',
    "{{ if $labels.a }}",
    "{{ with $labels }}{{ .a }}{{ end }}{{ end }}",
    # found by the property below: words glued together
    "{{ $value$value }}",
    "{{ $x := 1$value }}",
    "{{ humanize($value) }}",
    '{{ "a""b" }}',
    "{{ 1x }}",
    "{{ $x=1 }}",
    "{{ $value|humanize }}",
    "{{ ($value)|humanize }}",
    "{{ := }}",
    "{{ $x := 1 }}{{ $x = 2 }}{{ $x }}",
    "{{ if $x := $value }}{{ $x }}{{ end }}",
    "{{ ($x := 1) }}",
    "{{ $a, $b := 1 }}",
    "{{ 1 | $x := 2 }}",
    "{{ , }}",
    '{{ "s".Value }}',
    "{{ nil.x }}",
    "{{ $value:= }}",
    "{{ | $value }}",
    "{{ humanize if }}",
    "{{ first. }}",
    "{{ $labels. }}",
    "{{ (1). }}",
    "{{ $value | end }}",
    "{{ if $value }}{{ else with $labels }}{{ end }}",
    "{{ if $value }}{{ else if if }}{{ end }}",
    "{{ if | $value }}{{ end }}",
    "{{ ( | 1) }}",
    "{{ $value | 1 }}",
    '{{ $value | "s" }}',
    "{{ $value | . }}",
    "{{ $value | $value }}",
    "{{ $value | printf }}",
    "{{ ($x := ) }}",
    "{{ $x := | humanize }}",
    "{{ (.).Value }}",
    "{{ $labels.x.y }}",
    "{{ $value, $value }}",
    '{{ printf "%s" 1, 2 }}',
    "{{ range $i, $v := $labels }}{{ $v }}{{ end }}",
    "{{ with $i, $v := $labels }}{{ end }}",
    *(f"{{{{ {f} }}}}" for f in sorted(PROMETHEUS_FUNCTIONS)),
]
# Parse without error in promtool but fail when the alert fires (no such template; an empty
# pipeline stage); the checker refuses them too.
STRICTER = {'{{ template "x" }}', '{{ define "x" }}{{ end }}', "{{ $value | }}"}


def promtool_refuses(templates: list[str], folder: Path) -> set[int]:
    """The indexes of the templates ``promtool check rules`` refuses, in one run."""
    rules = [{"alert": f"A{i}", "expr": "up", "annotations": {"d": t}} for i, t in enumerate(templates)]
    path = folder / "r.yml"
    path.write_text(json.dumps({"groups": [{"name": "g", "rules": rules}]}))
    result = subprocess.run(
        [require_binary("promtool"), "check", "rules", str(path)], capture_output=True, text=True, timeout=60
    )
    return {int(n) - 1 for n in re.findall(r"rule (\d+),", result.stdout + result.stderr)}


def test_the_checker_refuses_exactly_what_promtool_refuses(tmp_path):
    refused = promtool_refuses(TEMPLATES, tmp_path)
    assert refused, "promtool refused nothing: the comparison would prove nothing"
    ours = {i for i, t in enumerate(TEMPLATES) if problem(t) is not None}
    assert {TEMPLATES[i] for i in ours ^ refused} == set()


def test_templates_that_fail_only_at_alert_time_are_refused_too():
    assert all(problem(t) is not None for t in STRICTER)


# Pieces of templates, so that random sequences are often close to valid (issue 20: a template
# the checker passes and promtool refuses would be a rule file Prometheus drops).
PIECES = st.sampled_from(
    [
        "{{ ", " }}", "{{- ", " -}}", "$value", "$labels.x", "$labels", ".Value", ".", "$x", "$x := 1", ":=",
        "if ", "else ", "end", "range ", "with ", "break", "| ", "(", ")", ", ", '"s"', "`r`", "'a'", "1.5",
        "humanize ", "printf ", "query ", "first", "nope", "/*", "*/", "and ", "not ", "eq ", "nil", "true", "text ",
    ]
)  # fmt: skip


@settings(max_examples=examples(0.05))
@given(st.lists(st.lists(PIECES, max_size=12).map("".join), min_size=20, max_size=40))
def test_every_template_promtool_refuses_is_refused_by_the_checker(templates):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        refused = promtool_refuses(templates, Path(tmp))
    missed = [templates[i] for i in refused if problem(templates[i]) is None]
    assert missed == []
