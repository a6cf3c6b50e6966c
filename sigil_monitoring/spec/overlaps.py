"""Warnings for two catalog entries that expose one series: a histogram and its own suffix series.

A classic histogram ``X`` exposes ``X_bucket``, ``X_count`` and ``X_sum``. A second entry named
like one of them (``{name: X_count, type: counter}``, written because ratio SLIs once refused a
histogram) declares a series the histogram already declares: the compiler then treats one
exporter family as two metrics, and the drill serves two families with the same series name. Two
entries with the very same ``name`` are an error already (``spec/collisions.py``); this is the case
only the suffixes reveal, so it is a warning at the second entry's name, saying which to keep.

>>> from sigil_monitoring import parse_spec
>>> spec = parse_spec('''
... apiVersion: sigil-monitoring/v1
... service: {name: api, selector: {job: api}}
... metrics:
...   requests: {name: http_server_requests_seconds, type: histogram, unit: seconds}
...   calls: {name: http_server_requests_seconds_count, type: counter}
... ''')
>>> [(path, message.split(" of histogram")[0]) for path, _, message in series_overlaps(spec)]
[(('metrics', 'calls', 'name'), "'http_server_requests_seconds_count' is the _count series")]
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..conventions import bucket_series, count_series
from ..errors import Problem

if TYPE_CHECKING:
    from .document import Spec


_SUFFIXES = {
    count_series(""): (
        "keep metrics.{key} and name it where this entry is named: where events are counted, a histogram "
        "means its _count, e.g. total: {key}, narrowed by where: or by an entry {{from: {key}, where: ...}}"
    ),
    bucket_series(""): "keep metrics.{key}: its quantiles, heatmaps and latency SLIs read these buckets",
    "_sum": "keep metrics.{key} for the histogram, and this entry only to alert on the rate of the sum itself",
}


def series_overlaps(spec: Spec) -> Iterator[Problem]:
    """Entries named like a suffix series of a classic histogram entry, at their ``name``."""
    histograms = {
        m.name: key
        for key, m in spec.metrics.items()
        if m.from_ is None and m.type == "histogram" and m.name is not None
    }
    for key, metric in spec.metrics.items():
        if metric.from_ is not None or metric.name is None:
            continue  # a derived entry narrows its base on purpose
        for suffix, advice in _SUFFIXES.items():
            base = metric.name.removesuffix(suffix)
            if base != metric.name and base in histograms:
                owner = histograms[base]
                yield (
                    ("metrics", key, "name"),
                    "value",
                    (
                        f"'{metric.name}' is the {suffix} series of histogram metrics.{owner} ('{base}'), "
                        f"so two entries expose it ({advice.format(key=owner)})"
                    ),
                )
