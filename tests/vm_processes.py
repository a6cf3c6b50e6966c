"""Real VictoriaMetrics single-node and vmalert processes for tests (stdlib only).

Built on processes.ManagedProcess (own temp dir, free port on 127.0.0.1, bounded waits, always
stopped and reaped). Both answer ``/-/ready`` like Prometheus. Facts from trying 1.79.5 here
(REFERENCE.md): samples pushed to ``/api/v1/import/prometheus`` are hidden from queries for
``-search.latencyOffset`` (30 s by default), so the tests set it to 0; vmalert writes recording
rules back through remote write asynchronously, so alerts built on them lag about two rounds.
"""

from __future__ import annotations

import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sigil_monitoring.live.net import LOCAL_OPENER, http_json
from sigil_monitoring.live.processes import ManagedProcess, PathLike

VICTORIA_METRICS_NAMES = ("victoria-metrics", "victoria-metrics-prod")
VMALERT_NAMES = ("vmalert", "vmalert-prod")


class VictoriaMetricsProcess(ManagedProcess):
    """victoria-metrics (single node) with a temp storage folder; every sample visible at once."""

    name, names = "victoria-metrics", VICTORIA_METRICS_NAMES

    def __init__(
        self, *, binary_path: str | None = None, startup_timeout: float = 15.0, extra_args: Iterable[str] = ()
    ) -> None:
        super().__init__(binary_path, startup_timeout, extra_args)

    def args(self) -> list[str]:
        return [
            f"-httpListenAddr=127.0.0.1:{self.port}",
            f"-storageDataPath={self.workdir / 'data'}",
            "-search.latencyOffset=0s",
            "-search.disableCache",
            "-loggerLevel=WARN",
        ]

    def push(self, exposition: str) -> None:
        """POST samples in Prometheus text format (no timestamps: the server's now)."""
        req = urllib.request.Request(
            self.base_url + "/api/v1/import/prometheus", data=exposition.encode(), method="POST"
        )
        with LOCAL_OPENER.open(req, timeout=5) as resp:
            if resp.status not in (200, 204):
                raise AssertionError(f"import failed: HTTP {resp.status}")
        # Imported rows sit in memory buffers, unseen by queries, for seconds (10 s measured here
        # for new series); this test-and-debug endpoint makes them searchable now.
        with LOCAL_OPENER.open(self.base_url + "/internal/force_flush", timeout=5):
            pass

    def query(self, expr: str) -> list[dict[str, Any]]:
        reply = http_json("GET", self.base_url + "/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
        if not reply or reply.get("status") != "success":
            raise AssertionError(f"VictoriaMetrics query {expr!r} failed: {reply!r}")
        return list(reply["data"]["result"])


class VmalertProcess(ManagedProcess):
    """vmalert evaluating ``rule_files`` against VictoriaMetrics, notifying an Alertmanager."""

    name, names = "vmalert", VMALERT_NAMES

    def __init__(
        self,
        rule_files: Sequence[PathLike],
        *,
        datasource_url: str,
        notifier_url: str,
        evaluation_interval: str = "1s",
        binary_path: str | None = None,
        startup_timeout: float = 15.0,
        extra_args: Iterable[str] = (),
    ) -> None:
        super().__init__(binary_path, startup_timeout, extra_args)
        self.rule_files = [Path(p).resolve() for p in rule_files]
        self.datasource_url, self.notifier_url, self.evaluation_interval = (
            datasource_url,
            notifier_url,
            evaluation_interval,
        )

    def args(self) -> list[str]:
        return [
            *(f"-rule={p}" for p in self.rule_files),
            f"-httpListenAddr=127.0.0.1:{self.port}",
            f"-datasource.url={self.datasource_url}",
            f"-remoteWrite.url={self.datasource_url}",
            f"-notifier.url={self.notifier_url}",
            f"-evaluationInterval={self.evaluation_interval}",
            "-remoteWrite.flushInterval=1s",
            f"-external.url={self.base_url or 'http://127.0.0.1'}",
            "-loggerLevel=WARN",
        ]

    def alerts(self) -> list[dict[str, Any]]:
        """Active alerts from vmalert's Prometheus-compatible /api/v1/alerts."""
        reply = http_json("GET", self.base_url + "/api/v1/alerts")
        return list(((reply or {}).get("data") or {}).get("alerts") or [])  # null when none are active


def dry_run(vmalert: str, rule_files: Sequence[PathLike]) -> subprocess.CompletedProcess[str]:
    """``vmalert -dryRun -rule=F ...``: parses every file and expression, exit 0 when all load."""
    return subprocess.run(
        [vmalert, "-dryRun", *(f"-rule={p}" for p in rule_files)], capture_output=True, text=True, timeout=60
    )
