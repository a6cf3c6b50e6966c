"""Test-only helpers: skip-or-fail on missing binaries, and a hand-driven metrics target.

The reusable parts (free ports, polling, HTTP servers, capture sinks, the real Prometheus and
Alertmanager processes) live in ``sigil_monitoring.live``, where the drill uses them too.
"""

from __future__ import annotations

import math
import os
import re
import socket
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from sigil_monitoring.live.net import binary
from sigil_monitoring.live.sinks import Handler, LocalHTTPServer


def require_binary(name_candidates: str | Sequence[str]) -> str:
    """Path of a required tool; skips the test when it is missing, but FAILS when CI is set.

    CI installs the tools (tools/install-test-deps.sh): a missing one there is a broken
    pipeline that a skip would hide.
    """
    import pytest  # local import: the rest of this module works without pytest

    if found := binary(name_candidates):
        return found
    names = [name_candidates] if isinstance(name_candidates, str) else list(name_candidates)
    msg = (
        f"none of {names} found on PATH; install the Debian packages 'prometheus' and "
        "'prometheus-alertmanager' (tools/install-test-deps.sh does it)"
    )
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(f"CI is set and {msg}", pytrace=False)
    pytest.skip(msg)


# How each managed server is told its address: Prometheus/Alertmanager, VictoriaMetrics/vmalert.
_LISTEN = re.compile(rb"^(?:--web\.listen-address|-httpListenAddr)=127\.0\.0\.1:(\d+)$")


def listening_children(parent: int) -> dict[int, int]:
    """``{pid: port}`` of ``parent``'s children that were told a 127.0.0.1 port and accept on it now."""
    found = {}
    for proc in Path("/proc").iterdir():
        try:
            stat = (proc / "stat").read_text()
            if not proc.name.isdigit() or int(stat[stat.rindex(")") + 2 :].split()[1]) != parent:
                continue
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):  # gone meanwhile, or not a process folder
            continue
        ports = [int(m[1]) for m in map(_LISTEN.match, args) if m]
        if ports and accepts(ports[0]):
            found[int(proc.name)] = ports[0]
    return found


def accepts(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:``port``."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


class MetricsServer(LocalHTTPServer):
    """Serves `/metrics` in Prometheus text format from a dict the test changes at runtime.

    Keys are series as written in the exposition format, e.g. `'dnastore_db_up{job="x"}'`.
    Prometheus renames a scraped `job`/`instance` label to `exported_job`/`exported_instance`
    unless the scrape config has `honor_labels: true` (processes.PrometheusProcess's generated config has).
    """

    def __init__(self, metrics: Mapping[str, float] | None = None) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._metrics: dict[str, float] = dict(metrics or {})
        self.scrapes = 0  # lets a test wait for "scraped again since the change"
        self.target = f"127.0.0.1:{self.port}"  # for a Prometheus static_config

    def set(self, series: str, value: float) -> None:
        with self._lock:
            self._metrics[series] = value

    def remove(self, series: str) -> None:
        with self._lock:
            self._metrics.pop(series, None)

    def render(self) -> str:
        with self._lock:
            snapshot = dict(self._metrics)
        special = {math.inf: "+Inf", -math.inf: "-Inf"}  # exposition-format spellings
        return "".join(
            f"{series} {'NaN' if math.isnan(v) else special.get(v, repr(float(v)))}\n" for series, v in snapshot.items()
        )

    def handle(self, handler: Handler) -> None:
        if handler.command != "GET" or handler.path.split("?")[0] != "/metrics":
            return handler.reply(404, "not found\n", "text/plain")
        body = self.render()
        with self._lock:
            self.scrapes += 1
        handler.reply(200, body, "text/plain; version=0.0.4; charset=utf-8")


def headless_chromium(profile: Path) -> list[str]:
    """The command line of Debian's chromium, headless, with its profile in ``profile``; skips the
    test when chromium is missing, but FAILS when CI is set (as ``require_binary``)."""
    import shutil

    import pytest

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (apt-get install -y chromium)")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--user-data-dir={profile}"]
