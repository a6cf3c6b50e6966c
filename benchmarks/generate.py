"""Synthetic specs for the benchmark: one service with N SLOs, folders of N services, and the
kubernetes-mixin-sized folder (one spec per component, ``k8s_mixin.py``).

>>> text = slo_spec(4)
>>> text.count("objective:"), text.count("type: histogram")
(4, 2)
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> [p.name for p in fleet(folder, 2)]
['svc-0000.yaml', 'svc-0001.yaml']
>>> [p.name for p in k8s_mixin(folder / "k8s")][:2]
['kube-apiserver.yaml', 'kubelet.yaml']
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FLEET_TEMPLATE = REPO / "specs" / "sigil-dna.yaml"


def slo_spec(n_slos: int) -> str:
    """One service with ``n_slos`` SLOs: every two SLOs (availability, latency) share a counter pair
    and a histogram, which a latency alert and a percentiles panel also use, as real specs do."""
    groups = (n_slos + 1) // 2
    lines = [
        "apiVersion: sigil-monitoring/v1",
        "service: {name: synthetic, selector: {job: synthetic}, scrape_interval: 15s}",
        "metrics:",
    ]
    for g in range(groups):
        lines.append(f"  req{g}: {{name: op{g}_requests_total, type: counter}}")
        lines.append(f"  err{g}: {{name: op{g}_errors_total, type: counter}}")
        lines.append(
            f"  lat{g}: {{name: op{g}_duration_seconds, type: histogram, unit: seconds, buckets: [0.1, 0.5, 1, 5]}}"
        )
    lines.append("slos:")
    for i in range(n_slos):
        g = i // 2
        if i % 2 == 0:
            lines.append(f"  op{g}-availability: {{objective: 99.9%, sli: {{bad: err{g}, total: req{g}}}}}")
        else:
            lines.append(f"  op{g}-latency: {{objective: 99%, sli: {{latency: lat{g}, below: 1s}}}}")
    lines.append("alerts:")
    for g in range(groups):
        lines.append(f"  Op{g}LatencyHigh: {{when: {{quantile: 0.95, of: lat{g}, above: 1s}}, for: 10m}}")
    lines.append("dashboard:")
    lines.append("  rows:")
    for g in range(groups):
        lines.append(
            f"    - {{title: op{g}, panels: [{{percentiles: lat{g}}}, {{rate: req{g}}}, {{slo: op{g}-availability}}]}}"
        )
    return "\n".join(lines) + "\n"


def fleet(folder: Path, n_services: int) -> list[Path]:
    """``n_services`` copies of specs/sigil-dna.yaml (24 files each), each its own service."""
    template = FLEET_TEMPLATE.read_text(encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n_services):
        name = f"svc-{i:04d}"
        text = template.replace("name: sigil-dna", f"name: {name}").replace("job: sigil-dna", f"job: {name}")
        if i:  # Alertmanager has one root route: only the first service keeps routing.catch_all
            text = text.replace("  catch_all: team\n", "")
        path = folder / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def _flow(value: Any) -> str:
    """A YAML flow value: JSON is YAML 1.2, and keeps every regex and label value quoted."""
    return json.dumps(value, ensure_ascii=False)


def component_spec(component: dict[str, Any]) -> str:
    """One kubernetes-mixin-sized component (``k8s_mixin.COMPONENTS``) as a spec: one entry a line."""
    lines = [
        "apiVersion: sigil-monitoring/v1",
        f"service: {{name: {component['name']}, team: kubernetes, selector: {_flow(component['selector'])}, "
        "scrape_interval: 30s}",
        "metrics:",
        *[f"  {key}: {_flow(metric)}" for key, metric in component["metrics"].items()],
    ]
    if component["slos"]:
        lines += ["slos:", *[f"  {name}: {_flow(slo)}" for name, slo in component["slos"].items()]]
    lines += ["alerts:", *[f"  {name}: {_flow(body)}" for name, body in component["alerts"].items()]]
    lines += ["dashboard:", f"  variables: {_flow(component['variables'])}", "  rows:"]
    for row in component["rows"]:
        lines += [
            f"    - title: {_flow(row['title'])}",
            "      panels:",
            *[f"        - {_flow(panel)}" for panel in row["panels"]],
        ]
    return "\n".join(lines) + "\n"


def k8s_mixin(folder: Path) -> list[Path]:
    """The kubernetes-mixin-sized folder: one spec per component, compiled in one invocation.
    (``k8s_mixin`` is imported here, from this folder, which run.py and the tests put on the path.)"""
    from k8s_mixin import COMPONENTS

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for component in COMPONENTS:
        path = folder / f"{component['name']}.yaml"
        path.write_text(component_spec(component), encoding="utf-8")
        paths.append(path)
    return paths


TEMPLATE_FLEET = {  # template file -> (its text, the params line of a service using it)
    "http-api.yaml": (
        """apiVersion: sigil-monitoring/v1
kind: Template
description: An HTTP API - availability and latency SLOs, a 5xx alert, a dashboard, routing.
parameters:
  objective: {type: percentage, default: 99.9%, description: availability objective}
  latency: {type: duration, default: 500ms, description: requests slower than this are bad}
  channel: {type: string, default: "#alerts", description: Slack channel}
service:
  selector: {job: <<service.name>>}
metrics:
  requests: {name: http_requests_total, type: counter, labels: [route]}
  errors: {name: http_errors_total, type: counter}
  duration: {name: http_request_duration_seconds, type: histogram, unit: seconds, buckets: [0.1, 0.5, 1, 5]}
slos:
  availability:
    objective: <<params.objective>>
    sli: {bad: errors, total: requests}
    runbook: Check the latest deploy and roll it back if the errors started with it.
  latency:
    objective: 99%
    sli: {latency: duration, below: <<params.latency>>}
    runbook: Check the slowest dependency on the dashboard and scale it out.
alerts:
  HighLatency: {when: {quantile: 0.95, of: duration, above: 1s}, for: 10m}
dashboard:
  rows:
    - {title: Traffic, panels: [{rate: requests}, {slo: availability}]}
    - {title: Latency, panels: [{percentiles: duration}, {slo: latency}]}
routing:
  receivers:
    team: {slack: {channel: "<<params.channel>>", api_url_file: /etc/alertmanager/secrets/slack-url}}
""",
        "params: {{objective: 99.{i}5%}}",
    ),
    "worker.yaml": (
        """apiVersion: sigil-monitoring/v1
kind: Template
description: A queue worker - job success SLO and a backlog panel.
parameters:
  objective: {type: percentage, default: 99%, description: success objective}
service:
  selector: {job: <<service.name>>}
metrics:
  jobs: {name: worker_jobs_total, type: counter}
  failures: {name: worker_job_failures_total, type: counter}
  backlog: {name: worker_queue_depth, type: gauge}
slos:
  success:
    objective: <<params.objective>>
    sli: {bad: failures, total: jobs}
    runbook: Read the failed jobs' logs and retry them once the cause is fixed.
dashboard:
  rows:
    - {title: Jobs, panels: [{rate: jobs}, {slo: success}]}
""",
        "params: {{objective: 99.{i}%}}",
    ),
    "exporter.yaml": (
        """apiVersion: sigil-monitoring/v1
kind: Template
description: Any scraped target - up SLO.
service:
  selector: {job: <<service.name>>}
metrics:
  up: {name: up, type: gauge}
slos:
  up: {objective: 99.5%, sli: {up: up}, runbook: Check the target's health in Prometheus and restart it if it is down.}
""",
        "",
    ),
}


def template_fleet(folder: Path, n_services: int) -> list[Path]:
    """``n_services`` specs in ``folder/specs``, each extending one of the ``TEMPLATE_FLEET``
    templates in ``folder/templates`` (in turn), with its own name and parameters.

    >>> import tempfile
    >>> specs = template_fleet(Path(tempfile.mkdtemp()), 3)
    >>> print(specs[1].read_text(), end="")
    apiVersion: sigil-monitoring/v1
    extend: [../templates/worker.yaml]
    service: {name: svc-0001, team: team-1}
    params: {objective: 99.1%}
    """
    (folder / "templates").mkdir(parents=True, exist_ok=True)
    (folder / "specs").mkdir(parents=True, exist_ok=True)
    for name, (text, _) in TEMPLATE_FLEET.items():
        (folder / "templates" / name).write_text(text, encoding="utf-8")
    templates = list(TEMPLATE_FLEET.items())
    paths = []
    for i in range(n_services):
        template, (_, params) = templates[i % len(templates)]
        lines = [
            "apiVersion: sigil-monitoring/v1",
            f"extend: [../templates/{template}]",
            f"service: {{name: svc-{i:04d}, team: team-{i % 7}}}",
        ]
        lines += [params.format(i=i % 10)] if params else []
        path = folder / "specs" / f"svc-{i:04d}.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
