"""The YAML of a promtool test file written straight from its records (``model.TestFile``).

At 10,000 SLOs the compiler writes 25,000 test files, about 1.8 million lines: building each
file's dicts and lists (``TestFile.document``) and walking them in the general emitter
(``output/render``) was a fifth of the compile. Here every key is known, so each line is one
f-string; every value and label still goes through the emitter's own ``scalar`` and ``key``,
so quoting and literal blocks are the emitter's. The bytes are those of
``to_yaml(file.document())``: ``tests/test_testgen_text.py`` compares the two on generated
test files and on records of arbitrary text.

>>> from .model import TestGroup, InputSeries
>>> lines: list[str] = []
>>> write(TestFile("a/tests/X.test.yml", ("a/x.rules.yml",), (TestGroup((InputSeries("up", "1+0x3"),)),)), lines)
>>> print("\\n".join(lines))
rule_files:
  - ../x.rules.yml
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: up
        values: "1+0x3"
"""

from __future__ import annotations

from ....output.render import list_head, mapping_lines, scalar
from .model import EVALUATION_INTERVAL, AlertCase, ExprCase, TestFile, TestGroup


def write(file: TestFile, out: list[str]) -> None:
    """Append the lines of ``file`` (as ``to_yaml`` writes ``file.document()``) to ``out``."""
    rule_files = file.relative_rule_files()
    if list_head("rule_files", bool(rule_files), out):
        out.extend(f"  - {scalar(p, 4)}" for p in rule_files)
    out.append(f"evaluation_interval: {scalar(str(EVALUATION_INTERVAL), 2)}")
    if list_head("tests", bool(file.groups), out):
        for group in file.groups:
            _group(group, out)


# Each function below writes one list item of the document: the item's mapping sits at indent
# ``n`` (its first key after ``- `` at n - 2), its values are written as at n + 2, and a list
# under one of its keys has its items' mappings at n + 4.


def _group(group: TestGroup, out: list[str]) -> None:  # n = 4
    out.append(f"  - interval: {scalar(str(group.interval), 6)}")
    if list_head("    input_series", bool(group.input_series), out):
        for s in group.input_series:
            out.append(f"      - series: {scalar(s.series, 10)}")
            out.append(f"        values: {scalar(s.values, 10)}")
    if group.alert_cases:
        out.append("    alert_rule_test:")
        for case in group.alert_cases:
            _alert_case(case, out)
    if group.expr_cases:
        out.append("    promql_expr_test:")
        for expr in group.expr_cases:
            _expr_case(expr, out)


def _alert_case(case: AlertCase, out: list[str]) -> None:  # n = 8
    _case_head("eval_time", str(case.eval_time), "alertname", case.alertname, "exp_alerts", bool(case.expected), out)
    for alert in case.expected:  # n = 12
        mapping_lines("          - exp_labels", alert.labels, 12, out)
        mapping_lines("            exp_annotations", alert.annotations, 12, out)


def _expr_case(case: ExprCase, out: list[str]) -> None:  # n = 8
    _case_head("expr", case.expr, "eval_time", str(case.eval_time), "exp_samples", bool(case.expected), out)
    for sample in case.expected:  # n = 12
        out.append(f"          - labels: {scalar(sample.labels, 14)}")
        out.append(f"            value: {scalar(sample.value, 14)}")


def _case_head(first: str, value: str, second: str, other: str, items: str, any_items: bool, out: list[str]) -> None:
    """The two scalar keys of a case (n = 8) and the key of its list of expectations, ``[]`` when empty."""
    out.append(f"      - {first}: {scalar(value, 10)}")
    out.append(f"        {second}: {scalar(other, 10)}")
    list_head(f"        {items}", any_items, out)
