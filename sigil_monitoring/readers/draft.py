"""Our spec as data, drafted by a reader, remembering where in the other tool's file each value
came from; and the ``Spec`` built from it by the loader's own validation.

A reader writes values into a ``Draft`` with ``put``, naming the source ``Node`` the value came
from. The draft's ``Source`` maps each of our paths to that node's line and column, so an error in
the drafted spec (a query that does not parse, an objective out of range) points at the line of
the Sloth, OpenSLO or Pyrra file that wrote it.

>>> from sigil_monitoring.readers.tree import documents
>>> root = documents("service: shop\\nquery: sum(rate(http_requests_total{job='shop'}[5m]))\\n", "s.yml")[0]
>>> draft = Draft.empty("s.yml", root.file.text, "Sloth")
>>> draft.put(("service", "name"), "shop", root.take("service"))
>>> draft.data["service"], draft.source().position(("service", "name"))
({'name': 'shop'}, (1, 10))
>>> catalog(["sum(rate(http_requests_total{job='shop'}[$window]))", "sum(histogram_count(rate(x[$window])))"])
{'http_requests': {'name': 'http_requests_total', 'type': 'counter'}, 'x': {'name': 'x', 'type': 'native_histogram'}}
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import msgspec

from ..spec.source import Source

if TYPE_CHECKING:
    from ..spec.document import Spec
    from .tree import Node

Position = tuple[tuple[int, int], tuple[int, int]]


class Draft(msgspec.Struct, frozen=True):
    """One spec being drafted: its data (``apiVersion`` first) and each value's origin."""

    display: str
    text: str
    tool: str
    data: dict[str, Any]
    origins: dict[tuple[str, ...], Position]
    notes: dict[tuple[str, ...], str] = msgspec.field(default_factory=dict)
    files: set[str] = msgspec.field(default_factory=set)  # every file a value came from

    @classmethod
    def empty(cls, display: str, text: str, tool: str) -> Draft:
        """A draft of a spec read from ``display`` (its ``text``) by ``tool``'s reader."""
        return cls(display, text, tool, {"apiVersion": "sigil-monitoring/v1"}, {})

    def put(self, path: tuple[str, ...], value: Any, origin: Node | None) -> None:
        """Set ``path`` to ``value``; ``origin`` is where the other tool's file wrote it."""
        target = self.data
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = value
        if origin is not None:
            self.files.add(origin.file.display)
            at = (origin.key_at, origin.value_at)
            self.origins[path] = at
            for depth in range(1, len(path)):  # a parent we made up stands where its first child came from
                self.origins.setdefault(path[:depth], at)

    def note(self, path: tuple[str, ...], text: str) -> None:
        """Say why a value is what it is, in a comment above it where ``convert`` writes the spec."""
        self.notes[path] = text

    def finish(self, queries: list[str]) -> bool:
        """Add the catalog and selector the queries read; False when they read no metric (no SLO
        was carried, and a spec without a metric is no spec)."""
        metrics = catalog(queries)
        if not metrics:
            return False
        self.put(("metrics",), metrics, None)  # where they came from: the queries, already placed
        self.note(("metrics",), "The metrics the SLIs' queries read (rate/increase: counter; _bucket: histogram).")
        selector = common_selector(queries)
        if selector:
            self.put(("service", "selector"), selector, None)
            self.note(("service", "selector"), "The matchers every selector of the SLIs' queries has.")
        return True

    def source(self) -> Source:
        """Positions of our paths in the other tool's file, for the loader's error messages."""
        source = Source(self.display, self.text)
        source._positions = {path: at for path, at in self.origins.items()}
        return source

    def spec(self) -> Spec:
        """The validated spec, built as the loader builds one (``SpecError`` at source positions)."""
        from ..spec.loader import build_spec

        return build_spec(self.data, self.source())


def slo_key(name: Node) -> str:
    """An SLO key from another tool's SLO name: the name itself when it is one of ours, else its
    lowercase letters, digits and dashes, at most 40 (the change reported as a loss).

    >>> from sigil_monitoring.readers.tree import documents
    >>> root = documents("name: Requests_Availability-contrib-plugin-info-labels-v1\\n", "a.yml")[0]
    >>> slo_key(root.take("name"))
    'requests-availability-contrib-plugin-inf'
    >>> print(root.file.lost[0])  # doctest: +NORMALIZE_WHITESPACE
    a.yml:1:1: warning: name: the SLO is named 'requests-availability-contrib-plugin-inf'
    (our SLO names are 2-40 lowercase letters, digits and dashes)
    """
    text = str(name.value)
    key = re.sub(r"[^a-z0-9-]+", "-", text.lower())[:40].strip("-")
    if not key[:1].isalpha():
        key = f"slo-{key}"[:40].strip("-")
    if key != text:
        name.lose(None, f"the SLO is named '{key}'", "our SLO names are 2-40 lowercase letters, digits and dashes")
    return key


# A reader's window placeholder, as the spec's own checks read it.
_PLACEHOLDERS = re.compile(r"\$window\b")


def promql_problem(query: str) -> str | None:
    """Why a reader's query (``$window`` in it) is not PromQL the compiler can check, or None.

    >>> promql_problem("sum(rate(x[$window]))") is None, promql_problem("vector(1)[$window]") is None
    (True, False)
    """
    from ..promql import instant_problem, parses

    text = _PLACEHOLDERS.sub("5m", query)
    problem = parses(text)
    if problem is None:
        problem = instant_problem(text, scalar=None, what="a query of an SLI")
    return problem


def catalog(queries: list[str]) -> dict[str, dict[str, str]]:
    """The metrics catalog the queries read, as ``adopt`` reads one from a dashboard
    (``drafts/catalog.py``: type from the name and the functions around it, unit from the suffix),
    with one more rule: a selector under a native histogram function is a native histogram. A
    query that does not parse adds nothing: the spec's own check reports it at its position."""
    from ..drafts.catalog import logical_name, read_catalog
    from ..drafts.promql_reading import selectors

    found = [selector for query in queries for selector in selectors(query)]
    native = {s.metric for s in found if _NATIVE & set(s.functions) and not s.metric.endswith("_bucket")}
    out: dict[str, dict[str, str]] = {}
    for entry in read_catalog(found).values():
        kind = "native_histogram" if entry.name in native else entry.type
        # A histogram's _count read alone counts observations, whatever unit they are in.
        unit = "none" if entry.name.endswith("_count") else entry.unit
        out[entry.logical] = {"name": entry.name, "type": kind} | ({"unit": unit} if unit != "none" else {})
    if not out:  # only recorded series (level:metric:operations): a spec needs one metric, so those
        out = {logical_name(s.metric): {"name": s.metric, "type": "gauge"} for s in found}
    return out


# Functions of native histograms (a classic histogram is read through its _bucket series).
_NATIVE = frozenset({"histogram_count", "histogram_sum", "histogram_avg", "histogram_fraction", "histogram_quantile"})


def common_selector(queries: list[str]) -> dict[str, Any]:
    """The equality matchers every metric selector of the queries has (``job="api"`` in each):
    the service's selector, which the compiler adds to the catalog's own queries. A value with a
    regular expression's characters is written ``{equals: ...}``, as the spec wants it.

    >>> common_selector(['sum(rate(a{job="api",svc="a.B"}[$window]))', 'rate(b{job="api",svc="a.B"}[$window])'])
    {'job': 'api', 'svc': {'equals': 'a.B'}}
    """
    from ..drafts.promql_reading import selectors
    from ..values.matchers import looks_like_regex

    common: dict[str, str] | None = None
    for query in queries:
        for selector in selectors(query):
            equal = {label: value for label, op, value in selector.matchers if op == "=" and label != "__name__"}
            common = equal if common is None else {k: v for k, v in common.items() if equal.get(k) == v}
    return {label: {"equals": value} if looks_like_regex(value) else value for label, value in (common or {}).items()}


def put_ratio(
    draft: Draft, slo: tuple[str, ...], origin: Node, *, total: str, bad: str | None = None, good: str | None = None
) -> list[str]:
    """A query ratio SLI: ``bad_query`` (or ``good_query``) over ``total_query``, raw per-second
    queries each with ``$window``; the queries it wrote."""
    name, numerator = ("bad_query", bad) if bad is not None else ("good_query", good)
    draft.put((*slo, "sli", name), numerator, origin)
    draft.put((*slo, "sli", "total_query"), total, origin)
    return [numerator or "", total]
