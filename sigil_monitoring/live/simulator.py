"""A metrics source built from a service's catalog: every metric with its labels and buckets,
served on ``/metrics`` (127.0.0.1, free port) by prometheus-client's exposition code.

Why: a drill and a live lint need a target that looks like the real service (names, types, labels,
bucket bounds, state values) and whose behaviour can be changed on demand. Counters and histogram
observations advance with wall-clock time at a per-series rate, so ``rate()`` sees steady traffic;
an incident changes a rate, a gauge value or where observations land, and ``restore`` puts the
normal behaviour back. Values are computed when Prometheus scrapes, never by a ticking thread.

>>> from sigil_monitoring import load_spec
>>> from sigil_monitoring.ir.build import build_model
>>> sim = Simulator(build_model([load_spec("specs/sigil-dna.yaml")]).services)
>>> sorted({s.labels for s in sim.series if s.metric.name == "sigil_error_total"})[0]
(('job', 'sigil-dna'), ('operation', 'encode'))
>>> "dnastore_db_up{job=\\"sigil-dna\\"} 1.0" in sim.exposition()
True
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import msgspec
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric as Family

from ..ir.model import Metric, Series, Service
from .labels import label_values, selector_labels, series_matches
from .sinks import Handler, LocalHTTPServer

# Client libraries' default buckets (prometheus-client's DEFAULT_BUCKETS), for histograms the spec
# gives no bounds for.
DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
NORMAL_RATE = 10.0  # events (or observations) per second per series under normal traffic
MAX_SERIES_PER_METRIC = 64


class Behaviour(msgspec.Struct):
    """What one series does now: counter rate, gauge value, where histogram observations land."""

    rate: float = NORMAL_RATE
    value: float = 1.0
    slow_at: float = 0.0  # where the slow share of histogram observations lands
    slow_fraction: float = 0.0  # the rest lands at the normal spot, half the lowest bucket bound
    present: bool = True


class SimSeries(msgspec.Struct):
    metric: Metric
    labels: tuple[tuple[str, str], ...]  # every label, sorted
    bounds: tuple[float, ...] = ()  # histogram upper bounds, +Inf excluded
    normal: Behaviour = msgspec.field(default_factory=Behaviour)
    now: Behaviour = msgspec.field(default_factory=Behaviour)
    total: float = 0.0  # counter value, or histogram count
    sum: float = 0.0
    counts: list[float] = msgspec.field(default_factory=list)  # per bucket (not cumulative), +Inf last

    def label(self, name: str) -> str | None:
        return dict(self.labels).get(name)

    def normal_observation(self) -> float:
        return (self.bounds[0] / 2) if self.bounds else 0.001

    def advance(self, seconds: float) -> None:
        if self.metric.type == "counter":
            self.total += self.now.rate * seconds
        elif self.metric.type in ("histogram", "native_histogram"):
            n = self.now.rate * seconds
            slow = n * self.now.slow_fraction
            for at, count in ((self.normal_observation(), n - slow), (self.now.slow_at, slow)):
                if count:
                    self.counts[next((i for i, b in enumerate(self.bounds) if at <= b), len(self.bounds))] += count
                    self.sum += count * at
            self.total += n


class Simulator:
    """Series of every catalog metric of ``services``; change them with the methods below."""

    def __init__(self, services: Iterable[Service]) -> None:
        self._lock = threading.Lock()
        self._last = time.monotonic()
        self.series: list[SimSeries] = []
        for service in services:
            fixed = selector_labels(service)
            for metric in service.metrics:
                self.series += _series_of(service, metric, fixed)
        self.scrapes = 0

    # ------------------------------------------------------------ behaviour
    def select(self, series: Series) -> list[SimSeries]:
        """The simulated series a model ``Series`` (metric + matchers) selects."""
        return [s for s in self.series if s.metric.name == series.metric.name and series_matches(series, s.labels)]

    def change(self, targets: Iterable[SimSeries], how: Callable[[Behaviour], None], *, normal: bool = False) -> None:
        """Apply ``how`` to the current (or, with ``normal``, also the normal) behaviour of ``targets``."""
        with self._lock:
            self._advance()
            for s in targets:
                how(s.now)
                if normal:
                    how(s.normal)

    def restore(self, targets: Iterable[SimSeries] | None = None) -> None:
        """Series (default: all) back to their normal behaviour; counters keep counting from where they are."""
        with self._lock:
            self._advance()
            for s in self.series if targets is None else targets:
                s.now = msgspec.structs.replace(s.normal)  # a copy

    def add(self, metric: Metric, labels: dict[str, str]) -> SimSeries:
        """One more series of a catalog gauge, e.g. a promql alert's test input."""
        with self._lock:
            series = SimSeries(metric, tuple(sorted(labels.items())))
            self.series.append(series)
            return series

    # ------------------------------------------------------------ exposition
    def _advance(self) -> None:
        now = time.monotonic()
        elapsed, self._last = now - self._last, now
        for s in self.series:
            s.advance(elapsed)

    def collect(self) -> Iterator[Any]:
        """prometheus-client's Collector protocol: one family per catalog metric name."""
        with self._lock:
            self._advance()
            by_name: dict[str, list[SimSeries]] = {}
            for s in self.series:
                by_name.setdefault(s.metric.name, []).append(s)
            for name, group in by_name.items():
                live = [s for s in group if s.now.present]
                if not live:
                    continue
                metric = live[0].metric
                family: Any
                if metric.type == "counter":
                    # Samples by their exact name: exporters such as postgres_exporter expose counters
                    # without the _total suffix that CounterMetricFamily would add.
                    family = Family(name, metric.help or name, "counter")
                    for s in live:
                        family.add_sample(name, dict(s.labels), s.total)
                elif metric.type == "gauge":
                    family = Family(name, metric.help or name, "gauge")  # series may differ in labels
                    for s in live:
                        family.add_sample(name, dict(s.labels), s.now.value)
                else:  # sample by sample: services sharing a metric name expose different labels
                    family = Family(name, metric.help or name, "histogram")
                    for s in live:
                        labels = dict(s.labels)
                        for bound, count in zip(
                            [*map(repr, s.bounds), "+Inf"], itertools.accumulate(s.counts), strict=True
                        ):
                            family.add_sample(name + "_bucket", {**labels, "le": bound}, count)
                        family.add_sample(name + "_count", labels, s.total)
                        family.add_sample(name + "_sum", labels, s.sum)
                yield family

    def exposition(self) -> str:
        """The text format Prometheus scrapes."""
        registry = CollectorRegistry(auto_describe=False)
        registry.register(self)
        text = generate_latest(registry).decode()
        # prometheus-client names a counter's HELP/TYPE lines <name>_total whatever its samples are
        # called; a Go exporter's counter without the suffix keeps its own name there.
        for name in {
            s.metric.name for s in self.series if s.metric.type == "counter" and not s.metric.name.endswith("_total")
        }:
            text = text.replace(f"# HELP {name}_total ", f"# HELP {name} ").replace(
                f"# TYPE {name}_total ", f"# TYPE {name} "
            )
        return text

    def serve(self) -> MetricsEndpoint:
        """A ``/metrics`` endpoint on 127.0.0.1 (use as a context manager)."""
        return MetricsEndpoint(self)


class MetricsEndpoint(LocalHTTPServer):
    """Serves the simulator's exposition; ``target`` is the ``host:port`` Prometheus scrapes."""

    def __init__(self, simulator: Simulator) -> None:
        super().__init__()
        self.simulator = simulator
        self.target = f"127.0.0.1:{self.port}"

    def handle(self, handler: Handler) -> None:
        if handler.command != "GET" or handler.path.split("?")[0] != "/metrics":
            return handler.reply(404, "not found\n", "text/plain")
        body = self.simulator.exposition()
        self.simulator.scrapes += 1
        handler.reply(200, body, "text/plain; version=0.0.4; charset=utf-8")


def _series_of(service: Service, metric: Metric, fixed: dict[str, str]) -> list[SimSeries]:
    values = [
        [(label, v) for v in label_values(service, metric, label)] for label in metric.labels if label not in fixed
    ]
    bounds = tuple(float(b) for b in metric.buckets) if metric.buckets else DEFAULT_BUCKETS
    out = []
    for combo in itertools.islice(itertools.product(*values), MAX_SERIES_PER_METRIC):
        labels = tuple(sorted({**fixed, **dict(combo)}.items()))
        s = SimSeries(metric, labels)
        if metric.type in ("histogram", "native_histogram"):
            s.bounds, s.counts = bounds, [0.0] * (len(bounds) + 1)
        if metric.states:
            s.normal.value = s.now.value = float(_healthy_state(metric.states))
        out.append(s)
    return out


def _healthy_state(states: tuple[tuple[int, str], ...]) -> int:
    from ..defaults import HEALTHY_STATES

    return next((v for v, name in states if name in HEALTHY_STATES), states[0][0])
