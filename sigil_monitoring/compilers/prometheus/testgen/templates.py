"""Expand alert annotation templates the way Prometheus does, for a test's ``exp_annotations``.

promtool compares expanded annotations exactly, so the generator must know what Prometheus will
print. This covers the subset the compiler and typical specs write: ``{{ $value }}`` (optionally
piped to humanize, humanize1024, humanizeDuration or humanizePercentage), ``{{ $labels.x }}`` and
``{{ if $labels.x }}...{{ else }}...{{ end }}``, and string literals ``{{ "{{" }}``, which is how
``escape.template_text`` writes user text. The humanize functions follow Prometheus'
template/template.go (2.42); ``%.4g`` is the same in Go and Python.

>>> text = "p95 is {{ $value | humanizeDuration }}{{ if $labels.instance }} on {{ $labels.instance }}{{ end }}."
>>> expand(text, 2.425, {})
'p95 is 2.425s.'
>>> expand('{{ "{{" }} not a template', 0.0, {})
'{{ not a template'
>>> expand("a  {{- $value -}}  b{{/* note */}}", 1.5, {})
'a1.5b'
>>> humanize(0.03333333333333333), humanize1024(5368709120.0), humanize_percentage(0.0288)
('33.33m', '5Gi', '2.88%')
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from decimal import Decimal

from ....values.humanize import humanize, humanize1024, humanize_duration, humanize_percentage

# An action ends at the first }} outside a quoted string ({{ "}}" }} is one action). "{{- " and
# " -}}" trim the white space before and after the action (Go's trim markers need that space).
_ACTION = re.compile(
    r"""{{(?P<left>-(?=\s))?\s*(?P<body>(?:"(?:[^"\\]|\\.)*"|`[^`]*`|[^"`])*?)\s*(?P<right>(?<=\s)-)?}}""", re.S
)
_GO_SPACE = " \t\r\n"


class UnsupportedTemplate(ValueError):
    """The annotation uses template syntax this expander does not know."""


def go_float(v: float) -> str:
    """Go's ``%v`` of a float64: shortest digits, exponent form below 1e-4 and from 1e6.

    >>> [go_float(x) for x in (1.0, 0.5, 100000.0, 1e6, 0.00001, 0.30000000000000004)]
    ['1', '0.5', '100000', '1e+06', '1e-05', '0.30000000000000004']
    """
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    if v == 0:
        return "0"
    d = Decimal(repr(v)).normalize()
    sign, digits, exp = d.as_tuple()
    exponent = len(digits) + int(exp) - 1
    if exponent < -4 or exponent >= 6:  # strconv: shortest 'g' decides with precision 6
        text = "".join(map(str, digits))
        body = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{'-' if sign else ''}{body}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    return format(d, "f")


def whole(v: float, exact: bool = True) -> str:
    """Go's ``printf "%.0f"`` of a float64 (both round the exact binary value half to even). A
    value known to a few digits (``exact`` False) that lies at a half cannot be predicted.

    >>> whole(2484.6), whole(2.5), whole(3.5), whole(1e21)
    ('2485', '2', '4', '1000000000000000000000')
    """
    if math.isnan(v) or math.isinf(v):
        return "NaN" if math.isnan(v) else "+Inf" if v > 0 else "-Inf"
    if not exact and abs(abs(v) % 1 - 0.5) < 1e-6:
        raise UnsupportedTemplate('printf "%.0f" of a value at a half')
    return format(v, ".0f")


_PIPES = {
    "humanize": humanize,
    "humanize1024": humanize1024,
    "humanizeDuration": humanize_duration,
    "humanizePercentage": humanize_percentage,
}


_GO_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_GO_ESCAPES = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)")


def go_unquote(literal: str) -> str:
    r"""The value of a Go string literal as ``escape.go_string`` writes it.

    >>> go_unquote(r'"a\"b\n\u00e9 {{"')
    'a"b\né {{'
    """
    simple = {"n": "\n", "t": "\t", "r": "\r"}
    return _GO_ESCAPES.sub(
        lambda m: (
            chr(int(m.group(1)[1:], 16))
            if m.group(1)[0] in "uU" and len(m.group(1)) > 1
            else simple.get(m.group(1), m.group(1))
        ),
        literal[1:-1],
    )


def _value(action: str, value: float, labels: Mapping[str, str], exact: bool) -> str:
    if _GO_STRING.fullmatch(action):
        return go_unquote(action)
    parts = [p.strip() for p in action.split("|")]
    head, pipes = parts[0], parts[1:]
    if head in ("$value", ".Value"):
        if not pipes and exact:
            return go_float(value)
        if len(pipes) == 1 and pipes[0] in _PIPES:
            return _PIPES[pipes[0]](value)
    if len(parts) == 1 and (m := re.fullmatch(r"(\w+) \$value", head)) and m.group(1) in _PIPES:
        return _PIPES[m.group(1)](value)
    if len(parts) == 1 and re.fullmatch(r'printf "%\.0f" (?:\$value|\.Value)', head):
        return whole(value, exact)
    if not pipes and (m := re.fullmatch(r"(?:\$labels|\.Labels)\.(\w+)", head)):
        return labels.get(m.group(1), "")
    raise UnsupportedTemplate(action)


@functools.lru_cache(maxsize=1024)
def _actions(text: str) -> tuple[tuple[int, int, bool, bool, str], ...]:
    """(start, end, trims the text before, trims the text after, body) of each action in ``text``.

    Found once per text: a burn test expands each annotation of its alert at two ratios
    (firing and the lowest threshold's edge), and the long description's scan was most of that.
    """
    return tuple(
        (m.start(), m.end(), bool(m.group("left")), bool(m.group("right")), m.group("body"))
        for m in _ACTION.finditer(text)
    )


def expand(text: str, value: float, labels: Mapping[str, str], *, exact: bool = True) -> str:
    """``text`` as Prometheus expands it for an alert with ``value`` and ``labels``.

    ``exact`` False: ``value`` is known only to a few digits (Prometheus computes it through float
    rates, e.g. ``0.011000000000000138`` for a fed 0.011), so a bare ``{{ $value }}``, printed with
    every digit, raises ``UnsupportedTemplate``; the humanize functions print four.

    >>> expand("{{ $value | humanizePercentage }}", 0.011, {}, exact=False)
    '1.1%'
    """
    if "{{" not in text:  # no action (most annotations: links, summaries): the text as it is
        return text
    out: list[str] = []
    stack: list[bool] = []  # for each open `if`: is its current branch shown

    def showing() -> bool:
        return all(stack)

    pos = 0
    trim_next = False
    for start, end, left, right, action in _actions(text):
        if showing():
            before = text[pos:start]
            before = before.lstrip(_GO_SPACE) if trim_next else before
            out.append(before.rstrip(_GO_SPACE) if left else before)
        pos, trim_next = end, right
        if action.startswith("/*") and action.endswith("*/"):
            continue  # a comment prints nothing
        if action.startswith("if "):
            label = re.fullmatch(r"if (?:\$labels|\.Labels)\.(\w+)", action)
            if label is None:
                raise UnsupportedTemplate(action)
            stack.append(bool(labels.get(label.group(1), "")))
        elif action == "else" and stack:
            stack[-1] = not stack[-1]
        elif action == "end" and stack:
            stack.pop()
        elif showing():
            out.append(_value(action, value, labels, exact))
    if stack:
        raise UnsupportedTemplate("unclosed if")
    if showing():
        out.append(text[pos:].lstrip(_GO_SPACE) if trim_next else text[pos:])
    return "".join(out)
