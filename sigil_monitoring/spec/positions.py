"""Where each key and value of a YAML text stands, read from libyaml's event stream.

The positions of a spec's values are needed for every diagnostic, warnings included; ruamel's
round-trip loader knows them but is pure Python (at 10,000 SLOs it took longer than the rest of
the compile). libyaml's C parser reports the same start marks for the documents the fast loader
reads (``yaml_io.load``: no tags, anchors or complex keys), except for an empty value (``key:``
with nothing after it), which ruamel places at the next token after the comments that follow;
those paths are listed apart, and their position asked of the round-trip loader
(``source.Source``). ``None`` sends a whole text to that loader.
``tests/test_loader_properties.py`` checks that the two maps agree.

>>> spans, empty = positions("a:\\n  b: [x, {c: 1}]\\n  d:\\n")
>>> spans[("a", "b", "1", "c")], empty
(((2, 11), (2, 14)), {('a', 'd')})
>>> positions("a: !t x\\n") is None  # a tag: the round-trip loader decides
True
"""

from __future__ import annotations

from typing import Any

Path = tuple[str, ...]
Span = tuple[tuple[int, int], tuple[int, int]]
_STR = "tag:yaml.org,2002:str"


class _Unsure(Exception):
    """A construct whose position or key the round-trip loader must give (a tag, an alias, a key
    that is not text, a complex key, more than one document)."""


def positions(text: str, wanted: frozenset[Path] | None = None) -> tuple[dict[Path, Span], set[Path]] | None:
    """``{path: ((key line, key col), (value line, value col))}``, 1-based, for every value of a
    one-document ``text`` as ruamel's round-trip tree places it (an item of a list: its own
    position twice), and the paths of the empty values, whose value position only the round-trip
    tree gives; or None when only the round-trip loader can say.

    ``wanted``: only these paths (closed under prefixes: each path's parents too, but for the
    document's own ``()``), with the same entries as the whole map has for them. The warnings of
    a spec of 10,000 SLOs ask for one path per SLO; making a path and an entry for each of its
    360,000 values was most of the walk.

    >>> positions("a:\\n  b: 1\\n  c: [2]\\n", frozenset({("a",), ("a", "c")}))
    ({('a',): ((1, 1), (2, 3)), ('a', 'c'): ((3, 3), (3, 6))}, set())
    """
    if any(c in text for c in "!&?"):
        return None  # what yaml_io.load also sends to the round-trip loader
    # ruamel.yaml.cyaml imports CParser from its C extension (untyped) and does not re-export it
    # explicitly, so its py.typed package hides the name from mypy.
    from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]
    from ruamel.yaml.error import YAMLError

    parser = CParser(text)
    try:
        return _walk(iter(parser.get_event, None), wanted)
    except (_Unsure, YAMLError):
        return None
    finally:
        parser.dispose()


def _walk(events: Any, wanted: frozenset[Path] | None) -> tuple[dict[Path, Span], set[Path]]:
    from ruamel.yaml.events import (
        AliasEvent,
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
    )

    out: dict[Path, Span] = {}
    empty: set[Path] = set()
    key_text = _KeyText()
    # One frame per open collection: [path (None: not wanted, nor anything inside), is_mapping,
    # pending key (mapping) or next index (list), the pending key's position]. Keys are read
    # (``key_text``) inside unwanted collections too: a key that is not text still sends the whole
    # text to the round-trip loader, as without ``wanted``.
    stack: list[list[Any]] = []
    documents = 0
    for event in events:
        kind = type(event)
        if kind is MappingEndEvent or kind is SequenceEndEvent:
            stack.pop()
            continue
        if kind is AliasEvent:
            raise _Unsure
        if kind is DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _Unsure
            continue
        if kind is not ScalarEvent and kind is not MappingStartEvent and kind is not SequenceStartEvent:
            continue  # stream and document ends
        if event.tag is not None:
            raise _Unsure
        mark = event.start_mark
        here = (mark.line + 1, mark.column + 1)
        path: Path | None = None
        if stack:
            frame = stack[-1]
            if frame[1]:
                if frame[2] is None:  # a key
                    if kind is not ScalarEvent:
                        raise _Unsure
                    frame[2], frame[3] = key_text(event), here
                    continue
                if frame[0] is not None:
                    path = (*frame[0], frame[2])
                    if wanted is None or path in wanted:
                        out[path] = (frame[3], here)
                    else:
                        path = None
                frame[2] = None
            else:
                if frame[0] is not None:
                    path = (*frame[0], str(frame[2]))
                    if wanted is None or path in wanted:
                        out[path] = (here, here)
                    else:
                        path = None
                frame[2] += 1
            if path is not None and kind is ScalarEvent and event.implicit[0] and not event.value:
                empty.add(path)
        else:
            path = ()  # the document itself (no entry of its own)
        if kind is MappingStartEvent:
            stack.append([path, True, None, None])
        elif kind is SequenceStartEvent:
            stack.append([path, False, 0, None])
    return out, empty


class _KeyText:
    """The text of a key as the loader makes it: a quoted or plain scalar that resolves to text.
    Any other key (a number, ``true``, null, a merge ``<<``) raises ``_Unsure``: the data holds a
    value of another type, whose text the round-trip tree gives."""

    def __init__(self) -> None:
        from ruamel.yaml.nodes import ScalarNode
        from ruamel.yaml.resolver import VersionedResolver

        self._resolver, self._scalar = VersionedResolver(), ScalarNode
        self._plain: dict[str, bool] = {}

    def __call__(self, event: Any) -> str:
        value: str = event.value
        if event.implicit[0]:  # plain: its tag depends on the text
            is_text = self._plain.get(value)
            if is_text is None:
                tag = self._resolver.resolve(self._scalar, value, event.implicit)
                is_text = self._plain[value] = str(tag) == _STR
            if not is_text:
                raise _Unsure
        return value
