"""Local servers and real Prometheus/Alertmanager processes for tests (stdlib only).

Why: end-to-end tests must prove that generated rules and Alertmanager configs work
in the real binaries, and routing tests need a webhook sink. Everything binds
127.0.0.1 on free ports, every wait is bounded, and every process is stopped
(terminate, then kill) and reaped even when the test fails. Only `require_binary`
imports pytest, so the module also works from plain scripts.
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


def poll_until(fn: Callable[[], Any], timeout: float, what: str | Callable[[Any], str]) -> Any:
    """Call `fn` every 0.05 s until it returns something truthy, and return that.

    Exceptions count as "not yet" (a server may still be starting). After `timeout`
    raises AssertionError with `what` (or `what(last value or exception)`).
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
            detail = what(last) if callable(what) else f"{what}; last: {last!r}"
            raise AssertionError(f"timed out after {timeout:.1f}s waiting for {detail}")
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
    """Path of a required tool; skips the test when missing, but FAILS when CI is set.

    CI installs the tools (tools/install-test-deps.sh), so a missing one there is a
    broken pipeline that a skip would hide.
    """
    import pytest  # local import: the rest of this module works without pytest

    found = binary(name_candidates)
    if found:
        return found
    names = [name_candidates] if isinstance(name_candidates, str) else list(name_candidates)
    msg = (f"none of {names} found on PATH; install the Debian packages 'prometheus' and "
           "'prometheus-alertmanager' (tools/install-test-deps.sh does it)")
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(f"CI is set and {msg}", pytrace=False)
    pytest.skip(msg)


# ---------------------------------------------------------------- in-process HTTP servers

class Handler(BaseHTTPRequestHandler):
    """Request handler that hands every request to its server's `owner.handle(handler)`."""

    protocol_version = "HTTP/1.1"

    def _dispatch(self) -> None:
        self.server.owner.handle(self)  # type: ignore[attr-defined]

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # keep test output readable

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def reply(self, status: int, body: Any, content_type: str = "application/json") -> None:
        """Send `body` (bytes, str, or anything JSON-serialisable) with a Content-Length."""
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class LocalHTTPServer:
    """Base: a ThreadingHTTPServer on 127.0.0.1:<free port> served by a daemon thread.

    Subclasses implement `handle(handler)`. Use as a context manager.
    """

    def __init__(self) -> None:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True  # keep-alive clients must not block shutdown
        self._httpd.owner = self  # type: ignore[attr-defined]
        self.port: int = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
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
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()


@dataclass(frozen=True)
class CapturedRequest:
    """One POST seen by CaptureServer; `json` is None when the body was not JSON."""

    path: str
    headers: dict[str, str]
    json: Any
    raw: bytes


class CaptureServer(LocalHTTPServer):
    """Records every POST (e.g. Alertmanager webhooks), thread-safely, and answers 200 `{}`."""

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
            handler.reply(405, {"message": "only POST is captured"})
            return
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
        """Wait until at least `count` captured requests match `predicate`; return all matches.

        On timeout raises AssertionError listing everything captured so far.
        """
        def matching() -> list[CapturedRequest]:
            matches = [r for r in self.requests if predicate(r)]
            return matches if len(matches) >= count else []

        def describe(_last: object) -> str:
            seen = [f"  POST {r.path} {r.json if r.json is not None else r.raw!r}" for r in self.requests]
            return f"{count} matching request(s); captured {len(seen)}:\n" + ("\n".join(seen) or "  (none)")

        return poll_until(matching, timeout, describe)


class MetricsServer(LocalHTTPServer):
    """Serves `/metrics` in Prometheus text format from a dict the test changes at runtime.

    Keys are series as written in the exposition format, e.g. `'dnastore_db_up{job="x"}'`.
    Prometheus renames a scraped `job`/`instance` label to `exported_job`/`exported_instance`
    unless the scrape config has `honor_labels: true` (PrometheusProcess's generated config does).
    """

    def __init__(self, metrics: Mapping[str, float] | None = None) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._metrics: dict[str, float] = dict(metrics or {})
        self.scrapes = 0  # lets a test wait for "scraped at least once more"

    @property
    def target(self) -> str:
        """`host:port` for a Prometheus static_config."""
        return f"127.0.0.1:{self.port}"

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
            handler.reply(404, "not found\n", "text/plain")
            return
        body = self.render()
        with self._lock:
            self.scrapes += 1
        handler.reply(200, body, "text/plain; version=0.0.4; charset=utf-8")


# ---------------------------------------------------------------- real binaries

_LIVE: set[subprocess.Popen[bytes]] = set()


@atexit.register
def _kill_leftovers() -> None:
    # Last resort when a test bypassed the context manager: never leave servers running.
    for proc in list(_LIVE):
        _reap(proc)


def _reap(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    _LIVE.discard(proc)


class ManagedProcess:
    """A server binary with its own temp dir and free port; a context manager.

    Entering starts it and waits (bounded) for `/-/ready`; leaving always terminates,
    kills if needed, reaps it, prints its log when the block raised, and deletes the
    temp dir. Subclasses provide `name`, `names` (binary candidates) and `args()`.
    """

    name = "process"
    names: tuple[str, ...] = ()

    def __init__(self, binary_path: str | None, startup_timeout: float, extra_args: Iterable[str]) -> None:
        path = binary_path or binary(self.names)
        if not path:
            raise FileNotFoundError(f"none of {list(self.names)} on PATH (call require_binary() first)")
        self.binary_path = path
        self.startup_timeout = startup_timeout
        self.extra_args = list(extra_args)
        self.workdir = Path(tempfile.mkdtemp(prefix=f"sigil-{self.name}-"))
        self.log_path = self.workdir / f"{self.name}.log"
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def args(self) -> list[str]:
        raise NotImplementedError

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def _start(self) -> None:
        # The free port can be taken between free_port() and the server's bind: retry then.
        for _attempt in range(3):
            self.port = free_port()
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen([self.binary_path, *self.args(), *self.extra_args],
                                             stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                             cwd=self.workdir)
            _LIVE.add(self.proc)
            if self._wait_ready():
                return
            if self.proc.poll() is None or "address already in use" not in self.log():
                break
        code = self.proc.poll() if self.proc else None
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
        if self.proc is not None:
            _reap(self.proc)

    def __enter__(self):  # noqa: ANN204 - returns the subclass
        try:
            self._start()
        except BaseException:
            self.stop()
            shutil.rmtree(self.workdir, ignore_errors=True)
            raise
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.stop()
        if exc_type is not None:  # pytest shows a failed test's stdout: the log explains most failures
            print(f"----- {self.name} log -----\n{self.log()}")
        shutil.rmtree(self.workdir, ignore_errors=True)

    def get(self, path: str, timeout: float = 5.0) -> Any:
        return http_json("GET", self.base_url + path, timeout=timeout)


class AlertmanagerProcess(ManagedProcess):
    """The real Alertmanager on 127.0.0.1; clustering off, storage in a temp dir."""

    name = "alertmanager"
    names = ALERTMANAGER_NAMES

    def __init__(self, config_path: str | os.PathLike[str], *, binary_path: str | None = None,
                 startup_timeout: float = 15.0, extra_args: Iterable[str] = ()) -> None:
        super().__init__(binary_path, startup_timeout, extra_args)
        self.config_path = Path(config_path).resolve()

    def args(self) -> list[str]:
        # external-url: without it notification links carry this machine's host name.
        return [f"--config.file={self.config_path}", f"--storage.path={self.workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address=",
                f"--web.external-url={self.base_url}"]

    def post_alerts(self, alerts: list[dict[str, Any]]) -> None:
        """POST alerts ({labels, annotations, startsAt, endsAt, generatorURL}) to /api/v2/alerts."""
        http_json("POST", self.base_url + "/api/v2/alerts", alerts)

    def alerts(self) -> list[dict[str, Any]]:
        """GET /api/v2/alerts."""
        return self.get("/api/v2/alerts") or []


class PrometheusProcess(ManagedProcess):
    """The real Prometheus on 127.0.0.1 with a temp TSDB.

    Pass `config_text` (a full prometheus.yml) or `config_path`, or let it generate one
    from `rule_files`, `scrape_targets` ({job: ["host:port"]}, or a list for job "test")
    and `alertmanager_url`. `files` ({name: text}) are written next to the config, so
    relative `rule_files:` entries in `config_text` resolve.
    """

    name = "prometheus"
    names = PROMETHEUS_NAMES

    def __init__(self, config_text: str | None = None, *, config_path: str | os.PathLike[str] | None = None,
                 rule_files: Iterable[str | os.PathLike[str]] = (),
                 scrape_targets: Mapping[str, Sequence[str]] | Sequence[str] = (),
                 alertmanager_url: str | None = None, interval: str = "1s",
                 files: Mapping[str, str] | None = None, binary_path: str | None = None,
                 startup_timeout: float = 20.0, extra_args: Iterable[str] = ()) -> None:
        super().__init__(binary_path, startup_timeout, extra_args)
        for name, text in (files or {}).items():
            (self.workdir / name).write_text(text)
        if config_path is not None:
            self.config_path = Path(config_path).resolve()
        else:
            self.config_path = self.workdir / "prometheus.yml"
            self.config_path.write_text(config_text if config_text is not None else self.generate_config(
                rule_files, scrape_targets, alertmanager_url, interval))

    @staticmethod
    def generate_config(rule_files: Iterable[str | os.PathLike[str]] = (),
                        scrape_targets: Mapping[str, Sequence[str]] | Sequence[str] = (),
                        alertmanager_url: str | None = None, interval: str = "1s") -> str:
        """prometheus.yml text; written as JSON, which is valid YAML, so no YAML library is needed."""
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
            parsed = urllib.parse.urlsplit(alertmanager_url)
            config["alerting"] = {"alertmanagers": [{"scheme": parsed.scheme or "http",
                                                     "path_prefix": parsed.path or "/",
                                                     "static_configs": [{"targets": [parsed.netloc]}]}]}
        return json.dumps(config, indent=2)

    def args(self) -> list[str]:
        return [f"--config.file={self.config_path}", f"--storage.tsdb.path={self.workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}"]

    def _api(self, path: str) -> Any:
        reply = self.get(path)
        if not reply or reply.get("status") != "success":
            raise AssertionError(f"Prometheus {path} failed: {reply!r}")
        return reply["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        """Instant query via /api/v1/query; returns `data.result` ([{metric, value}] for vectors)."""
        return self._api("/api/v1/query?" + urllib.parse.urlencode({"query": expr}))["result"]

    def alerts(self) -> list[dict[str, Any]]:
        """Active (pending and firing) alerts from /api/v1/alerts."""
        return self._api("/api/v1/alerts")["alerts"]
