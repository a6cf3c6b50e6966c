"""kube-state-metrics, node-exporter and the control plane's scheduler, controller-manager and
kube-proxy: the rest of the kubernetes-mixin-sized workload (``k8s_mixin.py`` has the others)."""

from __future__ import annotations

from k8s_builders import (
    LATENCY_BUCKETS,
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

NS = "namespace"
POD = [NS, "pod"]


def workload(kind: str, ready: str, desired: str, extra: list[Obj]) -> Obj:
    """A workload kind's row: ready of desired per object and per namespace, then its counts."""
    by = [NS, kind]
    return {
        "title": f"{kind.capitalize()}s",
        "panels": [
            share(ready, desired, by, f"{kind} {ready} of {desired}"),
            share(ready, desired, [NS], f"{kind} {ready} of {desired} by namespace"),
            *extra,
            stat(ready, by, f"{kind} {ready}"),
            stat(desired, by, f"{kind} {desired}"),
        ],
    }


def gauges(prefix: str, names: dict[str, str], labels: list[str]) -> dict[str, Obj]:
    return {key: m(f"{prefix}{name}", "gauge", labels) for key, name in names.items()}


STATE = component(
    "kube-state-metrics",
    "KubeStateMetrics",
    {"job": "kube-state-metrics"},
    {
        "restarts": m("kube_pod_container_status_restarts_total", "counter", [NS, "pod", "container"]),
        "phase": m("kube_pod_status_phase", "gauge", [NS, "pod", "phase"]),
        "waiting": m("kube_pod_container_status_waiting_reason", "gauge", [NS, "pod", "container", "reason"]),
        **gauges(
            "kube_deployment_",
            {"available": "status_replicas_available", "replicas": "spec_replicas"},
            [NS, "deployment"],
        ),
        "condition": m("kube_deployment_status_condition", "gauge", [NS, "deployment", "condition", "status"]),
        **gauges(
            "kube_statefulset_",
            {"ready": "status_replicas_ready", "sts_replicas": "replicas", "updated": "status_replicas_updated"},
            [NS, "statefulset"],
        ),
        **gauges(
            "kube_daemonset_status_",
            {
                "ds_ready": "number_ready",
                "scheduled": "desired_number_scheduled",
                "current": "current_number_scheduled",
                "misscheduled": "number_misscheduled",
            },
            [NS, "daemonset"],
        ),
        **gauges("kube_job_", {"failed": "failed", "active": "status_active"}, [NS, "job_name"]),
        **gauges(
            "kube_horizontalpodautoscaler_",
            {
                "hpa_current": "status_current_replicas",
                "hpa_desired": "status_desired_replicas",
                "hpa_max": "spec_max_replicas",
            },
            [NS, "horizontalpodautoscaler"],
        ),
        **gauges(
            "kube_poddisruptionbudget_status_",
            {"healthy": "current_healthy", "pdb_desired": "desired_healthy"},
            [NS, "poddisruptionbudget"],
        ),
        "requests": m("kube_pod_container_resource_requests", "gauge", [NS, "node", "resource"]),
        "limits": m("kube_pod_container_resource_limits", "gauge", [NS, "node", "resource"]),
        "allocatable": m("kube_node_status_allocatable", "gauge", ["node", "resource"]),
        "quota": m("kube_resourcequota", "gauge", [NS, "resource", "type"]),
        "node_condition": m("kube_node_status_condition", "gauge", ["node", "condition", "status"]),
        "taint": m("kube_node_spec_taint", "gauge", ["node", "key"]),
        "unschedulable": m("kube_node_spec_unschedulable", "gauge", ["node"]),
        "pv_phase": m("kube_persistentvolume_status_phase", "gauge", ["persistentvolume", "phase"]),
    },
    {
        "KubePodCrashLooping": alert({"rate": ref("restarts", [NS, "pod", "container"]), "above": "1/h"}),
        "KubePodNotReady": value_alert("phase", POD, 0, {"phase": ["Pending", "Unknown"]}),
        "KubeContainerWaiting": value_alert("waiting", [NS, "pod", "container"], 0, for_="1h"),
        "KubeDeploymentReplicasMismatch": share_alert("available", "replicas", [NS, "deployment"], "100%"),
        "KubeDeploymentRolloutStuck": value_alert(
            "condition", [NS, "deployment"], 0, {"condition": "Progressing", "status": "false"}
        ),
        "KubeStatefulSetReplicasMismatch": share_alert("ready", "sts_replicas", [NS, "statefulset"], "100%"),
        "KubeStatefulSetUpdateNotRolledOut": share_alert("updated", "sts_replicas", [NS, "statefulset"], "100%"),
        "KubeDaemonSetRolloutStuck": share_alert("ds_ready", "scheduled", [NS, "daemonset"], "100%"),
        "KubeDaemonSetNotScheduled": share_alert("current", "scheduled", [NS, "daemonset"], "100%"),
        "KubeJobFailed": value_alert("failed", [NS, "job_name"], 0),
        "KubeJobNotCompleted": value_alert("active", [NS, "job_name"], 0, for_="12h"),
        "KubeHpaMaxedOut": share_alert("hpa_current", "hpa_max", [NS, "horizontalpodautoscaler"], "99%", below=False),
        "KubePdbNotEnoughHealthyPods": share_alert("healthy", "pdb_desired", [NS, "poddisruptionbudget"], "100%"),
        "KubeCPUOvercommit": share_alert(
            "requests", "allocatable", [], "90%", {"resource": "cpu"}, {"resource": "cpu"}, below=False
        ),
        "KubeMemoryOvercommit": share_alert(
            "requests", "allocatable", [], "90%", {"resource": "memory"}, {"resource": "memory"}, below=False
        ),
        "KubeQuotaAlmostFull": share_alert(
            "quota", "quota", [NS, "resource"], "90%", {"type": "used"}, {"type": "hard"}, below=False
        ),
        "KubeNodeNotReady": alert(
            {"value": ref("node_condition", ["node"], {"condition": "Ready", "status": "true"}), "below": 1}
        ),
        "KubeNodePressure": value_alert(
            "node_condition",
            ["node", "condition"],
            0,
            {"condition": ["MemoryPressure", "DiskPressure", "PIDPressure"], "status": "true"},
        ),
        "KubeNodeUnreachable": value_alert("taint", ["node"], 0, {"key": {"equals": "node.kubernetes.io/unreachable"}}),
        "KubePersistentVolumeErrors": value_alert(
            "pv_phase", ["persistentvolume"], 0, {"phase": ["Failed", "Pending"]}
        ),
    },
    [
        {
            "title": "Pods",
            "panels": [
                rate("restarts", [NS], "Restarts by namespace"),
                rate("restarts", POD, "Restarts by pod"),
                rate("restarts", [NS, "pod", "container"], "Restarts by container"),
                stat("phase", ["phase"], "Pods by phase"),
                stat("phase", [NS, "phase"], "Pods by namespace and phase"),
                stat("waiting", ["reason"], "Waiting containers by reason"),
                stat("waiting", [NS, "reason"], "Waiting containers by namespace"),
            ],
        },
        workload(
            "deployment",
            "available",
            "replicas",
            [
                stat(
                    "condition",
                    [NS, "deployment"],
                    "Deployments not progressing",
                    {"condition": "Progressing", "status": "false"},
                ),
                stat("available", [NS], "deployment available by namespace"),
            ],
        ),
        workload(
            "statefulset",
            "ready",
            "sts_replicas",
            [share("updated", "sts_replicas", [NS, "statefulset"], "statefulset updated of replicas")],
        ),
        workload(
            "daemonset",
            "ds_ready",
            "scheduled",
            [
                share("current", "scheduled", [NS, "daemonset"], "daemonset current of scheduled"),
                stat("misscheduled", [NS, "daemonset"], "daemonset misscheduled"),
            ],
        ),
        {
            "title": "Jobs",
            "panels": [
                stat("failed", [NS, "job_name"], "Failed jobs"),
                stat("failed", [NS], "Failed jobs by namespace"),
                stat("active", [NS, "job_name"], "Active jobs"),
                stat("active", [NS], "Active jobs by namespace"),
            ],
        },
        workload(
            "horizontalpodautoscaler",
            "hpa_current",
            "hpa_max",
            [
                share("hpa_current", "hpa_desired", [NS, "horizontalpodautoscaler"], "HPA current of desired"),
                stat("hpa_desired", [NS, "horizontalpodautoscaler"], "HPA desired"),
            ],
        ),
        {
            "title": "Disruption budgets",
            "panels": [
                share("healthy", "pdb_desired", [NS, "poddisruptionbudget"], "PDB healthy of desired"),
                stat("healthy", [NS, "poddisruptionbudget"], "PDB healthy"),
                stat("pdb_desired", [NS, "poddisruptionbudget"], "PDB desired"),
            ],
        },
        {
            "title": "Capacity",
            "panels": [
                *[
                    share(
                        k,
                        "allocatable",
                        by,
                        f"{r.upper() if r == 'cpu' else r.capitalize()} {k} of allocatable{' by node' if by else ''}",
                        {"resource": r},
                        {"resource": r},
                    )
                    for k in ("requests", "limits")
                    for r in ("cpu", "memory")
                    for by in ([], ["node"])
                ],
                stat("requests", [NS, "resource"], "Requests by namespace"),
                stat("limits", [NS, "resource"], "Limits by namespace"),
                stat("allocatable", ["node", "resource"], "Allocatable by node"),
            ],
        },
        {
            "title": "Quotas",
            "panels": [
                share("quota", "quota", [NS, "resource"], "Quota used", {"type": "used"}, {"type": "hard"}),
                stat("quota", [NS, "resource", "type"], "Quota"),
                stat("quota", [NS, "resource"], "Quota hard", {"type": "hard"}),
            ],
        },
        {
            "title": "Nodes and volumes",
            "panels": [
                stat("node_condition", ["node", "condition"], "Node conditions", {"status": "true"}),
                stat("node_condition", ["node"], "Nodes ready", {"condition": "Ready", "status": "true"}),
                stat("taint", ["node", "key"], "Node taints"),
                stat("unschedulable", ["node"], "Unschedulable nodes"),
                stat("pv_phase", ["phase"], "Persistent volumes by phase"),
                stat("pv_phase", ["persistentvolume", "phase"], "Persistent volume phases"),
            ],
        },
    ],
    [NS],
)


def node_view(view: str, by: list[str]) -> list[Obj]:
    """The mixin's node dashboards (nodes overview, node resources) at one level."""
    return [
        {
            "title": f"CPU, {view}",
            "panels": [
                ratio("cpu_busy", "cpu", by, f"CPU utilisation, {view}"),
                rate("cpu", [*by, "mode"], f"CPU by mode, {view}"),
                *[stat(k, by, f"Load {k[4:]}m, {view}") for k in ("load1", "load5", "load15")],
            ],
        },
        {
            "title": f"Memory and disks, {view}",
            "panels": [
                share("mem_available", "mem_total", by, f"Memory available, {view}"),
                stat("mem_available", by, f"Memory available bytes, {view}"),
                stat("mem_total", by, f"Memory total, {view}"),
                share("fs_avail", "fs_size", by, f"Filesystem available, {view}"),
                stat("fs_avail", by, f"Filesystem available bytes, {view}"),
                rate("disk_io", by, f"Disk busy, {view}"),
                rate("net_rx", by, f"Network received, {view}"),
                rate("net_tx", by, f"Network transmitted, {view}"),
            ],
        },
    ]


NODE_LABELS = ["instance", "device"]
NODES = component(
    "node-exporter",
    "NodeExporter",
    {"job": "node-exporter"},
    {
        "cpu": m("node_cpu_seconds_total", "counter", ["instance", "cpu", "mode"]),
        "cpu_busy": {"from": "cpu", "where": {"mode": {"not_regex": "idle|iowait|steal"}}},
        **{f"load{n}": m(f"node_load{n}", "gauge", ["instance"]) for n in (1, 5, 15)},
        "mem_available": m("node_memory_MemAvailable_bytes", "gauge", ["instance"], "bytes"),
        "mem_total": m("node_memory_MemTotal_bytes", "gauge", ["instance"], "bytes"),
        "fs_avail": m("node_filesystem_avail_bytes", "gauge", ["instance", "device", "mountpoint", "fstype"], "bytes"),
        "fs_size": m("node_filesystem_size_bytes", "gauge", ["instance", "device", "mountpoint", "fstype"], "bytes"),
        "disk_io": m("node_disk_io_time_seconds_total", "counter", NODE_LABELS),
        "net_rx": m("node_network_receive_bytes_total", "counter", NODE_LABELS),
        "net_tx": m("node_network_transmit_bytes_total", "counter", NODE_LABELS),
    },
    {},
    [
        *node_view("cluster", []),
        *node_view("nodes", ["instance"]),
        {
            "title": "Filesystems and devices",
            "panels": [
                share("fs_avail", "fs_size", ["instance", "mountpoint"], "Filesystem available by mountpoint"),
                stat("fs_avail", ["instance", "mountpoint"], "Filesystem bytes available by mountpoint"),
                rate("disk_io", NODE_LABELS, "Disk busy by device"),
                rate("net_rx", NODE_LABELS, "Received by device"),
                rate("net_tx", NODE_LABELS, "Transmitted by device"),
            ],
        },
    ],
    ["instance"],
)

SCHEDULER = component(
    "kube-scheduler",
    "KubeScheduler",
    {"job": "kube-scheduler"},
    {
        "attempts": m("scheduler_schedule_attempts_total", "counter", ["instance", "result", "profile"]),
        "failed_attempts": {"from": "attempts", "where": {"result": ["error", "unschedulable"]}},
        "attempt_latency": m(
            "scheduler_scheduling_attempt_duration_seconds",
            "histogram",
            ["instance", "result"],
            "seconds",
            LATENCY_BUCKETS,
        ),
        "pending": m("scheduler_pending_pods", "gauge", ["instance", "queue"]),
    },
    {
        "KubeSchedulerFailing": alert({"ratio": {"bad": "failed_attempts", "total": "attempts"}, "above": "10%"}),
        "KubeSchedulerLatencyHigh": alert({"quantile": 0.99, "of": "attempt_latency", "above": "1s"}),
        "KubeSchedulerPendingPods": value_alert("pending", ["queue"], 100),
    },
    [
        {
            "title": "Scheduling",
            "panels": [
                rate("attempts", ["result"], "Attempts by result"),
                rate("attempts", ["instance"], "Attempts by instance"),
                ratio("failed_attempts", "attempts", ["instance"], "Failed attempt ratio"),
                stat("pending", ["queue"], "Pending pods by queue"),
            ],
        },
        {"title": "Latency", "panels": latency("attempt_latency", "Scheduling attempt")},
    ],
    ["instance"],
    client=True,
)

CONTROLLER_MANAGER = component(
    "kube-controller-manager",
    "KubeControllerManager",
    {"job": "kube-controller-manager"},
    {
        "adds": m("workqueue_adds_total", "counter", ["instance", "name"]),
        "depth": m("workqueue_depth", "gauge", ["instance", "name"]),
        "queue_latency": m(
            "workqueue_queue_duration_seconds", "histogram", ["instance", "name"], "seconds", LATENCY_BUCKETS
        ),
    },
    {
        "WorkqueueDepthHigh": value_alert("depth", ["name"], 100),
        "WorkqueueLatencyHigh": alert({"quantile": 0.99, "of": "queue_latency", "above": "10s"}),
    },
    [
        {
            "title": "Work queues",
            "panels": [
                rate("adds", ["name"], "Adds by queue"),
                rate("adds", ["instance"], "Adds by instance"),
                stat("depth", ["name"], "Depth by queue"),
                stat("depth", ["instance"], "Depth by instance"),
            ],
        },
        {"title": "Latency", "panels": latency("queue_latency", "Queue")},
    ],
    ["instance"],
    client=True,
)

PROXY = component(
    "kube-proxy",
    "KubeProxy",
    {"job": "kube-proxy"},
    {
        "sync_latency": m(
            "kubeproxy_sync_proxy_rules_duration_seconds", "histogram", ["instance"], "seconds", LATENCY_BUCKETS
        )
    },
    {"KubeProxySyncSlow": alert({"quantile": 0.99, "of": "sync_latency", "above": "1s"})},
    [{"title": "Rules sync", "panels": latency("sync_latency", "Rules sync")}],
    ["instance"],
)
