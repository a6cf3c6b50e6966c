"""``adopt``: a draft spec from an existing Grafana dashboard and Prometheus rule files.

A panel or alert becomes typed only when the typed form compiles to the very query it had:
each candidate is compiled on its own and its query compared with the original (whitespace
aside, Grafana variables kept); anything else stays raw ``promql`` with the original text, so
``adopt`` then ``compile`` changes no query and no alert expression. Recording rules used by a
query are kept raw (the query still names them); the summary lists them with the file that
defines them.

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

import json
import re
from typing import Any

import msgspec

from ..conventions import RESERVED_LABELS, TEAM_LABEL
from ..spec.alert_checks import _OWN_ANNOTATIONS  # the annotations an alert's own fields write
from .catalog import Entry, is_recording_rule, read_catalog
from .grafana_source import SourceDashboard, SourcePanel
from .promql_reading import Selector, Shape, comparison, normalised, selectors, shape
from .rules_source import Rule

# Grafana units the spec names (fieldConfig.defaults.unit -> spec unit).
_UNITS = {"s": "seconds", "bytes": "bytes", "decbytes": "bytes", "percent": "percent", "percentunit": "ratio"}
_TEXT_FIELDS: tuple[str, ...] = ("summary", "description", "runbook", "annotations")
_STAT_VIZ = frozenset({"stat", "singlestat", "gauge", "bargauge"})
_SEVERITIES = ("critical", "warning", "info")
# Labels and annotations the compiler sets itself on every alert.
_COMPILER_LABELS = RESERVED_LABELS | {TEAM_LABEL}
_COMPILER_ANNOTATIONS = frozenset(_OWN_ANNOTATIONS)


class Summary(msgspec.Struct):
    """What the draft made of each panel and alert, for the user to review."""

    typed: list[str] = msgspec.field(default_factory=list)
    raw: list[str] = msgspec.field(default_factory=list)
    dropped: list[str] = msgspec.field(default_factory=list)
    recording_rules: list[str] = msgspec.field(default_factory=list)

    def text(self) -> str:
        lines = [f"typed: {len(self.typed)}, raw promql: {len(self.raw)}, dropped: {len(self.dropped)}"]
        for title, items in (("typed", self.typed), ("raw", self.raw), ("dropped", self.dropped)):
            lines += [f"  {title}: {item}" for item in items]
        lines += [f"  recording rule kept raw: {item}" for item in self.recording_rules]
        return "\n".join(lines) + "\n"


class Draft(msgspec.Struct):
    spec: dict[str, Any]
    comments: dict[tuple[str | int, ...], str]
    summary: Summary


class _Context(msgspec.Struct):
    name: str
    selector: dict[str, Any]
    fixed: frozenset[tuple[str, str, str]]  # the selector's matchers
    variables: list[str]
    catalog: dict[str, Entry]
    states: dict[str, dict[int, str]] = msgspec.field(default_factory=dict)  # logical -> value -> state
    checked: dict[str, bool] = msgspec.field(default_factory=dict)  # panel and queries -> compiles to them


def adopt(board: SourceDashboard | None, rules: list[Rule], name: str | None = None) -> Draft:
    """The draft spec of ``board`` and the alerting rules of ``rules``."""
    summary = Summary()
    recorded = {rule.record: rule.file for rule in rules if rule.record}
    alerts = [rule for rule in rules if rule.name]
    panels = [p for row in board.rows for p in row.panels] if board else []
    found = [s for p in panels for q in p.queries for s in selectors(q.expr)] + [
        s for rule in alerts for s in selectors(rule.expr)
    ]
    found = [s for s in found if s.metric not in recorded]
    variables = _variables(board, found)
    queries = [q.expr for p in panels for q in p.queries] + [rule.expr for rule in alerts]
    # The dashboard is the service's view: its selectors say what the service is; alerts may look wider.
    on_board = [s for p in panels for q in p.queries for s in selectors(q.expr) if s.metric not in recorded]
    selector_matchers = _common_matchers(on_board or found)
    catalog = read_catalog(found, _labels(queries, set(recorded), selector_matchers))
    selector = {label: _matcher_value(op, value) for label, op, value in sorted(selector_matchers)}
    ctx = _Context(_service_name(name, selector, board), selector, frozenset(selector_matchers), variables, catalog)
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
        spec["dashboard"] = _dashboard(board, ctx, summary)
    if alerts:
        spec["alerts"] = _alerts(alerts, ctx, summary, comments)
    spec["metrics"] = _metrics(catalog, ctx.states)  # last: the panels taught it the states
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
        if isinstance(candidate, str):
            slug = re.sub(r"[^a-z0-9]+", "-", candidate.lower()).strip("-")[:40].strip("-")
            if re.fullmatch(r"[a-z][a-z0-9-]{0,38}[a-z0-9]", slug):
                return slug
    return "adopted"


def _metrics(catalog: dict[str, Entry], states: dict[str, dict[int, str]]) -> dict[str, Any]:
    metrics: dict[str, Any] = {"up": {"name": "up", "type": "gauge"}} if not catalog else {}
    for entry in catalog.values():
        item: dict[str, Any] = {"name": entry.name, "type": entry.type}
        if entry.unit != "none":
            item["unit"] = entry.unit
        if entry.labels:
            item["labels"] = list(entry.labels)
        if entry.logical in states:
            item["states"] = states[entry.logical]
        metrics[entry.logical] = item
    return metrics


def _dashboard(board: SourceDashboard, ctx: _Context, summary: Summary) -> dict[str, Any]:
    dashboard: dict[str, Any] = {}
    if board.title:
        dashboard["title"] = board.title
    if re.fullmatch(r"[a-zA-Z0-9_-]{1,40}", board.uid):
        dashboard["uid"] = board.uid
    if board.tags:
        dashboard["tags"] = list(board.tags)
    if ctx.variables:
        dashboard["variables"] = ctx.variables
    dashboard["formats"] = [board.format]
    _prime(ctx, [p for row in board.rows for p in row.panels])
    rows = []
    for row in board.rows:
        panels = [p for panel in row.panels for p in _panels(panel, ctx, summary)]
        if panels:
            rows.append({"title": row.title, **({"collapsed": True} if row.collapsed else {}), "panels": panels})
        else:
            summary.dropped.append(f"row {row.title}: no panel could be carried")
    if rows:
        dashboard["rows"] = rows
    dropped = [v.name for v in board.variables if v.kind == "query" and v.name not in ctx.variables]
    if dropped:
        summary.dropped.append(
            f"variables {', '.join(dropped)}: not named after a label the queries filter on (raw queries keep $name)"
        )
    return dashboard


def _panels(panel: SourcePanel, ctx: _Context, summary: Summary) -> list[dict[str, Any]]:
    label = f"panel {panel.title or '(untitled)'}"
    if panel.skipped:
        summary.dropped.append(f"{label}: {panel.skipped}")
        return []
    if panel.viz == "text":
        if not panel.text.strip():
            summary.dropped.append(f"{label}: an empty text panel")
            return []
        summary.typed.append(f"{label}: text")
        return [{"text": panel.text, **_titled(panel)}]
    candidate, why = _candidate(panel, ctx)
    if candidate is not None:
        if _compiles_to(ctx, candidate, [q.expr for q in panel.queries]):
            summary.typed.append(f"{label}: {next(iter(candidate))}")
            return [candidate]
        why = f"{next(iter(candidate))} compiles to another query"
    summary.raw.append(f"{label}: {why}")
    raw = []
    for query, item in zip(panel.queries, _raw_items(panel), strict=True):
        if not _compiles_to(ctx, item, [query.expr]):
            summary.dropped.append(f"{label}: query {query.expr!r} is refused ({_refusal(ctx, _one_panel(ctx, item))})")
            continue
        raw.append(item)
    return raw


def _raw_items(panel: SourcePanel) -> list[dict[str, Any]]:
    """One raw ``promql`` panel per query of ``panel`` (a spec promql panel has one query)."""
    items = []
    for query in panel.queries:
        item: dict[str, Any] = {"promql": query.expr, **_titled(panel, query.legend if len(panel.queries) > 1 else "")}
        if query.legend:
            item["legend"] = query.legend
        if panel.unit in _UNITS:
            item["unit"] = _UNITS[panel.unit]
        if panel.viz in _STAT_VIZ:
            item["display"] = "stat"
        items.append(item)
    return items


def _prime(ctx: _Context, panels: list[SourcePanel]) -> None:
    """Check every candidate and raw panel of the dashboard in as few compiles as possible.

    A panel's queries depend on the catalog and the variables only, never on the other panels, so
    the panels compile together; a batch the loader refuses is split in halves until each refused
    panel stands alone (a dashboard of 500 queries takes a handful of compiles, not 500).
    """
    items: list[tuple[dict[str, Any], list[str]]] = []
    for panel in panels:
        if panel.skipped or panel.viz == "text":
            continue
        candidate, _ = _candidate(panel, ctx)
        if candidate is not None:
            items.append((candidate, [q.expr for q in panel.queries]))
        items += [(item, [q.expr]) for q, item in zip(panel.queries, _raw_items(panel), strict=True)]
    _check_batch(ctx, items)


def _check_batch(ctx: _Context, items: list[tuple[dict[str, Any], list[str]]]) -> None:
    if not items:
        return
    bundle = _compile({**_skeleton(ctx), **_panels_spec(ctx, [panel for panel, _ in items])})
    if bundle is None:
        if len(items) == 1:
            ctx.checked[_key(*items[0])] = False
            return
        half = len(items) // 2
        _check_batch(ctx, items[:half])
        _check_batch(ctx, items[half:])
        return
    compiled = _compiled_panels(ctx, bundle)
    for (panel, queries), got in zip(items, compiled, strict=True):
        ctx.checked[_key(panel, queries)] = [normalised(q) for q in got] == [normalised(q) for q in queries]


def _key(panel: dict[str, Any], queries: list[str]) -> str:
    return json.dumps([panel, queries], sort_keys=True)


def _titled(panel: SourcePanel, legend: str = "") -> dict[str, Any]:
    title = f"{panel.title} ({legend})" if legend and panel.title else panel.title or legend
    return {"title": title} if title else {}


def _candidate(panel: SourcePanel, ctx: _Context) -> tuple[dict[str, Any] | None, str]:
    shapes = [shape(q.expr) for q in panel.queries]
    if any(s is None for s in shapes):
        return None, "not a shape the spec compiles to"
    found = [s for s in shapes if s is not None]
    if len(found) > 1:
        if all(s.kind == "quantile" and s.selector == found[0].selector for s in found):
            ref = _ref(found[0].selector, ctx)
            if ref is not None:
                return {"percentiles": ref, "quantiles": [s.quantile for s in found], **_titled(panel)}, ""
        return None, "several queries of different shapes"
    first = found[0]
    kind = _panel_kind(first, panel)
    if kind is None:
        return None, f"a {first.kind} query in a {panel.viz} panel"
    ref = _ref(first.selector, ctx, first.by if kind == "rate" else ())
    if ref is None:
        return None, "a selector the catalog cannot name (two matchers on one label, or a recording rule)"
    extra: dict[str, Any] = {}
    if kind == "percentiles":
        extra["quantiles"] = [first.quantile]
    if kind == "error_ratio":
        total = _ref(first.total, ctx) if first.total else None
        if total is None:
            return None, "a ratio whose denominator the catalog cannot name"
        extra["total"] = total
    if kind == "timeline" and panel.states:
        _add_states(ctx, first.selector.metric, panel.states)
    return {kind: ref, **extra, **_titled(panel)}, ""


def _panel_kind(found: Shape, panel: SourcePanel) -> str | None:
    bucket = found.selector.metric.endswith("_bucket")
    match found.kind:
        case "rate" if bucket and found.by == ("le",):
            return "heatmap" if panel.viz == "heatmap" else None
        case "rate":
            return "stat" if panel.viz in _STAT_VIZ else "rate"
        case "increase" if bucket and found.by == ("le",):
            return "histogram"
        case "quantile":
            return "percentiles"
        case "ratio":
            return "error_ratio"
        case "value" if panel.viz == "state-timeline":
            return "timeline" if panel.states else None
        case "value" if panel.viz == "gauge":
            return "gauge"
        case "value" if panel.viz in _STAT_VIZ:
            return "stat"
        case _:
            return None


def _add_states(ctx: _Context, metric: str, states: dict[str, str]) -> None:
    """A state timeline's value mappings become the states of its metric in the catalog."""
    entry = ctx.catalog.get(metric)
    if entry is not None and all(re.fullmatch(r"-?\d+", v) for v in states):
        ctx.states[entry.logical] = {int(v): text for v, text in states.items()}


def _ref(selector: Selector, ctx: _Context, by: tuple[str, ...] = ()) -> Any:
    entry = ctx.catalog.get(selector.metric)
    if entry is None:
        return None
    where: dict[str, Any] = {}
    for label, op, value in selector.matchers:
        if (label, op, value) in ctx.fixed or (label in ctx.variables and value in (f"${label}", f"${{{label}}}")):
            continue
        if label in where or label == "le" or "$" in value:
            return None
        where[label] = _matcher_value(op, value)
    if not where and not by:
        return entry.logical
    return {"metric": entry.logical, **({"where": where} if where else {}), **({"by": list(by)} if by else {})}


def _matcher_value(op: str, value: str) -> Any:
    from ..values.matchers import looks_like_regex

    match op:
        case "=":
            return {"equals": value} if looks_like_regex(value) or not value else value
        case "!=":
            return {"not": value}
        case "=~":
            return {"regex": value}
        case _:
            return {"not_regex": value}


def _alerts(alerts: list[Rule], ctx: _Context, summary: Summary, comments: dict[Any, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for rule in alerts:
        name = _alert_name(rule.name, out)
        alert = _alert_fields(rule, summary, name)
        typed = _condition(rule.expr, ctx)
        if typed is not None and _alert_compiles_to(ctx, {**alert, "when": typed}, name, rule.expr):
            alert = {"when": typed, **alert}
            summary.typed.append(f"alert {name}: {next(iter(typed))}")
        else:
            texts = {key: alert.pop(key) for key in _TEXT_FIELDS if key in alert}
            alert = {"when": {"promql": rule.expr}, **alert}
            if not _alert_compiles_to(ctx, alert, name, rule.expr):
                summary.dropped.append(
                    f"alert {name}: its expression is refused ({_refusal(ctx, {'alerts': {name: alert}})})"
                )
                continue
            if texts and _alert_compiles_to(ctx, {**alert, **texts}, name, rule.expr):
                alert.update(texts)
            elif texts:
                refused = _refusal(ctx, {"alerts": {name: {**alert, **texts}}})
                summary.dropped.append(f"alert {name}: {', '.join(texts)} (refused: {refused})")
            why = "compiles to another expression" if typed else "not a threshold on one metric"
            summary.raw.append(f"alert {name}: {why}")
        if name != rule.name:
            comments[("alerts", name)] = f"was {rule.name} in {rule.file} (alert names are CamelCase here)"
        out[name] = alert
    return out


def _alert_name(name: str, taken: dict[str, Any]) -> str:
    camel = "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)
    camel = camel if re.fullmatch(r"[A-Z][A-Za-z0-9]*", camel) else f"Alert{camel}"
    candidate, n = camel[:110], 1
    while candidate in taken:
        n += 1
        candidate = f"{camel[:110]}{n}"
    return candidate


def _alert_fields(rule: Rule, summary: Summary, name: str) -> dict[str, Any]:
    alert: dict[str, Any] = {}
    if rule.for_:
        alert["for"] = rule.for_
    if rule.keep_firing_for:
        alert["keep_firing_for"] = rule.keep_firing_for
    severity = rule.labels.get("severity", "")
    if severity in _SEVERITIES:
        alert["severity"] = severity
    labels = {k: v for k, v in rule.labels.items() if k not in _COMPILER_LABELS}
    lost = sorted(
        k
        for k in rule.labels
        if k in _COMPILER_LABELS - {"severity"} or (k == "severity" and severity not in _SEVERITIES)
    )
    if lost:
        summary.dropped.append(f"alert {name}: labels {', '.join(lost)} (the compiler sets them)")
    summary_text = rule.annotations.get("summary", "")
    if summary_text and "\n" not in summary_text:
        alert["summary"] = summary_text
    if rule.annotations.get("description"):
        alert["description"] = rule.annotations["description"]
    if rule.annotations.get("runbook_url"):
        alert["runbook"] = f"Runbook: {rule.annotations['runbook_url']}"
    if labels:
        alert["labels"] = labels
    annotations = {
        k: v for k, v in rule.annotations.items() if k not in _COMPILER_ANNOTATIONS and not k.startswith("__")
    }
    if annotations:
        alert["annotations"] = annotations
    return alert


def _condition(expr: str, ctx: _Context) -> dict[str, Any] | None:
    found = shape(expr)
    if found is not None and found.kind == "absent":
        ref = _ref(found.selector, ctx)
        return None if ref is None else {"absent": ref}
    compared = comparison(expr)
    if compared is None:
        return None
    left, op, number = compared
    inner = shape(left)
    if inner is None or inner.kind != "value":
        return None
    ref = _ref(inner.selector, ctx)
    return None if ref is None else {"value": ref, "above" if op == ">" else "below": _number(number)}


def _number(value: float) -> int | float:
    return int(value) if value.is_integer() else value


def _skeleton(ctx: _Context) -> dict[str, Any]:
    return {
        "apiVersion": "sigil-monitoring/v1",
        "service": {"name": ctx.name, "selector": ctx.selector},
        "metrics": _metrics(ctx.catalog, ctx.states),
    }


def _compiles_to(ctx: _Context, panel: dict[str, Any], queries: list[str]) -> bool:
    """Whether ``panel`` alone compiles to ``queries`` (whitespace aside)."""
    key = _key(panel, queries)
    if key not in ctx.checked:
        _check_batch(ctx, [(panel, queries)])
    return ctx.checked[key]


def _compiled_panels(ctx: _Context, bundle: Any) -> list[list[str]]:
    """The queries of each panel of the compiled dashboard, in order (rows aside)."""
    board = json.loads(bundle[f"{ctx.name}/grafana/{ctx.name}.json"])
    return [[t.get("expr", "") for t in p.get("targets", [])] for p in board["panels"] if p.get("type") != "row"]


def _one_panel(ctx: _Context, panel: dict[str, Any]) -> dict[str, Any]:
    return _panels_spec(ctx, [panel])


def _panels_spec(ctx: _Context, panels: list[dict[str, Any]]) -> dict[str, Any]:
    variables = {"variables": ctx.variables} if ctx.variables else {}
    return {"dashboard": {**variables, "rows": [{"title": "R", "panels": panels}]}}


def _alert_compiles_to(ctx: _Context, alert: dict[str, Any], name: str, expr: str) -> bool:
    from ..spec.yaml_io import load

    spec = {**_skeleton(ctx), "alerts": {name: alert}}
    bundle = _compile(spec)
    if bundle is None:
        return False
    rules = load(bundle[f"{ctx.name}/prometheus/alerts.rules.yml"].decode())
    compiled = [r["expr"] for g in rules["groups"] for r in g["rules"] if r.get("alert") == name]
    return [normalised(e) for e in compiled] == [normalised(expr)]


def _refusal(ctx: _Context, part: dict[str, Any]) -> str:
    """The first error the spec loader gives for ``part`` beside the catalog, without its position."""
    from ..errors import SpecError
    from ..spec.loader import parse_spec
    from .yaml_writer import dump_spec

    try:
        parse_spec(dump_spec({**_skeleton(ctx), **part}), "<candidate>")
    except SpecError as exc:
        return exc.diagnostics[0].message if exc.diagnostics else "refused"
    return "refused by the compiler"


def _compile(spec: dict[str, Any]) -> Any:
    """The bundle ``spec`` compiles to, or None when the spec is refused."""
    from ..errors import SpecError
    from ..output.pipeline import compile_spec
    from ..spec.loader import parse_spec
    from .yaml_writer import dump_spec

    try:
        return compile_spec(parse_spec(dump_spec(spec), "<candidate>"))
    except SpecError:
        return None
