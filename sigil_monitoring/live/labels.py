"""Label values a simulated service exposes, chosen so every matcher of the spec selects something.

The spec names labels but rarely lists their values; the values it does give are in its
matchers (``where: {operation: encode}``, a regex such as ``encode|verify``, a negation). Each
label gets every value a matcher pins, an example of every regex (one of its alternatives,
checked against the anchored regex) and, when some matcher excludes values, one value no
matcher names. A label nothing pins gets one made-up value.

>>> regex_examples("(encode|verify)")
['encode', 'verify']
>>> regex_examples("5..")
['5xx']
>>> regex_examples("api/.*")
['api/']
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..ir.model import Metric, Series, Service

OTHER_VALUE = "other"


def parts(matcher: object) -> tuple[str, str, str]:
    """(label, op, value) of a model matcher; ``op`` is one of = != =~ !~."""
    if isinstance(matcher, tuple):
        label, value = matcher
        return str(label), "=", str(value)
    return matcher.label, matcher.op, matcher.value  # type: ignore[attr-defined]


def matcher_matches(matcher: object, value: str) -> bool:
    """Whether a label value (``""`` when absent) satisfies the matcher, anchored as Prometheus anchors."""
    matches = getattr(matcher, "matches", None)
    if matches is not None:
        return bool(matches(value))
    label, op, expected = parts(matcher)
    if op in ("=~", "!~"):
        found = re.fullmatch(expected, value) is not None
        return found if op == "=~" else not found
    return (value == expected) if op == "=" else (value != expected)


def series_matches(series: Series, labels: tuple[tuple[str, str], ...]) -> bool:
    present = dict(labels)
    return all(matcher_matches(m, present.get(parts(m)[0], "")) for m in series.matchers)


def regex_examples(pattern: str) -> list[str]:
    """Strings the anchored ``pattern`` matches: one per top-level alternative, when one is easy to
    write (literals, ``.``, ``.*``, ``.+``); the others are left out."""
    body = pattern
    while body.startswith("(") and body.endswith(")") and _balanced(body[1:-1]):
        body = body[1:-1].removeprefix("?:")
    out = []
    for alternative in _split_alternatives(body):
        candidate = alternative.replace(".+", "x").replace(".*", "").replace(".", "x").replace("\\", "")
        candidate = re.sub(r"[()?]", "", candidate)
        if re.fullmatch(pattern, candidate) is not None and candidate not in out:
            out.append(candidate)
    return out


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _split_alternatives(body: str) -> Iterator[str]:
    depth, start = 0, 0
    for i, char in enumerate(body):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "|" and depth == 0:
            yield body[start:i]
            start = i + 1
    yield body[start:]


def service_series(service: Service) -> Iterator[Series]:
    """Every ``Series`` the service's alerts, SLOs and panels query."""
    for alert in service.alerts:
        yield from (s for s in (alert.series, alert.total) if s is not None)
    for slo in service.slos:
        yield from (s for s in (slo.bad, slo.good, slo.total, slo.latency, slo.up) if s is not None)
    for panel in service.dashboard.panels():
        yield from (s for s in (panel.series, panel.total) if s is not None)


def _pick(matchers: list[object], label: str) -> list[str]:
    values: list[str] = []
    for m in matchers:
        _, op, value = parts(m)
        if op == "=":
            values.append(value)
        elif op == "=~":
            values += regex_examples(value)
        else:  # a negation: the excluded value exists, and so does another one
            values += [value, OTHER_VALUE] if op == "!=" else regex_examples(value) + [OTHER_VALUE]
    return [v for v in dict.fromkeys(values) if v]


def label_values(service: Service, metric: Metric, label: str) -> list[str]:
    """The values the simulator gives ``label`` of ``metric``, in first-seen order."""
    matchers = [m for s in service_series(service) if s.metric.name == metric.name
                for m in s.matchers if parts(m)[0] == label]
    known = list(getattr(metric, "label_values", {}).get(label, ()))
    return list(dict.fromkeys(known + _pick(matchers, label))) or [f"{label}-1"]


def selector_labels(service: Service) -> dict[str, str]:
    """A value for every label of the service selector that satisfies its matcher."""
    out = {}
    for m in service.selector:
        label, op, value = parts(m)
        candidates = [value] if op == "=" else regex_examples(value) if op == "=~" else [OTHER_VALUE, "drill"]
        chosen = next((c for c in candidates if matcher_matches(m, c)), None)
        if chosen is None:
            raise ValueError(f"no example value for selector matcher {label}{op}{value!r}")
        if chosen:
            out[label] = chosen
    return out
