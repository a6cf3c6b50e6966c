"""Grafana expands environment variables (``$NAME``, ``${NAME}``, ``$__file{...}``) in some fields
of alerting provisioning files: rule labels and contact point settings are expanded, annotations
are not (https://grafana.com/docs/grafana/latest/alerting/set-up/provision-alerting-resources/file-provisioning/,
"Template variable interpolation"; grafana/grafana#70484). A literal ``$`` in an expanded field is
written ``$$``; the HTTP API expands nothing, so ``push`` undoes it (``unescape``).

>>> escape("cost in $")
'cost in $$'
>>> unescape(escape("a$b$$c")) == "a$b$$c"
True
"""

from __future__ import annotations

from typing import Any


def escape(text: str) -> str:
    return text.replace("$", "$$")


def unescape(text: str) -> str:
    return text.replace("$$", "$")


def escape_values(values: dict[str, Any]) -> dict[str, Any]:
    """Every string value escaped (nested mappings too)."""
    return {
        k: escape(v) if isinstance(v, str) else escape_values(v) if isinstance(v, dict) else v
        for k, v in values.items()
    }


def unescape_values(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: unescape(v) if isinstance(v, str) else unescape_values(v) if isinstance(v, dict) else v
        for k, v in values.items()
    }
