"""Reading YAML safely: size limit, strict UTF-8, alias-bomb guard, and a fast parser by default.

The fast path is ruamel's safe loader on libyaml's C parser (``ruamel.yaml.clib`` is a
dependency, so every installation takes it). The round-trip loader is pure Python and about
7 times slower; it runs only to find positions for error messages, and as the judge when libyaml
rejects a document (libyaml refuses a plain URL inside a flow mapping, ruamel accepts it) or the
document may hold tags, anchors or complex keys (the two read some of those differently). Wherever both parsers accept
a document they read the same data; ``tests/test_loader_properties.py`` checks that.
"""

from __future__ import annotations

from typing import Any

MAX_BYTES = 1024 * 1024
MAX_NODES = 100_000


class YamlProblem(Exception):
    """A document that cannot be read as data; line/col are 1-based."""

    def __init__(self, line: int, col: int, message: str) -> None:
        super().__init__(message)
        self.line, self.col, self.message = line, col, message


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise YamlProblem(1, 1, f"the file is {len(data)} bytes, over the {MAX_BYTES}-byte limit (split the spec or trim it)")
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

    return YAML(typ="safe").load(text)


class _UseRoundTrip(Exception):
    pass


def load(text: str) -> Any:
    """Parse ``text``; raise ``YamlProblem`` with the round-trip parser's position on failure."""
    from ruamel.yaml.error import YAMLError

    try:
        if any(c in text for c in "!&?"):
            # Tags, anchors and complex keys are read differently by libyaml and ruamel's parser
            # (a bare "!" is "" for one and None for the other; "&1:" names an anchor "1:" for
            # ruamel only), so the round-trip parser decides files that may use them.
            raise _UseRoundTrip
        data = _load_fast(text)
    except (YAMLError, _UseRoundTrip, ValueError, TypeError):
        try:
            data = load_round_trip(text)
        except YAMLError as exc:
            raise _problem(exc) from None
        except (ValueError, TypeError) as exc:  # e.g. a list used as a mapping key
            raise YamlProblem(1, 1, f"YAML structure not allowed in a spec: {exc} (use plain text keys)") from None
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
    return YamlProblem(line, col, f"YAML syntax: {what} (fix the YAML at this point; quote text that holds ': ' or '#')")


def _check_size(data: Any) -> None:
    """Refuse documents whose aliases expand to more nodes than any real spec has."""
    budget = MAX_NODES
    stack = [data]
    while stack:
        node = stack.pop()
        budget -= 1
        if budget < 0:
            raise YamlProblem(1, 1, f"the document expands to more than {MAX_NODES} values (remove the nested aliases; is it an alias bomb?)")
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
