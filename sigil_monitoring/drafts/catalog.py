"""The metrics catalog of a draft: logical names, types and units read from metric names and usage.

The type follows the name and what the queries do with it: a ``_bucket`` series is a histogram
(cataloged under its base name), a metric under ``rate``/``increase``/``irate`` or named
``*_total`` is a counter, anything else a gauge. The unit follows the suffix.

>>> from sigil_monitoring.drafts.promql_reading import selectors
>>> found = selectors('histogram_quantile(0.99, sum by (le) (rate(api_latency_seconds_bucket[5m])))')
>>> found += selectors('sum by (code) (rate(api_requests_total[5m]))') + selectors('api_queue_bytes')
>>> for entry in read_catalog(found).values(): print(entry.logical, entry.name, entry.type, entry.unit, entry.labels)
api_latency_seconds api_latency_seconds histogram seconds ()
api_requests api_requests_total counter none ()
api_queue_bytes api_queue_bytes gauge bytes ()
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import msgspec

from ..conventions import RECORD_LABELS
from ..values.units import per_second
from .promql_reading import Selector

_COUNTER_FUNCTIONS = frozenset({"rate", "increase", "irate", "resets"})
# Units the spec knows, by the suffix Prometheus' naming conventions give them
# (https://prometheus.io/docs/practices/naming/#base-units).
_UNITS = (
    ("_seconds", "seconds"),
    ("_milliseconds", "milliseconds"),
    ("_ms", "milliseconds"),
    ("_bytes", "bytes"),
    ("_ratio", "ratio"),
    ("_percent", "percent"),
)
_HISTOGRAM_PARTS = ("_bucket", "_sum", "_count")


class Entry(msgspec.Struct, frozen=True):
    logical: str
    name: str
    type: str  # counter, gauge, histogram
    unit: str
    labels: tuple[str, ...] = ()


def is_recording_rule(name: str) -> bool:
    """Recording rules are named ``level:metric:operations`` (Prometheus' convention): never scraped."""
    return ":" in name


def read_catalog(found: Iterable[Selector], labels: dict[str, set[str]] | None = None) -> dict[str, Entry]:
    """Metric name as queried -> catalog entry (the three series of a histogram share one entry)."""
    found = [s for s in found if not is_recording_rule(s.metric)]
    buckets = {s.metric.removesuffix("_bucket") for s in found if s.metric.endswith("_bucket")}
    usage: dict[str, set[str]] = {}
    for s in found:
        usage.setdefault(s.metric, set()).update(s.functions)
    entries: dict[str, Entry] = {}
    logicals: set[str] = set()
    for metric in usage:
        base = next((metric.removesuffix(p) for p in _HISTOGRAM_PARTS if metric.removesuffix(p) in buckets), None)
        name = base or metric
        if name in {e.name for e in entries.values()}:
            entries[metric] = next(e for e in entries.values() if e.name == name)
            continue
        kind = (
            "histogram"
            if base
            else "counter"
            if usage[metric] & _COUNTER_FUNCTIONS or metric.endswith("_total")
            else "gauge"
        )
        logical = unique(logical_name(name), logicals)
        wanted = sorted(
            set().union(*((labels or {}).get(m, set()) for m in (metric, *(name + p for p in _HISTOGRAM_PARTS))))
        )
        # A label the compiler sets itself is no catalog label (conventions.RECORD_LABELS): a query
        # grouped by one stays raw PromQL.
        own = tuple(label for label in wanted if label != "le" and label not in RECORD_LABELS)
        entries[metric] = Entry(logical, name, kind, draft_unit(name, kind, has_buckets=False), own)
    return entries


def draft_unit(name: str, kind: str, has_buckets: bool) -> str:
    """The unit a draft gives ``name``: its suffix's, except a histogram in milliseconds whose
    buckets the draft does not know (validate asks for them: the default buckets are in seconds),
    which the draft leaves in ``none`` and compares with plain numbers.

    >>> draft_unit("istio_request_duration_milliseconds", "histogram", True), draft_unit("x_ms", "histogram", False)
    ('milliseconds', 'none')
    """
    unit = unit_of(name)
    return "none" if kind == "histogram" and per_second(unit) != 1 and not has_buckets else unit


def logical_name(metric: str) -> str:
    """A catalog key for ``metric``: lowercase, ``_total`` dropped, starting with a letter.

    >>> logical_name("http_requests_total"), logical_name("NodeLoad1"), logical_name("_private")
    ('http_requests', 'nodeload1', 'm_private')
    """
    key = re.sub(r"[^a-z0-9_]", "_", metric.lower().removesuffix("_total")) or "metric"
    return key if key[0].isalpha() else f"m{key}"


def unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name_2``, ``name_3``... when taken; recorded as taken."""
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}_{n}"
    taken.add(candidate)
    return candidate


def service_name(text: str) -> str | None:
    """``text`` (a job, a title) as a service name (2-40 lowercase letters, digits and dashes), or None.

    >>> service_name("Sigil-DNA"), service_name("node_exporter"), service_name("9"), service_name("x")
    ('sigil-dna', 'node-exporter', None, None)
    """
    from ..spec.types import ServiceName  # the pattern's one definition (imports pydantic: drafts only)

    metadata = getattr(ServiceName, "__metadata__", ())  # Annotated[str, _Text(...)]: mypy sees str
    pattern = next(meta.pattern for meta in metadata if hasattr(meta, "pattern"))
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-")
    return slug if re.fullmatch(pattern, slug) else None


def unit_of(metric: str) -> str:
    """The spec unit of a metric name's suffix (``_total`` aside).

    >>> unit_of("process_cpu_seconds_total"), unit_of("go_memstats_alloc_bytes"), unit_of("up")
    ('seconds', 'bytes', 'none')
    """
    base = metric.removesuffix("_total")
    for part in _HISTOGRAM_PARTS:
        base = base.removesuffix(part)
    return next((unit for suffix, unit in _UNITS if base.endswith(suffix)), "none")
