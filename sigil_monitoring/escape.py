r"""One escaping function per output language; user text reaches an output only through these.

Each function takes text exactly as the user wrote it and returns text that the target language
reads back as that same literal text, never as syntax:

- ``promql_string``: the body of a PromQL double-quoted string (label values in selectors);
- ``template_text``: literal text inside a Go text/template, the language of Prometheus
  annotations and alert labels and of Alertmanager notification fields;
- ``go_string``: a Go string literal, for a ``{{ "..." }}`` action;
- YAML has no function here: every YAML file is written by ``output/render.py``'s emitter,
  whose ``scalar`` quotes each string that go-yaml or PyYAML would read back otherwise;
- ``json_string``: a JSON string;
- ``markdown_inline``, ``markdown_block``, ``code_span``: Markdown for the runbook and panel
  descriptions;
- ``url_component``: one path segment or query value of a URL;
- ``one_line``: one line for a terminal or a log, from text a spec or a server holds (no line break
  or escape sequence survives).

>>> template_text('{{ with query "vector(7)" }}x{{ end }}')
'{{ "{{" }} with query "vector(7)" }}x{{ "{{" }} end }}'
>>> go_string("@here 🚨")
'"@here 🚨"'
>>> promql_string('en"code')
'en\\"code'
"""

from __future__ import annotations

import json
import re
import unicodedata
from urllib.parse import quote

from . import promql

_OPEN = '{{ "{{" }}'


def promql_string(text: str) -> str:
    """The body of a PromQL ``"..."`` string (the quotes are the caller's)."""
    return promql.escape(text)


def template_text(text: str) -> str:
    """``text`` as literal Go text/template text: every ``{{`` is printed, never executed.

    A trailing ``{`` is escaped too, so whatever template follows cannot complete it into ``{{``.

    >>> template_text("p95 is above 1 s.")
    'p95 is above 1 s.'
    >>> template_text("{{ $value")
    '{{ "{{" }} $value'
    >>> template_text("a{")
    'a{{ "{" }}'
    """
    out = text.replace("{{", _OPEN)
    if out.endswith("{") and not out.endswith(_OPEN):
        out = out[:-1] + '{{ "{" }}'
    return out


def _go_escape(ch: str) -> str:
    if ch in '"\\':
        return "\\" + ch
    if ch in "\n\t\r":
        return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}[ch]
    if unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cn", "Zl", "Zp"):
        return f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}"
    return ch


def go_string(text: str) -> str:
    r"""A Go interpreted string literal: printable characters as UTF-8, the rest as escapes.

    Never ``\ud83d``-style surrogate pairs (which JSON uses and Go refuses).

    >>> print(go_string('say "hi"\n'), go_string("\u200b"))
    "say \"hi\"\n" "\u200b"
    """
    return '"' + "".join(_go_escape(ch) for ch in text) + '"'


def template_literal(text: str) -> str:
    """A ``{{ "..." }}`` action printing ``text``: for template fields holding only user text.

    >>> template_literal("@here")
    '{{ "@here" }}'
    """
    return "{{ " + go_string(text) + " }}"


def json_string(text: str) -> str:
    r"""A JSON string literal (UTF-8 kept as is).

    >>> print(json_string('a"b'))
    "a\"b"
    """
    return json.dumps(text, ensure_ascii=False)


# CommonMark: any ASCII punctuation may be backslash-escaped; these are the ones that start
# emphasis, links, code, HTML, tables, headings or entities inline.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~#&])")
# At the start of a line these open a list, a quote or a setext heading underline.
_MD_LINE_START = re.compile(r"^(\s*(?:\d+(?=[.)]))?)([-+=>.)])", re.M)


def markdown_inline(text: str) -> str:
    r"""``text`` as Markdown that renders as exactly that text.

    >>> print(markdown_inline("## DatabaseDown <a name=x>"))
    \#\# DatabaseDown \<a name=x\>
    >>> print(markdown_inline("- not a list"), markdown_inline("1. nor this"))
    \- not a list 1\. nor this
    """
    # Indentation is dropped (a paragraph drops it anyway): four spaces would start a code block.
    out = _MD_INLINE.sub(r"\\\1", re.sub(r"^[ \t]+", "", text, flags=re.M))
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), out)


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^( {0,3})(#{1,6}(?:\s|$))")
_SETEXT = re.compile(r"^( {0,3})([=-]+\s*)$")


def markdown_block(text: str) -> str:
    r"""User Markdown kept as Markdown (lists, emphasis, code, links), but never a heading or HTML.

    A heading in runbook text would take the anchor an alert's ``runbook_url`` points at, and raw
    HTML could add one (``<a id=...>``); both are shown as text. Fenced code is left alone.

    >>> print(markdown_block("## DatabaseDown\n- step <b>one</b>\n```\n# shell comment\n```"))
    \## DatabaseDown
    - step &lt;b>one&lt;/b>
    ```
    # shell comment
    ```
    """
    lines, fence = [], ""
    for line in text.split("\n"):
        opened = _FENCE.match(line)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = ""
            lines.append(line)
            continue
        if opened:
            fence = opened.group(1)
            lines.append(line)
            continue
        line = _HEADING.sub(lambda m: m.group(1) + "\\" + m.group(2), line)
        line = _SETEXT.sub(lambda m: m.group(1) + "\\" + m.group(2), line)
        lines.append(line.replace("<", "&lt;"))
    return "\n".join(lines)


def markdown_url(url: str) -> str:
    """A link destination: ``<url>`` when the URL has characters that would end ``(url)``.

    >>> markdown_url("https://a.example/x"), markdown_url("https://a.example/x_(y)")
    ('https://a.example/x', '<https://a.example/x_(y)>')
    """
    return f"<{url}>" if re.search(r"[\s()<>]", url) else url


def code_span(text: str) -> str:
    """``text`` as an inline code span, however many backticks it holds.

    >>> code_span("up"), code_span("a`b")
    ('`up`', '``a`b``')
    """
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text.replace(chr(10), ' ')}{pad}{fence}"


def url_component(text: str) -> str:
    """One URL path segment or query value, percent-encoded (UTF-8).

    >>> url_component("a b/c#d")
    'a%20b%2Fc%23d'
    """
    return quote(text, safe="")


def one_line(text: str) -> str:
    r"""``text`` on one line: every character Python does not print as itself (line breaks,
    controls, escape sequences, format and separator characters) written as its escape.

    An error quotes the value it refuses, which can hold a line break (a folded YAML scalar) or
    an escape sequence; text from a server (Grafana's messages, version authors, label values)
    reaches the terminal only through this too: an ESC sequence could set the window title, move
    the cursor or forge a line. Bidirectional overrides (format characters) are escaped as well,
    so a line cannot show itself reordered. Escaping twice changes nothing more.

    >>> print(one_line("'shop_request\ns_total' is not valid: \x1b]0;title\x07 \u2028 café 🚨"))
    'shop_request\ns_total' is not valid: \x1b]0;title\x07 \u2028 café 🚨
    >>> print(one_line("v3 \x1b]0;pwned\x07 by \x9b2J \u202eeve"))
    v3 \x1b]0;pwned\x07 by \x9b2J \u202eeve
    >>> one_line(one_line("\x1b[31m")) == one_line("\x1b[31m") == "\\x1b[31m"
    True
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
