"""Lone UTF-16 surrogates: YAML's ``"\\ud800"`` escape makes text no output can encode as UTF-8.

>>> [(path, at) for path, at, _ in lone_surrogates({"service": {"name": "a", "team": "x\\ud800"}, "k\\udc00": 1})]
[(('service', 'team'), 'value'), (('k\\udc00',), 'key')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_SURROGATE = re.compile("[\ud800-\udfff]")
_PAIR = re.compile("([\ud800-\udbff])([\udc00-\udfff])")


def join_pairs(doc: object) -> object:
    r"""``doc`` with JSON-style surrogate pairs (``"\ud83d\udea8"``) joined into their character.

    JSON is YAML, and JSON writes characters beyond U+FFFF as such a pair; YAML's parser leaves the
    two halves apart.

    >>> join_pairs({"mention": "@here \ud83d\udea8"})
    {'mention': '@here 🚨'}
    """
    if isinstance(doc, dict):
        return {join_pairs(k): join_pairs(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [join_pairs(v) for v in doc]
    if isinstance(doc, str) and _SURROGATE.search(doc):
        return _PAIR.sub(lambda m: (m.group(1) + m.group(2)).encode("utf-16", "surrogatepass").decode("utf-16"), doc)
    return doc


def _problem(text: str) -> str | None:
    found = _SURROGATE.search(text)
    if found is None:
        return None
    return (
        f"the text has the lone surrogate U+{ord(found.group()):04X}, which UTF-8 cannot encode "
        "(write the character itself, or a \\U escape of the full code point)"
    )


def lone_surrogates(doc: object, path: tuple[object, ...] = ()) -> Iterator[tuple[tuple[object, ...], str, str]]:
    """``(path, 'key' or 'value', message)`` for every text holding a lone surrogate."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            if isinstance(key, str) and (problem := _problem(key)):
                yield (*path, key), "key", problem
            yield from lone_surrogates(value, (*path, key))
    elif isinstance(doc, list):
        for i, item in enumerate(doc):
            yield from lone_surrogates(item, (*path, i))
    elif isinstance(doc, str) and (problem := _problem(doc)):
        yield path, "value", problem
