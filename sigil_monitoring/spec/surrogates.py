"""Lone UTF-16 surrogates: YAML's ``"\\ud800"`` escape makes text no output can encode as UTF-8.

>>> [(path, at) for path, at, _ in lone_surrogates({"service": {"name": "a", "team": "x\\ud800"}, "k\\udc00": 1})]
[(('service', 'team'), 'value'), (('k\\udc00',), 'key')]
"""

from __future__ import annotations

from collections.abc import Iterator

# No regular expression: a class of surrogates (``[\ud800-\udfff]``) makes ``re`` build its
# 65,536-entry character map in Python, 2 M instructions per pattern at import (callgrind) on
# every compile. UTF-8's encoder refuses exactly the surrogates, and UTF-16's joins exactly the
# pairs, both in C.


def _first_surrogate(text: str) -> int | None:
    """The index of the first surrogate in ``text`` (the only code points UTF-8 cannot encode), or None.

    >>> _first_surrogate("ok"), _first_surrogate("é\\ud800"), _first_surrogate("🚨")
    (None, 1, None)
    """
    if text.isascii():  # nearly every text of a spec: no encoding at all
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


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
    if isinstance(doc, str) and _first_surrogate(doc) is not None:
        # Each high surrogate followed by a low one becomes their character; lone halves stay.
        return doc.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return doc


def _problem(text: str) -> str | None:
    found = _first_surrogate(text)
    if found is None:
        return None
    return (
        f"the text has the lone surrogate U+{ord(text[found]):04X}, which UTF-8 cannot encode "
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
