"""Rule files written straight from their records (``RuleFile.yaml_lines`` in ``prometheus/rules.py``) are byte for byte
what the general emitter writes from their documents (``to_yaml(file.document())``): on every
rule file compiled from the project's specs and the 50-SLO benchmark spec, and on records of
arbitrary text (quotes, line breaks in an expression, YAML 1.1 words, empty groups and labels).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_testgen_text import DURATIONS, HEADER, LABELS, SPECS, TEXT, compiled_records

from sigil_monitoring.compilers.prometheus.rules import AlertingRule, RecordingRule, RuleFile, RuleGroup
from sigil_monitoring.output.render import record_to_yaml, to_yaml


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_compiled_rule_file_is_what_its_document_renders_to(path: Path) -> None:
    files = [r for r in compiled_records(path) if isinstance(r, RuleFile)]
    for file in files:
        assert record_to_yaml(file, header=HEADER) == to_yaml(file.document(), header=HEADER), file.path


RECORDING = st.builds(RecordingRule, TEXT, TEXT, LABELS)
# alert, expr, for_, labels, summary, description, runbook_url, dashboard_url, dashboard_uid,
# panel_id, keep_firing_for, extra_annotations
ALERT_FIELDS = (
    TEXT,
    TEXT,
    DURATIONS,
    LABELS,
    *[TEXT] * 5,
    st.none() | st.integers(0, 99),
    st.none() | DURATIONS,
    LABELS,
)
ALERTING = st.builds(AlertingRule, *ALERT_FIELDS)
GROUPS = st.builds(RuleGroup, TEXT, st.lists(RECORDING | ALERTING, max_size=3).map(tuple))


@settings(max_examples=300, deadline=None)
@given(st.builds(RuleFile, st.just("s/prometheus/x.rules.yml"), st.lists(GROUPS, max_size=3).map(tuple)))
def test_any_rule_file_record_is_written_as_its_document(file: RuleFile) -> None:
    assert record_to_yaml(file, header=HEADER) == to_yaml(file.document(), header=HEADER)
