"""Catalog series: a metric of the spec's catalog, narrowed by the service selector and ``where``.

Every kind in the IR (SLIs, alert conditions, panels) reads its metrics as ``Series``.

>>> from sigil_monitoring.values.matchers import parse
>>> errors = Metric("errors", "http_requests_total", "counter", "none", "", ("code",), None, None)
>>> server_errors = parse("code", {"regex": "5.."})
>>> Series(errors, (parse("job", "api"), server_errors), narrowed=(server_errors,)).shown
'http_requests_total{code=~"5.."}'

A classic histogram counts its observations in ``_count``: where a ratio SLI counts events, a
histogram's series are those (a Micrometer timer is its own request counter).

>>> timer = Metric("requests", "http_server_requests_seconds", "histogram", "seconds", "", (), None, None)
>>> Series(errors, ()).events, Series(timer, (server_errors,), narrowed=(server_errors,)).events_shown
('http_requests_total', 'http_server_requests_seconds_count{code=~"5.."}')
"""

from __future__ import annotations

from decimal import Decimal

from msgspec import Struct

from ..conventions import count_series
from ..values.matchers import Matcher

Matchers = tuple[Matcher, ...]


class Metric(Struct, frozen=True):
    key: str  # logical name in the catalog
    name: str  # Prometheus metric name
    type: str  # counter | gauge | histogram | native_histogram
    unit: str  # seconds | bytes | percent | ratio | none
    help: str
    labels: tuple[str, ...]
    buckets: tuple[Decimal, ...] | None
    states: tuple[tuple[int, str], ...] | None  # (value, state name), by value


class Series(Struct, frozen=True):
    """A catalog metric narrowed by the service selector and ``where``; ``by`` labels kept."""

    metric: Metric
    matchers: Matchers  # service selector first, then `where`, in spec order
    by: tuple[str, ...] = ()
    narrowed: Matchers = ()  # the matchers beyond the service selector (a derived metric's and `where`)

    @property
    def shown(self) -> str:
        """How texts name the series: the metric with the matchers that narrow it, as PromQL
        writes them (``http_requests_total{code=~"5.."}``); the service selector is left out."""
        return self._shown(self.metric.name)

    @property
    def events(self) -> str:
        """The series counting the events: a counter itself, a classic histogram's ``_count``."""
        return count_series(self.metric.name) if self.metric.type == "histogram" else self.metric.name

    @property
    def events_shown(self) -> str:
        """``shown`` for the series counting the events (``..._count{outcome="SERVER_ERROR"}``)."""
        return self._shown(self.events)

    def _shown(self, name: str) -> str:
        parts = ",".join(m.text() for m in self.narrowed)
        return f"{name}{{{parts}}}" if parts else name
