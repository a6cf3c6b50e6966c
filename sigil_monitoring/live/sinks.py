"""In-process HTTP servers on 127.0.0.1: a base server and the notification capture sink.

Why: a drill (and the routing tests) must see what Alertmanager sends to Slack, PagerDuty and
webhooks without reaching the real services: every receiver URL points at a CaptureServer, which
records each POST and answers 200. Every wait is bounded.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import msgspec


class Handler(BaseHTTPRequestHandler):
    """Hands every request to `self.server.handle(self)`; helpers to read and reply."""

    protocol_version = "HTTP/1.1"
    server: LocalHTTPServer  # the only server it is made for

    def _dispatch(self) -> None:
        self.server.handle(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch

    def log_message(self, format: str, *args: Any) -> None:  # stdlib signature
        pass  # keep test and drill output readable

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
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}:{self.port}",
            daemon=True,
        )

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def handle(self, handler: Handler) -> None:
        handler.reply(404, {"message": "Not found"})

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread.is_alive():
            self.shutdown()
            self._thread.join(timeout=5)
        self.server_close()


class CapturedRequest(msgspec.Struct, frozen=True):
    """One POST seen by CaptureServer; `json` is None when the body was not JSON."""

    path: str
    headers: dict[str, str]
    json: Any
    raw: bytes
    received: float = 0.0  # time.monotonic() on arrival


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
            self._requests.append(
                CapturedRequest(handler.path, dict(handler.headers.items()), body, raw, time.monotonic())
            )
        handler.reply(200, {})

    def wait_for(
        self, predicate: Callable[[CapturedRequest], bool] = lambda r: True, timeout: float = 10.0, count: int = 1
    ) -> list[CapturedRequest]:
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
                raise AssertionError(
                    f"timed out after {timeout:.1f}s waiting for {count} matching request(s); "
                    f"captured {len(captured)}:\n{seen or '  (none)'}"
                )
            time.sleep(0.05)
