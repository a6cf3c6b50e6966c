"""The one writer of spec YAML: a plain spec structure in, commented, deterministic text out.

Every command that drafts a spec for the user (``adopt``, ``init``, ``convert``) writes it here,
so every draft looks the same: the schema modeline that editors read first, a header comment
block, comments above the keys the caller chose, small leaf mappings and lists in flow style
(``selector: {job: api}``), multi-line text as literal blocks, keys in the caller's order. The
output never depends on anything but the arguments, and ``dump_spec`` re-reads what it wrote
with the spec loader's own YAML reader and refuses text that would load as other data.

>>> print(dump_spec(
...     {"apiVersion": "sigil-monitoring/v1",
...      "service": {"name": "api", "selector": {"job": "api"}},
...      "metrics": {"requests": {"name": "http_requests_total", "type": "counter"}}},
...     header=["Drafted by: sigil-monitoring init --job api"],
...     comments={("metrics", "requests"): "from # TYPE http_requests_total counter"},
... ), end="")
# yaml-language-server: $schema=../schemas/spec.schema.json
# Drafted by: sigil-monitoring init --job api
apiVersion: sigil-monitoring/v1
service:
  name: api
  selector: {job: api}
metrics:
  # from # TYPE http_requests_total counter
  requests: {name: http_requests_total, type: counter}
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any

# Where the modeline points when the caller does not say: the layout of the checkout's own specs
# (specs/*.yaml beside schemas/).
DEFAULT_SCHEMA = "../schemas/spec.schema.json"

# A leaf mapping or list longer than this is written in block style: flow style is for the short
# ones that read as one value (a selector, a label list).
_FLOW_WIDTH = 100

Path = tuple[str | int, ...]


class RoundTripError(Exception):
    """The YAML written would not load back as the data given: a bug in the writer."""


def dump_spec(
    spec: Mapping[str, Any],
    *,
    header: Sequence[str] = (),
    comments: Mapping[Path, str] | None = None,
    footer: str = "",
    schema: str = DEFAULT_SCHEMA,
) -> str:
    """``spec`` as YAML text: modeline, ``header`` lines as comments, then the document.

    ``comments`` maps the path of a key (``("alerts", "HighErrorRate")``) to a comment written on
    the lines above it (several lines allowed). ``footer`` is comment text after the document, e.g.
    suggestions left commented out (see ``commented_out``). Values are plain data: dicts, lists,
    str, int, float, bool, None.

    >>> print(dump_spec({"note": "two\\nlines\\n"}, schema="spec.schema.json"), end="")
    # yaml-language-server: $schema=spec.schema.json
    note: |
      two
      lines
    >>> dump_spec({"a": 1}, comments={("b",): "nowhere"})
    Traceback (most recent call last):
    ...
    KeyError: "comment for ('b',): no such key in the spec"
    """
    from ruamel.yaml import YAML

    tree = _commented(spec)
    for path, text in (comments or {}).items():
        _attach(tree, path, text)
    yaml = YAML(typ="rt")
    yaml.width = 4096  # never fold a long query over lines: the user reads and greps it
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(tree, out)
    lines = [f"# yaml-language-server: $schema={schema}", *_comment_lines("\n".join(header))]
    text = "\n".join(lines) + "\n" + out.getvalue() + "".join(f"{line}\n" for line in _comment_lines(footer))
    _check_round_trip(text, spec)
    return text


def commented_out(data: Mapping[str, Any], indent: int = 0) -> str:
    """``data`` as YAML text to put in a comment: uncommenting it gives valid YAML where it stands
    (``indent`` spaces in: under a key of that depth).

    >>> print(commented_out({"slos": {"availability": {"objective": "99.9%"}}}), end="")
    slos:
      availability: {objective: 99.9%}
    >>> print(commented_out({"latency": {"objective": "99%"}}, indent=2), end="")
      latency: {objective: 99%}
    """
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(_commented(data), out)
    return "".join(" " * indent + line + "\n" for line in out.getvalue().splitlines())


def schema_for(out: str | os.PathLike[str], schema_file: str | os.PathLike[str] = "schemas/spec.schema.json") -> str:
    """The modeline's schema path for a spec written to ``out``: ``schema_file`` relative to it when
    ``out`` is inside the working directory (a checkout), else ``DEFAULT_SCHEMA``.

    >>> schema_for("specs/new.yaml")
    '../schemas/spec.schema.json'
    >>> schema_for("new.yaml")
    'schemas/spec.schema.json'
    >>> schema_for("/elsewhere/new.yaml") == DEFAULT_SCHEMA
    True
    """
    here = os.path.dirname(os.path.abspath(out))
    if os.path.commonpath([here, os.getcwd()]) != os.getcwd():
        return DEFAULT_SCHEMA
    return os.path.relpath(os.path.abspath(schema_file), here).replace(os.sep, "/")


def _commented(value: Any) -> Any:
    """Plain data as ruamel's round-trip types, with the house style chosen per node."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

    if isinstance(value, Mapping):
        node = CommentedMap((_commented(key), _commented(item)) for key, item in value.items())
        node.fa.set_flow_style() if _is_short_leaf(value.values(), value.keys()) else node.fa.set_block_style()
        return node
    if isinstance(value, (list, tuple)):
        seq = CommentedSeq(_commented(item) for item in value)
        seq.fa.set_flow_style() if _is_short_leaf(value, ()) else seq.fa.set_block_style()
        return seq
    if isinstance(value, str) and _needs_escapes(value):
        return DoubleQuotedScalarString(value)
    if isinstance(value, str) and "\n" in value.rstrip("\n") and _literal_safe(value):
        return LiteralScalarString(value)
    return value


def _is_short_leaf(values: Any, keys: Any) -> bool:
    """Flow style suits a non-empty collection of short one-line scalars."""
    items = [*keys, *values]
    if not items or any(isinstance(item, (Mapping, list, tuple)) for item in items):
        return False
    if any(isinstance(item, str) and not _FLOW_SAFE.fullmatch(item) for item in items):
        return False
    return sum(len(str(item)) + 2 for item in items) <= _FLOW_WIDTH


# Text that reads the same as a plain scalar inside a flow collection: ruamel's emitter writes
# "?0" or ":0" plain there, which no YAML reader accepts, so anything else goes in block style
# (where the emitter quotes what needs quoting).
_FLOW_SAFE = re.compile(r"[A-Za-z0-9_$][A-Za-z0-9_ ./%$+-]*(?<! )")


def _needs_escapes(text: str) -> bool:
    """Text with a character YAML must escape (control characters, Unicode line breaks): the emitter
    writes such text raw in a plain or block scalar, where the reader refuses or changes it."""
    return any(not char.isprintable() and char not in "\n" for char in text)


def _literal_safe(text: str) -> bool:
    """A literal block keeps text exactly unless a line ends in a space or it holds a tab or CR."""
    return not any(line != line.rstrip() for line in text.split("\n")) and "\t" not in text and "\r" not in text


def _comment_lines(text: str) -> list[str]:
    return [f"# {line}".rstrip() for line in text.splitlines()] if text else []


def _attach(tree: Any, path: Path, text: str) -> None:
    """Put ``text`` on the lines above the key at ``path``, indented as that key is."""
    from ruamel.yaml.comments import CommentedMap

    parent = tree
    for step in path[:-1]:
        try:
            parent = parent[step]
        except (KeyError, IndexError, TypeError):
            raise KeyError(f"comment for {path}: no such key in the spec") from None
    key = path[-1]
    if not isinstance(parent, CommentedMap) or key not in parent:
        raise KeyError(f"comment for {path}: no such key in the spec")
    if parent.fa.flow_style():  # a comment inside a flow mapping has nowhere to go
        parent.fa.set_block_style()
    # ruamel's yaml_set_comment_before_after_key puts its text on the lines above the key.
    parent.yaml_set_comment_before_after_key(key, before=text, indent=2 * (len(path) - 1))


def _check_round_trip(text: str, spec: Mapping[str, Any]) -> None:
    """Refuse text that the spec loader would read as anything but ``spec``."""
    from ..spec.yaml_io import load

    if load(text) != _plain(spec):
        raise RoundTripError("the YAML written does not load back as the spec it was given")


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value
