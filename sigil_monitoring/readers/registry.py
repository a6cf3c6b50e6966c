"""The registry of other tools' formats: which ``(apiVersion, kind)`` each reader reads, and the
one look at a file's bytes that tells ``compile`` and ``validate`` a file of another tool from one
of ours (imported by every load: it imports nothing but ``re``)."""

from __future__ import annotations

import re
from typing import Literal

Format = Literal["sloth", "sloth-kubernetes", "openslo", "pyrra"]
# (apiVersion, kind) -> format. Sloth's own format names its version under ``version``, no kind.
KINDS: dict[tuple[str, str | None], Format] = {
    ("prometheus/v1", None): "sloth",
    ("sloth.slok.dev/v1", "PrometheusServiceLevel"): "sloth-kubernetes",
    **{
        (version, kind): "openslo"
        for version in ("openslo/v1", "openslo/v1alpha")
        for kind in ("SLO", "SLI", "AlertPolicy", "AlertCondition", "AlertNotificationTarget", "Service", "DataSource")
    },
    ("pyrra.dev/v1alpha1", "ServiceLevelObjective"): "pyrra",
}
TOOLS: dict[Format, str] = {"sloth": "Sloth", "sloth-kubernetes": "Sloth", "openslo": "OpenSLO", "pyrra": "Pyrra"}
_VERSIONS = frozenset(version for version, _ in KINDS)
_TOP_VERSION = re.compile(rb"""^(?:apiVersion|version)[ \t]*:[ \t]*["']?([\w./-]+)""", re.MULTILINE)


def is_foreign(data: bytes) -> bool:
    """Whether a top-level ``apiVersion:`` (or Sloth's ``version:``) of the file names a format of
    ``KINDS``: a regular expression over the bytes, no parse."""
    return any(match.group(1).decode() in _VERSIONS for match in _TOP_VERSION.finditer(data))
