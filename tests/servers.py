"""Local servers and real Prometheus/Alertmanager processes for tests (stdlib only).

Why: end-to-end tests must prove that generated rules and Alertmanager configs work in
the real binaries, and routing tests need a webhook sink. Everything binds 127.0.0.1 on
free ports, every wait is bounded, and every process is stopped (terminate, then kill)
and reaped even when the test fails. Only `require_binary` imports pytest.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PathLike = str | os.PathLike[str]
Targets = Mapping[str, Sequence[str]] | Sequence[str]  # {job: ["host:port"]}, or a list for job "test"

ALERTMANAGER_NAMES = ("alertmanager", "prometheus-alertmanager")  # Debian renames the binary
PROMETHEUS_NAMES = ("prometheus",)
PROMTOOL_NAMES = ("promtool",)
AMTOOL_NAMES = ("amtool",)

# Local traffic must never go through a proxy configured in the environment.
_LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def poll_until(fn: Callable[[], Any], timeout: float, what: str) -> Any:
    """Return `fn()`'s first truthy result (polled every 0.05 s); exceptions mean "not yet".

    After `timeout` raises AssertionError naming `what` and the last value or exception.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            last = fn()
            if last:
                return last
        except Exception as exc:  # noqa: BLE001 - "not ready yet" comes in many shapes
            last = exc
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.1f}s waiting for {what}; last: {last!r}")
        time.sleep(0.05)


def http_json(method: str, url: str, body: Any = None, timeout: float = 5.0) -> Any:
    """One JSON request to a local server; returns the parsed reply (None when empty)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with _LOCAL.open(req, timeout=timeout) as resp:
        raw = resp.read()
    return json.loads(raw) if raw.strip() else None


def binary(name_candidates: str | Sequence[str]) -> str | None:
    """Absolute path of the first candidate found on PATH, or None."""
    names = [name_candidates] if isinstance(name_candidates, str) else list(name_candidates)
    return next((path for path in map(shutil.which, names) if path), None)


def require_binary(name_candidates: str | Sequence[str]) -> str:
    """Path of a required tool; skips the test when it is missing, but FAILS when CI is set.

    CI installs the tools (tools/install-test-deps.sh): a missing one there is a broken
    pipeline that a skip would hide.
    """
    import pytest  # local import: the rest of this module works without pytest

    if found := binary(name_candidates):
        return found
    names = [name_candidates] if isinstance(name_candidates, str) else list(name_candidates)
    msg = (f"none of {names} found on PATH; install the Debian packages 'prometheus' and "
           "'prometheus-alertmanager' (tools/install-test-deps.sh does it)")
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(f"CI is set and {msg}", pytrace=False)
    pytest.skip(msg)


# ---------------------------------------------------------------- in-process HTTP servers
class Handler(BaseHTTPRequestHandler):
    """Hands every request to `self.server.handle(self)`; helpers to read and reply."""
    protocol_version = "HTTP/1.1"

    def _dispatch(self) -> None:
        self.server.handle(self)  # type: ignore[attr-defined]

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # keep test output readable

    def read_body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def reply(self, status: int, body: Any, content_type: str = "application/json") -> None:
        """Send `body` (bytes, str, or anything JSON-serialisable) with a Content-Length."""
        data = body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class LocalHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP server on 127.0.0.1:<free port>, served from a daemon thread.

    Subclasses override `handle(handler)`. Use as a context manager.
    """
    daemon_threads = True  # idle keep-alive connections must not block shutdown

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.port: int = self.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"{type(self).__name__}:{self.port}", daemon=True)

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def handle(self, handler: Handler) -> None:
        handler.reply(404, {"message": "Not found"})

    def __enter__(self):  # noqa: ANN204 - returns the subclass
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread.is_alive():
            self.shutdown()
            self._thread.join(timeout=5)
        self.server_close()


@dataclass(frozen=True)
class CapturedRequest:
    """One POST seen by CaptureServer; `json` is None when the body was not JSON."""
    path: str
    headers: dict[str, str]
    json: Any
    raw: bytes


class CaptureServer(LocalHTTPServer):
    """Records every POST (e.g. Alertmanager webhooks) thread-safely and answers 200 `{}`."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._requests: list[CapturedRequest] = []

    @property
    def requests(self) -> list[CapturedRequest]:
        """A snapshot copy, safe to iterate while the server keeps recording."""
        with self._lock:
            return list(self._requests)

    def handle(self, handler: Handler) -> None:
        if handler.command != "POST":
            return handler.reply(405, {"message": "only POST is captured"})
        raw = handler.read_body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with self._lock:
            self._requests.append(CapturedRequest(handler.path, dict(handler.headers.items()), body, raw))
        handler.reply(200, {})

    def wait_for(self, predicate: Callable[[CapturedRequest], bool] = lambda r: True,
                 timeout: float = 10.0, count: int = 1) -> list[CapturedRequest]:
        """Wait until >= `count` captured requests match `predicate`; return all matches.

        On timeout raises AssertionError listing everything captured so far.
        """
        deadline = time.monotonic() + timeout
        while True:
            captured = self.requests
            matches = [r for r in captured if predicate(r)]
            if len(matches) >= count:
                return matches
            if time.monotonic() >= deadline:
                seen = "\n".join(f"  POST {r.path} {r.json if r.json is not None else r.raw!r}" for r in captured)
                raise AssertionError(f"timed out after {timeout:.1f}s waiting for {count} matching request(s); "
                                     f"captured {len(captured)}:\n{seen or '  (none)'}")
            time.sleep(0.05)


class MetricsServer(LocalHTTPServer):
    """Serves `/metrics` in Prometheus text format from a dict the test changes at runtime.

    Keys are series as written in the exposition format, e.g. `'dnastore_db_up{job="x"}'`.
    Prometheus renames a scraped `job`/`instance` label to `exported_job`/`exported_instance`
    unless the scrape config has `honor_labels: true` (PrometheusProcess's generated config has).
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
        return "".join(f"{series} {'NaN' if math.isnan(v) else special.get(v, repr(float(v)))}\n"
                       for series, v in snapshot.items())

    def handle(self, handler: Handler) -> None:
        if handler.command != "GET" or handler.path.split("?")[0] != "/metrics":
            return handler.reply(404, "not found\n", "text/plain")
        body = self.render()
        with self._lock:
            self.scrapes += 1
        handler.reply(200, body, "text/plain; version=0.0.4; charset=utf-8")


# ---------------------------------------------------------------- real binaries

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


atexit.register(lambda: [_reap(proc) for proc in list(_LIVE)])


class ManagedProcess:
    """A server binary with its own temp dir and free port, as a context manager.

    Entering starts it and waits (bounded) for `/-/ready`. Leaving always terminates,
    kills if needed and reaps it, prints its log when the block raised, and deletes the
    temp dir. Subclasses set `name`, `names` (binary candidates) and implement `args()`.
    """
    name, names = "process", ()

    def __init__(self, binary_path: str | None, startup_timeout: float, extra_args: Iterable[str]) -> None:
        path = binary_path or binary(self.names)
        if not path:
            raise FileNotFoundError(f"none of {list(self.names)} on PATH (call require_binary() first)")
        self.binary_path, self.startup_timeout, self.extra_args = path, startup_timeout, list(extra_args)
        self.workdir = Path(tempfile.mkdtemp(prefix=f"sigil-{self.name}-"))
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
            self.proc = subprocess.Popen([self.binary_path, *self.args(), *self.extra_args], cwd=self.workdir,
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        _LIVE.add(self.proc)
        if self._wait_ready():
            return
        code = self.proc.poll()
        raise RuntimeError(f"{self.name} not ready within {self.startup_timeout}s (exit code {code}); "
                           f"log:\n{self.log()}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline and self.proc is not None and self.proc.poll() is None:
            try:
                with _LOCAL.open(self.base_url + "/-/ready", timeout=1) as resp:
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

    def __enter__(self):  # noqa: ANN204 - returns the subclass
        try:
            self._start()
        except BaseException:  # also on Ctrl-C while waiting: never leave the process behind
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.stop()
        if exc_type is not None:  # pytest shows a failed test's stdout: the log explains most failures
            print(f"----- {self.name} log -----\n{self.log()}")
        shutil.rmtree(self.workdir, ignore_errors=True)


class AlertmanagerProcess(ManagedProcess):
    """The real Alertmanager on 127.0.0.1; clustering off, storage in a temp dir."""
    name, names = "alertmanager", ALERTMANAGER_NAMES

    def __init__(self, config_path: PathLike, *, binary_path: str | None = None,
                 startup_timeout: float = 15.0, extra_args: Iterable[str] = ()) -> None:
        super().__init__(binary_path, startup_timeout, extra_args)
        self.config_path = Path(config_path).resolve()

    def args(self) -> list[str]:
        # --web.external-url: without it, links in notifications carry this machine's host name.
        return [f"--config.file={self.config_path}", f"--storage.path={self.workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address=",
                f"--web.external-url={self.base_url}"]

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

    def __init__(self, config_text: str | None = None, *, config_path: PathLike | None = None,
                 rule_files: Iterable[PathLike] = (), scrape_targets: Targets = (),
                 alertmanager_url: str | None = None, interval: str = "1s", binary_path: str | None = None,
                 startup_timeout: float = 20.0, extra_args: Iterable[str] = ()) -> None:
        super().__init__(binary_path, startup_timeout, extra_args)
        if config_path is not None:
            self.config_path = Path(config_path).resolve()
        else:
            self.config_path = self.workdir / "prometheus.yml"
            self.config_path.write_text(config_text if config_text is not None else self.generate_config(
                rule_files, scrape_targets, alertmanager_url, interval))

    @staticmethod
    def generate_config(rule_files: Iterable[PathLike] = (), scrape_targets: Targets = (),
                        alertmanager_url: str | None = None, interval: str = "1s") -> str:
        """prometheus.yml text, written as JSON (valid YAML) so no YAML library is needed."""
        jobs = dict(scrape_targets) if isinstance(scrape_targets, Mapping) else (
            {"test": list(scrape_targets)} if scrape_targets else {})
        config: dict[str, Any] = {
            "global": {"scrape_interval": interval, "evaluation_interval": interval},
            "rule_files": [str(Path(p).resolve()) for p in rule_files],
            # honor_labels: keep a `job` label the target exposes instead of renaming it exported_job.
            "scrape_configs": [{"job_name": job, "honor_labels": True, "static_configs": [{"targets": list(t)}]}
                               for job, t in jobs.items()],
        }
        if alertmanager_url:
            url = urllib.parse.urlsplit(alertmanager_url)
            config["alerting"] = {"alertmanagers": [{"scheme": url.scheme or "http", "path_prefix": url.path or "/",
                                                     "static_configs": [{"targets": [url.netloc]}]}]}
        return json.dumps(config, indent=2)

    def args(self) -> list[str]:
        return [f"--config.file={self.config_path}", f"--storage.tsdb.path={self.workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}"]

    def _api(self, path: str) -> Any:
        reply = http_json("GET", self.base_url + path)
        if not reply or reply.get("status") != "success":
            raise AssertionError(f"Prometheus {path} failed: {reply!r}")
        return reply["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """Instant query via /api/v1/query; returns `data.result` ([{metric, value}] for vectors)."""
        return self._api("/api/v1/query?" + urllib.parse.urlencode({"query": expr}))["result"]

    def alerts(self) -> list[dict[str, Any]]:
        """Active (pending and firing) alerts from /api/v1/alerts."""
        return self._api("/api/v1/alerts")["alerts"]
