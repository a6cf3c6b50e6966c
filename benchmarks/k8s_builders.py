"""Builders of the kubernetes-mixin-sized workload (``k8s_mixin.py``): eight components, each
one service (one scrape job, one dashboard), with kube-state-metrics, cAdvisor, kubelet,
node-exporter and control-plane metric names.

kubernetes-mixin (kubernetes-monitoring/kubernetes-mixin, evaluated with its grafonnet) has 65
alerts, 71 recording rules and 254 panels in 23 dashboards. A spec has one dashboard per service,
so the nearest honest shape is one spec per component, the way the mixin's metrics come from
separate jobs, whose dashboard holds the mixin's several dashboards of that component as rows
(compute-resources has the cluster, namespace, node, pod and container views as rows). The
mixin's alerts and records come out at its size (65 alerts, 71 records; 252 panels in 8
dashboards, 64 rows), but not one for one: this spec language derives records from the catalog
(one per counter, five per histogram) and an SLO's sixteen, not the mixin's hand-written ones.
``generate.k8s_mixin`` writes these as specs; ``peers/k8s_dashboards.jsonnet`` builds the same
dashboards, grafonnet style, from the same table (``peer_table``).
"""

from __future__ import annotations

from typing import Any

Obj = dict[str, Any]
CADVISOR = ["namespace", "pod", "container", "node"]
# The views of the mixin's compute-resources dashboards: (row title suffix, labels grouped by).
VIEWS = [
    ("cluster", []),
    ("namespaces", ["namespace"]),
    ("nodes", ["node"]),
    ("pods", ["namespace", "pod"]),
    ("pods per node", ["node", "pod"]),
    ("containers", ["namespace", "pod", "container"]),
]


def m(name: str, type_: str, labels: list[str], unit: str | None = None, buckets: list[float] | None = None) -> Obj:
    entry: Obj = {"name": name, "type": type_, "labels": labels}
    if unit:
        entry["unit"] = unit
    if buckets:
        entry["buckets"] = buckets
    return entry


def ref(metric: str, by: list[str] | None = None, where: Obj | None = None) -> Any:
    out: Obj = {"metric": metric}
    if where:
        out["where"] = where
    if by:
        out["by"] = by
    return out if len(out) > 1 else metric


def rate(metric: str, by: list[str], title: str, where: Obj | None = None) -> Obj:
    return {"rate": ref(metric, by, where), "title": title}


def ratio(bad: str, total: str, by: list[str], title: str) -> Obj:
    return {"error_ratio": ref(bad, by), "total": ref(total, by), "title": title}


def stat(metric: str, by: list[str], title: str, where: Obj | None = None) -> Obj:
    return {"stat": ref(metric, by, where), "title": title}


def share(
    metric: str, of: str, by: list[str], title: str, where: Obj | None = None, of_where: Obj | None = None
) -> Obj:
    return {"gauge": ref(metric, by, where), "of": ref(of, by, of_where), "title": title}


def latency(metric: str, title: str) -> list[Obj]:
    return [{"heatmap": metric, "title": f"{title} heatmap"}, {"percentiles": metric, "title": f"{title} percentiles"}]


def alert(when: Obj, for_: str = "15m", severity: str = "warning") -> Obj:
    return {"when": when, "for": for_, "severity": severity}


def share_alert(
    metric: str,
    of: str,
    by: list[str],
    limit: str,
    where: Obj | None = None,
    of_where: Obj | None = None,
    below: bool = True,
) -> Obj:
    return alert({"value": ref(metric, by, where), "of": ref(of, by, of_where), ("below" if below else "above"): limit})


def value_alert(metric: str, by: list[str], above: Any, where: Obj | None = None, for_: str = "15m") -> Obj:
    return alert({"value": ref(metric, by, where), "above": above}, for_)


LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]


def component(
    name: str,
    prefix: str,
    selector: Obj,
    metrics: Obj,
    alerts: Obj,
    rows: list[Obj],
    variables: list[str],
    slos: Obj | None = None,
    client: bool = False,
) -> Obj:
    """One component, with the process metrics, alerts and rows every Kubernetes binary has
    (the mixin's XDown and XInstanceUnreachable; memory, goroutines, up; its Kube API client)."""
    metrics = {
        **metrics,
        "memory": m("process_resident_memory_bytes", "gauge", ["instance"], "bytes"),
        "goroutines": m("go_goroutines", "gauge", ["instance"]),
        "up": m("up", "gauge", ["instance"]),
    }
    alerts = {
        **alerts,
        f"{prefix}Down": alert({"value": ref("up", ["instance"]), "below": 1}, "15m", "critical"),
        f"{prefix}MetricsAbsent": {**alert({"absent": "up"}, "15m", "critical"), "inhibits": True},
    }
    rows = [*rows]
    if client:
        metrics["client_requests"] = m("rest_client_requests_total", "counter", ["instance", "code", "verb"])
        metrics["client_errors"] = {"from": "client_requests", "where": {"code": {"regex": "5.."}}}
        alerts[f"{prefix}ClientErrors"] = alert(
            {
                "ratio": {"bad": ref("client_errors", ["instance"]), "total": ref("client_requests", ["instance"])},
                "above": "1%",
            }
        )
        rows.append(
            {
                "title": "Kube API client",
                "panels": [
                    rate("client_requests", ["code"], "Kube API requests by code"),
                    rate("client_requests", ["verb"], "Kube API requests by verb"),
                    ratio("client_errors", "client_requests", ["instance"], "Kube API 5xx ratio"),
                ],
            }
        )
    rows.append(
        {
            "title": "Process",
            "panels": [
                stat("memory", ["instance"], "Memory"),
                stat("goroutines", ["instance"], "Goroutines"),
                stat("up", ["instance"], "Up"),
            ],
        }
    )
    return {
        "name": name,
        "selector": selector,
        "metrics": metrics,
        "alerts": alerts,
        "rows": rows,
        "variables": variables,
        "slos": slos or {},
    }
