"""Sloth's SLO specs: ``version: prometheus/v1`` and the Kubernetes ``sloth.slok.dev/v1``
``PrometheusServiceLevel`` (the same fields under ``spec``, in camelCase).

Field by field (https://github.com/slok/sloth/blob/main/pkg/prometheus/api/v1/v1.go):

- ``service`` and ``labels`` -> ``service.name`` and ``service.labels``;
- each SLO: ``objective`` (a percentage), ``description``; ``sli.events`` (error and total
  queries) and ``sli.raw`` (``error_ratio_query``) -> an ``error_ratio`` SLI, Sloth's
  ``{{.window}}`` written as our ``$window``; the SLO's ``labels`` -> its alerts' labels;
- ``alerting``: ``labels`` and ``annotations`` (``summary``/``description`` to their fields),
  ``page_alert``/``ticket_alert`` -> our page and ticket tiers (``disable`` -> ``enabled: false``,
  a ``severity`` label of ours -> the tier's severity), each with ``for: 0s``: Sloth's alerts
  have no ``for`` and fire at the first evaluation both windows burn.

Lost, each named in the loss report: SLI plugins and SLO plugins (Go code), the alert name
(ours are generated), a ``severity`` label outside critical/warning/info (our severity label is
the tier's), the SLO labels on recording rules. Sloth's burn windows for a 30-day SLO are ours
(tests/test_readers_sloth_parity.py fires both on the same series).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import Diagnostic
from .draft import Draft, promql_problem, put_ratio, slo_key
from .registry import TOOLS
from .tree import Node

_SEVERITIES = ("critical", "warning", "info")
# Sloth's YAML keys in prometheus/v1 and in the Kubernetes resource.
_PLAIN = {
    "error_query": "error_query",
    "total_query": "total_query",
    "error_ratio_query": "error_ratio_query",
    "page_alert": "page_alert",
    "ticket_alert": "ticket_alert",
    "slo_plugins": "slo_plugins",
}
_K8S = {
    "error_query": "errorQuery",
    "total_query": "totalQuery",
    "error_ratio_query": "errorRatioQuery",
    "page_alert": "pageAlert",
    "ticket_alert": "ticketAlert",
    "slo_plugins": "sloPlugins",
}


def window(query: str) -> str:
    """Sloth's range placeholder as ours.

    >>> window("rate(x[{{.window}}])"), window("rate(x[{{ .window }}])")
    ('rate(x[$window])', 'rate(x[$window])')
    """
    import re

    return re.sub(r"\{\{-?\s*\.window\s*-?\}\}", "$window", query)


def read_plain(root: Node, drafts: list[Draft], errors: list[Diagnostic]) -> None:
    """A ``version: prometheus/v1`` document."""
    root.take("version")
    _service(root, _PLAIN, drafts, errors)


def read_kubernetes(root: Node, drafts: list[Draft], errors: list[Diagnostic]) -> None:
    """A ``PrometheusServiceLevel`` resource: the spec under ``spec``."""
    root.take("apiVersion")
    root.take("kind")
    root.lose(
        "metadata",
        "the Kubernetes object's metadata is not part of our spec",
        "the PrometheusRule's name and namespace come from the service and targets.kubernetes",
    )
    spec = root.child("spec")  # carried field by field
    if spec is None:
        errors.append(root.error("a PrometheusServiceLevel needs a spec (add spec: {service: ..., slos: [...]})"))
        return
    _service(spec, _K8S, drafts, errors)
    root.take("status")  # written by the controller, never by the user


def _service(node: Node, keys: dict[str, str], drafts: list[Draft], errors: list[Diagnostic]) -> None:
    draft = Draft.empty(node.file.display, node.file.text, TOOLS["sloth"])
    name = node.take("service")
    if name is None:
        errors.append(node.error("a Sloth spec needs service (add service: my-service)", "key"))
        return
    draft.put(("service", "name"), str(name.value), name)
    labels = node.take("labels")
    if labels is not None and labels.value:
        draft.put(("service", "labels"), _texts(labels.value), labels)
    node.lose(
        keys["slo_plugins"],
        "Sloth SLO plugins are Go code we cannot run",
        "write what they add into the converted spec",
    )
    queries: list[str] = []
    slos = node.child("slos")
    for slo in slos.children() if slos is not None else []:
        _slo(slo, keys, draft, queries)
    if draft.finish(queries):
        drafts.append(draft)
    else:
        name.lose(
            None,
            f"no SLO of service '{name.value}' could be carried, so no spec is drafted for it",
            "see the losses of its SLOs",
        )


def _slo(slo: Node, keys: dict[str, str], draft: Draft, queries: list[str]) -> None:
    name = slo.take("name")
    if name is None:
        slo.lose(None, "an SLO without a name is not converted", "add name: my-slo")
        return
    sli = slo.child("sli")
    expr = _sli(sli, keys) if sli is not None else None
    if expr is None:
        slo.lose(
            None, f"SLO '{name.value}' has no SLI we can carry, so it is not converted", "give it sli.events or sli.raw"
        )
        return
    base = ("slos", slo_key(name))
    draft.put(base, {}, name)
    objective = slo.take("objective")
    if objective is not None:
        draft.put((*base, "objective"), f"{objective.value}%", objective)
    description = slo.text("description")
    if description:
        draft.put((*base, "description"), description, slo.child("description"))
    queries += expr(draft, base)
    slo.lose("plugins", "Sloth SLO plugins are Go code we cannot run", "write what they add into the converted spec")
    labels = slo.take("labels")
    if labels is not None and labels.value:
        draft.put((*base, "alerting", "labels"), _texts(labels.value), labels)
        labels.lose(
            None,
            "kept on this SLO's alerts only (alerting.labels): our recording rules carry the service's labels",
            "move them to the service's labels to put them on every rule",
        )
    alerting = slo.child("alerting")
    if alerting is not None:
        _alerting(alerting, keys, draft, base)


def _sli(sli: Node, keys: dict[str, str]) -> Callable[[Draft, tuple[str, ...]], list[str]] | None:
    """How to write the SLI into the draft, or None when there is none we can carry."""
    events, raw = sli.child("events"), sli.child("raw")
    sli.lose(
        "plugin", "Sloth SLI plugins are Go code we cannot run", "write the plugin's queries as sli.events or sli.raw"
    )
    if events is not None:
        error, total = events.text(keys["error_query"]), events.text(keys["total_query"])
        if error is not None and total is not None:
            bad, all_ = window(error).strip(), window(total).strip()
            if _not_promql(events, (keys["error_query"], bad), (keys["total_query"], all_)):
                return None
            return lambda draft, base: put_ratio(draft, base, events, bad=bad, total=all_)
    if raw is not None:
        ratio = raw.text(keys["error_ratio_query"])
        if ratio is not None:
            text = window(ratio).strip()
            if _not_promql(raw, (keys["error_ratio_query"], text)):
                return None

            def put(draft: Draft, base: tuple[str, ...]) -> list[str]:
                draft.put((*base, "sli", "error_ratio"), text, raw)
                return [text]

            return put
    return None


def _not_promql(node: Node, *queries: tuple[str, str]) -> bool:
    """Whether a query is not PromQL (Sloth's VictoriaMetrics examples write MetricsQL), each such
    query reported lost."""
    lost = False
    for key, query in queries:
        problem = promql_problem(query)
        if problem is not None:
            node.lose(
                key, f"not PromQL the compiler can check, so the SLO is not converted: {problem}", "write it in PromQL"
            )
            lost = True
    return lost


def _alerting(alerting: Node, keys: dict[str, str], draft: Draft, base: tuple[str, ...]) -> None:
    alerting.lose("name", "our burn alerts are named by the compiler", "they are <Slo>FastBurn and <Slo>SlowBurn")
    labels = alerting.child("labels")
    if labels is not None:
        for key, label in _labelled(labels, None):
            draft.put((*base, "alerting", "labels", key), _text(label.value), label.take())
    _annotations(alerting.child("annotations"), draft, base, (*base, "alerting", "annotations"), tiers=True)
    for ours, theirs in (("page", keys["page_alert"]), ("ticket", keys["ticket_alert"])):
        at = (*base, "alerting", ours)
        # Sloth's burn alerts have no ``for``: they fire at the first evaluation both windows burn.
        draft.put((*at, "for"), "0s", None)
        draft.note((*at, "for"), "Sloth's alerts have no for: they fire at the first evaluation both windows burn.")
        tier = alerting.child(theirs)
        if tier is None:
            continue
        disable = tier.take("disable")
        if disable is not None and disable.value is True:
            draft.put((*at, "enabled"), False, disable)
        labels = tier.child("labels")
        if labels is not None:
            for key, label in _labelled(labels, (draft, at)):
                draft.put((*at, "labels", key), _text(label.value), label.take())
        _annotations(tier.child("annotations"), draft, at, (*at, "annotations"))


def _labelled(labels: Node, tier: tuple[Draft, tuple[str, ...]] | None) -> list[tuple[str, Node]]:
    """The labels but ``severity``, which is our tier's severity when it is one of ours, else lost."""
    out = []
    for label in labels.children():
        key = label.path[-1]
        if key != "severity":
            out.append((key, label))
            continue
        if tier is not None and str(label.value) in _SEVERITIES:
            draft, at = tier
            label.take()
            draft.put((*at, "severity"), str(label.value), label)
        else:
            label.lose(
                None,
                f"severity '{label.value}' is not carried: our severity label is the tier's, one of "
                f"{', '.join(_SEVERITIES)}",
                "route on the burn_tier label, page or ticket, instead",
            )
    return out


def _annotations(
    node: Node | None, draft: Draft, fields: tuple[str, ...], extra: tuple[str, ...], tiers: bool = False
) -> None:
    """Sloth's annotations: ``summary`` and ``description`` to our fields of the same name (an SLO's
    description annotation is its alerts' description, so each tier's; a tier's own comes later
    and wins), the others as they are."""
    if node is None:
        return
    node.take()
    for child in node.children():
        key = child.path[-1]
        match key:
            case "description" if tiers:
                for tier in ("page", "ticket"):
                    draft.put((*fields, "alerting", tier, key), str(child.value), child)
            case "summary" | "description":
                draft.put((*fields, key), str(child.value), child)
            case "runbook_url" | "dashboard_url":
                child.lose(None, f"{key} is written by the compiler", "give the runbook text as the SLO's runbook:")
            case _:
                draft.put((*extra, key), str(child.value), child)


def _texts(value: Any) -> dict[str, str]:
    """Label values as Sloth's Go decoder reads them into strings (``true``, not Python's ``True``)."""
    if not isinstance(value, dict):
        return {}
    return {str(k): _text(v) for k, v in value.items()}


def _text(value: Any) -> str:
    return "true" if value is True else "false" if value is False else str(value)
