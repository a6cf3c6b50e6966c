"""The template checker agrees with promtool: every template here is put through both.

One rule file holds one alert per template, so a single ``promtool check rules`` run says which
ones Prometheus refuses (it reports every broken rule by number).
"""

from __future__ import annotations

import json
import re
import subprocess

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
    *(f"{{{{ {f} }}}}" for f in sorted(PROMETHEUS_FUNCTIONS)),
]
# Parse without error in promtool but fail when the alert fires (no such template; an empty
# pipeline stage); the checker refuses them too.
STRICTER = {'{{ template "x" }}', '{{ define "x" }}{{ end }}', "{{ $value | }}"}


def test_the_checker_refuses_exactly_what_promtool_refuses(tmp_path):
    rules = [{"alert": f"A{i}", "expr": "up", "annotations": {"d": t}} for i, t in enumerate(TEMPLATES)]
    path = tmp_path / "r.yml"
    path.write_text(json.dumps({"groups": [{"name": "g", "rules": rules}]}))
    result = subprocess.run(
        [require_binary("promtool"), "check", "rules", str(path)], capture_output=True, text=True, timeout=60
    )
    refused = {int(n) - 1 for n in re.findall(r"rule (\d+),", result.stdout + result.stderr)}
    assert refused, "promtool refused nothing: the comparison would prove nothing"
    ours = {i for i, t in enumerate(TEMPLATES) if problem(t) is not None}
    assert {TEMPLATES[i] for i in ours ^ refused} == set()


def test_templates_that_fail_only_at_alert_time_are_refused_too():
    assert all(problem(t) is not None for t in STRICTER)
