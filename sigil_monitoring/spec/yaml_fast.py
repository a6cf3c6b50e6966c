"""The fast readers of a spec's YAML, for the documents specs are made of (no tags, anchors or
complex keys: ``yaml_io.load`` sends those to the round-trip loader).

``load_events`` builds a plain document's data straight from libyaml's events in one pass,
recording where its first levels stand (``Placed``); ``load_fast`` composes with libyaml and
builds the data with ``_plain``. Both read every scalar through ruamel's own resolver and
constructor, so the data is what ruamel's safe loader gives (``tests/test_loader_properties.py``).
The limits (size, depth, alias expansion) and the round-trip fallback live in ``yaml_io``.
"""

from __future__ import annotations

from typing import Any

import msgspec


def load_fast(text: str) -> Any:
    """Any document ``load`` does not send to the round-trip loader: libyaml's composer, then
    ``_plain`` (or ruamel's constructor for what ``_plain`` refuses)."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe")
    if "%YAML" not in text:  # one YAML version for the whole document: a tag depends on the text alone
        yaml.Resolver = _memo_resolver()
    node = yaml.compose(text)
    if node is None:
        return None
    constructor = yaml.constructor
    try:
        return _plain(node, constructor)
    except _NotPlain:
        return constructor.construct_document(node)


def load_events(text: str, max_depth: int, placed: Placed | None = None) -> Any:
    """The data of a plain document (no tags, anchors, aliases, merge keys, complex or duplicate
    keys, nesting within ``max_depth``) built straight from libyaml's events, or None for any
    other text, which ``yaml_io.load`` then reads otherwise (its depth check, ``load_fast``).

    One pass instead of three (the depth check's events, libyaml's composer making a node per
    value through Python, ``_plain``): at 10,000 SLOs 1.0 s of CPU instead of 4.9 s. The data is the
    same: a plain scalar's tag comes from the same resolver, a scalar that is not text is made by
    ruamel's own constructor, and anything ``_plain`` would refuse returns None.

    ``placed``: filled, in the same pass, with what ``positions.positions`` gives for every path
    of up to ``PLACED_DEPTH`` parts (``Placed``); left empty when the document has a key that is
    not text, whose positions only the round-trip tree gives.

    >>> load_events("a: [1, x, {b: null}]\\n", 64)
    {'a': [1, 'x', {'b': None}]}
    >>> load_events("a: 1\\na: 2\\n", 64) is None  # a duplicate key: ruamel's constructor reports it
    True
    >>> placed = Placed({}, set())
    >>> load_events("a:\\n  b: [x, y]\\n  c:\\n", 64, placed)
    {'a': {'b': ['x', 'y'], 'c': None}}
    >>> placed.spans[("a", "b")], ("a", "b", "1") in placed.spans, placed.empty
    (((2, 3), (2, 6)), False, {('a', 'c')})
    """
    # ruamel.yaml.cyaml imports CParser from its C extension (untyped): see yaml_io._check_depth.
    from ruamel.yaml import YAML, events
    from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.nodes import ScalarNode

    yaml = YAML(typ="safe")  # as load_fast reads: its resolver and constructor
    yaml.Resolver = _memo_resolver()
    resolver, constructor = yaml.resolver, yaml.constructor
    scalars: dict[str, Any] = {}  # a plain scalar's value by its text: immutable, so shared

    def plain(event: Any) -> Any:
        value = event.value
        if value in scalars:
            return scalars[value]
        tag = resolver.resolve(ScalarNode, value, event.implicit)
        made = (
            value
            if str(tag) == _STR
            else constructor.construct_object(ScalarNode(tag, value, event.start_mark, event.end_mark))
        )
        scalars[value] = made
        return made

    spans = placed.spans if placed is not None else None
    # Locals: the loop below runs once per event, 360,000 times at 10,000 SLOs.
    scalar_event, alias_event, document_start = events.ScalarEvent, events.AliasEvent, events.DocumentStartEvent
    mapping_start, sequence_start = events.MappingStartEvent, events.SequenceStartEvent
    mapping_end, sequence_end = events.MappingEndEvent, events.SequenceEndEvent
    parser = CParser(text)
    # One frame per open collection: [the collection, a pending key or _NO_KEY, its path when its
    # entries are placed (else None), the pending key's position].
    stack: list[list[Any]] = []
    root: Any = _NO_KEY
    documents = 0
    try:
        for event in iter(parser.get_event, None):
            kind = type(event)
            if kind is scalar_event:
                if event.tag is not None:
                    return None
                node: Any = event.value
                if event.implicit[0]:  # plain: its value depends on the text (most are keys, seen before)
                    node = scalars[node] if node in scalars else plain(event)
            elif kind is mapping_start or kind is sequence_start:
                if event.tag is not None or len(stack) >= max_depth:
                    return None
                node = {} if kind is mapping_start else []
            elif kind is mapping_end or kind is sequence_end:
                frame = stack.pop()
                if frame[1] is not _NO_KEY:
                    return None
                continue
            elif kind is alias_event:  # an alias with no anchor (``&`` is read by the round-trip loader)
                return None
            elif kind is document_start:
                documents += 1
                if documents > 1:
                    return None
                continue
            else:
                continue  # stream start and end, document end
            path = None
            if stack:
                frame = stack[-1]
                into = frame[0]
                if type(into) is list:
                    if frame[2] is not None:
                        mark = event.start_mark
                        here = (mark.line + 1, mark.column + 1)
                        path = (*frame[2], str(len(into)))
                        spans[path] = (here, here)  # type: ignore[index]
                    into.append(node)
                elif frame[1] is _NO_KEY:  # a key
                    if type(node) in (dict, list) or node in into or (type(node) is str and node == "<<"):
                        return None
                    if type(node) is not str:  # a number, true, null: its text only the round-trip tree gives
                        spans = None
                        for open_frame in stack:
                            open_frame[2] = None
                    elif frame[2] is not None:
                        mark = event.start_mark
                        frame[3] = (mark.line + 1, mark.column + 1)
                    frame[1] = node
                    continue
                else:
                    if frame[2] is not None:
                        mark = event.start_mark
                        path = (*frame[2], frame[1])
                        spans[path] = (frame[3], (mark.line + 1, mark.column + 1))  # type: ignore[index]
                    into[frame[1]] = node
                    frame[1] = _NO_KEY
                if path is not None and kind is scalar_event and event.implicit[0] and not event.value:
                    placed.empty.add(path)  # type: ignore[union-attr]
            else:
                root = node
                path = () if spans is not None else None
            if type(node) is dict or type(node) is list:
                stack.append([node, _NO_KEY, path if path is not None and len(path) < PLACED_DEPTH else None, None])
    except YAMLError:
        return None
    finally:
        parser.dispose()
    if root is _NO_KEY:
        return None
    if placed is not None and spans is None:
        placed.forget()
    return root


class Placed(msgspec.Struct):
    """Where the values of the first ``PLACED_DEPTH`` levels of a document stand, as
    ``positions.positions`` gives them: ``spans`` ``{path: (key position, value position)}``,
    ``empty`` the paths of empty values (placed by the round-trip tree only)."""

    spans: dict[tuple[str, ...], tuple[tuple[int, int], tuple[int, int]]]
    empty: set[tuple[str, ...]]

    def forget(self) -> None:
        """Drop what a load placed before it gave up: its positions may not be the data's."""
        self.spans.clear()
        self.empty.clear()


# The levels whose positions the one-pass load records (``Placed``): those of the warnings every
# big spec has, a page with no runbook (``slos.X``, ``alerts.X``); a deeper path (``slos.X.objective``,
# a dashboard panel) is found by ``source.Source.expect``'s walk, as before. A third level would
# cover those too, for 31 M instructions at 1,000 SLOs and 28 MB at 10,000 (each metric's fields).
PLACED_DEPTH = 2


_NO_KEY: Any = object()


_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


class _NotPlain(Exception):
    """The document needs ruamel's own constructor (a merge key, a complex or duplicate key)."""


def _tag(node: Any) -> str:
    """libyaml's composer gives a tag as text, ruamel's pure-Python one as a ``Tag``."""
    tag = node.tag
    return tag if type(tag) is str else str(tag)


def _plain(node: Any, constructor: Any) -> Any:
    """The data of ``node`` as ruamel's safe constructor builds it, for the nodes specs are made of.

    ruamel's constructor spends several Python calls per node (360,000 nodes at 10,000 SLOs, a
    tenth of the compile). Here a mapping, a sequence and a string are built directly, any other
    scalar (int, float, bool, null, timestamp) by ruamel's own constructor, and anything else
    (a merge key ``<<``, a key that is not a scalar, a duplicate key) raises ``_NotPlain`` so
    that ruamel constructs the whole document and reports what it reports. Aliases never reach
    here (``load`` sends documents with anchors to the round-trip loader); the depth is bounded
    by ``yaml_io._check_depth``, so the recursion is too.
    """
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    kind, tag = type(node), _tag(node)
    if kind is ScalarNode:
        return node.value if tag == _STR else constructor.construct_object(node)
    if kind is SequenceNode and tag == _SEQ:
        return [_plain(item, constructor) for item in node.value]
    if kind is MappingNode and tag == _MAP:
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if type(key_node) is not ScalarNode:
                raise _NotPlain
            key_tag = _tag(key_node)
            if key_tag == _STR:
                key = key_node.value
            elif key_tag == "tag:yaml.org,2002:merge":
                raise _NotPlain
            else:
                key = constructor.construct_object(key_node)
            if key in out:
                raise _NotPlain
            out[key] = _plain(value_node, constructor)
        return out
    raise _NotPlain


_MEMO_RESOLVER: Any = None


def _memo_resolver() -> Any:
    """ruamel's resolver, remembering the tag of each plain scalar text within one load.

    libyaml's parser asks the Python resolver for the tag of every scalar, and each answer looks
    up the document's YAML version twice and tries the implicit patterns one by one: at 10,000
    SLOs, 360,000 scalars of which most are repeated keys (``objective``, ``sli``, ``type``).
    The answer for an implicit plain scalar depends only on its text and the version (fixed
    when the document has no %YAML directive) while no path resolver is registered (ruamel's
    safe loader has none). A matched tag is made afresh each time, as ruamel does.
    """
    global _MEMO_RESOLVER
    if _MEMO_RESOLVER is None:
        from ruamel.yaml.nodes import ScalarNode
        from ruamel.yaml.resolver import VersionedResolver
        from ruamel.yaml.tag import Tag

        class MemoResolver(VersionedResolver):
            def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
                if kind is not ScalarNode or not implicit[0] or self.yaml_path_resolvers:
                    return super().resolve(kind, value, implicit)
                memo = self.__dict__.setdefault("_sigil_memo", {})
                suffix = memo.get(value)
                if suffix is None:
                    tag = super().resolve(kind, value, implicit)
                    if tag is self.DEFAULT_SCALAR_TAG:
                        memo[value] = False
                        return tag
                    memo[value] = suffix = tag.suffix
                    return tag
                return Tag(suffix=suffix) if suffix is not False else self.DEFAULT_SCALAR_TAG

        _MEMO_RESOLVER = MemoResolver
    return _MEMO_RESOLVER
