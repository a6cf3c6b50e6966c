"""Deterministic bytes for every artifact: JSON, YAML and text.

JSON: sorted keys, 2-space indent, trailing newline. YAML: a small emitter of our own, because
output must be byte-stable and readable by YAML 1.1 parsers too (Prometheus and Alertmanager use
go-yaml, which reads a plain ``yes`` or ``on`` as a boolean): keys keep the order compilers give,
ambiguous strings are double-quoted, multi-line strings become literal blocks.

>>> print(to_yaml({"groups": [{"name": "a", "rules": [{"expr": "up == 0", "labels": {"v": "yes"}}]}]}).decode(), end="")
groups:
  - name: a
    rules:
      - expr: up == 0
        labels:
          v: "yes"
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache
from json.encoder import encode_basestring as _json_str  # C, and as ensure_ascii=False writes
from typing import Any, Protocol

import msgspec

# Plain scalars we can leave unquoted: start with a letter or one of a few safe characters, no
# ': ', ' #', or flow indicators; YAML 1.1 booleans and nulls are quoted.
_PLAIN = re.compile(r"^[A-Za-z_./$(][^\n\r\t#:{}\[\],&*!|>'\"%@`]*$")
_PLAIN_WITH_COLON = re.compile(r"^[A-Za-z_./$(][^\n\r\t#{}\[\],&*!|>'\"%@`]*$")
_DURATION = re.compile(r"^(\d+(ms|[smhdwy]))+$")
_AMBIGUOUS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ""}


def to_json(document: Any) -> bytes:
    """``json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)`` and a newline, byte for byte.

    Our own walk because the standard library's C encoder ignores ``indent``: with it, ``json``
    falls back to a pure-Python generator per value, several times slower than this loop, and a
    dashboard of 1,000 SLOs is 4 MB of JSON. tests/test_render.py checks the two agree.

    A document of plain JSON values only (str keys; no Decimal, NaN or infinity; no float that
    either writes in exponent form, as ``json`` writes ``1e+16`` and ``1e-05``) is encoded and indented by
    msgspec, in C: the same bytes (tests/test_render.py), in 0.10 s against the walk's 0.17 s for
    the dashboard of 1,000 SLOs (8.5 MB). Anything else takes the walk below.

    >>> to_json({"b": [1.5, None], "a": {}})
    b'{\\n  "a": {},\\n  "b": [\\n    1.5,\\n    null\\n  ]\\n}\\n'
    >>> to_json({"a": 1e16}) == b'{\\n  "a": 1e+16\\n}\\n'
    True
    >>> to_json([1e-05]) == b'[\\n  1e-05\\n]\\n'
    True
    """
    if type(document) is PlainDocument or _plain(document):
        compact = _ENCODER.encode(document)
        indented = msgspec.json.format(compact, indent=2)
        del compact  # a dashboard of 10,000 SLOs is 85 MB: hold two copies at most, not three
        return indented + b"\n"
    return (_json(document, "\n") + "\n").encode("utf-8")


_ENCODER = msgspec.json.Encoder(order="sorted")


class PlainDocument(dict[str, Any]):
    """A JSON object whose builder checked, as it built it, what ``_plain`` checks: ``to_json``
    takes msgspec's path without walking it again (``GrafanaModel.json_document``)."""


# The scalars msgspec writes as json does, whatever their value.
PLAIN_SCALARS = frozenset({str, int, bool, type(None)})


def _plain(document: Any) -> bool:
    """Whether msgspec writes every value of ``document`` as ``json`` does (see ``to_json``)."""
    stack = [document]
    pop, extend = stack.pop, stack.extend
    while stack:
        value = pop()
        kind = type(value)
        if kind is dict:
            for key in value:
                if type(key) is not str:
                    return False
            extend(value.values())
        elif kind is list or kind is tuple:
            extend(value)
        elif kind is float:
            if not plain_float(value):
                return False
        elif kind not in PLAIN_SCALARS:
            return False
    return True


def plain_float(value: float) -> bool:
    """Whether msgspec writes ``value`` as ``json`` does.

    They differ exactly when json's (repr's) form has an exponent (1e-05 is 0.00001 to msgspec,
    1e+16 is 1e16), and for NaN and infinity: msgspec writes an exponent only where repr does
    (tests/test_render.py), so the encoded text needs no search for one.

    >>> plain_float(0.25), plain_float(1e-05), plain_float(float("nan"))
    (True, False, False)
    """
    return value == value and value not in _INFINITIES and "e" not in float.__repr__(value)


_INFINITIES = (float("inf"), float("-inf"))


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


def _json(value: Any, newline: str) -> str:
    """``value`` as ``json`` writes it with ``indent=2``; ``newline`` is a line break and the current indent.

    Each container is joined into one string before its parent goes on: one list of every
    small piece of a 40 MB dashboard took seven times the output's size in memory.
    """
    kind = type(value)
    if kind is str:
        return _json_str(value)
    if kind is not dict and kind is not list and kind is not tuple:
        return _json_other(value, newline)
    if not value:
        return "{}" if kind is dict else "[]"
    out: list[str] = []
    append = out.append
    inner = newline + "  "
    comma = "," + inner
    sep = inner
    # One piece per item (separator, key and value in one f-string): fewer, larger pieces to join.
    if kind is dict:
        append("{")
        for key, item in sorted(value.items()):
            head = _json_str(key) if type(key) is str else _json_key(key)
            if type(item) is str:  # most values: skip a call
                append(f"{sep}{head}: {_json_str(item)}")
            elif item is None or type(item) is bool:
                append(f"{sep}{head}: {_JSON_CONSTANTS[item]}")
            elif type(item) is int:
                append(f"{sep}{head}: {int.__repr__(item)}")
            else:
                append(f"{sep}{head}: {_json(item, inner)}")
            sep = comma
        append(newline + "}")
    else:
        append("[")
        for item in value:
            if type(item) is str:
                append(sep + _json_str(item))
            elif type(item) is int:
                append(sep + int.__repr__(item))
            else:
                append(sep + _json(item, inner))
            sep = comma
        append(newline + "]")
    return "".join(out)


def _json_other(value: Any, newline: str) -> str:
    """Everything but plain str, dict, list and tuple, in the order of the checks ``json`` makes."""
    if isinstance(value, str):
        return _json_str(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _json_float(value)
    if isinstance(value, (list, tuple)):
        return _json(list(value), newline)
    if isinstance(value, dict):
        return _json(dict(value), newline)
    return _json(_default(value), newline)


_JSON_CONSTANTS = {None: "null", True: "true", False: "false"}


def _json_key(key: Any) -> str:
    if isinstance(key, str):
        return _json_str(key)
    if isinstance(key, float):
        return _json_str(_json_float(key))
    if key is True or key is False or key is None:
        return _json_str(_JSON_CONSTANTS[key])
    if isinstance(key, int):
        return _json_str(int.__repr__(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _json_float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def to_yaml(document: Any, header: str | None = None) -> bytes:
    """``document`` (dicts, lists and scalars) as YAML, after ``header`` as comment lines."""
    lines = _header_lines(header)
    _emit(document, 0, lines, None)
    return ("\n".join(lines) + "\n").encode("utf-8")


class YamlRecord(Protocol):
    """A compiler's record that writes its own YAML (an artifact of format ``"yaml-record"``)."""

    def yaml_lines(self, out: list[str]) -> None:
        """Append the lines ``to_yaml(self.document())`` would write, without building that document."""

    def document(self) -> dict[str, Any]:
        """The dicts and lists the record stands for: what its test compares ``yaml_lines`` with."""


def record_to_yaml(record: YamlRecord, header: str | None = None) -> bytes:
    """``record`` as YAML, written from its fields: ``scalar`` for the text of each value,
    ``mapping_lines`` for a mapping of labels, without building the dicts and lists of its
    document first. The bytes are ``to_yaml(record.document(), header)``'s; each such record has
    a test comparing the two on varied input (``tests/test_rules_text.py``,
    ``tests/test_testgen_text.py``)."""
    lines = _header_lines(header)
    record.yaml_lines(lines)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _header_lines(header: str | None) -> list[str]:
    return [f"# {line}" if line else "#" for line in header.splitlines()] if header else []


def list_head(head: str, filled: bool, out: list[str]) -> bool:
    """Append ``head`` (a key, after its indent or ``- ``) as ``to_yaml`` writes the key of a list:
    alone on its line when the list is ``filled`` (its items follow), else with ``[]``; ``filled``.

    >>> out: list[str] = []
    >>> list_head("rules", False, out), out
    (False, ['rules: []'])
    """
    out.append(f"{head}:" if filled else f"{head}: []")
    return filled


def mapping_lines(head: str, pairs: Iterable[tuple[Any, Any]], indent: int, out: list[str]) -> None:
    """Append ``head`` (a key, after its indent or ``- ``) and under it the mapping ``dict(pairs)``
    of scalar values, as ``to_yaml`` writes a key of a mapping at ``indent``: ``{}`` when empty; a
    repeated name at its first place with its last value, as ``dict`` keeps it.

    >>> out: list[str] = []
    >>> mapping_lines("  - labels", (("severity", "page"), ("on", "yes")), 4, out)
    >>> print("\\n".join(out))
      - labels:
          severity: page
          "on": "yes"
    """
    entries = dict(pairs)
    if not entries:
        out.append(f"{head}: {{}}")
        return
    out.append(f"{head}:")
    pad = " " * (indent + 2)
    inner = indent + 4
    string = _string
    for name, value in entries.items():  # labels and annotations: mostly one-line text, one call each
        head = string(name) if type(name) is str else string(str(name))
        if type(value) is str and "\n" not in value:
            out.append(f"{pad}{head}: {string(value)}")
        else:
            out.append(f"{pad}{head}: {_inline(value, inner)}")


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        from ..values.units import format_decimal

        return format_decimal(value)
    if isinstance(value, str):
        return _string(value)
    raise TypeError(f"cannot render {type(value).__name__} as YAML")


def _unsafe(ch: str) -> bool:
    """Characters YAML parsers treat as breaks or refuse raw (NEL, U+2028, controls, BOM)."""
    return ch != "\n" and (unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn") or ch == "\x85")


def _has_unsafe(text: str) -> bool:
    # str.isprintable is C-fast and False for every unsafe character, so most text never reaches
    # the per-character check.
    if text.isprintable():
        return False
    # A multi-line expression or description: line breaks are safe, and without them the rest is
    # usually printable, which spares the per-character walk below.
    if "\n" in text and text.replace("\n", "").isprintable():
        return False
    return any(_unsafe(ch) for ch in text if not ch.isprintable())


def _quoted(text: str) -> str:
    body = _json_str(text)  # what json.dumps(text, ensure_ascii=False) returns, without its dispatch
    if not _has_unsafe(body):
        return body
    return "".join(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 and _unsafe(ch) else ch for ch in body)


@lru_cache(maxsize=16384)
def _string(text: str) -> str:
    """A string as a YAML scalar: plain when that reads back as the same string, else double-quoted.

    Cached: a rules or tests file repeats the same few dozen keys and label values thousands of
    times (at 1,000 SLOs, 570,000 strings of which 44,000 distinct), and this check is the
    emitter's hot spot. Bounded, so a spec of many distinct strings does not grow it without end.
    """
    if _has_unsafe(text):
        return _quoted(text)
    if _DURATION.match(text):
        return text
    plain = _PLAIN_WITH_COLON if ": " not in text and not text.endswith(":") else _PLAIN
    if plain.match(text) and text.lower() not in _AMBIGUOUS and text == text.strip() and not _looks_numeric(text):
        return text
    return _quoted(text)


# A character no ASCII text that float() reads can hold (digits, sign, point, exponent, the
# letters of inf/infinity/nan, whitespace; ``_`` is removed first). Most strings hold one, and
# finding it is far cheaper than the ValueError float() would raise.
_NOT_IN_A_NUMBER = re.compile(r"[^0-9+\-._eEiInNfFaAtTyY \t\n\r\x0b\x0c\x1c-\x1f]")


def _looks_numeric(text: str) -> bool:
    if text.isascii() and _NOT_IN_A_NUMBER.search(text):
        return False
    try:
        float(text.replace("_", ""))
        return True
    except ValueError:
        return text.startswith(".") and text[1:].lower() in ("inf", "nan")


def _block_ok(text: str) -> bool:
    """Literal blocks keep text byte for byte only when no line has edge whitespace or controls."""
    if "\n" not in text.rstrip("\n") or text.endswith("\n\n") or text.startswith((" ", "\n")):
        return False
    if _has_unsafe(text):
        return False
    return all(line == line.rstrip() and "\t" not in line and "\r" not in line for line in text.split("\n"))


def _emit(value: Any, indent: int, out: list[str], prefix: str | None) -> None:
    """Append the lines of ``value`` at ``indent``; the first line starts with ``prefix`` (``- ``
    of a list item) instead of the indent."""
    pad = " " * indent
    lead = pad if prefix is None else prefix
    if isinstance(value, dict):
        if not value:
            out.append(lead + "{}")
        else:
            _emit_mapping(value, indent, pad, lead, out)
        return
    if isinstance(value, list):
        if not value:
            out.append(lead + "[]")
        else:
            _emit_sequence(value, indent, pad, lead, out)
        return
    out.append(lead + _inline(value, indent))


# The two loops below test the exact types first: the generated documents are plain dicts, lists
# and one-line strings, so the common item costs one type test and one cached ``_string``.
# Anything else (a subclass, a literal block, a number) takes the general ``_emit``/``_inline``.


def _emit_mapping(value: dict[Any, Any], indent: int, pad: str, lead: str, out: list[str]) -> None:
    inner = indent + 2
    append = out.append
    for name, item in value.items():
        head = _string(name) if type(name) is str else _string(str(name))
        kind = type(item)
        if kind is str and "\n" not in item:
            append(f"{lead}{head}: {_string(item)}")
        elif kind is dict and item:
            append(f"{lead}{head}:")
            _emit_mapping(item, inner, pad + "  ", pad + "  ", out)
        elif kind is list and item:
            append(f"{lead}{head}:")
            _emit_sequence(item, inner, pad + "  ", pad + "  ", out)
        elif isinstance(item, (dict, list)) and item:
            append(f"{lead}{head}:")
            _emit(item, inner, out, None)
        elif kind is Rendered:
            if item.indent != inner:
                raise ValueError(f"items rendered at indent {item.indent} placed at {inner}: a bug in sigil-monitoring")
            append(f"{lead}{head}:" if item.text else f"{lead}{head}: []")
            if item.text:
                append(item.text)
        else:
            append(f"{lead}{head}: {_inline(item, inner)}")
        lead = pad


class Rendered(msgspec.Struct, frozen=True):
    """The items of a list, written already (``item_lines``): placed in a document as the value of
    a key, ``to_yaml`` writes ``text`` as it is (``[]`` when empty). Their lines depend on the
    items and their indent only, so a file whose list gathers every service's items (Alertmanager's
    receivers) is assembled from each service's text; a fleet compile keeps that text of the
    services it does not load (``compilers/alertmanager/pieces.py``).

    >>> item = item_lines([{"name": "b"}], 2)
    >>> to_yaml({"receivers": Rendered(item, 2)}) == to_yaml({"receivers": [{"name": "b"}]})
    True
    """

    text: str  # the items' lines, joined by newlines; "" for none
    indent: int  # where the items' ``- `` sits: two more than their key's indent


def item_lines(items: list[Any], indent: int) -> str:
    """The lines ``to_yaml`` writes for ``items`` in a list whose key sits at ``indent - 2``,
    joined by newlines ("" for none): the text of a ``Rendered``."""
    out: list[str] = []
    pad = " " * indent
    if items:
        _emit_sequence(items, indent, pad, pad, out)
    return "\n".join(out)


def mapping_text(mapping: dict[Any, Any], indent: int) -> str:
    """The lines ``to_yaml`` writes for the keys of ``mapping`` in a mapping at ``indent`` that
    holds other keys before them, joined by newlines: the rest of a list item written in part."""
    out: list[str] = []
    pad = " " * indent
    if mapping:
        _emit_mapping(mapping, indent, pad, pad, out)
    return "\n".join(out)


def _emit_sequence(value: list[Any], indent: int, pad: str, lead: str, out: list[str]) -> None:
    inner = indent + 2
    append = out.append
    for item in value:
        kind = type(item)
        if kind is str and "\n" not in item:
            append(f"{lead}- {_string(item)}")
        elif kind is dict and item:
            _emit_mapping(item, inner, pad + "  ", lead + "- ", out)
        elif isinstance(item, (dict, list)) and item:
            _emit(item, inner, out, lead + "- ")
        else:
            append(f"{lead}- {_inline(item, inner)}")
        lead = pad


def _inline(value: Any, indent: int) -> str:
    """A mapping value or list item that is no non-empty container, as ``to_yaml`` writes it
    after its key (or ``- ``) on a line whose key or item sits at ``indent - 2``.

    >>> scalar("up == 0", 2), scalar([], 2), scalar("a\\nb", 4)
    ('up == 0', '[]', '|-\\n    a\\n    b')
    """
    if type(value) is str and "\n" not in value:
        return _string(value)  # the common case; a literal block needs a line break
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    if isinstance(value, str) and _block_ok(value):
        chomp = "" if value.endswith("\n") else "-"
        body = value[:-1] if value.endswith("\n") else value
        pad = " " * indent
        return f"|{chomp}\n" + "\n".join(f"{pad}{line}" if line else "" for line in body.split("\n"))
    return _scalar(value)


# The name records writing their own lines use (``to_yaml``): the same function, no extra call.
scalar = _inline
