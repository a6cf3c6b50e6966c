"""Typed promtool unit-test files
(https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/)."""

from __future__ import annotations

import functools
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
        """Append the YAML lines of ``document()`` to ``out`` without building it (``text.py``)."""
        from .text import write

        write(self, out)


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
