"""Concrete label values for test input: one that satisfies a set of matchers, one that does not.

Generated tests feed series that the rules' selectors really select (and series they really do
not), so a value is always checked with ``Matcher.matches`` — the same anchored semantics as
Prometheus — rather than assumed. Candidates come from the matchers themselves (equality values,
strings generated from each regex) and a few fillers.

>>> from sigil_monitoring.values.matchers import Matcher
>>> satisfying((Matcher("code", "=~", "5.."),))
'500'
>>> violating(Matcher("code", "=~", "5.."), ())
'test'
>>> satisfying((Matcher("code", "=~", "2..|3.."), Matcher("code", "!=", "200")))
'300'
"""

from __future__ import annotations

import re

# typeshed has no stubs for re's private parser modules (the regex syntax tree is read from them).
import re._constants as sre_constants  # type: ignore[import-not-found]
import re._parser as sre_parse  # type: ignore[import-not-found]
from collections.abc import Iterator, Sequence
from typing import Any

from .matchers import Matcher

FILLERS = ("test", "other", "x", "0", "1", "sigil-other")
_MAX_SAMPLES = 12


def satisfying(matchers: Sequence[Matcher], prefer: str | None = None) -> str | None:
    """A non-empty value every matcher accepts (``prefer`` first), or None when none is found."""
    for value in _candidates(matchers, prefer):
        if value and all(m.matches(value) for m in matchers):
            return value
    return None


def violating(matcher: Matcher, others: Sequence[Matcher]) -> str | None:
    """A non-empty value ``matcher`` rejects and every one of ``others`` accepts."""
    for value in _candidates((matcher, *others), None):
        if value and not matcher.matches(value) and all(m.matches(value) for m in others):
            return value
    return None


def _candidates(matchers: Sequence[Matcher], prefer: str | None) -> Iterator[str]:
    if prefer is not None:
        yield prefer
    for m in matchers:
        if m.op in ("=", "!="):
            yield m.value
    for m in matchers:
        if m.op in ("=~", "!~"):
            yield from samples(m.value)
    for m in matchers:
        if m.op in ("=", "!="):
            yield m.value + "-other"
    yield from FILLERS


def samples(pattern: str) -> list[str]:
    """A few strings the (anchored) regex matches, shortest shapes first.

    >>> samples("5..")
    ['500']
    >>> samples("GET|POST")
    ['GET', 'POST']
    >>> samples("/api/.*")
    ['/api/', '/api/0']
    """
    try:
        parsed = sre_parse.parse(pattern)
    except Exception:  # the spec checked the pattern; an odd one just gives no samples
        return []
    out = list(dict.fromkeys(_gen(list(parsed))))[:_MAX_SAMPLES]
    return [s for s in out if re.fullmatch(f"(?:{pattern})", s, re.S)]


def _gen(items: list[Any]) -> list[str]:
    results = [""]
    for op, arg in items:
        options = _one(op, arg)
        results = [r + o for r in results for o in options][:_MAX_SAMPLES]
    return results


def _class_char(items: list[Any]) -> str:
    negate = any(op == sre_constants.NEGATE for op, _ in items)
    if negate:
        excluded = set()
        for op, arg in items:
            if op == sre_constants.LITERAL:
                excluded.add(chr(arg))
        return next(c for c in "azAZ09_-" if c not in excluded)
    for op, arg in items:
        if op == sre_constants.LITERAL:
            return chr(arg)
        if op == sre_constants.RANGE:
            return chr(arg[0])
        if op == sre_constants.CATEGORY:
            return _CATEGORY.get(arg, "a")
    return "a"


_CATEGORY = {
    sre_constants.CATEGORY_DIGIT: "0",
    sre_constants.CATEGORY_NOT_DIGIT: "a",
    sre_constants.CATEGORY_WORD: "a",
    sre_constants.CATEGORY_NOT_WORD: "-",
    sre_constants.CATEGORY_SPACE: " ",
    sre_constants.CATEGORY_NOT_SPACE: "a",
}


def _one(op: Any, arg: Any) -> list[str]:
    if op == sre_constants.LITERAL:
        return [chr(arg)]
    if op == sre_constants.NOT_LITERAL:
        return ["a" if arg != ord("a") else "b"]
    if op == sre_constants.ANY:
        return ["0"]
    if op == sre_constants.IN:
        return [_class_char(arg)]
    if op == sre_constants.BRANCH:
        return [s for branch in arg[1] for s in _gen(list(branch))]
    if op == sre_constants.SUBPATTERN:
        return _gen(list(arg[-1]))
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
        low, high, body = arg
        inner = _gen(list(body)) or [""]
        counts = [low] + ([low + 1] if low == 0 and (high is sre_constants.MAXREPEAT or high > 0) else [])
        return [s * n for n in counts for s in inner[:3]]
    if op in (sre_constants.AT, sre_constants.GROUPREF, sre_constants.ASSERT, sre_constants.ASSERT_NOT):
        return [""]
    if op == sre_constants.CATEGORY:
        return [_CATEGORY.get(arg, "a")]
    return [""]
