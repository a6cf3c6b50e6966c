"""MkDocs hooks for the documentation site (mkdocs.yml names this file under ``hooks:``).

A table cell writes a literal pipe as ``\\|``, also inside inline code (``{not_regex: "2..\\|3.."}``):
GitHub shows the pipe, Python-Markdown keeps the backslash in the code span. This hook drops it, so
the site shows what a spec holds.
"""

from __future__ import annotations

import re
from typing import Any

CODE_SPAN = re.compile(r"<code>(.*?)</code>", re.S)


def unescape_table_pipes(html: str) -> str:
    r"""Inline code with ``\|`` written as ``|``.

    >>> unescape_table_pipes('<td><code>2..\\|3..</code> or a\\|b</td>')
    '<td><code>2..|3..</code> or a\\|b</td>'
    """
    return CODE_SPAN.sub(lambda m: "<code>" + m.group(1).replace("\\|", "|") + "</code>", html)


def on_page_content(html: str, **_: Any) -> str:
    return unescape_table_pipes(html)
