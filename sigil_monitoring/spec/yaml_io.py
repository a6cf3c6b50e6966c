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

from ..errors import Diagnostic, SpecError, display_path
from ..fsread import NotRegularFile, TooLarge, read_regular
from .yaml_fast import Placed, load_events, load_fast

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


class _UseRoundTrip(Exception):
    pass


def load(text: str, placed: Placed | None = None) -> Any:
    """Parse ``text``; raise ``YamlProblem`` with the round-trip parser's position on failure.

    ``placed``: filled with the positions of the document's first levels when the one-pass reader
    read it (``yaml_fast.load_events``), else left empty (the positions are then found when asked for).
    """
    from ruamel.yaml.error import YAMLError

    try:
        if any(c in text for c in "!&?"):
            # Tags, anchors and complex keys are read differently by libyaml and ruamel's parser
            # (a bare "!" is "" for one and None for the other; "&1:" names an anchor "1:" for
            # ruamel only), so the round-trip parser decides files that may use them.
            _check_depth(text)
            raise _UseRoundTrip
        data = load_events(text, MAX_DEPTH, placed) if "%YAML" not in text else None
        if data is None:
            if placed is not None:
                placed.forget()
            _check_depth(text)
            data = load_fast(text)
    except (YAMLError, _UseRoundTrip, ValueError, TypeError, IndexError):
        try:
            data = load_round_trip(text)
        except YAMLError as exc:
            raise _problem(exc, text) from None
        except (ValueError, TypeError) as exc:  # e.g. a list used as a mapping key
            raise YamlProblem(1, 1, f"YAML structure not allowed in a spec: {exc} (use plain text keys)") from None
        except IndexError:
            # ruamel's int constructor on a scalar such as "+_" (a sign and nothing it can read).
            raise YamlProblem(1, 1, "YAML value that is neither a number nor text (quote it)") from None
    _check_size(data)
    return data


def _problem(exc: Exception, text: str = "") -> YamlProblem:
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
    opened = getattr(exc, "context_mark", None)
    if context in _FLOW and opened is not None and _left_open(text, (opened.line, opened.column), line - 1):
        # The parser notices a missing '}' or ']' only on a later line: say where it was opened.
        brace, closing = _FLOW[context]
        return YamlProblem(
            line,
            col,
            f"YAML syntax: {what}: the {brace} opened at line {opened.line + 1}, column {opened.column + 1} is not "
            f"closed (add its {closing}, or the ',' between its entries)",
        )
    return YamlProblem(
        line, col, f"YAML syntax: {what} (fix the YAML at this point; quote text that holds ': ' or '#')"
    )


def _left_open(text: str, opened: tuple[int, int], noticed: int) -> bool:
    """Whether the flow collection opened at ``opened`` (line and column, 0-based) is still open
    at the end of line ``noticed``, where the parser stopped: its brackets counted, quoted text
    skipped. A collection closed by then has a problem of its own (a ': ' in plain text).

    >>> _left_open("a: {b: 1\\nc: 2\\n", (0, 3), 1), _left_open("a: {b: 1,\\nc: x: y}\\n", (0, 3), 1)
    (True, False)
    """
    lines = text.split("\n")
    line, column = opened
    if not line < noticed < len(lines):
        return False
    opening = lines[line][column]
    closing = {"{": "}", "[": "]"}.get(opening)
    if closing is None:
        return False
    depth, quote = 0, ""
    body = "\n".join([lines[line][column:], *lines[line + 1 : noticed + 1]])
    escaped = False
    for ch in body:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\" and quote == '"':
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == opening:
            depth += 1
        elif ch == closing:
            depth -= 1
            if depth == 0:
                return False
    return True


_FLOW = {"while parsing a flow mapping": ("'{'", "'}'"), "while parsing a flow sequence": ("'['", "']'")}


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
