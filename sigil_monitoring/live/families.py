"""Which exposed metric family each catalog entry reads: one family per real metric name.

An exporter exposes a Micrometer timer as ONE histogram family ``http_server_requests_seconds``
(``_bucket``, ``_sum`` and ``_count`` samples), however many catalog entries read it: a
histogram for a latency SLO and a counter on ``http_server_requests_seconds_count`` for an error
ratio are two views of the same series. The simulator serves, and the drill changes, families;
``layout`` says for every catalog metric name which family it is part of and which samples it
reads, so an incident on the counter entry changes the histogram's observations and the two
entries can never disagree about one series.

- a histogram (classic or native) is family ``H``: ``H_bucket{le}``, ``H_sum``, ``H_count``;
- a gauge with a ``quantile`` label is the quantiles of a summary family (``S{quantile}``, with
  ``S_sum`` and ``S_count``);
- an entry named ``<H>_count``, ``<H>_sum`` or ``<H>_bucket`` of such a family reads that part of it;
- any other counter or gauge is a family of its own, exposed under its exact name (exporters such
  as postgres_exporter expose counters without ``_total``).

>>> from sigil_monitoring.ir.series import Metric
>>> timer = Metric("latency", "http_server_requests_seconds", "histogram", "seconds", "", ("uri",), None, None)
>>> count = Metric("requests", "http_server_requests_seconds_count", "counter", "none", "", ("status",), None, None)
>>> found = layout([timer, count])
>>> found["http_server_requests_seconds_count"]
Part(family='http_server_requests_seconds', kind='histogram', part='_count')
>>> found["http_server_requests_seconds"].part
''
"""

from __future__ import annotations

from collections.abc import Iterable

from msgspec import Struct

from .. import conventions as names
from ..ir.series import Metric

QUANTILE = "quantile"  # the label a summary's quantile samples carry
BUCKET = "le"  # the label a histogram's bucket samples carry
SUFFIXES = ("_count", "_sum", "_bucket")  # what follows a histogram's or summary's name in its samples


class Part(Struct, frozen=True):
    """The family a catalog metric name belongs to and what it reads of it: ``""`` the whole family
    (a counter, a gauge, a histogram's observations), ``"_count"``, ``"_sum"`` or ``"_bucket"``
    samples, or ``"quantile"`` (a summary's quantile samples, read as a gauge)."""

    family: str
    kind: str  # counter | gauge | histogram | summary
    part: str


def sample(family: str, suffix: str) -> str:
    """The name of a histogram's or summary's ``suffix`` samples (``conventions`` spells them)."""
    match suffix:
        case "_count":
            return names.count_series(family)
        case "_sum":
            return names.sum_series(family)
        case "_bucket":
            return names.bucket_series(family)
        case _:
            raise ValueError(f"not a sample suffix: {suffix}")


def layout(metrics: Iterable[Metric]) -> dict[str, Part]:
    """Every catalog metric name of ``metrics`` (one service, or several) mapped to its ``Part``."""
    catalog = list(metrics)
    out: dict[str, Part] = {}
    for m in catalog:
        if m.type in ("histogram", "native_histogram"):
            out[m.name] = Part(m.name, "histogram", "")
        elif m.type == "gauge" and QUANTILE in m.labels:
            out[m.name] = Part(m.name, "summary", QUANTILE)
    whole = dict(out)
    for m in catalog:
        if m.name in out:
            continue
        # A summary has no buckets: its name + "_bucket" is some other metric.
        base = next((p for p in whole.values() for s in SUFFIXES if m.name == sample(p.family, s)), None)
        if base is not None and m.name.endswith("_bucket") and base.kind == "summary":
            base = None
        if base is not None:
            out[m.name] = Part(base.family, base.kind, m.name[len(base.family) :])
        else:
            out[m.name] = Part(m.name, "gauge" if m.type == "gauge" else "counter", "")
    return out
