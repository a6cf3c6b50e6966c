"""``adopt``: a draft spec from an existing Grafana dashboard and Prometheus rule files.

A panel or alert becomes typed only when the typed form compiles to the very query it had:
each candidate is compiled on its own and its query compared with the original (whitespace
aside, Grafana variables kept); anything else stays raw ``promql`` with the original text, so
``adopt`` then ``compile`` changes no query and no alert expression. Recording rules used by a
query are kept raw (the query still names them); the summary lists them with the file that
defines them.

>>> import json
>>> from sigil_monitoring.drafts.grafana_source import read_dashboard
>>> board = read_dashboard(json.dumps({"title": "API", "templating": {"list": [{"name": "code", "type": "query"}]},
...  "panels": [
...     {"type": "timeseries", "title": "Requests", "targets": [
...         {"expr": 'sum by (code) (rate(http_requests_total{job="api",code=~"$code"}[$__rate_interval]))'}]},
...     {"type": "timeseries", "title": "CPU",
...      "targets": [{"expr": 'rate(process_cpu_seconds_total{job="api"}[5m])'}]}]}))
>>> draft = adopt(board, [])
>>> for panel in draft.spec["dashboard"]["rows"][0]["panels"]: print(panel)
{'rate': {'metric': 'http_requests', 'by': ['code']}, 'title': 'Requests'}
{'promql': 'rate(process_cpu_seconds_total{job="api"}[5m])', 'title': 'CPU'}
>>> draft.summary.typed, draft.summary.raw
(['panel Requests: rate'], ['panel CPU: not a shape the spec compiles to'])
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from .adopt_alerts import draft_alerts
from .adopt_context import Context, Summary, catalog_entries, matcher_value
from .adopt_panels import draft_dashboard
from .catalog import is_recording_rule, read_catalog, service_name
from .grafana_source import SourceDashboard, SourcePanel
from .promql_reading import Selector, selectors
from .rules_source import Rule


class Draft(msgspec.Struct, frozen=True):
    spec: dict[str, Any]
    comments: dict[tuple[str | int, ...], str]
    summary: Summary


def adopt(board: SourceDashboard | None, rules: list[Rule], name: str | None = None) -> Draft:
    """The draft spec of ``board`` and the alerting rules of ``rules``."""
    summary = Summary()
    recorded = {rule.record: rule.file for rule in rules if rule.record}
    alerts = [rule for rule in rules if rule.name]
    panels = [p for row in board.rows for p in row.panels] if board else []
    found = [s for s in _all_selectors(panels, alerts) if s.metric not in recorded]
    variables = _variables(board, found)
    queries = [q.expr for p in panels for q in p.queries] + [rule.expr for rule in alerts]
    # The dashboard is the service's view: its selectors say what the service is; alerts may look wider.
    on_board = [s for p in panels for q in p.queries for s in selectors(q.expr) if s.metric not in recorded]
    selector_matchers = _common_matchers(on_board or found)
    catalog = read_catalog(found, _labels(queries, set(recorded), selector_matchers))
    selector = {label: matcher_value(op, value) for label, op, value in sorted(selector_matchers)}
    ctx = Context(_service_name(name, selector, board), selector, frozenset(selector_matchers), variables, catalog)
    for used in sorted(
        {s.metric for s in _all_selectors(panels, alerts) if s.metric in recorded or is_recording_rule(s.metric)}
    ):
        where = recorded.get(used)
        summary.recording_rules.append(f"{used} ({f'defined in {where}' if where else 'defined in no file given'})")
    spec: dict[str, Any] = {
        "apiVersion": "sigil-monitoring/v1",
        "service": {
            "name": ctx.name,
            **({"title": board.title} if board and board.title else {}),
            "selector": selector,
        },
        "metrics": {},
    }
    comments: dict[tuple[str | int, ...], str] = {}
    if board is not None:
        spec["dashboard"] = draft_dashboard(board, ctx, summary)
    if alerts:
        spec["alerts"] = draft_alerts(alerts, ctx, summary, comments)
    spec["metrics"] = catalog_entries(catalog, ctx.states)  # last: the panels taught it the states
    return Draft(spec, comments, summary)


def _all_selectors(panels: list[SourcePanel], alerts: list[Rule]) -> list[Selector]:
    return [s for p in panels for q in p.queries for s in selectors(q.expr)] + [
        s for rule in alerts for s in selectors(rule.expr)
    ]


def _variables(board: SourceDashboard | None, found: list[Selector]) -> list[str]:
    """Dashboard query variables the spec can declare: named after the label they filter on."""
    if board is None:
        return []
    used = {label for s in found for label, op, value in s.matchers if value in (f"${label}", f"${{{label}}}")}
    return [
        v.name for v in board.variables if v.kind == "query" and v.name in used and re.fullmatch(r"[a-zA-Z]\w*", v.name)
    ]


def _labels(queries: list[str], recorded: set[str], fixed: set[tuple[str, str, str]]) -> dict[str, set[str]]:
    """Metric -> the labels its queries match on (the service selector aside) or group by (``by (...)``
    counts for every metric of the query): a typed panel's ``where``/``by`` may only name these."""
    labels: dict[str, set[str]] = {}
    for expr in queries:
        grouped = {label.strip() for group in _BY.findall(expr) for label in group.split(",") if label.strip()}
        for s in selectors(expr):
            if s.metric not in recorded:
                matched = {label for label, op, value in s.matchers if (label, op, value) not in fixed}
                labels.setdefault(s.metric, set()).update(matched | grouped)
    return labels


_BY = re.compile(r"\bby\s*\(([^)]*)\)")


def _common_matchers(found: list[Selector]) -> set[tuple[str, str, str]]:
    """The equality matchers (no variable) every selector has: the service's selector."""
    scraped = [s for s in found if not is_recording_rule(s.metric)]
    if not scraped:
        return set()
    common = set.intersection(*({m for m in s.matchers if m[1] == "=" and "$" not in m[2]} for s in scraped))
    labels = [label for label, _, _ in common]
    return {m for m in common if labels.count(m[0]) == 1 and m[0] != "le"}


def _service_name(name: str | None, selector: dict[str, Any], board: SourceDashboard | None) -> str:
    if name:
        return name
    for candidate in (selector.get("job"), board.title if board else None, board.uid if board else None):
        if isinstance(candidate, str) and (slug := service_name(candidate)):
            return slug
    return "adopted"
