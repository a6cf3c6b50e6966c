"""Selectors that can select nothing, and SLIs whose ratio cannot move: specs that cannot work.

A reference to the catalog selects ``metric{service selector, the entry's where, the reference's
where}``. Three shapes compile to rules that never alert, so they are refused here, at the line
that narrows:

- matchers on one label that no value satisfies (``where: {job: other}`` under the service
  selector ``job: shop``): the series is always empty;
- a ratio SLI whose ``bad`` (or ``good``) selects every series ``total`` selects: the error ratio
  is always 100 % (or 0 %, and the SLO never burns);
- a ``group_by`` label on which the SLI's sides select no common value: no group has both sides,
  so the SLO has no ratio at all.

Whether a value satisfies a matcher is decided by ``Matcher.matches`` on candidate values
(``values.label_values``), the very search the generated tests use to feed series.

>>> from sigil_monitoring.values.matchers import parse
>>> _contradiction((parse("job", "shop"), parse("job", "other")))
'job="shop" and job="other"'
>>> _contradiction((parse("job", "shop"), parse("code", {"regex": "5.."}))) is None
True
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import Problem
from ..values.label_values import satisfying
from ..values.matchers import Matcher

if TYPE_CHECKING:
    from .document import Spec
    from .refs import MetricRef


def selection_problems(spec: Spec) -> Iterator[Problem]:
    """A positioned problem for every SLI and alert selector that cannot work."""
    for name, slo in spec.slos.items():
        path = ("slos", name)
        refs = slo.sli.refs()
        empty = False
        for field, ref in refs:
            if found := _contradiction(_matchers(spec, ref)):
                empty = True
                yield (*path, "sli", field), "value", _empty(ref, found)
        if empty:
            continue
        part = [(field, ref) for field, ref in refs if field in ("bad", "good")]
        total = slo.sli.total
        if part and total is not None:
            yield from _whole_part(spec, (*path, "sli", part[0][0]), part[0][1], total)
        for i, label in enumerate(slo.group_by):
            on_label = tuple(m for _, ref in refs for m in _matchers(spec, ref) if m.label == label)
            if satisfying(on_label, prefer="test") is None:
                yield (
                    (*path, "group_by", i),
                    "value",
                    (
                        f"no value of '{label}' is selected by every side of the SLI "
                        f"({' and '.join(m.text() for m in on_label)}), so no group has a ratio (remove "
                        f"'{label}' from group_by, or make the sides' where: agree)"
                    ),
                )
    for name, alert in spec.alerts.items():
        for field, ref in alert.when.refs():
            if found := _contradiction(_matchers(spec, ref)):
                yield ("alerts", name, "when", *field.split(".")), "value", _empty(ref, found)


def _matchers(spec: Spec, ref: MetricRef) -> tuple[Matcher, ...]:
    """What the reference selects, as ``ir.build`` narrows it: selector, entry's where, ref's where."""
    metric = spec.metrics.get(ref.metric)
    derived = tuple(metric.where.values()) if metric is not None else ()
    return (*spec.service.selector.values(), *derived, *ref.where.values())


def _contradiction(matchers: tuple[Matcher, ...]) -> str | None:
    """The matchers on one label that no value satisfies, as PromQL text; None when each label has one."""
    for label in dict.fromkeys(m.label for m in matchers):
        on_label = tuple(m for m in matchers if m.label == label)
        if len(on_label) > 1 and satisfying(on_label, prefer="test") is None:
            return " and ".join(m.text() for m in on_label)
    return None


def _empty(ref: MetricRef, found: str) -> str:
    return (
        f"'{ref.metric}' selects no series: no value satisfies {found} (with the service selector and the "
        "metric's where:; fix or remove the where: that contradicts)"
    )


def _whole_part(spec: Spec, path: tuple[object, ...], part: MetricRef, total: MetricRef) -> Iterator[Problem]:
    part_metric, total_metric = spec.metrics.get(part.metric), spec.metrics.get(total.metric)
    if part_metric is None or total_metric is None or part_metric.name != total_metric.name:
        return
    # Every matcher of the part is one of total's: the part selects all that total selects.
    if set(_matchers(spec, part)) <= set(_matchers(spec, total)):
        side = path[-1]
        ratio = "always 100 %" if side == "bad" else "always 0 %, and the SLO never burns its budget"
        example = "{regex: '5..'}" if side == "bad" else "{not_regex: '5..'}"
        yield (
            path,
            "value",
            (
                f"{side} selects every series total selects, so the error ratio is {ratio} (narrow {side} "
                f"with where:, e.g. {{metric: {total.metric}, where: {{code: {example}}}}})"
            ),
        )
