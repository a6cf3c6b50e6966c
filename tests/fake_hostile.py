"""A local HTTP server that answers as a hostile or broken server would, for the client tests.

Why: every remote call goes through ``remote.http.Client``, whose promises (a deadline that holds,
a size cap, a depth limit, same-origin redirects, terminal-safe messages) only mean something
against servers that break them. Each ``mode`` is one such server; ``hits`` records every
request (path and headers) so a test can see where the token went.

Modes: ``dribble`` (headers, then one body byte every ``pause`` seconds, forever), ``dribble-head``
(the status line itself dribbled), ``endless`` (a body that never ends), ``deep`` (JSON nested
100,000 levels), ``html`` (a login page), ``list`` (``[]``), ``prom-error`` (Prometheus'
``{"status": "error"}``), ``status`` (a 502 with an escape sequence in its body), ``away`` (a
redirect to ``target``, another origin), ``same`` (a 307 to ``/moved`` of this origin, which
answers ``{"moved": true}``), ``bad-location`` (a redirect whose Location is not a URL),
``bad-chunk`` (a chunked body whose chunk size is not a number), ``grafana`` (Grafana's
dashboard API with escape sequences in every text it returns), ``prometheus`` (Prometheus' API
with an escape sequence in a metric's type) and ``frontend`` (a Prometheus-compatible query API
without ``/api/v1/rules`` and without the compiled rules' data), ``reloaded`` (a Prometheus that
has just loaded the recording rules named in ``records``: their health is ``unknown`` and they
return nothing until their first evaluation ``pause`` seconds after start, then they have data).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from sigil_monitoring.live.sinks import Handler, LocalHTTPServer

EVIL = "\x1b]0;pwned\x07\x1b[2J\x9b1m\r\nsigil-monitoring 9.9.9"  # sets the title, clears, forges a line
SAMPLE = {"metric": {"__name__": "x"}, "value": [1, "1"]}


class Hostile(LocalHTTPServer):
    def __init__(self, mode: str, target: str = "", pause: float = 0.3) -> None:
        super().__init__()
        self.mode, self.target, self.pause = mode, target, pause
        self.hits: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        self.records: list[str] = []
        self.started = time.monotonic()

    def handle(self, handler: Handler) -> None:
        with self._lock:
            self.hits.append((handler.path, dict(handler.headers)))
        handler.read_body()
        getattr(self, "_" + self.mode.replace("-", "_"))(handler)

    def _raw(self, handler: Handler, head: bytes) -> None:
        handler.wfile.write(head)
        handler.wfile.flush()

    def _dribble(self, handler: Handler) -> None:
        self._raw(handler, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n")
        self._drip(handler, b"[" * 1000)

    def _dribble_head(self, handler: Handler) -> None:
        self._drip(handler, b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 10000)

    def _drip(self, handler: Handler, data: bytes) -> None:
        try:
            for byte in data:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(self.pause)
        except OSError:
            pass  # the client gave up, as it should
        handler.close_connection = True

    def _endless(self, handler: Handler) -> None:
        self._raw(handler, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
        chunk = b'{"a": "' + b"x" * 65536
        try:
            for _ in range(100_000):  # 6 GB: far past any cap
                handler.wfile.write(chunk)
        except OSError:
            pass
        handler.close_connection = True

    def _bad_chunk(self, handler: Handler) -> None:
        self._raw(handler, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
        handler.close_connection = True

    def _deep(self, handler: Handler) -> None:
        handler.reply(200, b"[" * 100_000 + b"]" * 100_000)

    def _html(self, handler: Handler) -> None:
        handler.reply(
            200, b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Login</body></html>", "text/html"
        )

    def _list(self, handler: Handler) -> None:
        handler.reply(200, [])

    def _prom_error(self, handler: Handler) -> None:
        handler.reply(200, {"status": "error", "errorType": "execution", "error": "query timed out" + EVIL})

    def _status(self, handler: Handler) -> None:
        handler.reply(502, "bad gateway " + EVIL, "text/plain")

    def _redirect(self, handler: Handler, status: int, location: str) -> None:
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def _away(self, handler: Handler) -> None:
        self._redirect(handler, 302, self.target + handler.path)

    def _same(self, handler: Handler) -> None:
        if handler.path == "/moved":
            return handler.reply(200, {"moved": True})
        self._redirect(handler, 307, "/moved")

    def _bad_location(self, handler: Handler) -> None:
        self._redirect(handler, 302, "http://[::1")

    def _grafana(self, handler: Handler) -> None:
        path = handler.path.split("?")[0]
        if path.endswith("/versions"):
            version = {"version": 2, "created": "2026-12-06T00:00:00Z", "createdBy": "eve" + EVIL, "message": EVIL}
            return handler.reply(200, [version])
        if handler.command == "POST" and path == "/api/dashboards/db":
            return handler.reply(200, {"uid": "x", "version": 1, "url": "/d/x" + EVIL, "status": "success"})
        if handler.command == "POST":
            return handler.reply(400, {"message": "refused " + EVIL})
        handler.reply(404, {"message": "Dashboard not found"})

    def _prometheus(self, handler: Handler) -> None:
        path = handler.path.split("?")[0]
        data: Any = {"resultType": "vector", "result": [SAMPLE]}
        if path == "/api/v1/metadata":
            data = {"hello_requests_total": [{"type": "gauge" + EVIL, "help": "", "unit": ""}]}
        elif path == "/api/v1/rules":
            data = {"groups": []}
        elif path.startswith("/api/v1/label/"):
            data = []
        handler.reply(200, json.dumps({"status": "success", "data": data}))

    def _frontend(self, handler: Handler) -> None:
        path, _, query = handler.path.partition("?")
        if path == "/api/v1/rules":
            return handler.reply(404, "404 page not found\n", "text/plain")
        data: Any = {"resultType": "vector", "result": [] if "%3A" in query else [SAMPLE]}
        if path == "/api/v1/metadata":
            data = {}
        elif path.startswith("/api/v1/label/"):
            data = ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]
        handler.reply(200, {"status": "success", "data": data})

    def _reloaded(self, handler: Handler) -> None:
        path, _, query = handler.path.partition("?")
        evaluated = time.monotonic() - self.started >= self.pause
        if path == "/api/v1/rules":
            health = "ok" if evaluated else "unknown"
            rules = [{"name": name, "type": "recording", "health": health} for name in self.records]
            return handler.reply(200, {"status": "success", "data": {"groups": [{"rules": rules, "interval": 1}]}})
        data: Any = {"resultType": "vector", "result": [] if "%3A" in query and not evaluated else [SAMPLE]}
        if path == "/api/v1/metadata":
            data = {}
        elif path.startswith("/api/v1/label/"):
            data = ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]
        handler.reply(200, {"status": "success", "data": data})
