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

import json
import re
import unicodedata
from decimal import Decimal
from typing import Any

# Plain scalars we can leave unquoted: start with a letter or one of a few safe characters, no
# ': ', ' #', or flow indicators; YAML 1.1 booleans and nulls are quoted.
_PLAIN = re.compile(r"^[A-Za-z_./$(][^\n\r\t#:{}\[\],&*!|>'\"%@`]*$")
_PLAIN_WITH_COLON = re.compile(r"^[A-Za-z_./$(][^\n\r\t#{}\[\],&*!|>'\"%@`]*$")
_DURATION = re.compile(r"^(\d+(ms|[smhdwy]))+$")
_AMBIGUOUS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ""}


def to_json(document: Any) -> bytes:
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, default=_default) + "\n").encode("utf-8")


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


def to_yaml(document: Any, header: str | None = None) -> bytes:
    lines = [f"# {line}" if line else "#" for line in header.splitlines()] if header else []
    _emit(document, 0, lines, None)
    return ("\n".join(lines) + "\n").encode("utf-8")


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
        from .spec.units import format_decimal

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
    return not text.isprintable() and any(_unsafe(ch) for ch in text if not ch.isprintable())


def _quoted(text: str) -> str:
    body = json.dumps(text, ensure_ascii=False)
    if not _has_unsafe(body):
        return body
    return "".join(f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 and _unsafe(ch) else ch for ch in body)


def _string(text: str) -> str:
    if _has_unsafe(text):
        return _quoted(text)
    if _DURATION.match(text):
        return text
    plain = _PLAIN_WITH_COLON if ": " not in text and not text.endswith(":") else _PLAIN
    if (
        plain.match(text)
        and text.lower() not in _AMBIGUOUS
        and text == text.strip()
        and not _looks_numeric(text)
    ):
        return text
    return _quoted(text)


def _looks_numeric(text: str) -> bool:
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
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            _line(out, prefix, pad, "{}")
            return
        first = True
        for key, item in value.items():
            head = f"{_string(str(key))}:"
            if prefix is not None and first:
                lead = prefix
            else:
                lead = pad
            first = False
            _emit_item(head, item, indent, out, lead)
        return
    if isinstance(value, list):
        if not value:
            _line(out, prefix, pad, "[]")
            return
        first = True
        for item in value:
            lead = prefix if (prefix is not None and first) else pad
            first = False
            if isinstance(item, (dict, list)) and item:
                _emit(item, indent + 2, out, lead + "- ")
            else:
                out.append(f"{lead}- {_inline(item, indent + 2)}")
        return
    _line(out, prefix, pad, _inline(value, indent))


def _emit_item(head: str, item: Any, indent: int, out: list[str], lead: str) -> None:
    if isinstance(item, dict) and item:
        out.append(f"{lead}{head}")
        _emit(item, indent + 2, out, None)
    elif isinstance(item, list) and item:
        out.append(f"{lead}{head}")
        _emit(item, indent + 2, out, None)
    else:
        out.append(f"{lead}{head} {_inline(item, indent + 2)}")


def _inline(value: Any, indent: int) -> str:
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


def _line(out: list[str], prefix: str | None, pad: str, text: str) -> None:
    out.append(f"{prefix if prefix is not None else pad}{text}")
