"""The kubernetes-mixin-sized workload: eight components, as data (see ``k8s_builders`` for the shape).

63 threshold alerts and one SLO (its page and ticket burn alerts make 65, the mixin's count);
tests/test_benchmark_k8s.py checks what the compiled folder holds.

>>> sum(len(c["alerts"]) for c in COMPONENTS), sum(len(c["slos"]) for c in COMPONENTS)
(63, 1)
"""

from __future__ import annotations

from decimal import Decimal

from k8s_builders import (
    CADVISOR,
    LATENCY_BUCKETS,
    VIEWS,
    Obj,
    alert,
    component,
    latency,
    m,
    rate,
    ratio,
    ref,
    share,
    share_alert,
    stat,
    value_alert,
)
from k8s_mixin_state import CONTROLLER_MANAGER, NODES, PROXY, SCHEDULER, STATE

APISERVER = component(
    "kube-apiserver",
    "KubeAPI",
    {"job": "apiserver"},
    {
        "requests": m("apiserver_request_total", "counter", ["instance", "code", "verb", "resource"]),
        "server_errors": {"from": "requests", "where": {"code": {"regex": "5.."}}},
        "latency": m(
            "apiserver_request_duration_seconds",
            "histogram",
            ["instance", "verb", "resource"],
            "seconds",
            LATENCY_BUCKETS,
        ),
        "terminations": m("apiserver_request_terminations_total", "counter", ["instance"]),
        "unavailable_apis": m("aggregator_unavailable_apiservice", "gauge", ["name"]),
    },
    {
        "KubeAPIErrorsHigh": alert(
            {
                "ratio": {"bad": ref("server_errors", ["instance"]), "total": ref("requests", ["instance"])},
                "above": "3%",
            }
        ),
        "KubeAPITerminatedRequests": alert(
            {"ratio": {"bad": "terminations", "total": "requests"}, "above": "20%"}, "5m"
        ),
        "KubeAPILatencyHigh": alert({"quantile": 0.99, "of": "latency", "above": "1s"}, "10m"),
        "KubeAggregatedAPIDown": value_alert("unavailable_apis", ["name"], 0, for_="10m"),
    },
    [
        {"title": "Availability", "panels": [{"slo": "availability"}]},
        {
            "title": "Requests",
            "panels": [
                rate("requests", ["code"], "Requests by code"),
                rate("requests", ["verb"], "Requests by verb"),
                rate("requests", ["resource"], "Requests by resource"),
                rate("requests", ["instance"], "Requests by instance"),
                ratio("server_errors", "requests", ["verb"], "5xx ratio by verb"),
                ratio("server_errors", "requests", ["resource"], "5xx ratio by resource"),
                ratio("server_errors", "requests", ["instance"], "5xx ratio by instance"),
                rate("terminations", ["instance"], "Terminated requests"),
            ],
        },
        {
            "title": "Latency",
            "panels": [
                *latency("latency", "Request latency"),
                {"percentiles": ref("latency", where={"verb": ["GET", "LIST"]}), "title": "Read latency percentiles"},
                {
                    "percentiles": ref("latency", where={"verb": ["POST", "PUT", "PATCH", "DELETE"]}),
                    "title": "Write latency percentiles",
                },
            ],
        },
        {"title": "Aggregated APIs", "panels": [stat("unavailable_apis", ["name"], "Unavailable API services")]},
    ],
    ["instance", "verb", "resource"],
    slos={
        "availability": {
            "objective": "99%",
            "description": "API requests that do not fail with a 5xx.",
            "sli": {"bad": "server_errors", "total": "requests"},
        }
    },
)

PVC = ["namespace", "persistentvolumeclaim"]
KUBELET = component(
    "kubelet",
    "Kubelet",
    {"job": "kubelet", "metrics_path": "/metrics"},
    {
        "running_pods": m("kubelet_running_pods", "gauge", ["instance"]),
        "running_containers": m("kubelet_running_containers", "gauge", ["instance", "container_state"]),
        "volume_available": m("kubelet_volume_stats_available_bytes", "gauge", PVC, "bytes"),
        "volume_capacity": m("kubelet_volume_stats_capacity_bytes", "gauge", PVC, "bytes"),
        "inodes_free": m("kubelet_volume_stats_inodes_free", "gauge", PVC),
        "inodes": m("kubelet_volume_stats_inodes", "gauge", PVC),
        "pleg": m("kubelet_pleg_relist_duration_seconds", "histogram", ["instance"], "seconds", LATENCY_BUCKETS),
        "pod_start": m(
            "kubelet_pod_start_duration_seconds", "histogram", ["instance"], "seconds", [0.5, 1, 2, 5, 10, 30, 60, 120]
        ),
        "runtime_ops": m("kubelet_runtime_operations_total", "counter", ["instance", "operation_type"]),
        "runtime_errors": m("kubelet_runtime_operations_errors_total", "counter", ["instance", "operation_type"]),
        "client_cert_ttl": m("kubelet_certificate_manager_client_ttl_seconds", "gauge", ["instance"], "seconds"),
        "server_cert_ttl": m("kubelet_certificate_manager_server_ttl_seconds", "gauge", ["instance"], "seconds"),
    },
    {
        "KubeletTooManyPods": value_alert("running_pods", ["instance"], 100),
        "KubeletPlegDurationHigh": alert({"quantile": 0.99, "of": "pleg", "above": "10s"}, "5m"),
        "KubeletPodStartUpLatencyHigh": alert({"quantile": 0.99, "of": "pod_start", "above": "60s"}),
        "KubePersistentVolumeFillingUp": {
            **share_alert("volume_available", "volume_capacity", PVC, "3%"),
            "severity": "critical",
        },
        "KubePersistentVolumeAlmostFull": share_alert("volume_available", "volume_capacity", PVC, "15%"),
        "KubePersistentVolumeInodesFillingUp": share_alert("inodes_free", "inodes", PVC, "3%"),
        "KubeletRuntimeErrors": alert({"rate": ref("runtime_errors", ["instance"]), "above": "1/min"}),
        "KubeletClientCertificateExpiration": alert({"value": ref("client_cert_ttl", ["instance"]), "below": "7d"}),
        "KubeletServerCertificateExpiration": alert({"value": ref("server_cert_ttl", ["instance"]), "below": "7d"}),
    },
    [
        {
            "title": "Overview",
            "panels": [
                stat("running_pods", ["instance"], "Running pods"),
                stat("running_containers", ["instance", "container_state"], "Running containers"),
            ],
        },
        {
            "title": "Operations",
            "panels": [
                rate("runtime_ops", ["operation_type"], "Operations by type"),
                rate("runtime_ops", ["instance"], "Operations by instance"),
                rate("runtime_errors", ["operation_type"], "Operation errors by type"),
                rate("runtime_errors", ["instance"], "Operation errors by instance"),
                ratio("runtime_errors", "runtime_ops", ["operation_type"], "Operation error ratio by type"),
            ],
        },
        {"title": "Pod lifecycle", "panels": [*latency("pleg", "PLEG relist"), *latency("pod_start", "Pod start")]},
        {
            "title": "Volumes",
            "panels": [
                share("volume_available", "volume_capacity", PVC, "Volume space available"),
                share("inodes_free", "inodes", PVC, "Volume inodes free"),
                stat("volume_available", PVC, "Volume bytes available"),
                stat("inodes_free", PVC, "Volume inodes available"),
            ],
        },
        {
            "title": "Certificates",
            "panels": [
                stat("client_cert_ttl", ["instance"], "Client certificate TTL"),
                stat("server_cert_ttl", ["instance"], "Server certificate TTL"),
            ],
        },
    ],
    ["instance"],
    client=True,
)

COMPUTE_METRICS = {
    "cpu": ("container_cpu_usage_seconds_total", "counter", None),
    "throttled": ("container_cpu_cfs_throttled_periods_total", "counter", None),
    "periods": ("container_cpu_cfs_periods_total", "counter", None),
    "working_set": ("container_memory_working_set_bytes", "gauge", "bytes"),
    "rss": ("container_memory_rss", "gauge", "bytes"),
    "cache": ("container_memory_cache", "gauge", "bytes"),
    "swap": ("container_memory_swap", "gauge", "bytes"),
    "rx": ("container_network_receive_bytes_total", "counter", None),
    "tx": ("container_network_transmit_bytes_total", "counter", None),
    "rx_packets": ("container_network_receive_packets_total", "counter", None),
    "tx_packets": ("container_network_transmit_packets_total", "counter", None),
    "rx_dropped": ("container_network_receive_packets_dropped_total", "counter", None),
    "tx_dropped": ("container_network_transmit_packets_dropped_total", "counter", None),
    "fs_reads": ("container_fs_reads_bytes_total", "counter", None),
    "fs_writes": ("container_fs_writes_bytes_total", "counter", None),
}


def compute_view(view: str, by: list[str]) -> list[Obj]:
    """One of the mixin's compute-resources dashboards: CPU and memory, then network and storage I/O."""
    return [
        {
            "title": f"CPU, {view}",
            "panels": [
                rate("cpu", by, f"CPU usage, {view}"),
                ratio("throttled", "periods", by, f"CPU throttling, {view}"),
            ],
        },
        {
            "title": f"Memory, {view}",
            "panels": [
                stat(k, by, f"Memory {k.replace('_', ' ')}, {view}") for k in ("working_set", "rss", "cache", "swap")
            ],
        },
        {
            "title": f"Network, {view}",
            "panels": [
                rate(k, by, f"Network {k.replace('_', ' ')}, {view}")
                for k in ("rx", "tx", "rx_packets", "tx_packets", "rx_dropped", "tx_dropped")
            ],
        },
        {
            "title": f"Storage I/O, {view}",
            "panels": [rate("fs_reads", by, f"Disk reads, {view}"), rate("fs_writes", by, f"Disk writes, {view}")],
        },
    ]


CONTAINER = ["namespace", "pod", "container"]
COMPUTE = component(
    "compute-resources",
    "Cadvisor",
    {"job": "kubelet", "metrics_path": "/metrics/cadvisor"},
    {key: m(name, type_, CADVISOR, unit) for key, (name, type_, unit) in COMPUTE_METRICS.items()},
    {
        "CPUThrottlingHigh": alert(
            {"ratio": {"bad": ref("throttled", CONTAINER), "total": ref("periods", CONTAINER)}, "above": "25%"}
        ),
        "ContainerCpuUsageHigh": alert({"rate": ref("cpu", CONTAINER), "above": "4/s"}),
        "ContainerMemoryHigh": value_alert("working_set", CONTAINER, "8GiB"),
        "PodNetworkReceiveDropping": alert({"rate": ref("rx_dropped", ["namespace", "pod"]), "above": "10/s"}),
        "PodNetworkTransmitDropping": alert({"rate": ref("tx_dropped", ["namespace", "pod"]), "above": "10/s"}),
    },
    [row for view, by in VIEWS for row in compute_view(view, by)],
    ["namespace", "node"],
)

COMPONENTS: list[Obj] = [APISERVER, KUBELET, COMPUTE, STATE, NODES, SCHEDULER, CONTROLLER_MANAGER, PROXY]


def _budget(objective: str) -> str:
    """The error budget the burn-rate panels divide by: ``99%`` -> ``0.01``."""
    return str((100 - Decimal(objective.rstrip("%"))) / 100)


def peer_table() -> list[Obj]:
    """What the jsonnet peer needs of each component: its dashboard's uid, selector,
    variables, catalog (logical name -> metric name and labels) and rows."""
    out = []
    for c in COMPONENTS:
        catalog = {}
        for key, metric in c["metrics"].items():
            base = c["metrics"][metric["from"]] if "from" in metric else metric
            catalog[key] = {
                "name": base["name"],
                "type": base["type"],
                "labels": base.get("labels", []),
                "where": metric.get("where", {}),
            }
        out.append(
            {
                "uid": c["name"],
                "selector": c["selector"],
                "variables": c["variables"],
                "catalog": catalog,
                "slos": {name: _budget(slo["objective"]) for name, slo in c["slos"].items()},
                "rows": c["rows"],
            }
        )
    return out
