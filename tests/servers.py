"""In-process HTTP servers and helpers for tests (stdlib only).

Why: routing tests need a webhook sink (CaptureServer), Prometheus needs a target whose
values the test changes (MetricsServer), and API tests need a local server to talk to.
Everything binds 127.0.0.1 on free ports and every wait is bounded. The real
Prometheus/Alertmanager binaries are driven by processes.py. Only `require_binary`
imports pytest.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ALERTMANAGER_NAMES = ("alertmanager", "prometheus-alertmanager")  # Debian renames the binary
PROMETHEUS_NAMES = ("prometheus",)
PROMTOOL_NAMES = ("promtool",)
AMTOOL_NAMES = ("amtool",)

# Local traffic must never go through a proxy configured in the environment.
LOCAL_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


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
    with LOCAL_OPENER.open(req, timeout=timeout) as resp:
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
        return "".join(f"{series} {'NaN' if math.isnan(v) else special.get(v, repr(float(v)))}\n"
                       for series, v in snapshot.items())

    def handle(self, handler: Handler) -> None:
        if handler.command != "GET" or handler.path.split("?")[0] != "/metrics":
            return handler.reply(404, "not found\n", "text/plain")
        body = self.render()
        with self._lock:
            self.scrapes += 1
        handler.reply(200, body, "text/plain; version=0.0.4; charset=utf-8")

