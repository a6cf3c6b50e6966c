"""Derived catalog entries: an entry narrowing another (``{from: requests, where: {...}}``), chained.

A derived entry may derive from a derived one: ``gateway_errors: {from: server_errors, where:
{code: "502"}}`` narrows ``server_errors``, itself ``requests`` narrowed to ``code=~"5.."``. The
chain ends at a plain entry (its *root*: name, type, labels, buckets); the matchers accumulate,
root side first. ``lineage`` walks a chain once for every reader (the resolution rule in
``spec/rules.py``, the checks below, the IR builder), so a cycle or a missing base means the same
everywhere.

>>> from types import SimpleNamespace as Entry
>>> metrics = {"requests": Entry(from_=None), "server": Entry(from_="requests"), "bad_gw": Entry(from_="server")}
>>> lineage(metrics, "bad_gw")
Lineage(keys=('bad_gw', 'server', 'requests'), end='root')
>>> lineage({"a": Entry(from_="b"), "b": Entry(from_="a")}, "a").end
'cycle'
>>> lineage(metrics, "nope").end
'unknown'
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Literal

from msgspec import Struct

from ..errors import Problem

if TYPE_CHECKING:
    from ..values.matchers import Matcher
    from .document import Spec
    from .salvage import Broken


class Lineage(Struct, frozen=True):
    """The chain from an entry to its root: ``keys`` starts with the entry itself.

    ``end`` says how the walk ended: at a plain entry (``root``, the last key), at a name the
    catalog lacks (``unknown``, the last key's ``from``), or back at a key already walked
    (``cycle``, the last key's ``from`` is one of ``keys``).
    """

    keys: tuple[str, ...]
    end: Literal["root", "unknown", "cycle"]


def lineage(metrics: Mapping[str, Any], key: str) -> Lineage:
    """The chain of ``key`` (entries read by attribute: spec classes and pydantic models alike)."""
    keys: list[str] = []
    current: str | None = key
    while current is not None:
        entry = metrics.get(current)
        if entry is None:
            return Lineage(tuple(keys), "unknown")
        if current in keys:
            return Lineage(tuple(keys), "cycle")
        keys.append(current)
        current = entry.from_
    return Lineage(tuple(keys), "root")


def root_of(metrics: Mapping[str, Any], key: str) -> str | None:
    """The plain entry ``key`` derives from (itself when plain); None when its chain is broken."""
    chain = lineage(metrics, key)
    return chain.keys[-1] if chain.end == "root" else None


def chained_matchers(metrics: Mapping[str, Any], key: str) -> tuple[Matcher, ...]:
    """Every ``where`` matcher of the chain, the root side first (an unbroken chain)."""
    return tuple(m for k in reversed(lineage(metrics, key).keys) for m in metrics[k].where.values())


def derived_problems(spec: Spec, broken: Broken) -> Iterator[Problem]:
    """Broken chains (unknown base, cycle), undeclared ``where`` labels and contradicting matchers."""
    for key, metric in spec.metrics.items():
        if metric.from_ is None:
            continue
        path = ("metrics", key, "from")
        chain = lineage(spec.metrics, key)
        if chain.end == "unknown" and chain.keys[-1] == key and metric.from_ not in broken.metrics:
            import difflib  # for an error's "did you mean" only: not on a valid spec's path

            close = difflib.get_close_matches(metric.from_, list(spec.metrics), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "name a metric declared under metrics:"
            yield path, "value", f"unknown metric '{metric.from_}' ({hint})"
        elif chain.end == "cycle" and key in _cycle(spec.metrics, chain):
            loop = " -> ".join(_cycle(spec.metrics, chain) + (key,))
            yield (
                path,
                "value",
                f"'{key}' derives from itself ({loop}; make one of them derive from a plain catalog entry)",
            )
        elif chain.end == "root":
            yield from _where_problems(spec, key, chain)


def _cycle(metrics: Mapping[str, Any], chain: Lineage) -> tuple[str, ...]:
    """The keys of the loop a cycling chain ends in, starting where the loop starts."""
    start = chain.keys.index(metrics[chain.keys[-1]].from_)
    return chain.keys[start:]


def _where_problems(spec: Spec, key: str, chain: Lineage) -> Iterator[Problem]:
    root = chain.keys[-1]
    metric = spec.metrics[key]
    for label, matcher in metric.where.items():
        at = ("metrics", key, "where", label)
        if label not in spec.metrics[root].labels and label not in spec.service.selector:
            yield at, "key", f"label '{label}' is not declared for metric '{root}' (add it to metrics.{root}.labels)"
            continue
        # An equality only the other matcher rejects selects nothing: every query of the entry
        # would be empty and its alerts could never fire. (Two regexes may well overlap: allowed.)
        for ancestor in chain.keys[1:-1]:
            other = spec.metrics[ancestor].where.get(label)
            if other is not None and _contradict(matcher, other):
                yield (
                    at,
                    "value",
                    (
                        f"{matcher.text()} contradicts {other.text()} of metrics.{ancestor}, which "
                        f"'{key}' derives from: no series matches both (derive from '{root}' instead, "
                        "or change one of them)"
                    ),
                )


def _contradict(one: Matcher, other: Matcher) -> bool:
    """Whether an equality of either side is a value the other side rejects."""
    return (one.op == "=" and not other.matches(one.value)) or (other.op == "=" and not one.matches(other.value))
