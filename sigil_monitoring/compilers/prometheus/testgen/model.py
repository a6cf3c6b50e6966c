"""Typed promtool unit-test files
(https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/)."""

from __future__ import annotations

import functools
import posixpath
from decimal import Decimal
from typing import Any

import msgspec

from ....output.render import list_head, mapping_lines, scalar
from ....values.units import Duration
from ..rules import Labels
from .memo import Memo

EVALUATION_INTERVAL = Duration.parse("1m")


class InputSeries(msgspec.Struct, frozen=True):
    series: str  # PromQL series notation: name{label="value"}
    values: str  # promtool expanding notation, e.g. 0+60x20

    def document(self) -> dict[str, Any]:
        return {"series": self.series, "values": self.values}


class ExpectedAlert(msgspec.Struct, frozen=True):
    labels: Labels
    annotations: tuple[tuple[str, str], ...]

    def document(self) -> dict[str, Any]:
        return {"exp_labels": dict(self.labels), "exp_annotations": dict(self.annotations)}


class AlertCase(msgspec.Struct, frozen=True):
    eval_time: Duration
    alertname: str
    expected: tuple[ExpectedAlert, ...]  # empty: the alert must not fire at eval_time

    def document(self) -> dict[str, Any]:
        return {
            "eval_time": str(self.eval_time),
            "alertname": self.alertname,
            "exp_alerts": [e.document() for e in self.expected],
        }


class Sample(msgspec.Struct, frozen=True):
    labels: str  # series notation of the expected sample
    value: Decimal  # exact: promtool compares floats exactly, and wants a YAML number

    def document(self) -> dict[str, Any]:
        return {"labels": self.labels, "value": self.value}


class ExprCase(msgspec.Struct, frozen=True):
    expr: str
    eval_time: Duration
    expected: tuple[Sample, ...]

    def document(self) -> dict[str, Any]:
        return {
            "expr": self.expr,
            "eval_time": str(self.eval_time),
            "exp_samples": [s.document() for s in self.expected],
        }


class TestGroup(msgspec.Struct, frozen=True):
    input_series: tuple[InputSeries, ...]
    alert_cases: tuple[AlertCase, ...] = ()
    expr_cases: tuple[ExprCase, ...] = ()
    interval: Duration = EVALUATION_INTERVAL

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "interval": str(self.interval),
            "input_series": [s.document() for s in self.input_series],
        }
        if self.alert_cases:
            doc["alert_rule_test"] = [c.document() for c in self.alert_cases]
        if self.expr_cases:
            doc["promql_expr_test"] = [c.document() for c in self.expr_cases]
        return doc


class TestFile(msgspec.Struct, frozen=True):
    """One ``*.test.yml``; ``rule_files`` are the rule file paths (bundle-relative) it needs."""

    path: str
    rule_files: tuple[str, ...]
    groups: tuple[TestGroup, ...]

    def relative_rule_files(self) -> list[str]:
        """``rule_files`` relative to the test file's folder, as promtool resolves them."""
        here = posixpath.dirname(self.path)
        return [relative_path(p, here) for p in self.rule_files]

    def document(self) -> dict[str, Any]:
        return {
            "rule_files": self.relative_rule_files(),
            "evaluation_interval": str(EVALUATION_INTERVAL),
            "tests": [g.document() for g in self.groups],
        }

    def yaml_lines(self, out: list[str]) -> None:
        """Append the YAML lines of ``document()`` to ``out`` without building it (below)."""
        _write_lines(self, out)


def relative_path(path: str, start: str) -> str:
    """``posixpath.relpath(path, start)``, with the folders' part computed once per pair of folders.

    ``relpath`` makes both paths absolute and compares them part by part: at 10,000 SLOs, 25,000
    test files each listing their rule files spent a tenth of their rendering there, though every
    test file is in one of a few folders. For relative folders of plain parts (no ``.``, ``..``
    or empty part) ``relpath`` compares the parts alone, so the file's name only appends to the
    folders' answer, unless ``start`` lies inside ``path`` (then the name is one of its parts);
    anything else asks ``relpath``. tests/test_testgen_text.py compares the two.

    >>> relative_path("svc/prometheus/slo-a.rules.yml", "svc/prometheus/tests")
    '../slo-a.rules.yml'
    """
    folder, name = posixpath.split(path)
    known = _relative_folder(folder, start)
    if known is None or name in ("", ".", "..") or name in known[1]:
        return posixpath.relpath(path, start)
    up = known[0]
    return name if up == "." else f"{up}/{name}"


@functools.lru_cache(maxsize=256)
def _relative_folder(folder: str, start: str) -> tuple[str, frozenset[str]] | None:
    """``relpath(folder, start)`` and the parts of ``start``; None unless both are plain (above)."""
    if not (_plain(folder) and _plain(start)):
        return None
    return posixpath.relpath(folder or ".", start or "."), frozenset(start.split("/"))


def _plain(folder: str) -> bool:
    return not folder or all(part not in ("", ".", "..") for part in folder.split("/"))


# The YAML of a promtool test file, written straight from its records (``TestFile.yaml_lines``).
#
# At 10,000 SLOs the compiler writes 25,000 test files, about 1.8 million lines: building each
# file's dicts and lists (``TestFile.document``) and walking them in the general emitter
# (``output/render``) was a fifth of the compile. Here every key is known, so each line is one
# f-string; every value and label still goes through the emitter's own ``scalar`` and ``mapping_lines``,
# so quoting and literal blocks are the emitter's. The bytes are those of
# ``to_yaml(file.document())``: ``tests/test_testgen_text.py`` compares the two on generated
# test files and on records of arbitrary text.


def _write_lines(file: TestFile, out: list[str]) -> None:
    """Append the lines of ``file`` (as ``to_yaml`` writes ``file.document()``) to ``out``.

    >>> lines: list[str] = []
    >>> group = TestGroup((InputSeries("up", "1+0x3"),))
    >>> _write_lines(TestFile("a/tests/X.test.yml", ("a/x.rules.yml",), (group,)), lines)
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
    rule_files = file.relative_rule_files()
    if list_head("rule_files", bool(rule_files), out):
        out.extend(f"  - {scalar(p, 4)}" for p in rule_files)
    out.append(f"evaluation_interval: {_duration(EVALUATION_INTERVAL)}")
    if list_head("tests", bool(file.groups), out):
        seen: dict[object, list[str]] = {}
        for group in file.groups:
            _group(group, out, seen)


def _duration(value: Duration) -> str:
    """``scalar(str(value))``, kept by milliseconds: a file has a few durations, written many times
    (equal milliseconds print equal text, and a one-line string's scalar has no indent)."""
    found = _DURATIONS.get(value.ms)
    return found if found is not None else _DURATIONS.keep(value.ms, scalar(str(value), 0))


_DURATIONS: Memo[int, str] = Memo(1024)


def _reused(key: object, seen: dict[object, list[str]], out: list[str]) -> bool:
    """Append the lines written for ``key`` earlier in this file, if any (then True).

    A burn test's three groups feed the total series alike and expect the same labels twice:
    such a part is written once per file and copied. Keys are records of text only, so equal
    keys write equal lines."""
    lines = seen.get(key)
    if lines is None:
        return False
    out.extend(lines)
    return True


def _remember(key: object, start: int, seen: dict[object, list[str]], out: list[str]) -> None:
    """Keep the lines appended to ``out`` since ``start`` as those of ``key`` (``_reused``)."""
    seen[key] = out[start:]


# Each function below writes one list item of the document: the item's mapping sits at indent
# ``n`` (its first key after ``- `` at n - 2), its values are written as at n + 2, and a list
# under one of its keys has its items' mappings at n + 4.


def _group(group: TestGroup, out: list[str], seen: dict[object, list[str]]) -> None:  # n = 4
    # Lines that always come together are one element: ``to_yaml`` joins the list with line breaks.
    if list_head(f"  - interval: {_duration(group.interval)}\n    input_series", bool(group.input_series), out):
        for s in group.input_series:
            if not _reused(s, seen, out):
                start = len(out)
                out.append(f"      - series: {scalar(s.series, 10)}\n        values: {scalar(s.values, 10)}")
                _remember(s, start, seen, out)
    if group.alert_cases:
        out.append("    alert_rule_test:")
        for case in group.alert_cases:
            _alert_case(case, out, seen)
    if group.expr_cases:
        out.append("    promql_expr_test:")
        for expr in group.expr_cases:
            _expr_case(expr, out)


def _alert_case(case: AlertCase, out: list[str], seen: dict[object, list[str]]) -> None:  # n = 8
    head = f"      - eval_time: {_duration(case.eval_time)}\n        alertname: {scalar(case.alertname, 10)}"
    if not list_head(f"{head}\n        exp_alerts", bool(case.expected), out):
        return
    for alert in case.expected:  # n = 12
        key = ("exp_labels", alert.labels)
        if not _reused(key, seen, out):
            start = len(out)
            mapping_lines("          - exp_labels", alert.labels, 12, out)
            _remember(key, start, seen, out)
        mapping_lines("            exp_annotations", alert.annotations, 12, out)


def _expr_case(case: ExprCase, out: list[str]) -> None:  # n = 8
    head = f"      - expr: {scalar(case.expr, 10)}\n        eval_time: {_duration(case.eval_time)}"
    if not list_head(f"{head}\n        exp_samples", bool(case.expected), out):
        return
    for sample in case.expected:  # n = 12
        out.append(f"          - labels: {scalar(sample.labels, 14)}\n            value: {scalar(sample.value, 14)}")
