"""OpenSLO documents (``openslo/v1``, and ``openslo/v1alpha`` as Sloth reads it) as our specs:
one spec per service, its SLOs from every ``SLO`` document naming it.

The kinds (https://github.com/OpenSLO/OpenSLO#object-types) and what each becomes:

- ``Service``: the service's ``title`` (``displayName``) and ``description``;
- ``SLO``: an SLO per objective (``<name>`` alone, ``<name>-<i>`` for several), ``target`` or
  ``targetPercent`` as the objective; its ``indicator`` inline or by ``indicatorRef``;
  ``timeWindow`` rolling -> ``window``; ``budgetingMethod: Occurrences`` (ours); alert policies
  inline or by ``alertPolicyRef``;
- ``SLI``: ``ratioMetric`` with Prometheus queries, good or bad over total -> a query ratio SLI
  (the queries must say where the range goes: ``{{.window}}`` as Sloth writes it, or ``$window``);
  ``raw`` with ``rawType`` -> an error ratio averaged over the window; ``thresholdMetric`` (one
  objective with ``op`` and ``value``) -> the share of the window's evaluations where the value
  misses the threshold;
- ``DataSource``: its ``type`` tells a Prometheus source (``metricSourceRef`` finds it);
- ``AlertPolicy``/``AlertCondition``: a ``burnrate`` condition -> a burn tier with its own window
  pair (``lookbackWindow``, ``threshold`` as the factor, ``alertAfter`` as ``for``); severities
  ``page``/``critical`` page, others open a ticket;
- ``AlertNotificationTarget``: lost (routing is our ``routing:`` section).

Calendar-aligned windows and the Timeslices / RatioTimeslices budgeting methods are lost (our SLOs
roll and count events); a non-Prometheus metric source loses its SLO. Each ``*Ref`` is resolved
across every document of every file given, by ``metadata.name``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..errors import Diagnostic
from .draft import Draft, promql_problem, put_ratio, slo_key
from .registry import TOOLS
from .sloth import window as sloth_window
from .tree import Node

Base = tuple[str, ...]
Writer = Callable[[Draft, Base], list[str]]
_PAGE = frozenset({"page", "critical", "sev1", "p1", "high"})
# Which evaluations miss a thresholdMetric objective: the opposite of its ``op``.
_MISSES = {"lt": ">=", "lte": ">", "gt": "<=", "gte": "<"}


class Documents:
    """The OpenSLO documents given, by kind and ``metadata.name``, for resolving references."""

    def __init__(self, roots: list[Node]) -> None:
        self.by_kind: dict[str, dict[str, Node]] = {}
        for root in roots:
            kind = str(root.value.get("kind"))
            name = (root.value.get("metadata") or {}).get("name")
            root.take("apiVersion")
            root.take("kind")
            named = self.by_kind.setdefault(kind, {})
            if str(name) in named:
                line = root.position()[0]
                named[str(name)].lose(
                    None,
                    f"another {kind} named '{name}' follows (line {line})",
                    "a reference finds that one; rename one",
                )
            named[str(name)] = root

    def ref(self, kind: str, holder: Node, key: str, errors: list[Diagnostic]) -> Node | None:
        """The ``spec`` of the ``kind`` document ``holder.key`` names, or None (an error said why)."""
        name = holder.text(key)
        if name is None:
            return None
        found = self.by_kind.get(kind, {}).get(name)
        if found is None:
            known = ", ".join(sorted(self.by_kind.get(kind, {}))) or "none given"
            errors.append(
                holder.child(key).error(  # type: ignore[union-attr]
                    f"no {kind} named '{name}' among the files given (known: {known}; give the file that defines it)"
                )
            )
            return None
        found.take("metadata")
        return found.child("spec")

    def inline_or_ref(self, kind: str, item: Node, key: str, errors: list[Diagnostic]) -> Node | None:
        """The ``spec`` of a ``kind`` written inline in a list item, or of the document ``key`` names."""
        if item.child(key) is not None:
            return self.ref(kind, item, key, errors)
        item.take("kind")
        metadata = item.child("metadata")
        if metadata is not None:
            metadata.take("name")
            metadata.lose("displayName", f"the {kind}'s display name is not carried", "remove it")
        return item.child("spec")


def read(roots: list[Node], drafts: list[Draft], errors: list[Diagnostic]) -> None:
    """Every OpenSLO document of every file: one draft per service named by an SLO."""
    docs = Documents(roots)
    services: dict[str, Draft] = {}
    queries: dict[str, list[str]] = {}
    for slo in docs.by_kind.get("SLO", {}).values():
        spec = slo.child("spec")
        service = spec.child("service") if spec is not None else None
        if spec is None or service is None:
            errors.append(slo.error("an SLO needs spec.service (add service: my-service)", "key"))
            continue
        name = str(service.value)
        draft = services.get(name)
        if draft is None:
            draft = services[name] = Draft.empty(slo.file.display, slo.file.text, TOOLS["openslo"])
            draft.put(("service", "name"), name, service.take())
        else:
            service.take()
        queries.setdefault(name, [])
        _slo(slo, spec, docs, draft, queries[name], errors)
    for name, service in docs.by_kind.get("Service", {}).items():
        _service(service, services.get(name))
    for source in docs.by_kind.get("DataSource", {}).values():
        _data_source(source)
    for kind in ("SLI", "AlertPolicy", "AlertCondition"):
        for name, doc in docs.by_kind.get(kind, {}).items():
            if (doc.document, ("metadata",)) not in doc.file.taken:
                doc.lose(None, f"{kind} '{name}' is not referenced by any SLO given", "give the SLO file that uses it")
    for name, target in docs.by_kind.get("AlertNotificationTarget", {}).items():
        target.lose(
            None, f"AlertNotificationTarget '{name}' is not carried", "route alerts with the spec's routing: section"
        )
    for name, draft in services.items():
        if draft.finish(queries[name]):
            drafts.append(draft)
        else:
            draft_service = docs.by_kind.get("Service", {}).get(name)
            if draft_service is not None:
                draft_service.lose(
                    None, f"no SLO of service '{name}' could be carried, so no spec is drafted", "see its SLOs' losses"
                )


def _service(doc: Node, draft: Draft | None) -> None:
    if draft is None:
        doc.lose(None, "no SLO given names this service", "give the SLO files of the service")
        return
    metadata, spec = doc.child("metadata"), doc.child("spec")
    if metadata is not None:
        metadata.take("name")
        title = metadata.take("displayName")
        if title is not None:
            draft.put(("service", "title"), str(title.value), title)
    description = spec.take("description") if spec is not None else None
    if description is not None:
        draft.put(("service", "description"), str(description.value), description)


def _data_source(doc: Node) -> None:
    doc.take("metadata")
    spec = doc.child("spec")
    if spec is None:
        return
    spec.take("type")
    spec.take("description")
    spec.lose(
        "connectionDetails",
        "our spec names no metric server",
        "the compiled rules run on the Prometheus that loads them",
    )


def _slo(slo: Node, spec: Node, docs: Documents, draft: Draft, queries: list[str], errors: list[Diagnostic]) -> None:
    metadata = slo.child("metadata")
    name = metadata.take("name") if metadata is not None else None
    if name is None:
        errors.append(slo.error("an SLO needs metadata.name (add metadata: {name: my-slo})", "key"))
        return
    if metadata is not None:
        metadata.lose("displayName", "the display name is not carried", "our SLOs are named by their key")
    alpha = slo.value.get("apiVersion") == "openslo/v1alpha"
    objectives = spec.child("objectives")
    items = objectives.children() if objectives is not None else []
    indicator = None if alpha else _indicator(spec, docs, errors)
    for index, objective in enumerate(items):
        key = slo_key(name) if len(items) == 1 and not alpha else f"{slo_key(name)[:37]}-{index}"
        sli = _alpha_sli(objective) if alpha else indicator
        if objective.child("indicator") is not None or objective.child("indicatorRef") is not None:
            sli = _indicator(objective, docs, errors)  # a composite SLO's own indicator
        if sli is None:
            objective.lose(None, f"SLO '{key}' has no indicator we can carry, so it is not converted", "see its losses")
            continue
        base = ("slos", key)
        draft.put(base, {}, name)
        target = objective.take("target")
        percent = objective.take("targetPercent")
        if target is not None:
            draft.put((*base, "objective"), f"{_number(float(target.value) * 100)}%", target)
        elif percent is not None:
            draft.put((*base, "objective"), f"{_number(float(percent.value))}%", percent)
        threshold = sli(draft, base) if not isinstance(sli, _Threshold) else sli.write(draft, base, objective)
        if not threshold:
            continue
        queries += threshold
        objective.lose("displayName", "the display name is not carried", "objectives are not named in our spec")
        objective.lose("compositeWeight", "composite SLOs are not supported", "each objective is an SLO of its own")
        description = spec.take("description")
        if description is not None:
            draft.put((*base, "description"), str(description.value), description)
        _window(spec, draft, base, alpha)
        _budgeting(spec, objective)
        for policy in _policies(spec, docs, errors):
            _alert_policy(policy, docs, draft, base, errors)


def _number(value: float) -> str:
    return f"{value:.10f}".rstrip("0").rstrip(".")


class _Threshold:
    """A ``thresholdMetric``: written with the objective's ``op`` and ``value``."""

    def __init__(self, query: str, origin: Node) -> None:
        self.query, self.origin = query, origin

    def write(self, draft: Draft, base: Base, objective: Node) -> list[str]:
        op, value = objective.text("op"), objective.text("value")
        if op not in _MISSES or value is None:
            objective.lose(
                None,
                "a thresholdMetric objective without op and value is not converted",
                "give op (lt, lte, gt, gte) and value",
            )
            return []
        ratio = f"avg_over_time((({self.query}) {_MISSES[op]} bool {value})[$window:])"
        draft.put((*base, "sli", "error_ratio"), ratio, self.origin)
        return [ratio]


def _indicator(holder: Node, docs: Documents, errors: list[Diagnostic]) -> Writer | _Threshold | None:
    inline = holder.child("indicator")
    if inline is not None:
        metadata = inline.child("metadata")
        if metadata is not None:
            metadata.take("name")
            metadata.lose("displayName", "the indicator's display name is not carried", "remove it")
        spec = inline.child("spec")
    else:
        spec = docs.ref("SLI", holder, "indicatorRef", errors)
    if spec is None:
        return None
    spec.take("description")
    ratio, threshold = spec.child("ratioMetric"), spec.child("thresholdMetric")
    if ratio is not None:
        return _ratio(ratio, docs, errors)
    if threshold is not None:
        query = _query(threshold.child("metricSource"), docs, errors, window=False)
        return _Threshold(query, threshold) if query is not None else None
    return None


def _ratio(ratio: Node, docs: Documents, errors: list[Diagnostic]) -> Writer | None:
    # ``counter: true``: the queries give counters' values and the SLO is on their rates. One that
    # sums one counter (most do) is read as the sum of its rate; any other must say its range.
    counter = ratio.value.get("counter") is True if isinstance(ratio.value, dict) else False
    ratio.take("counter")
    raw = ratio.child("raw")
    if raw is not None:
        query = _query(raw.child("metricSource"), docs, errors, window=False)
        kind = ratio.text("rawType")
        if query is None or kind not in ("success", "failure"):
            return None
        error = f"avg_over_time(({query})[$window:])"
        text = f"1 - {error}" if kind == "success" else error

        def put_raw(draft: Draft, base: Base) -> list[str]:
            draft.put((*base, "sli", "error_ratio"), text, raw)
            return [text]

        return put_raw
    parts = {key: ratio.child(key) for key in ("good", "bad", "total")}
    found = {
        key: _query(node.child("metricSource"), docs, errors, counter=counter)
        for key, node in parts.items()
        if node is not None
    }
    total, good, bad = found.get("total"), found.get("good"), found.get("bad")
    if total is None or (good is None) == (bad is None):
        return None
    return lambda draft, base: put_ratio(draft, base, ratio, total=total, good=good, bad=bad)


def _alpha_sli(objective: Node) -> Writer | None:
    """``openslo/v1alpha``: ``ratioMetrics`` with ``good``/``total`` queries in each objective."""
    ratio = objective.child("ratioMetrics")
    if ratio is None:
        return None
    ratio.take("counter")
    found: dict[str, str] = {}
    for key in ("good", "total"):
        part = ratio.child(key)
        if part is None:
            return None
        source = part.text("source")
        part.take("queryType")
        query = part.text("query")
        if source not in ("prometheus", "sloth") or query is None:
            part.lose("source", f"the source is {source!r}, not Prometheus", "only Prometheus queries can be carried")
            return None
        found[key] = sloth_window(query).strip()
    return lambda draft, base: put_ratio(draft, base, ratio, total=found["total"], good=found["good"])


def _query(
    source: Node | None, docs: Documents, errors: list[Diagnostic], window: bool = True, counter: bool = False
) -> str | None:
    """The Prometheus query of a ``metricSource`` (its ``type``, or its DataSource's), or None,
    the loss said. ``window``: the query must say where the range goes; ``counter``: a query of a
    counter's values without one is read as the rate of what it sums (``counter_rate``)."""
    if source is None:
        return None
    kind = source.text("type")
    if source.child("metricSourceRef") is not None and (kind is None or kind.lower() == "prometheus"):
        referred = docs.ref("DataSource", source, "metricSourceRef", errors)
        if referred is not None and kind is None:
            kind = referred.value.get("type") if isinstance(referred.value, dict) else None
    spec = source.child("spec")
    query = spec.text("query") if spec is not None else None
    if spec is None or query is None or str(kind).lower() != "prometheus":
        source.lose(None, f"the metric source is {kind!r}, not Prometheus", "only Prometheus queries can be carried")
        return None
    text = sloth_window(query).strip()
    if window and "$window" not in text and counter:
        text = counter_rate(text) or text
    if window and "$window" not in text:
        fix = (
            "counter: true is read for a query that sums one counter, sum(x{...}); write any other with its range, "
            "[{{.window}}]"
            if counter
            else "write its range as [{{.window}}], as Sloth reads it, or set counter: true on a sum of a counter"
        )
        spec.lose("query", "the query does not say where the range goes", fix)
        return None
    problem = promql_problem(text)
    if problem is not None:
        spec.lose(
            "query", f"not PromQL the compiler can check, so the SLO is not converted: {problem}", "write it in PromQL"
        )
        return None
    return text


_SUM = re.compile(r"^\s*sum\s*(?P<pre>(?:by|without)\s*\([^()]*\)\s*)?\((?P<inner>.*)\)\s*$", re.S)
_GROUPING_AFTER = re.compile(r"\s*(?P<post>(?:by|without)\s*\([^()]*\))\s*$")


def counter_rate(query: str) -> str | None:
    r"""The rate over ``$window`` of a query that sums one counter (``counter: true``), or None.
    The selector is kept as written (its escapes too); the parser only says that it is one.

    >>> counter_rate('sum(http_requests_total{job="web",code!~"5.."})')
    'sum(rate(http_requests_total{job="web",code!~"5.."}[$window]))'
    >>> counter_rate("sum by (route) (x_total)"), counter_rate("x_total"), counter_rate("sum(a) / sum(b)")
    ('sum by (route) (rate(x_total[$window]))', 'sum(rate(x_total[$window]))', None)
    >>> counter_rate('sum(x_total{code=~"2\\\\d\\\\d",dir="C:\\\\tmp"}) by (job)')
    'sum(rate(x_total{code=~"2\\\\d\\\\d",dir="C:\\\\tmp"}[$window])) by (job)'
    """
    after = _GROUPING_AFTER.search(query) if query.rstrip().endswith(")") else None
    body = query[: after.start()] if after and not _one_selector(query.strip()) else query
    whole = _SUM.match(body)
    selector = (whole.group("inner") if whole else body).strip()
    if not _one_selector(selector):
        return None
    if whole is None:
        return f"sum(rate({selector}[$window]))"
    pre = (whole.group("pre") or "").strip()
    post = after.group("post") if after and body is not query else ""
    return f"sum{' ' + pre + ' ' if pre else ''}(rate({selector}[$window])){' ' + post if post else ''}"


def _one_selector(text: str) -> bool:
    """Whether ``text`` is one instant vector selector, with no offset or @ (a counter's values)."""
    import promql_parser as pp

    try:
        node = pp.parse(text)
    except ValueError:
        return False
    return isinstance(node, pp.VectorSelector) and node.offset is None and node.at is None


def _window(spec: Node, draft: Draft, base: Base, alpha: bool) -> None:
    windows = spec.child("timeWindows" if alpha else "timeWindow")
    items = windows.children() if windows is not None else []
    if not items:
        return
    first = items[0]
    for extra in items[1:]:
        extra.lose(None, "only one time window is read", "OpenSLO allows one; remove the others")
    rolling = first.value.get("isRolling", first.child("calendar") is None) if isinstance(first.value, dict) else False
    if first.child("calendar") is not None or not rolling:
        first.lose(
            None,
            "calendar-aligned windows are not supported: the SLO uses the default rolling 30d window",
            "give a rolling window, e.g. duration: 28d, isRolling: true",
        )
        return
    first.take("isRolling")
    if alpha:
        count, unit = first.text("count"), first.text("unit")
        if unit is not None and unit.lower() in ("day", "days") and count is not None:
            draft.put((*base, "window"), f"{count}d", first.child("count"))
        else:
            first.lose(None, f"a window in {unit!r} is not read", "give it in days")
        return
    duration = first.take("duration")
    if duration is not None:
        draft.put((*base, "window"), str(duration.value), duration)


def _budgeting(spec: Node, objective: Node) -> None:
    method = spec.child("budgetingMethod")
    if method is None or method.value == "Occurrences":
        spec.take("budgetingMethod")
        return
    method.lose(None, f"{method.value} budgeting is not supported: the SLO counts events", "use Occurrences")
    objective.lose("timeSliceTarget", "time slices are not supported", "the SLO counts events: Occurrences")
    objective.lose("timeSliceWindow", "time slices are not supported", "the SLO counts events: Occurrences")


def _policies(spec: Node, docs: Documents, errors: list[Diagnostic]) -> list[Node]:
    policies = spec.child("alertPolicies")
    out = []
    for item in policies.children() if policies is not None else []:
        found = docs.inline_or_ref("AlertPolicy", item, "alertPolicyRef", errors)
        if found is not None:
            out.append(found)
    return out


def _alert_policy(policy: Node, docs: Documents, draft: Draft, base: Base, errors: list[Diagnostic]) -> None:
    policy.take("description")
    breaching = policy.child("alertWhenBreaching")
    if breaching is not None and breaching.value is True:
        breaching.take()
    for key in ("alertWhenNoData", "alertWhenResolved"):
        flag = policy.child(key)
        if flag is not None and flag.value is False:
            flag.take()
        else:
            policy.lose(
                key,
                f"{key} is not carried: burn alerts fire while the budget burns",
                "Alertmanager's send_resolved says whether a resolution is sent",
            )
    targets = policy.child("notificationTargets")
    if targets is not None:
        targets.lose(None, "notification targets are not carried", "route alerts with the spec's routing: section")
    conditions = policy.child("conditions")
    for item in conditions.children() if conditions is not None else []:
        condition = docs.inline_or_ref("AlertCondition", item, "conditionRef", errors)
        if condition is not None:
            _condition(condition, draft, base)


def _condition(condition: Node, draft: Draft, base: Base) -> None:
    """A ``burnrate`` condition as a tier with its own window pair."""
    rule = condition.child("condition")
    severity = condition.text("severity") or ""
    tier = "page" if severity.lower() in _PAGE else "ticket"
    if rule is None:
        condition.lose(
            None, "an alert condition without condition: is not carried", "add condition: {kind: burnrate, ...}"
        )
        return
    kind = rule.text("kind") or "burnrate"
    op = rule.text("op")
    threshold, lookback = rule.child("threshold"), rule.child("lookbackWindow")
    if kind != "burnrate" or op not in ("gt", "gte") or threshold is None or lookback is None:
        rule.lose(
            None,
            f"this {kind} {op} condition is not carried",
            "only a burnrate condition with op gt or gte, a threshold and a lookbackWindow is",
        )
        return
    at = (*base, "alerting", tier)
    pair = {"long": str(lookback.take().value), "factor": threshold.take().value}  # type: ignore[union-attr]
    windows = draft.data.get("slos", {}).get(base[-1], {}).get("alerting", {}).get(tier, {}).get("windows", [])
    draft.put((*at, "windows"), [*windows, pair], lookback)
    after = rule.take("alertAfter")
    if after is not None:
        draft.put((*at, "for"), str(after.value), after)
    condition.take("description")
    other = "ticket" if tier == "page" else "page"
    if (*base, "alerting", other, "windows") not in draft.origins and (
        *base,
        "alerting",
        other,
        "enabled",
    ) not in draft.origins:
        draft.put((*base, "alerting", other, "enabled"), False, None)  # only the conditions given alert
