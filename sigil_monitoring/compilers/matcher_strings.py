"""Alertmanager matcher strings, as the Alertmanager target writes them, back into parts.

Targets that route like the Alertmanager target but spell matchers as objects (the Prometheus
Operator's AlertmanagerConfig, Grafana's notification policies) translate its typed config, so
they parse the matchers it wrote instead of rebuilding them.

>>> parse('severity=~"warning|info"')
('severity', '=~', 'warning|info')
>>> parse('service="a\\\\"b"')
('service', '=', 'a"b')
"""

from __future__ import annotations

import json
import re

_MATCHER = re.compile(r'^([A-Za-z_][A-Za-z0-9_]*)(=~|!~|!=|=)(".*")$', re.DOTALL)


def parse(text: str) -> tuple[str, str, str]:
    """``label="value"`` -> (label, operator, value); the value's Go escapes are JSON's."""
    found = _MATCHER.match(text)
    if found is None:
        raise ValueError(f"unexpected matcher {text!r}: a bug in sigil-monitoring")
    label, op, quoted = found.groups()
    return label, op, json.loads(quoted)
