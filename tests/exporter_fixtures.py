"""Serve tests/exporters/<name>.prom as a live exporter would: counters grow, gauges hold.

A fixture file holds ``# state: <name>`` sections of exposition text. Counter, histogram and summary
sample values in it are per-second rates: the served value is rate x seconds since ``origin``
(a time before the server started), so ``rate()`` in Prometheus returns the written number and a
counter never goes backwards. Gauges are served as written, except a gauge written ``A+B/s``
(an offset that moves while a consumer works): it is A + B x seconds since ``origin``, so
``delta()`` over it is B per second and an alert on a gauge that stopped moving stays quiet.

Rules rate over 5 minutes at least, so a freshly started Prometheus would see a fraction of the
rate for minutes. ``history`` writes the same series for the minutes before start as OpenMetrics
with timestamps, for ``promtool tsdb create-blocks-from openmetrics`` to backfill.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from sigil_monitoring.live.sinks import Handler, LocalHTTPServer

FIXTURES = Path(__file__).parent / "exporters"
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$")
_GROWING = {"counter": ("",), "histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count")}
_MOVING = re.compile(r"^(\S+?)\+(\S+)/s$")


def states(name: str) -> dict[str, list[str]]:
    """The exposition lines of each state of fixture ``name``."""
    out: dict[str, list[str]] = {}
    current: list[str] = []
    for line in (FIXTURES / f"{name}.prom").read_text().splitlines():
        if line.startswith("# state: "):
            current = out.setdefault(line.removeprefix("# state: ").strip(), [])
        elif line.strip():
            current.append(line)
    return out


def samples(lines: list[str], elapsed: float) -> list[tuple[str, str, float]]:
    """(name, labels text, value) of every sample, growing families' rates turned into totals."""
    growing: set[str] = set()
    out = []
    for line in lines:
        if line.startswith("# TYPE "):
            _, _, family, kind = line.split(maxsplit=3)
            growing |= {family + suffix for suffix in _GROWING.get(kind, ())}
            continue
        sample = _SAMPLE.match(line)
        if sample is None:
            continue
        written = sample.group(3)
        moving = _MOVING.match(written)
        if moving is not None:
            value = float(moving.group(1)) + float(moving.group(2)) * elapsed
        else:
            value = float(written) * elapsed if sample.group(1) in growing else float(written)
        out.append((sample.group(1), sample.group(2) or "", value))
    return out


def render(lines: list[str], elapsed: float) -> str:
    """The exposition text (HELP and TYPE lines kept) at ``elapsed`` seconds after the origin."""
    values = iter(samples(lines, elapsed))
    out = []
    for line in lines:
        if line.startswith("#"):
            out.append(line)
        elif _SAMPLE.match(line):
            name, labels, value = next(values)
            out.append(f"{name}{labels} {value!r}")
    return "\n".join(out) + "\n"


def history(lines: list[str], labels: dict[str, str], origin: float, start: float, end: float, step: float) -> str:
    """OpenMetrics text of the series from ``start`` to ``end`` (unix seconds), with the scrape's
    labels added. No TYPE lines: OpenMetrics wants counters named *_total, and storage needs no type."""
    extra = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    out = []
    t = start
    while t <= end:
        for name, own, value in samples(lines, t - origin):
            inner = ",".join(part for part in (own.strip("{}"), extra) if part)
            out.append(f"{name}{{{inner}}} {value!r} {t:.3f}")
        t += step
    return "\n".join(out) + "\n# EOF\n"


class ExporterFixture(LocalHTTPServer):
    """``/metrics`` from one state of one fixture file."""

    def __init__(self, name: str, state: str, origin: float) -> None:
        super().__init__()
        self.lines = states(name)[state]
        self.origin = origin  # unix time at which every counter was 0
        self.target = f"127.0.0.1:{self.port}"

    def history(self, job: str, start: float, end: float, step: float = 15.0) -> str:
        return history(self.lines, {"job": job, "instance": self.target}, self.origin, start, end, step)

    def handle(self, handler: Handler) -> None:
        if handler.command != "GET" or handler.path.split("?")[0] != "/metrics":
            return handler.reply(404, "not found\n", "text/plain")
        body = render(self.lines, time.time() - self.origin)
        handler.reply(200, body, "text/plain; version=0.0.4; charset=utf-8")
