r"""Lint findings grouped by root cause: which missing metric, label value, bucket or unloaded rule
file leaves which alerts, rules and panels without data.

An expression that returns no data is read selector by selector (``read_selectors``); each
selector that selects nothing is traced to a cause already found (``Causes.explain``): a catalog
metric that does not exist, a label or a pinned value it lacks, a bucket missing at a threshold,
or, for a recording rule's name, either "Prometheus has not loaded it" (asked in ``/api/v1/rules``)
or the causes of its own expression. Selectors are written back with ``values.matchers.Matcher``,
so a regex such as ``le=~"1(\\.0)?"`` stays a valid query.

>>> print(*[s.text() for s in read_selectors('sum(rate(x_bucket{job="a",le=~"1(\\\\.0)?"}[5m])) / on() up')])
x_bucket{job="a",le=~"1(\\.0)?"} up
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, assert_never

import msgspec
from msgspec.structs import replace

from ..escape import one_line
from ..ir.model import Service
from ..promql import selector
from ..remote.http import RemoteError
from ..values.matchers import Matcher, Op

if TYPE_CHECKING:
    from .prometheus_api import Prometheus

SUFFIXES = ("_bucket", "_count", "_sum")  # the series of a histogram or summary
SHOWN_RULES = 5
RULE = "recording rule "  # how an affected recording rule is named (counted, not listed, in text)


class Finding(msgspec.Struct, frozen=True):
    file: str
    line: int
    col: int
    message: str
    affects: tuple[str, ...] = ()  # the alerts, rules and panels this cause leaves without data

    def shown(self) -> str:
        """The message and what it affects: alerts and panels by name, recording rules counted.

        >>> Finding("x.yaml", 1, 1, "m", ("recording rule a:b", "alert A", "recording rule c:d")).shown()
        'm; affects alert A and 2 recording rules'
        """
        named = [a for a in self.affects if not a.startswith(RULE)]
        rules = len(self.affects) - len(named)
        counted = [f"{rules} recording rule{'s' if rules > 1 else ''}"] if rules else []
        listed = ", ".join(named)
        parts = [p for p in (listed, *counted) if p]
        return self.message + (f"; affects {' and '.join(parts)}" if parts else "")

    def text(self) -> str:
        return one_line(f"{self.file}:{self.line}:{self.col}: finding: {self.shown()}")

    def github(self) -> str:
        """A GitHub Actions workflow command: an annotation on the spec line."""
        message = self.shown().replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return one_line(f"::error file={self.file},line={self.line},col={self.col}::{message}")


class MissingMetric(msgspec.Struct, frozen=True, tag=True):
    metric: str


class MissingLabel(msgspec.Struct, frozen=True, tag=True):
    metric: str
    label: str


class MissingValue(msgspec.Struct, frozen=True, tag=True):
    metric: str
    matcher: Matcher


class MissingBucket(msgspec.Struct, frozen=True, tag=True):
    metric: str
    bound: str  # the threshold as the spec's value, e.g. "1" or "0.25"


class RulesNotLoaded(msgspec.Struct, frozen=True, tag=True):
    """Prometheus holds none of some compiled recording rules: the rule files are not loaded."""


Cause = MissingMetric | MissingLabel | MissingValue | MissingBucket | RulesNotLoaded


class Selector(msgspec.Struct, frozen=True):
    name: str
    matchers: tuple[Matcher, ...]

    def text(self) -> str:
        return selector(self.name, self.matchers)


_OPS: dict[str, Op] = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}


def read_selectors(expr: str) -> list[Selector]:
    """Every vector selector of ``expr``, once each, in order ([] when it does not parse)."""
    import promql_parser

    try:
        tree = promql_parser.parse(expr)
    except ValueError:
        return []
    return list(dict.fromkeys(_walk(tree, promql_parser.VectorSelector)))


def _walk(node: Any, vector: type[Any]) -> Iterator[Selector]:
    if isinstance(node, vector):
        matchers = [Matcher(m.name, _OPS[str(m.op).rpartition(".")[2]], m.value) for m in node.matchers.matchers]
        name = node.name or next((m.value for m in matchers if m.label == "__name__" and m.op == "="), "")
        yield Selector(name, tuple(m for m in matchers if m.label != "__name__"))
        return
    for attr in ("lhs", "rhs", "expr", "vector_selector", "param"):
        child = getattr(node, attr, None)
        if child is not None:
            yield from _walk(child, vector)
    for arg in getattr(node, "args", None) or ():
        yield from _walk(arg, vector)


class Reader:
    """The Prometheus API with each answer remembered: a selector many panels read is asked once."""

    def __init__(self, api: Prometheus) -> None:
        self.api = api
        self._has: dict[str, bool] = {}
        self._loaded: set[str] | None = None
        self.rules_api = True  # False when the server has no /api/v1/rules to ask

    def has(self, expr: str) -> bool:
        if expr not in self._has:
            self._has[expr] = self.api.has(expr)
        return self._has[expr]

    def label_values(self, label: str, match: str) -> list[str]:
        return self.api.label_values(label, match)

    def loaded(self) -> set[str]:
        """The recording rules Prometheus has loaded. A rule loaded but not evaluated yet (a reload
        moments ago) returns nothing, so this waits for its first evaluation, at most one evaluation
        interval and a second, within the command's budget; otherwise an empty rule would be a false
        finding."""
        if self._loaded is None:
            try:
                rules = self.api.recording_rules()
                deadline = time.monotonic() + min(rules.longest_interval + 1.0, self.api.client.budget.left())
                while rules.unevaluated and time.monotonic() < deadline:
                    time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
                    rules = self.api.recording_rules()
                self._loaded = set(rules.names)
            except RemoteError as err:
                if err.kind != "status" or err.status not in (400, 404, 405, 501):
                    raise
                # A Prometheus-compatible server without the rules API (a plain query frontend).
                self._loaded, self.rules_api = set(), False
        return self._loaded


class _Empty(msgspec.Struct, frozen=True):
    """An alert, recording rule or panel to check: ``reads`` (alerts: every series it reads must
    exist) or returns (rules, panels: the expression must return data)."""

    what: str
    where: tuple[str, int, int]
    expr: str
    reads: bool


class Causes:
    """The root causes of one service's findings and what each one empties."""

    def __init__(self, prom: Reader, service: Service, where: tuple[str, int, int]) -> None:
        self.prom, self.where = prom, where
        self.catalog = {m.name for m in service.metrics}
        self.found: dict[Cause, Finding] = {}
        self.other: list[Finding] = []
        self.records: dict[str, list[tuple[dict[str, str], str]]] = {}  # name -> (labels, expression) of each
        self.unloaded: set[str] = set()
        self._checks: list[_Empty] = []
        self._record_causes: dict[str, set[Cause] | None] = {}

    def add(self, cause: Cause | None, finding: Finding) -> None:
        if cause is None:
            self.other.append(finding)
        else:
            self.found.setdefault(cause, finding)

    def reads(self, what: str, where: tuple[str, int, int], expr: str) -> None:
        self._checks.append(_Empty(what, where, expr, reads=True))

    def returns(self, what: str, where: tuple[str, int, int], expr: str) -> None:
        self._checks.append(_Empty(what, where, expr, reads=False))

    def findings(self) -> list[Finding]:
        """One finding per cause, listing what it empties; then what no cause explains."""
        affects: dict[Cause, list[str]] = {}
        unexplained: list[Finding] = []
        for check in self._checks:
            if not check.reads and self.prom.has(check.expr):
                continue
            empty = [s for s in read_selectors(check.expr) if not self.prom.has(s.text())]
            if check.reads and not empty:
                continue
            causes: set[Cause] = set()
            alone = []
            for sel in empty:
                found = self.explain(sel)
                causes |= found
                alone += [] if found else [sel.text()]
            for cause in causes:
                affects.setdefault(cause, []).append(check.what)
            if alone:
                said = "reads series that do not exist" if check.reads else "returns no data: selects nothing"
                unexplained.append(Finding(*check.where, f"{check.what} {said}: {', '.join(alone)}"))
            elif not empty:
                unexplained.append(
                    Finding(
                        *check.where,
                        f"{check.what} returns no data: every series it reads exists; the expression itself "
                        "filters everything out",
                    )
                )
        if self.unloaded:
            names = sorted(self.unloaded)
            more = f" and {len(names) - SHOWN_RULES} more" if len(names) > SHOWN_RULES else ""
            said = "has not loaded" if self.prom.rules_api else "has no /api/v1/rules, and no data from"
            self.found[RulesNotLoaded()] = Finding(
                *self.where,
                f"this Prometheus {said} the compiled recording rules ({', '.join(names[:SHOWN_RULES])}{more}); "
                "add the rule files compile wrote to rule_files in prometheus.yml and reload it",
            )
        grouped = [replace(f, affects=tuple(dict.fromkeys(affects.get(c, ())))) for c, f in self.found.items()]
        return grouped + self.other + unexplained

    def explain(self, sel: Selector) -> set[Cause]:
        """The causes already found that make ``sel`` select nothing (empty: none known)."""
        if ":" in sel.name:  # a recording rule's name
            if sel.name not in self.prom.loaded():
                self.unloaded.add(sel.name)
                return {RulesNotLoaded()}
            return self._record(sel)
        base = next(
            (sel.name[: -len(s)] for s in SUFFIXES if sel.name.endswith(s) and sel.name[: -len(s)] in self.catalog),
            sel.name,
        )
        if MissingMetric(base) in self.found:
            return {MissingMetric(base)}
        out: set[Cause] = set()
        for cause in self.found:
            match cause:
                case MissingValue(metric, matcher) if metric == base and matcher in sel.matchers:
                    out.add(cause)
                case MissingLabel(metric, label) if metric == base and any(m.label == label for m in sel.matchers):
                    out.add(cause)
                case MissingBucket(metric, bound) if metric == base and any(
                    m.label == "le" and m.matches(bound) for m in sel.matchers
                ):
                    out.add(cause)
                case MissingMetric() | MissingValue() | MissingLabel() | MissingBucket() | RulesNotLoaded():
                    pass
                case _:
                    assert_never(cause)
        return out

    def _record(self, sel: Selector) -> set[Cause]:
        """Why a loaded recording rule holds no data for ``sel``: the causes of the empty selectors
        in the expressions of the compiled rules of that name whose labels ``sel`` selects."""
        key = sel.text()
        if key in self._record_causes:
            return self._record_causes[key] or set()
        self._record_causes[key] = None  # a rule reading itself (none compiled does) stops here
        causes: set[Cause] = set()
        for labels, expr in self.records.get(sel.name, []):
            if all(m.matches(labels[m.label]) for m in sel.matchers if m.label in labels):
                for inner in read_selectors(expr):
                    if not self.prom.has(inner.text()):
                        causes |= self.explain(inner)
        self._record_causes[key] = causes
        return causes
