"""Typed promtool unit-test files
(https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/)."""

from __future__ import annotations

import posixpath
from decimal import Decimal
from typing import Any

import msgspec

from ....values.units import Duration
from ..rules import Labels

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

    def document(self) -> dict[str, Any]:
        # promtool resolves rule_files relative to the test file's directory.
        here = posixpath.dirname(self.path)
        return {
            "rule_files": [posixpath.relpath(p, here) for p in self.rule_files],
            "evaluation_interval": str(EVALUATION_INTERVAL),
            "tests": [g.document() for g in self.groups],
        }

    def yaml_lines(self, out: list[str]) -> None:
        """Append the YAML lines of ``document()`` to ``out`` without building it (``text.py``)."""
        from .text import write

        write(self, out)
