"""Real Prometheus and Alertmanager processes (stdlib only), for the drill and the tests.

Why: the drill and the end-to-end tests must prove that generated rules and Alertmanager
configs work in the real binaries. Each process gets its own temp dir and a free port on 127.0.0.1,
every wait is bounded, and every process is stopped (terminate, then kill) and reaped
even when the caller fails or is interrupted. Even a SIGKILL of this process takes the servers
along (`spawn`), and the next start deletes the temp dirs it left (`leftovers`). Tests call
`servers.require_binary` first to skip (or fail under CI) when a binary is missing.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Self

from . import spawn
from .leftovers import make_owned_dir, record_child
from .net import ALERTMANAGER_NAMES, LOCAL_OPENER, PROMETHEUS_NAMES, binary, free_port, http_json

PathLike = str | os.PathLike[str]
Targets = Mapping[str, Sequence[str]] | Sequence[str]  # {job: ["host:port"]}, or a list for job "test"

_LIVE: set[subprocess.Popen[bytes]] = set()  # reaped at exit if a test bypassed the context manager


def _reap(proc: subprocess.Popen[bytes]) -> None:
    """Terminate, kill after 5 s, and reap."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    _LIVE.discard(proc)


def _reap_all() -> None:
    for proc in list(_LIVE):
        _reap(proc)


atexit.register(_reap_all)


class ManagedProcess:
    """A server binary with its own temp dir and free port, as a context manager.

    Entering starts it and waits (bounded) for `/-/ready`. Leaving always terminates,
    kills if needed and reaps it, prints its log when the block raised, and deletes the
    temp dir. Subclasses set `name`, `names` (binary candidates) and implement `args()`.
    """

    name: str = "process"
    names: tuple[str, ...] = ()

    def __init__(self, binary_path: str | None, startup_timeout: float, extra_args: Iterable[str]) -> None:
        path = binary_path or binary(self.names)
        if not path:
            raise FileNotFoundError(
                f"none of {list(self.names)} on PATH (install the Debian packages prometheus and "
                "prometheus-alertmanager)"
            )
        self.binary_path, self.startup_timeout, self.extra_args = path, startup_timeout, list(extra_args)
        self.workdir = make_owned_dir(self.name)
        self.log_path = self.workdir / f"{self.name}.log"
        self.port, self.base_url = 0, ""
        self.proc: subprocess.Popen[bytes] | None = None

    def args(self) -> list[str]:
        raise NotImplementedError

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def _start(self) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        with open(self.log_path, "ab") as log:
            self.proc = spawn.popen(
                [self.binary_path, *self.args(), *self.extra_args],
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _LIVE.add(self.proc)
        record_child(self.workdir, self.proc.pid, self.binary_path)
        if self._wait_ready():
            return
        code = self.proc.poll()
        raise RuntimeError(
            f"{self.name} not ready within {self.startup_timeout}s (exit code {code}); log:\n{self.log()}"
        )

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline and self.proc is not None and self.proc.poll() is None:
            try:
                with LOCAL_OPENER.open(self.base_url + "/-/ready", timeout=1) as resp:
                    if resp.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        """Terminate (kill after 5 s) and reap the process; safe to call twice."""
        if self.proc:
            _reap(self.proc)

    def __enter__(self) -> Self:
        try:
            self._start()
        except BaseException:  # also on Ctrl-C while waiting: never leave the process behind
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.stop()
        if exc_type is not None and exc_type is not KeyboardInterrupt:  # the log explains most failures
            print(f"----- {self.name} log -----\n{self.log()}", file=sys.stderr)
        shutil.rmtree(self.workdir, ignore_errors=True)


class AlertmanagerProcess(ManagedProcess):
    """The real Alertmanager on 127.0.0.1; clustering off, storage in a temp dir."""

    name, names = "alertmanager", ALERTMANAGER_NAMES

    def __init__(
        self,
        config_path: PathLike,
        *,
        binary_path: str | None = None,
        startup_timeout: float = 15.0,
        extra_args: Iterable[str] = (),
    ) -> None:
        super().__init__(binary_path, startup_timeout, extra_args)
        self.config_path = Path(config_path).resolve()

    def args(self) -> list[str]:
        # --web.external-url: without it, links in notifications carry this machine's host name.
        return [
            f"--config.file={self.config_path}",
            f"--storage.path={self.workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--cluster.listen-address=",
            f"--web.external-url={self.base_url}",
        ]

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        """POST alerts ({labels, annotations, startsAt, endsAt, generatorURL}) to /api/v2/alerts."""
        http_json("POST", self.base_url + "/api/v2/alerts", alerts)

    def alerts(self) -> list[dict[str, Any]]:
        """GET /api/v2/alerts."""
        return http_json("GET", self.base_url + "/api/v2/alerts") or []


class PrometheusProcess(ManagedProcess):
    """The real Prometheus on 127.0.0.1 with a temp TSDB.

    Pass `config_text` (a full prometheus.yml; use absolute `rule_files:` paths) or
    `config_path`, or let it generate one from `rule_files`, `scrape_targets`
    ({job: ["host:port"]}, or a list for job "test") and `alertmanager_url`.
    """

    name, names = "prometheus", PROMETHEUS_NAMES

    def __init__(
        self,
        config_text: str | None = None,
        *,
        config_path: PathLike | None = None,
        rule_files: Iterable[PathLike] = (),
        scrape_targets: Targets = (),
        alertmanager_url: str | None = None,
        interval: str = "1s",
        binary_path: str | None = None,
        startup_timeout: float = 20.0,
        extra_args: Iterable[str] = (),
    ) -> None:
        super().__init__(binary_path, startup_timeout, extra_args)
        if config_path is not None:
            self.config_path = Path(config_path).resolve()
        else:
            self.config_path = self.workdir / "prometheus.yml"
            self.config_path.write_text(
                config_text
                if config_text is not None
                else self.generate_config(rule_files, scrape_targets, alertmanager_url, interval)
            )

    @staticmethod
    def generate_config(
        rule_files: Iterable[PathLike] = (),
        scrape_targets: Targets = (),
        alertmanager_url: str | None = None,
        interval: str = "1s",
    ) -> str:
        """prometheus.yml text, written as JSON (valid YAML) so no YAML library is needed."""
        jobs = (
            dict(scrape_targets)
            if isinstance(scrape_targets, Mapping)
            else ({"test": list(scrape_targets)} if scrape_targets else {})
        )
        config: dict[str, Any] = {
            "global": {"scrape_interval": interval, "evaluation_interval": interval},
            "rule_files": [str(Path(p).resolve()) for p in rule_files],
            # honor_labels: keep a `job` label the target exposes instead of renaming it exported_job.
            "scrape_configs": [
                {"job_name": job, "honor_labels": True, "static_configs": [{"targets": list(t)}]}
                for job, t in jobs.items()
            ],
        }
        if alertmanager_url:
            url = urllib.parse.urlsplit(alertmanager_url)
            config["alerting"] = {
                "alertmanagers": [
                    {
                        "scheme": url.scheme or "http",
                        "path_prefix": url.path or "/",
                        "static_configs": [{"targets": [url.netloc]}],
                    }
                ]
            }
        return json.dumps(config, indent=2)

    def reload(self, config_text: str) -> None:
        """Replace the configuration and make Prometheus read it again (SIGHUP)."""
        import signal

        self.config_path.write_text(config_text)
        if self.proc is not None:
            self.proc.send_signal(signal.SIGHUP)

    def rule_groups(self) -> list[dict[str, Any]]:
        """Loaded rule groups from /api/v1/rules."""
        groups: list[dict[str, Any]] = self._api("/api/v1/rules")["groups"]
        return groups

    def args(self) -> list[str]:
        return [
            f"--config.file={self.config_path}",
            f"--storage.tsdb.path={self.workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
        ]

    def _api(self, path: str) -> Any:
        reply = http_json("GET", self.base_url + path)
        if not reply or reply.get("status") != "success":
            raise AssertionError(f"Prometheus {path} failed: {reply!r}")
        return reply["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """Instant query via /api/v1/query; returns `data.result` ([{metric, value}] for vectors)."""
        result: list[dict[str, Any]] = self._api("/api/v1/query?" + urllib.parse.urlencode({"query": expr}))["result"]
        return result

    def alerts(self) -> list[dict[str, Any]]:
        """Active (pending and firing) alerts from /api/v1/alerts."""
        alerts: list[dict[str, Any]] = self._api("/api/v1/alerts")["alerts"]
        return alerts
