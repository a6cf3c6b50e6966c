"""Engine-shaped rule documents as plain rule files, so ``diff`` and ``check`` describe their
changes in alert terms too: a PrometheusRule's ``spec`` holds the groups, and a Grafana alerting
provisioning file holds rules whose title is the alert and whose query ``A`` is its expression
(``compilers/grafana_alerting/rules.py``)."""

from __future__ import annotations

from typing import Any

# The top-level keys ``as_rule_file`` reads (a PrometheusRule's, a Grafana alerting file's);
# ``semdiff._parse`` parses a YAML file holding one of them.
_PROMETHEUS_RULE_KEY, _GRAFANA_KEY = "spec", "groups"
TOP_KEYS = (_PROMETHEUS_RULE_KEY, _GRAFANA_KEY)


def as_rule_file(doc: Any) -> Any:
    """The rule-file view of ``doc``, or ``doc`` itself when it is no engine-shaped rule document.

    >>> as_rule_file({"kind": "PrometheusRule", "spec": {"groups": []}})
    {'groups': []}
    """
    if not isinstance(doc, dict):
        return doc
    if doc.get("kind") == "PrometheusRule" and isinstance(doc.get(_PROMETHEUS_RULE_KEY), dict):
        return doc[_PROMETHEUS_RULE_KEY]
    if doc.get("apiVersion") == 1 and isinstance(doc.get(_GRAFANA_KEY), list):
        return {
            "groups": [
                {"name": g.get("name"), "rules": [_grafana_rule(r) for r in g.get("rules") or []]}
                for g in doc[_GRAFANA_KEY]
                if isinstance(g, dict)
            ]
        }
    return doc


_WRAP = ("max without () (", ")")  # how the Grafana target keeps a Prometheus expression's labels


def _grafana_rule(rule: dict[str, Any]) -> dict[str, Any]:
    query: dict[str, Any] = next((d.get("model", {}) for d in rule.get("data") or [] if d.get("refId") == "A"), {})
    expr = str(query.get("expr", ""))
    if expr.startswith(_WRAP[0]) and expr.endswith(_WRAP[1]):
        expr = expr[len(_WRAP[0]) : -len(_WRAP[1])]
    return {
        "alert": rule.get("title"),
        "expr": expr,
        "for": rule.get("for"),
        "labels": rule.get("labels") or {},
        "annotations": rule.get("annotations") or {},
    }
