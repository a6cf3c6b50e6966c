"""The spec's texts that Prometheus expands as Go templates, each parsed when the spec is validated.

Alert annotations, burn tiers' annotations and descriptions reach the rule file as templates (a
summary, a label or a receiver's text is escaped into literal text instead, ``escape.template_text``).
Prometheus refuses a whole rule file for one template it cannot parse, so each is checked here, at
its own line; an alert's ``description`` is checked by its field rule (``rules.template_parses``).

>>> from sigil_monitoring import parse_spec
>>> spec = parse_spec(b'''
... apiVersion: sigil-monitoring/v1
... service: {name: shop, team: t, selector: {job: shop}}
... metrics: {errors: {name: e_total, type: counter}}
... alerts:
...   Errors: {when: {rate: errors, above: 1/min}, annotations: {note: "{{ $value | humanize }}"}}
... ''')
>>> list(template_problems(spec))
[]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..errors import Problem

if TYPE_CHECKING:
    from .document import Spec

_FIX = '(close every {{ if }}, {{ with }} and {{ range }} with {{ end }}, and write {{ "{{" }} for literal braces)'


def _problem(text: str) -> str | None:
    # gotemplate (its lexer's pattern: 4 M instructions to import) only once a spec has templated text.
    from ..gotemplate import problem

    return problem(text)


def template_problems(spec: Spec) -> Iterator[Problem]:
    """A positioned problem for every templated text of ``spec`` that Prometheus would not parse."""
    for name, alert in spec.alerts.items():
        yield from _annotations(("alerts", name, "annotations"), alert.annotations)
    for name, slo in spec.slos.items():
        path = ("slos", name, "alerting")
        yield from _annotations((*path, "annotations"), slo.alerting.annotations)
        for tier_key in ("page", "ticket"):
            tier = getattr(slo.alerting, tier_key)
            yield from _annotations((*path, tier_key, "annotations"), tier.annotations)
            if tier.description is not None and (found := _problem(tier.description)):
                yield (
                    (*path, tier_key, "description"),
                    "value",
                    f"description is not a valid Prometheus template: {found} {_FIX}",
                )


def _annotations(path: tuple[object, ...], annotations: dict[str, str]) -> Iterator[Problem]:
    for key, text in annotations.items():
        if found := _problem(text):
            yield (*path, key), "value", f"annotation '{key}' is not a valid Prometheus template: {found} {_FIX}"
