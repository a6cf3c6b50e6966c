"""``init``: a draft spec from what an exporter publishes about its own metrics.

The families come from the Prometheus text exposition format (``# HELP``/``# TYPE`` and the
samples, read by prometheus_client's parser) or from a running Prometheus's metadata and series
APIs. The draft has the catalog (type from ``# TYPE``, unit from the name's suffix, a classic
histogram's bucket boundaries from its ``le`` values), a dashboard with one row per family group
(the name's first word: ``http``, ``process``, ``go``) and RED SLOs: an availability SLO on a
request counter with a status-code label and a latency SLO on a request-duration histogram. An
SLO the draft is sure of is written; one it guesses is left commented out under the document.

>>> text = '''# HELP http_requests_total Requests.
... # TYPE http_requests_total counter
... http_requests_total{code="200"} 3
... # TYPE http_request_duration_seconds histogram
... http_request_duration_seconds_bucket{le="0.1"} 1
... http_request_duration_seconds_bucket{le="0.5"} 2
... http_request_duration_seconds_bucket{le="+Inf"} 3
... http_request_duration_seconds_sum 1
... http_request_duration_seconds_count 3
... '''
>>> draft = init_draft(families_from_text(text), "api")
>>> draft.spec["metrics"]["http_request_duration_seconds"]
{'name': 'http_request_duration_seconds', 'type': 'histogram', 'unit': 'seconds', 'buckets': [0.1, 0.5]}
>>> sorted(draft.spec["slos"])
['availability']
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from ..conventions import RECORD_LABELS
from ..values.units import DURATION_UNITS, per_second
from .catalog import draft_unit, logical_name, service_name, unique

_TYPES = {"counter": "counter", "gauge": "gauge", "histogram": "histogram", "untyped": "gauge", "unknown": "gauge"}
_CODE_LABELS = ("code", "status", "status_code", "response_code", "grpc_code")  # response_code: Istio
_SERVER_ERRORS = {"grpc_code": "Unknown|DeadlineExceeded|Internal|Unavailable|DataLoss"}
_REQUESTS = re.compile(r"requests?|handled|calls")
_LATENCY = re.compile(r"(duration|latency)_(seconds|milliseconds|ms)$")


class Family(msgspec.Struct, frozen=True):
    """One metric family as exposed: ``name`` as queried (``_total`` kept), without histogram suffixes."""

    name: str
    type: str  # counter, gauge, histogram, summary, ...
    help: str = ""
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] = ()


class InitDraft(msgspec.Struct, frozen=True):
    spec: dict[str, Any]
    comments: dict[tuple[str | int, ...], str]
    suggestions: dict[str, Any]  # commented out under the document
    skipped: list[str]


def families_from_prometheus(url: str, job: str, budget: Any) -> list[Family]:
    """The families of the series Prometheus at ``url`` scrapes from ``job``: names and labels from
    the series API, types and help from the metadata API (a ``RemoteError`` on any failure)."""
    from ..live.prometheus_api import MetricMetadata, Prometheus

    api = Prometheus(url, budget)
    series: list[dict[str, str]] = api.get("/api/v1/series", list[dict[str, str]], **{"match[]": f'{{job="{job}"}}'})
    metadata: dict[str, list[MetricMetadata]] = api.metadata()
    by_name: dict[str, list[dict[str, str]]] = {}
    for labels in series:
        by_name.setdefault(labels.get("__name__", ""), []).append(labels)
    families: list[Family] = []
    seen: set[str] = set()
    for name in sorted(n for n in by_name if n):
        base, kind, help_text = _described(name, metadata)
        if base in seen:
            continue
        seen.add(base)
        parts = [
            labels for n in (base, *(base + p for p in ("_bucket", "_sum", "_count"))) for labels in by_name.get(n, [])
        ]
        label_names = sorted(
            {k for labels in parts for k in labels} - {"__name__", "le", "quantile", "job", "instance"}
        )
        bounds = sorted(
            {
                float(labels["le"])
                for labels in by_name.get(base + "_bucket", [])
                if labels.get("le") not in (None, "+Inf")
            }
        )
        families.append(Family(base, kind, help_text, tuple(label_names), tuple(bounds) if kind == "histogram" else ()))
    return families


def _described(name: str, metadata: dict[str, Any]) -> tuple[str, str, str]:
    """(family name, type, help) of series ``name``: a histogram's _bucket/_sum/_count share one."""
    for suffix in ("_bucket", "_sum", "_count", ""):
        base = name.removesuffix(suffix) if suffix else name
        if (suffix == "" or name.endswith(suffix)) and base in metadata and metadata[base]:
            found = metadata[base][0]
            if suffix == "" or found.type in ("histogram", "summary"):
                return base, found.type or "unknown", found.help
    return name, "counter" if name.endswith("_total") else "unknown", ""


_COUNTER_TYPE = re.compile(r"^#[ \t]*TYPE[ \t]+(\S+)[ \t]+counter[ \t]*\r?$", re.MULTILINE)


def families_from_text(text: str) -> list[Family]:
    """The families of exposition ``text`` (a ``ValueError`` when it is not the text format)."""
    from prometheus_client.parser import text_string_to_metric_families

    # The parser gives every counter's samples a ``_total`` suffix, exposed or not (OpenMetrics'
    # form): postgres_exporter's pg_stat_database_xact_commit or ingress-nginx's requests have
    # none. The name a query must use is the one the ``# TYPE`` line gives.
    typed_counters = set(_COUNTER_TYPE.findall(text))
    # One entry per exposed name: a text that holds a family twice (two scrapes or two targets'
    # outputs pasted together) gives the union of its labels and buckets, as one catalog entry.
    families: dict[str, Family] = {}
    for family in text_string_to_metric_families(text):
        counter = family.type == "counter"
        name = family.name + "_total" if counter and family.name not in typed_counters else family.name
        # Prometheus stores no label with an empty value (ingress-nginx's canary="" on every
        # request not sent to a canary): such a label is no label of the stored series.
        labels = {k for s in family.samples for k, v in s.labels.items() if v} - {"le", "quantile"}
        bounds = {
            float(s.labels["le"]) for s in family.samples if s.name.endswith("_bucket") and s.labels.get("le") != "+Inf"
        }
        seen = families.get(name)
        if seen is not None:
            labels |= set(seen.labels)
            bounds |= set(seen.buckets)
        first = seen or Family(name, family.type, family.documentation)
        families[name] = Family(name, first.type, first.help, tuple(sorted(labels)), tuple(sorted(bounds)))
    return list(families.values())


def init_draft(families: list[Family], job: str) -> InitDraft:
    """The draft spec of a service scraped as ``job`` that exposes ``families``."""
    taken: set[str] = set()
    metrics: dict[str, Any] = {}
    comments: dict[tuple[str | int, ...], str] = {}
    skipped: list[str] = []
    for family in families:
        kind = _TYPES.get(family.type)
        if kind is None:
            skipped.append(f"{family.name}: a {family.type} (the spec catalogs counters, gauges and histograms)")
            continue
        logical = unique(logical_name(family.name), taken)
        entry: dict[str, Any] = {"name": family.name, "type": kind}
        if (unit := draft_unit(family.name, kind, bool(family.buckets))) != "none":
            entry["unit"] = unit
        if family.help and "\n" not in family.help:
            entry["help"] = family.help
        labels = [label for label in family.labels if label not in RECORD_LABELS]
        if labels:
            entry["labels"] = labels
        if kind == "histogram" and family.buckets:
            entry["buckets"] = [_number(b) for b in family.buckets]
        metrics[logical] = entry
        notes = []
        if family.type in ("untyped", "unknown"):
            notes.append(f"# TYPE says {family.type}: cataloged as a gauge (say counter if it only grows)")
        if clashing := [label for label in family.labels if label in RECORD_LABELS]:
            notes.append(
                f"label {', '.join(clashing)} left out: the compiler sets its own on every record "
                "(rename it when scraping, e.g. to exported_<name>, to keep it)"
            )
        if notes:
            comments[("metrics", logical)] = "; ".join(notes)
    if not metrics:
        metrics["up"] = {"name": "up", "type": "gauge", "help": "1 when Prometheus scraped the target."}
        comments[("metrics", "up")] = "the exporter published no counter, gauge or histogram"
    name = _service_name(job)
    spec: dict[str, Any] = {
        "apiVersion": "sigil-monitoring/v1",
        "service": {"name": name, "selector": {"job": job}},
        "metrics": metrics,
    }
    slos, suggestions = _red_slos(metrics)
    if slos:
        spec["slos"] = slos
    spec["dashboard"] = {"rows": _rows(metrics)}  # its filters: the catalog's labels (the default)
    if suggestions:
        comments[("dashboard",)] = _suggestion_comment(suggestions, under_slos="slos" in spec)
    return InitDraft(spec, comments, suggestions, skipped)


SUGGESTED = "Suggested SLOs, not sure enough to enable: uncomment and adjust."


def _suggestion_comment(suggestions: dict[str, Any], *, under_slos: bool) -> str:
    """The suggested SLOs as a comment above ``dashboard:``: right after the ``slos:`` entries when
    the draft has some (indented under it), else with a ``slos:`` key of its own, so that
    uncommenting the lines gives valid YAML where they stand."""
    from .yaml_writer import commented_out

    text = commented_out(suggestions["slos"], indent=2) if under_slos else commented_out(suggestions)
    return f"{SUGGESTED}\n{text}"


def _service_name(job: str) -> str:
    return service_name(job) or service_name(f"svc-{job}") or "service"


def _rows(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for logical, entry in metrics.items():
        group = entry["name"].split("_", 1)[0]
        match entry["type"]:
            case "counter":
                panels: list[dict[str, Any]] = [{"rate": logical}]
            case "histogram":
                panels = [{"heatmap": logical}, {"percentiles": logical}]
            case _:
                panels = [{"stat": logical}]
        groups.setdefault(group, []).extend(panels)
    return [{"title": group, "panels": panels} for group, panels in groups.items()]


def _red_slos(metrics: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(SLOs written, SLOs suggested in a comment): sure only on a request counter with a code label."""
    slos: dict[str, Any] = {}
    suggested: dict[str, Any] = {}
    for logical, entry in metrics.items():
        labels = entry.get("labels", [])
        if entry["type"] == "counter" and _REQUESTS.search(entry["name"]):
            code = next((label for label in _CODE_LABELS if label in labels), None)
            if code is None:
                continue
            errors = _SERVER_ERRORS.get(code, "5..")
            slo = {
                "objective": "99.9%",
                "description": f"{entry['name']} answered without a server error.",
                "sli": {"bad": {"metric": logical, "where": {code: {"regex": errors}}}, "total": logical},
            }
            target = slos if "availability" not in slos and code in ("code", "status_code") else suggested
            target.setdefault("availability" if target is slos else f"{_slo_name(logical)}-availability", slo)
        if entry["type"] == "histogram" and entry.get("unit") in DURATION_UNITS and _LATENCY.search(entry["name"]):
            # A threshold must be a bucket boundary; the one nearest half a second, in whole
            # milliseconds. A bound is in the metric's unit: seconds, or milliseconds (Istio's).
            per = float(per_second(entry["unit"]))
            bounds = [b / per for b in entry.get("buckets") or [] if float(b * 1000 / per).is_integer() and b > 0]
            if not bounds:
                continue
            below = min(bounds, key=lambda b: abs(b - 0.5))
            slo = {
                "objective": "99%",
                "description": f"{entry['name']} observations within {_number(below)}s.",
                "sli": {"latency": logical, "below": f"{_millis(below)}ms"},
            }
            suggested.setdefault("latency" if "latency" not in suggested else f"{_slo_name(logical)}-latency", slo)
    return slos, ({"slos": suggested} if suggested else {})


def _slo_name(logical: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", logical).strip("-")[:28].strip("-")


def _millis(seconds: float) -> str:
    return str(round(seconds * 1000))  # a whole number of milliseconds (the bounds were chosen so)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
