"""Lone UTF-16 surrogates: YAML's ``"\\ud800"`` escape makes text no output can encode as UTF-8.

>>> [(path, at) for path, at, _ in lone_surrogates({"service": {"name": "a", "team": "x\\ud800"}, "k\\udc00": 1})]
[(('service', 'team'), 'value'), (('k\\udc00',), 'key')]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_SURROGATE = re.compile("[\ud800-\udfff]")


def _problem(text: str) -> str | None:
    found = _SURROGATE.search(text)
    if found is None:
        return None
    return (f"the text has the lone surrogate U+{ord(found.group()):04X}, which UTF-8 cannot encode "
            "(write the character itself, or a \\U escape of the full code point)")


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
