"""Reading YAML safely: size limit, strict UTF-8, alias-bomb guard, and a fast parser by default.

The fast path is ruamel's safe loader on libyaml's C parser (``ruamel.yaml.clib`` is a
dependency, so every installation takes it). The round-trip loader is pure Python and about
7 times slower; it runs only to find positions for error messages, and as the judge when libyaml
rejects a document (libyaml refuses a plain URL inside a flow mapping, ruamel accepts it) or the
document may hold tags, anchors or complex keys (the two read some of those differently). Wherever both parsers accept
a document they read the same data; ``tests/test_loader_properties.py`` checks that.
"""

from __future__ import annotations

import os
from typing import Any

import msgspec

from ..errors import Diagnostic, SpecError, display_path
from ..fsread import NotRegularFile, TooLarge, read_regular

# Input limits. Real specs are far below them; they keep hostile files (alias bombs, deep
# nesting, huge files) from costing more than a bounded amount of time and memory. A platform
# team with a bigger spec raises the first two with SIGIL_MONITORING_MAX_BYTES and
# SIGIL_MONITORING_MAX_VALUES (read at each load, so a test or a long-lived process can change them).
MAX_BYTES = 1024 * 1024
MAX_NODES = 100_000
# Collections nested deeper than this are refused before any recursive code sees them: the C
# composer recurses in C (about 40,000 levels crash the interpreter) and ruamel's pure-Python
# composer hits the recursion limit near 300. A spec nests 6 or 7 levels.
MAX_DEPTH = 64
_STANDARD_TAGS = ("tag:yaml.org,2002:", "!!")
_ENV = {"MAX_BYTES": "SIGIL_MONITORING_MAX_BYTES", "MAX_NODES": "SIGIL_MONITORING_MAX_VALUES"}
# Every environment variable a load reads: each is part of the compile request (output/request.py).
LIMIT_VARIABLES = tuple(_ENV.values())


class YamlProblem(Exception):
    """A document that cannot be read as data; line/col are 1-based."""

    def __init__(self, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


def limit(name: str) -> int:
    """The limit ``MAX_BYTES`` or ``MAX_NODES``: the module constant unless its variable is set.

    >>> limit("MAX_NODES")
    100000
    """
    variable = _ENV[name]
    text = os.environ.get(variable)
    if text is None:
        return int(globals()[name])
    if not text.isdigit() or int(text) < 1:
        raise YamlProblem(
            1,
            1,
            f"{variable}={text!r} is not a positive whole number (set it to a limit such as 10000000, or unset it)",
        )
    return int(text)


def too_large(size: int, max_bytes: int) -> YamlProblem:
    return YamlProblem(
        1,
        1,
        f"the file is {size} bytes, over the {max_bytes}-byte limit (split the spec or trim it, or raise "
        f"{_ENV['MAX_BYTES']})",
    )


def decode(data: bytes) -> str:
    max_bytes = limit("MAX_BYTES")
    if len(data) > max_bytes:
        raise too_large(len(data), max_bytes)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        raise YamlProblem(line, col, f"byte 0x{data[exc.start]:02x} is not UTF-8 (save the file as UTF-8)") from None
    return text.removeprefix("\ufeff")


def load_round_trip(text: str) -> Any:
    from ruamel.yaml import YAML

    return YAML(typ="rt").load(text)


def _load_fast(text: str) -> Any:
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


def _load_events(text: str, placed: Placed | None = None) -> Any:
    """The data of a plain document (no tags, anchors, aliases, merge keys, complex or duplicate
    keys, nesting within ``MAX_DEPTH``) built straight from libyaml's events, or None for any
    other text, which ``_check_depth`` and ``_load_fast`` then read.

    One pass instead of three (the depth check's events, libyaml's composer making a node per
    value through Python, ``_plain``): at 10,000 SLOs 1.0 s of CPU instead of 4.9 s. The data is the
    same: a plain scalar's tag comes from the same resolver, a scalar that is not text is made by
    ruamel's own constructor, and anything ``_plain`` would refuse returns None.

    ``placed``: filled, in the same pass, with what ``positions.positions`` gives for every path
    of up to ``PLACED_DEPTH`` parts (``Placed``); left empty when the document has a key that is
    not text, whose positions only the round-trip tree gives.

    >>> _load_events("a: [1, x, {b: null}]\\n")
    {'a': [1, 'x', {'b': None}]}
    >>> _load_events("a: 1\\na: 2\\n") is None  # a duplicate key: ruamel's constructor reports it
    True
    >>> placed = Placed({}, set())
    >>> _load_events("a:\\n  b: [x, y]\\n  c:\\n", placed)
    {'a': {'b': ['x', 'y'], 'c': None}}
    >>> placed.spans[("a", "b")], ("a", "b", "1") in placed.spans, placed.empty
    (((2, 3), (2, 6)), False, {('a', 'c')})
    """
    # ruamel.yaml.cyaml imports CParser from its C extension (untyped): see _check_depth.
    from ruamel.yaml import YAML, events
    from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.nodes import ScalarNode

    yaml = YAML(typ="safe")  # as _load_fast reads: its resolver and constructor
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
                if event.tag is not None or len(stack) >= MAX_DEPTH:
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
        placed.spans.clear()
        placed.empty.clear()
    return root


class Placed(msgspec.Struct):
    """Where the values of the first ``PLACED_DEPTH`` levels of a document stand, as
    ``positions.positions`` gives them: ``spans`` ``{path: (key position, value position)}``,
    ``empty`` the paths of empty values (placed by the round-trip tree only)."""

    spans: dict[tuple[str, ...], tuple[tuple[int, int], tuple[int, int]]]
    empty: set[tuple[str, ...]]


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
    by ``_check_depth``, so the recursion is too.
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


class _UseRoundTrip(Exception):
    pass


def load(text: str, placed: Placed | None = None) -> Any:
    """Parse ``text``; raise ``YamlProblem`` with the round-trip parser's position on failure.

    ``placed``: filled with the positions of the document's first levels when the one-pass reader
    read it (``_load_events``), else left empty (the positions are then found when asked for).
    """
    from ruamel.yaml.error import YAMLError

    try:
        if any(c in text for c in "!&?"):
            # Tags, anchors and complex keys are read differently by libyaml and ruamel's parser
            # (a bare "!" is "" for one and None for the other; "&1:" names an anchor "1:" for
            # ruamel only), so the round-trip parser decides files that may use them.
            _check_depth(text)
            raise _UseRoundTrip
        data = _load_events(text, placed) if "%YAML" not in text else None
        if data is None:
            if placed is not None:  # what it placed before it gave up
                placed.spans.clear()
                placed.empty.clear()
            _check_depth(text)
            data = _load_fast(text)
    except (YAMLError, _UseRoundTrip, ValueError, TypeError, IndexError):
        try:
            data = load_round_trip(text)
        except YAMLError as exc:
            raise _problem(exc) from None
        except (ValueError, TypeError) as exc:  # e.g. a list used as a mapping key
            raise YamlProblem(1, 1, f"YAML structure not allowed in a spec: {exc} (use plain text keys)") from None
        except IndexError:
            # ruamel's int constructor on a scalar such as "+_" (a sign and nothing it can read).
            raise YamlProblem(1, 1, "YAML value that is neither a number nor text (quote it)") from None
    _check_size(data)
    return data


def _problem(exc: Exception) -> YamlProblem:
    from ruamel.yaml.constructor import DuplicateKeyError

    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    if isinstance(exc, DuplicateKeyError):
        first = getattr(exc, "context_mark", None)
        key = str(getattr(exc, "problem", "")).split('"')[1] if '"' in str(getattr(exc, "problem", "")) else "?"
        where = f" at line {first.line + 1}" if first is not None else ""
        return YamlProblem(line, col, f"duplicate key '{key}' (keep one; the mapping starts{where})")
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    what = f"{problem} {context}" if context else problem
    return YamlProblem(
        line, col, f"YAML syntax: {what} (fix the YAML at this point; quote text that holds ': ' or '#')"
    )


def _check_depth(text: str) -> None:
    """Refuse collections nested deeper than ``MAX_DEPTH``, reading only the parser's event stream.

    Both parsers produce events from a state machine, without recursion, so deep nesting costs
    them nothing; only the composers that build the tree recurse. libyaml's events come first (about
    a tenth of the cost of a load); when libyaml rejects the text, ruamel's own parser, which
    the round-trip loader will use, counts instead.

    >>> _check_depth("a: " + "[" * 65 + "]" * 65)  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    sigil_monitoring.spec.yaml_io.YamlProblem: collections nested more than 64 deep
    (a spec needs fewer than 10 levels; flatten the nesting)
    """
    # ruamel.yaml.cyaml imports CParser from its C extension (untyped) and does not re-export it
    # explicitly, so its py.typed package hides the name from mypy.
    from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]
    from ruamel.yaml.error import YAMLError

    parser = CParser(text)
    try:
        _deepest(iter(parser.get_event, None))
    except YAMLError:
        from ruamel.yaml import YAML

        try:
            _deepest(YAML(typ="rt").parse(text))
        except YAMLError:
            pass  # the loader reports the syntax error; every event before it was within the limit
    finally:
        parser.dispose()


def _deepest(events: Any) -> None:
    from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent, NodeEvent, StreamEndEvent

    depth = 0
    for event in events:
        tag = getattr(event, "tag", None) if isinstance(event, NodeEvent) else None
        if tag is not None and tag != "!" and not str(tag).startswith(_STANDARD_TAGS):
            # A local tag (``!secret x``) means nothing to the spec; the loaders would hand it on as
            # an object whose Python repr then shows up in messages.
            mark = event.start_mark
            raise YamlProblem(
                mark.line + 1, mark.column + 1, f"the YAML tag {tag} has no meaning in a spec (remove it)"
            )
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise YamlProblem(
                    mark.line + 1,
                    mark.column + 1,
                    f"collections nested more than {MAX_DEPTH} deep (a spec needs fewer than 10 levels; "
                    "flatten the nesting)",
                )
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
        elif isinstance(event, StreamEndEvent):
            return


def _check_size(data: Any) -> None:
    """Refuse documents whose aliases expand to more nodes than any real spec has."""
    max_nodes = limit("MAX_NODES")
    budget = max_nodes
    stack = [data]
    while stack:
        node = stack.pop()
        budget -= 1
        if budget < 0:
            raise YamlProblem(
                1,
                1,
                f"the document expands to more than {max_nodes} values (remove the nested aliases, or raise "
                f"{_ENV['MAX_NODES']} for a spec that really is this big)",
            )
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


# The one reader of spec and template files, and the one-line form of a message: here, below both
# the loader and the template merge (templates.py), which the loader calls.
def read_spec(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a spec file, read as ``load_spec`` reads them: a regular file only, never more
    than ``SIGIL_MONITORING_MAX_BYTES``, never blocking (a FIFO or ``/dev/zero`` is refused at once).
    The one reader of spec files: the compile request (``output/request.py``) hashes what it returns.

    >>> read_spec("/dev/zero")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sigil_monitoring.errors.SpecError: /dev/zero:1:1: error: the spec is a character device, not a regular file ...
    """
    shown = display_path(path)
    try:
        return read_regular(path, limit("MAX_BYTES"))
    except OSError as exc:
        raise SpecError([Diagnostic(shown, 1, 1, f"cannot read the file: {exc.strerror} (check the path)")]) from None
    except NotRegularFile as exc:
        raise SpecError(
            [Diagnostic(shown, 1, 1, f"the spec is {exc.kind}, not a regular file (give the path of a .yaml file)")]
        ) from None
    except TooLarge as exc:
        raise SpecError([Diagnostic(shown, 1, 1, too_large(exc.size, exc.limit).message)]) from None
    except YamlProblem as problem:  # a malformed limit in the environment
        raise SpecError([Diagnostic(shown, 1, 1, problem.message)]) from None


def one_line(text: str) -> str:
    """``escape.one_line``, imported only for the rare message that needs it (validate does not
    otherwise load the escaping module, nor the PromQL one it imports)."""
    if text.isprintable():
        return text
    from ..escape import one_line as escaped

    return escaped(text)
