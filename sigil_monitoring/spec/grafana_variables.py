"""Grafana variables in the spec's text: which ones Grafana would expand, and the warning for them.

Grafana replaces ``$name``, ``${name}``, ``${name.field}``, ``${name:format}`` and the deprecated
``[[name]]`` in panel and row titles, panel descriptions, text panels, legends, queries and link
URLs (https://grafana.com/docs/grafana/latest/visualizations/dashboards/variables/variable-syntax/),
when ``name`` is a variable of the dashboard or one of Grafana's global variables; any other
``$word`` stays as written (grafana/grafana#11359). Grafana has no escape for a variable
(grafana/grafana#40603), so the only way to keep one literal is to rephrase.

What the dashboards use on purpose is not warned about: the variables the compiler declares
(``datasource`` and the label filters, ``dashboard_variables``) and the time globals of queries
(``$__rate_interval``, ``$__interval``, ``$__range``...). Everything else Grafana would expand is:
above all ``${__user.login}``, ``${__user.email}`` and ``${__org.name}``, which Grafana fills in for
each viewer, so a title or a query would differ per person (and send their identity to the data
source).

>>> [r.written for r in references("Hi ${__user.login}, see $handler and [[env]] for $5 (${a:csv})")]
['${__user.login}', '$handler', '[[env]]', '$5', '${a:csv}']
>>> expanded("Errors of $handler for ${__user.email}", {"handler"})
[('${__user.email}', "each viewer's own email address")]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import msgspec

from ..conventions import datasource_variable
from ..errors import Problem

if TYPE_CHECKING:
    from .document import Spec


# Grafana's own pattern (templateSrv's variableRegex), alternative by alternative.
_REFERENCE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::\w+)?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::[^}]+)?\}")

# Globals a dashboard's queries use on purpose: time range and interval, the same for every viewer.
TIME_GLOBALS = frozenset(
    {
        "__interval",
        "__interval_ms",
        "__rate_interval",
        "__rate_interval_ms",
        "__range",
        "__range_s",
        "__range_ms",
        "__from",
        "__to",
        "__timezone",
    }
)
# What Grafana writes for the other globals (https://grafana.com/docs/grafana/latest/visualizations/
# dashboards/variables/global-variables/); __user and __org are each viewer's own.
_USER = {"login": "login", "email": "email address", "id": "user id", "name": "name"}
_ORG = {"name": "organization name", "": "organization id", "id": "organization id"}
_OTHER_GLOBALS = {
    "__dashboard": "the dashboard's name",
    "__name": "the series name",
    "__all_variables": "every variable's current value",
    "__url_time_range": "the time range",
    "__url": "the page's URL",
    "timeFilter": "a time filter",
    "__timeFilter": "a time filter",
}


class Reference(msgspec.Struct, frozen=True):
    """One variable reference as written: ``${__user.login}`` is ``__user`` with field ``login``."""

    written: str
    name: str
    field: str


def references(text: str) -> list[Reference]:
    """Every variable reference in ``text``, in order, as Grafana's pattern finds them."""
    return [
        Reference(m.group(0), m.group(1) or m.group(2) or m.group(3), m.group(4) or "")
        for m in _REFERENCE.finditer(text)
    ]


def _meaning(ref: Reference) -> str | None:
    """What Grafana puts in place of ``ref`` when it is a global, else None."""
    if ref.name == "__user":
        return f"each viewer's own {_USER.get(ref.field, 'user details')}"
    if ref.name == "__org":
        return f"each viewer's own {_ORG.get(ref.field, 'organization details')}"
    return _OTHER_GLOBALS.get(ref.name)


def expanded(text: str, declared: set[str]) -> list[tuple[str, str]]:
    """The references in ``text`` Grafana would replace although the compiler did not mean them:
    ``(as written, what Grafana writes instead)``, each once."""
    found: dict[str, str] = {}
    for ref in references(text):
        if ref.name in declared or ref.name in TIME_GLOBALS:
            continue  # the dashboard's own variables, used on purpose
        meaning = _meaning(ref) if ref.name.startswith("__") or ref.name in _OTHER_GLOBALS else None
        if meaning is not None:
            found.setdefault(ref.written, meaning)
    return list(found.items())


def dashboard_variables(spec: Spec) -> list[str]:
    """The label filters of the service's dashboard: ``dashboard.variables``, else every catalog label."""
    return spec.dashboard.variables or list(dict.fromkeys(label for m in spec.metrics.values() for label in m.labels))


_REPHRASE = "rephrase the text without it"


def _texts(spec: Spec) -> Iterator[tuple[tuple[object, ...], str, str, str]]:
    """Each spec text Grafana interpolates: (path, the text, where Grafana shows or sends it, the fix)."""
    if spec.service.links.runbooks:
        yield (
            ("service", "links", "runbooks"),
            spec.service.links.runbooks,
            "in the dashboard's and panels' runbook links",
            "write the URL without it",
        )
    for r, row in enumerate(spec.dashboard.rows or []):
        yield ("dashboard", "rows", r, "title"), row.title, "in the row title", _REPHRASE
        for p, panel in enumerate(row.panels):
            at = ("dashboard", "rows", r, "panels", p)
            for field, where, fix in (
                ("title", "in the panel title", _REPHRASE),
                ("description", "in the panel description", _REPHRASE),
                ("text", "in the text panel", _REPHRASE),
                ("legend", "in the legend", _REPHRASE),
                ("promql", "in the query it sends to the data source", "write the value into the query instead"),
            ):
                text = getattr(panel, field)
                if text:
                    yield (*at, field), text, where, fix


def variable_warnings(spec: Spec) -> Iterator[Problem]:
    """A warning for each variable Grafana would expand in the spec's text without being meant to."""
    declared = {datasource_variable(), *dashboard_variables(spec)}
    for path, text, where, fix in _texts(spec):
        for written, meaning in expanded(text, declared):
            yield (
                path,
                "value",
                f"Grafana replaces {written} with {meaning} {where} (it has no escape for variables, "
                f"grafana/grafana#40603: {fix})",
            )
