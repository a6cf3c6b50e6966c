"""A checker for the Go text/template subset Prometheus accepts in alert annotations.

Fields the spec documents as templated (an alert's ``description``) are parsed here when the spec
is validated, so a template Prometheus would refuse (``promtool check rules``: "unclosed action",
"function not defined", "undefined variable", "unexpected {{end}}") is a spec error pointing at the
field, not a rule file that fails later. The grammar is Go's text/template
(https://pkg.go.dev/text/template) lexed as its lexer does; the functions are Go's builtins and
the ones Prometheus 2.42 adds (template/template.go), the variables those Prometheus defines.

>>> problem("{{ $value | humanize }} on {{ $labels.instance }}") is None
True
>>> problem("{{ $value")
'unclosed action at character 1'
>>> problem('{{ with query "up" }}{{ . | first | value }}{{ end }}') is None
True
>>> problem("{{ if $labels.x }}a")
'unexpected end of text: {{ if }} at character 1 has no {{ end }}'
>>> problem("{{ $nope }}")
'undefined variable $nope at character 4'
>>> problem("{{ $value$value }}")
"bad character '$' in the action at character 1"
>>> problem('{{ $x := 1$value }}')
"unexpected '$value' right after '1' in the action at character 1"
"""

from __future__ import annotations

import re

GO_FUNCTIONS = frozenset(
    {
        "and",
        "or",
        "not",
        "len",
        "index",
        "slice",
        "print",
        "printf",
        "println",
        "html",
        "js",
        "urlquery",
        "eq",
        "ne",
        "lt",
        "le",
        "gt",
        "ge",
        "call",
    }
)
PROMETHEUS_FUNCTIONS = frozenset(
    {
        "query",
        "first",
        "label",
        "value",
        "strvalue",
        "args",
        "reReplaceAll",
        "safeHtml",
        "match",
        "title",
        "toUpper",
        "toLower",
        "graphLink",
        "tableLink",
        "sortByLabel",
        "humanize",
        "humanize1024",
        "humanizeDuration",
        "humanizePercentage",
        "humanizeTimestamp",
        "toTime",
        "pathPrefix",
        "externalURL",
        "parseDuration",
    }
)
PROMETHEUS_VARIABLES = frozenset({"$", "$labels", "$externalLabels", "$externalURL", "$value"})
_OPENERS = {"if", "range", "with", "define", "block"}
_KEYWORDS = _OPENERS | {"else", "end", "template", "nil", "true", "false", "break", "continue"}

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<badstring>"(?:[^"\\\n]|\\.)*)
  | (?P<raw>`[^`]*`)
  | (?P<badraw>`[^`]*)
  | (?P<char>'(?:[^'\\\n]|\\.)+')
  | (?P<number>[+-]?(?:0[xX][0-9a-fA-F_]+|\d[\d_]*(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))
  | (?P<declare>:?=)
  | (?P<variable>\$\w*)
  | (?P<field>(?:\.\w+)+|\.)
  | (?P<ident>[A-Za-z_]\w*)
  | (?P<punct>[|(),])
""",
    re.X,
)


class _Problem(Exception):
    pass


def problem(text: str) -> str | None:
    """What Prometheus would refuse in ``text`` as a template, or None when it parses."""
    try:
        _check(text)
    except _Problem as exc:
        return str(exc)
    return None


def _check(text: str) -> None:
    stack: list[tuple[str, int]] = []
    declared = set(PROMETHEUS_VARIABLES)
    pos = 0
    while (start := text.find("{{", pos)) != -1:
        at = start + 1
        inner = start + 2
        if text.startswith("-", inner) and inner + 1 < len(text) and text[inner + 1].isspace():
            inner += 1
        rest = text[inner:].lstrip()
        if rest.startswith("/*"):
            close = text.find("*/", inner)
            if close == -1:
                raise _Problem(f"unclosed comment at character {at}")
            end = re.compile(r"\s*-?}}").match(text, close + 2)
            if end is None:
                raise _Problem(f"comment ends before }} at character {at}")
            pos = end.end()
            continue
        tokens, pos = _lex(text, inner, at)
        _action(tokens, at, stack, declared)
    if stack:
        word, where = stack[-1]
        raise _Problem(f"unexpected end of text: {{{{ {word} }}}} at character {where} has no {{{{ end }}}}")


def _lex(text: str, i: int, at: int) -> tuple[list[tuple[str, str, int]], int]:
    tokens: list[tuple[str, str, int]] = []
    depth = 0
    while True:
        if text.startswith("}}", i) or (text.startswith("-}}", i) and tokens and text[i - 1].isspace()):
            if depth:
                raise _Problem(f"unclosed left parenthesis at character {at}")
            return tokens, i + (2 if text.startswith("}}", i) else 3)
        if i >= len(text):
            raise _Problem(f"unclosed action at character {at}")
        m = _TOKEN.match(text, i)
        if m is None or m.lastgroup in ("badstring", "badraw"):
            what = "unterminated quoted string" if m is not None else f"unexpected {text[i]!r}"
            raise _Problem(f"{what} in the action at character {at}")
        kind, value = m.lastgroup or "", m.group()
        _ends_well(text, kind, m.end(), at)
        if kind == "punct" and value == "(":
            depth += 1
        elif kind == "punct" and value == ")":
            if depth == 0:
                raise _Problem(f"unexpected right parenthesis at character {at}")
            depth -= 1
        if kind != "space":
            if tokens and _glued(tokens[-1], kind, value, i):
                raise _Problem(f"unexpected {value!r} right after {tokens[-1][1]!r} in the action at character {at}")
            tokens.append((kind, value, i + 1))
        i = m.end()


def _declares(tokens: list[tuple[str, str, int]], i: int) -> bool:
    """Whether the ``:=``/``=`` at ``i`` follows a variable that starts a pipeline: the action's
    (after ``if``/``with``/``range``) or a parenthesized one's; or ``range $i, $v :=``."""
    if i == 0 or tokens[i - 1][0] != "variable":
        return False
    before = tokens[i - 2] if i >= 2 else None
    if before is None or before[1] == "(":
        return True
    if i == 2 and before[0] == "ident" and before[1] in ("if", "with", "range"):
        return True
    return i == 4 and before[1] == "," and tokens[0][1] == "range" and tokens[1][0] == "variable"


def _starts_pipeline(tokens: list[tuple[str, str, int]], i: int) -> bool:
    """Whether position ``i`` starts a pipeline: the action's, after a keyword, ``(`` or a declaration."""
    if i == 0:
        return True
    kind, value, _ = tokens[i - 1]
    return value == "(" or kind == "declare" or (i == 1 and kind == "ident" and value in _OPENERS | {"else"})


def _constant(token: tuple[str, str, int]) -> bool:
    kind, value, _ = token
    return kind in ("string", "raw", "char", "number") or value in ("nil", "true", "false", ".")


_OPERANDS = frozenset({"string", "raw", "char", "number", "variable", "field", "ident"})


def _glued(prev: tuple[str, str, int], kind: str, value: str, i: int) -> bool:
    """Go's parser takes, right after an operand, only a space, a field (a chain), ``|``, ``)``,
    ``,``, a declaration or the action's end: ``1$value`` and ``"a""b"`` are refused."""
    prev_kind, prev_value, prev_at = prev
    if prev_at - 1 + len(prev_value) != i or not (prev_kind in _OPERANDS or prev_value == ")"):
        return False
    if kind == "field":  # a chain (not a bare dot, and not of a constant: "s".Value, 1.x, nil.x)
        return value == "." or _constant(prev)
    return not (kind == "declare" or (kind == "punct" and value in "|),"))


def _ends_well(text: str, kind: str, end: int, at: int) -> None:
    """Go's lexer ends a word only at a terminator (``$value$value`` and ``1x`` are refused)."""
    after = text[end : end + 1]
    if (
        kind in ("variable", "field", "ident")
        and after
        and not (after.isspace() or after in ".,|:()" or text.startswith("}}", end))
    ):
        raise _Problem(f"bad character {after!r} in the action at character {at}")
    if kind == "number" and (after.isalnum() or after == "_"):
        raise _Problem(f"bad number syntax in the action at character {at}")


def _action(tokens: list[tuple[str, str, int]], at: int, stack: list[tuple[str, int]], declared: set[str]) -> None:
    if not tokens:
        raise _Problem(f"missing value for command at character {at}")
    head = tokens[0][1] if tokens[0][0] == "ident" else ""
    if head in ("break", "continue") and not any(word == "range" for word, _ in stack):
        raise _Problem(f"{{{{ {head} }}}} outside {{{{ range }}}} at character {at}")
    if head in _OPENERS or (head == "else" and len(tokens) > 1):
        if len(tokens) == 1 or (head == "else" and len(tokens) == 2):
            raise _Problem(f"missing value for {head if head != 'else' else tokens[1][1]} at character {at}")
    if head in _OPENERS:
        stack.append((head, at))
        if head in ("define", "block"):
            raise _Problem(f"{{{{ {head} }}}} at character {at} is not allowed in an annotation")
    elif head == "else":
        if not stack or stack[-1][0] not in ("if", "range", "with"):
            raise _Problem(f"unexpected {{{{ else }}}} at character {at}")
        if len(tokens) > 1 and tokens[1][1] == "with":  # Go 1.23; Prometheus 2.42 is built with older Go
            nested = "{{ else }}{{ with … }}…{{ end }}"
            raise _Problem(f"{{{{ else with }}}} at character {at} is not supported (nest it: {nested})")
        if len(tokens) > 1 and tokens[1][1] == "if":
            tokens = tokens[1:]
    elif head == "end":
        if not stack:
            raise _Problem(f"unexpected {{{{ end }}}} at character {at}")
        stack.pop()
        return
    elif head == "template":
        raise _Problem(f"{{{{ template }}}} at character {at} names no template Prometheus defines")
    for i, (kind, value, where) in enumerate(tokens):
        if kind == "ident" and value in _KEYWORDS - {"nil", "true", "false"} and i > 0:
            raise _Problem(f"unexpected {{{{ {value} }}}} inside the action at character {where}")
        if kind == "punct" and value == "," and not (i == 2 and len(tokens) > 4 and _declares(tokens, 4)):
            raise _Problem(f"unexpected , at character {where} (a comma only separates range $i, $v :=)")
        if kind == "declare" and not _declares(tokens, i):
            raise _Problem(f"unexpected {value} at character {where} (declare a variable first in a pipeline)")
        if kind == "declare" and (i + 1 == len(tokens) or tokens[i + 1][1] in ")|"):
            raise _Problem(f"missing value for the declaration at character {where}")
        if kind == "variable":
            following = tokens[i + 1][0] if i + 1 < len(tokens) else ""
            if following == "declare" or (following == "punct" and tokens[i + 1][1] == "," and head == "range"):
                declared.add(value)
            elif value.split(".")[0] not in declared:
                raise _Problem(f"undefined variable {value} at character {where}")
        elif (
            kind == "ident"
            and value not in _KEYWORDS
            and value not in GO_FUNCTIONS
            and value not in PROMETHEUS_FUNCTIONS
        ):
            raise _Problem(f'function "{value}" not defined at character {where}')
        elif kind == "punct" and value == "|" and (i + 1 >= len(tokens) or tokens[i + 1][0] in ("punct",)):
            raise _Problem(f"missing command after | at character {where}")
        elif kind == "punct" and value == "|" and _starts_pipeline(tokens, i):
            raise _Problem(f"missing command before | at character {where}")
        elif kind == "punct" and value == "|" and _constant(tokens[i + 1]):
            raise _Problem(f"non executable command after | at character {where} (pipe into a function)")
