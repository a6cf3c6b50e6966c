"""A spec as merged from its templates, printed with the file and line of each value
(``validate --show-merged``): the answer to "where does this value come from?"."""

from __future__ import annotations

from typing import Any

from ..errors import display_path
from .source import Path, Source
from .templates import expand


def merged_text(doc: dict[Any, Any], source: Source) -> str:
    """The merged spec as YAML, each value followed by the ``file:line`` it was written at.

    >>> print(merged_text({"a": {"b": 1}}, Source("s.yaml", "a:\\n  b: 1\\n")), end="")
    a:  # s.yaml:1
      b: 1  # s.yaml:2
    """
    import json

    lines: list[str] = []

    def where(path: Path) -> str:
        file, line, _ = source.locate(path, "key")
        return f"  # {file}:{line}"

    def emit(node: Any, path: Path, indent: str) -> None:
        items = node.items() if isinstance(node, dict) else ((str(i), v) for i, v in enumerate(node))
        for key, value in items:
            here = path + (str(key),)
            label = f"{indent}{key}:" if isinstance(node, dict) else f"{indent}- # [{key}]"
            if isinstance(value, dict | list) and value:
                lines.append((label if isinstance(node, dict) else f"{indent}-") + where(here))
                emit(value, here, indent + "  ")
            else:
                text = json.dumps(value, ensure_ascii=False, default=str)
                lines.append((f"{label} {text}" if isinstance(node, dict) else f"{indent}- {text}") + where(here))

    emit(doc, (), "")
    return "".join(line + "\n" for line in lines)


def show_merged(path: str) -> str:
    """``merged_text`` of the spec file at ``path`` (``validate --show-merged``); a spec without
    ``extend`` is shown as it is, every value at its own line."""
    from .yaml_io import decode, load, read_spec

    shown = display_path(path)
    text = decode(read_spec(path))
    doc = load(text)
    source = Source(shown, text, tree=doc if hasattr(doc, "lc") else None)
    if isinstance(doc, dict) and "extend" in doc:
        doc, source = expand(doc, source)
    # The templates in merge order: a value's file is one of them, or the spec.
    over = f" over {', '.join(name for name, _ in source.templates)}" if source.templates else ""
    return f"# {shown}, merged{over}\n" + merged_text(doc if isinstance(doc, dict) else {}, source)
