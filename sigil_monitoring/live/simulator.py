"""A metrics source built from a service's catalog: every metric with its labels and buckets,
served on ``/metrics`` (127.0.0.1, free port) by prometheus-client's exposition code.

Why: a drill and a live lint need a target that looks like the real service (names, types, labels,
bucket bounds, state values) and whose behaviour can be changed on demand. The simulator serves
what the exporter serves: ONE family per real metric name (``families.layout``), whatever the
catalog entries that read it, with the real suffixes (a counter under its exact name, a
histogram's ``_bucket``/``_sum``/``_count``, a summary's quantiles with ``_sum``/``_count``).
Counters and observations advance with wall-clock time at a per-series rate, so ``rate()`` sees
steady traffic; a gauge holds its value, or moves gently around it (``Behaviour.wave``) when a
condition needs it to move; an incident changes a rate, a gauge value or where observations
land, and ``restore`` puts the normal behaviour back. Values are computed when Prometheus
scrapes, never by a ticking thread.

>>> from sigil_monitoring import load_spec
>>> from sigil_monitoring.ir.build import build_model
>>> sim = Simulator(build_model([load_spec("specs/sigil-dna.yaml")]).services)
>>> sorted({s.labels for s in sim.series if s.family == "sigil_error_total"})[0]
(('job', 'sigil-dna'), ('operation', 'encode'))
>>> "dnastore_db_up{job=\\"sigil-dna\\"} 1.0" in sim.exposition()
True
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import msgspec
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric as Family

from .. import defaults
from ..ir.model import Metric, Series, Service
from .families import BUCKET, QUANTILE, Part, layout, sample
from .labels import label_values, selector_labels, series_matches, service_series
from .sinks import Handler, LocalHTTPServer

# The bounds exposed for a histogram the spec gives none for: the default buckets
# (client_golang's), with the three prometheus-client adds to them (0.075, 0.75, 7.5), so that a
# threshold on either library's defaults has its bucket.
EXPOSED_BUCKETS = tuple(sorted({*map(float, defaults.DEFAULT_BUCKETS), 0.075, 0.75, 7.5}))
DEFAULT_QUANTILES = ("0.5", "0.9", "0.99")  # a summary's quantiles when no matcher names one
NORMAL_RATE = 10.0  # events (or observations) per second per series under normal traffic
MAX_SERIES_PER_METRIC = 64
WAVE_PERIOD = 20.0  # seconds: a moving gauge changes at every scrape, never returns to a value within a window


class Behaviour(msgspec.Struct):
    """What one series does now: counter rate, gauge value, where histogram observations land."""

    rate: float = NORMAL_RATE
    value: float = 1.0
    slope: float = 0.0  # a gauge's steady climb per second (0: it holds ``value``)
    wave: float = 0.0  # a gauge's gentle motion around ``value``, as a share of it (0: flat)
    slow_at: float = 0.0  # where the slow share of histogram observations lands
    slow_fraction: float = 0.0  # the rest lands at the normal spot, half the lowest bucket bound
    present: bool = True
    # An up gauge failing now and then (``up_fails``): this share of the ring's scrapes read 0.
    down_share: float = 0.0
    ring_index: int = 0  # this series' place among the targets that fail in turn
    ring_size: int = 1


class SimSeries(msgspec.Struct):
    """One exposed series of a family: ``kind`` counter, gauge, histogram, summary (its ``_sum`` and
    ``_count``) or quantile (one quantile sample of a summary, which behaves as a gauge)."""

    family: str
    kind: str
    metric: Metric  # the catalog entry it stands for first (its help text)
    labels: tuple[tuple[str, str], ...]  # every label, sorted
    bounds: tuple[float, ...] = ()  # histogram upper bounds, +Inf excluded
    normal: Behaviour = msgspec.field(default_factory=Behaviour)
    now: Behaviour = msgspec.field(default_factory=Behaviour)
    total: float = 0.0  # counter value, or observation count
    sum: float = 0.0
    counts: list[float] = msgspec.field(default_factory=list)  # per bucket (not cumulative), +Inf last

    def label(self, name: str) -> str | None:
        return dict(self.labels).get(name)

    def normal_observation(self) -> float:
        return (self.bounds[0] / 2) if self.bounds else 0.001

    def value(self, at: float, scrape: int = 0) -> float:
        """A gauge's (or quantile's) value ``at`` seconds after the simulator started, at its
        ``scrape``-th exposition."""
        b = self.now
        if b.down_share and up_fails(scrape, b.ring_index, b.ring_size, b.down_share):
            return 0.0
        return b.value + b.slope * at + b.wave * max(abs(b.value), 1.0) * math.sin(2 * math.pi * at / WAVE_PERIOD)

    def advance(self, seconds: float) -> None:
        if self.kind == "counter":
            self.total += self.now.rate * seconds
        elif self.kind in ("histogram", "summary"):
            n = self.now.rate * seconds
            slow = n * self.now.slow_fraction
            for at, count in ((self.normal_observation(), n - slow), (self.now.slow_at, slow)):
                if count:
                    if self.counts:
                        self.counts[next((i for i, b in enumerate(self.bounds) if at <= b), len(self.bounds))] += count
                    self.sum += count * at
            self.total += n


class Simulator:
    """Series of every catalog metric of ``services``; change them with the methods below."""

    def __init__(self, services: Iterable[Service]) -> None:
        services = list(services)
        self._lock = threading.Lock()
        self._start = self._last = time.monotonic()
        # One layout for all services: a name is one family on the one target the drill scrapes.
        self.layout: dict[str, Part] = layout(m for s in services for m in s.metrics)
        self.series: list[SimSeries] = []
        for service in services:
            fixed = selector_labels(service)
            for family in dict.fromkeys(self.layout[m.name].family for m in service.metrics):
                entries = [m for m in service.metrics if self.layout[m.name].family == family]
                self.series += _series_of(service, family, [self.layout[m.name] for m in entries], entries, fixed)
        self.scrapes = 0
        self.rounds = 0  # expositions so far: an intermittently failing up gauge counts them

    # ------------------------------------------------------------ behaviour
    def part(self, series: Series) -> Part:
        """The family (and part of it) a model ``Series`` reads."""
        return self.layout[series.metric.name]

    def select(self, series: Series) -> list[SimSeries]:
        """The simulated series a model ``Series`` (metric + matchers) selects: a counter entry on a
        histogram's ``_count`` selects the histogram's series, whose observations it counts."""
        part = self.part(series)
        quantile = part.part == QUANTILE
        # A `_bucket` entry's `le` matchers pick samples of a series, not series.
        read = (
            series
            if part.part != "_bucket"
            else msgspec.structs.replace(series, matchers=tuple(m for m in series.matchers if m.label != BUCKET))
        )
        return [
            s
            for s in self.series
            if s.family == part.family and (s.kind == "quantile") == quantile and series_matches(read, s.labels)
        ]

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

    def hold(self, targets: Iterable[SimSeries]) -> None:
        """Gauges stop moving and keep the value they have now (``restore`` moves them again)."""
        with self._lock:
            self._advance()
            for s in targets:
                s.now.value, s.now.slope, s.now.wave = s.value(self._last - self._start), 0.0, 0.0

    def add(self, metric: Metric, labels: dict[str, str]) -> SimSeries:
        """One more series of a catalog gauge, e.g. a promql alert's test input."""
        with self._lock:
            part = self.layout[metric.name]
            kind = "quantile" if part.part == QUANTILE else part.kind
            series = SimSeries(part.family, kind, metric, tuple(sorted(labels.items())))
            self.series.append(series)
            return series

    # ------------------------------------------------------------ exposition
    def _advance(self) -> None:
        now = time.monotonic()
        elapsed, self._last = now - self._last, now
        for s in self.series:
            s.advance(elapsed)

    def collect(self) -> Iterator[Any]:
        """prometheus-client's Collector protocol: one family per exposed metric name."""
        with self._lock:
            self._advance()
            by_name: dict[str, list[SimSeries]] = {}
            for s in self.series:
                by_name.setdefault(s.family, []).append(s)
            scrape, self.rounds = self.rounds, self.rounds + 1
            for name, group in by_name.items():
                live = [s for s in group if s.now.present]
                if live:
                    yield _family(name, live, self._last - self._start, scrape)

    def exposition(self) -> str:
        """The text format Prometheus scrapes."""
        registry = CollectorRegistry(auto_describe=False)
        registry.register(self)
        text = generate_latest(registry).decode()
        # prometheus-client names a counter's HELP/TYPE lines <name>_total whatever its samples are
        # called; a Go exporter's counter without the suffix keeps its own name there.
        for name in {s.family for s in self.series if s.kind == "counter" and not s.family.endswith("_total")}:
            text = text.replace(f"# HELP {name}_total ", f"# HELP {name} ").replace(
                f"# TYPE {name}_total ", f"# TYPE {name} "
            )
        return text

    def serve(self) -> MetricsEndpoint:
        """A ``/metrics`` endpoint on 127.0.0.1 (use as a context manager)."""
        return MetricsEndpoint(self)


def up_fails(scrape: int, index: int, size: int, share: float) -> bool:
    """Whether target ``index`` of a ring of ``size`` targets fails its ``scrape``-th scrape when
    ``share`` of all the ring's scrapes fail.

    Why this shape: a real up series is 0 or 1, never in between; a burn of an up SLI is scrapes
    failing now and then. Scrape by scrape, ``floor(n x share x size)`` failures are due so far
    and the new ones go to the next targets round the ring, so every window of the ring holds
    the share to within one failure, and (share at most a half) no target fails two scrapes in a
    row: a ``below: 1`` alert with a ``for:`` longer than a scrape stays quiet, as it does on a
    real flaky target.

    >>> [int(up_fails(n, 0, 1, 0.25)) for n in range(8)]
    [0, 0, 0, 1, 0, 0, 0, 1]
    >>> [sum(up_fails(n, i, 4, 0.5) for i in range(4)) for n in range(4)]
    [2, 2, 2, 2]
    """
    due_before, due = (math.floor(k * share * size + 1e-9) for k in (scrape, scrape + 1))
    return (index - due_before) % size < due - due_before


def _family(name: str, live: list[SimSeries], at: float, scrape: int = 0) -> Any:
    """One prometheus-client family of ``live`` series (which may differ in labels: services
    sharing a metric name expose different ones), sample by sample under their real names."""
    kinds = {s.kind for s in live}
    first = next((s for s in live if s.metric.name == name), live[0])
    text = first.metric.help or name
    if kinds == {"counter"}:
        # prometheus-client adds _total to a counter family's name in HELP/TYPE.
        family = Family(name.removesuffix("_total"), text, "counter")
        for s in live:
            family.add_sample(name, dict(s.labels), s.total)
        return family
    if kinds == {"gauge"}:
        family = Family(name, text, "gauge")
        for s in live:
            family.add_sample(name, dict(s.labels), s.value(at, scrape))
        return family
    if kinds <= {"summary", "quantile"}:
        family = Family(name, text, "summary")
        for s in live:
            if s.kind == "quantile":
                family.add_sample(name, dict(s.labels), s.value(at))
            else:
                family.add_sample(sample(name, "_count"), dict(s.labels), s.total)
                family.add_sample(sample(name, "_sum"), dict(s.labels), s.sum)
        return family
    if kinds == {"histogram"}:
        family = Family(name, text, "histogram")
        for s in live:
            labels = dict(s.labels)
            for bound, count in zip([*map(repr, s.bounds), "+Inf"], itertools.accumulate(s.counts), strict=True):
                family.add_sample(sample(name, "_bucket"), {**labels, BUCKET: bound}, count)
            family.add_sample(sample(name, "_count"), labels, s.total)
            family.add_sample(sample(name, "_sum"), labels, s.sum)
        return family
    raise ValueError(f"catalogs disagree on the type of {name}: {', '.join(sorted(kinds))}")


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


def _series_of(
    service: Service, family: str, parts: list[Part], entries: list[Metric], fixed: dict[str, str]
) -> list[SimSeries]:
    """The series of one family of ``service`` (``entries`` read it as ``parts``): every label any
    entry names (a real family has one label set), with values that satisfy each entry's matchers."""
    whole = next((m for m in entries if m.name == family), entries[0])
    kind = parts[0].kind
    readers = [m.name for m in entries]
    # The declared labels, and those a query pins though no entry declares them: a query ratio
    # SLI's raw PromQL (code=~"5.." on a counter declared without labels, as Sloth's files write
    # it) selects nothing on series without them.
    pinned = (m.label for s in service_series(service) if s.metric.name in readers for m in s.narrowed)
    labels = [
        label
        for label in dict.fromkeys([*(x for m in entries for x in m.labels), *pinned])
        if label not in fixed and label not in (BUCKET, QUANTILE)
    ]
    values = [[(label, v) for v in label_values(service, readers, label)] for label in labels]
    histogram = next((m for m in entries if m.type in ("histogram", "native_histogram")), None)
    bounds = tuple(float(b) for b in histogram.buckets or ()) or EXPOSED_BUCKETS if histogram else ()
    states = next((m.states for m in entries if m.states), None)
    out = []
    for combo in itertools.islice(itertools.product(*values), MAX_SERIES_PER_METRIC):
        base = {**fixed, **dict(combo)}
        s = SimSeries(family, kind, whole, tuple(sorted(base.items())))
        if kind == "histogram":
            s.bounds, s.counts = bounds, [0.0] * (len(bounds) + 1)
        if states:
            s.normal.value = s.now.value = float(_healthy_state(states))
        out.append(s)
        if any(p.part == QUANTILE for p in parts):
            quantiles = label_values(service, readers, QUANTILE, default=DEFAULT_QUANTILES)
            out += [
                SimSeries(family, "quantile", whole, tuple(sorted({**base, QUANTILE: q}.items()))) for q in quantiles
            ]
    return out


def _healthy_state(states: tuple[tuple[int, str], ...]) -> int:
    from ..defaults import HEALTHY_STATES

    return next((v for v, name in states if name in HEALTHY_STATES), states[0][0])
