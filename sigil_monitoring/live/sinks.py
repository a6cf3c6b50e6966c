"""In-process servers on 127.0.0.1: a base HTTP server and the notification capture sink.

Why: a drill (and the routing tests) must see what Alertmanager sends to Slack, PagerDuty,
Opsgenie, webhooks and mail servers without reaching the real services: every receiver URL points
at a CaptureServer, which records each POST and answers 200, and every email receiver's smarthost
at an SMTP listener of the same sink (one port per receiver: the envelope does not say which
receiver sent a mail). A path given in ``fail`` is answered with that status instead (SMTP: the
recipient is refused), so a test can watch Alertmanager report a failed receiver. Every wait is
bounded.

>>> import smtplib
>>> with CaptureServer() as sink:
...     host, port = sink.smtp("/email/svc/dba").split(":")
...     with smtplib.SMTP(host, int(port), timeout=5) as client:
...         refused = client.sendmail("am@example.com", ["dba@example.com"], b"Subject: hi\\r\\n\\r\\nbody\\r\\n")
...     mail = sink.wait_for(lambda r: r.path == "/email/svc/dba")[0]
>>> refused, mail.headers["RCPT TO"], mail.raw.startswith(b"Subject: hi")
({}, 'dba@example.com', True)
"""

from __future__ import annotations

import json
import socketserver
import threading
import time
from collections.abc import Callable, Mapping
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
    status: int = 200  # what the sink answered (a test may make a receiver's sink fail)


class CaptureServer(LocalHTTPServer):
    """Records every POST (e.g. Alertmanager webhooks) and every mail thread-safely and answers 200
    `{}` (SMTP: 250), or ``fail[prefix]`` for a path under a prefix of ``fail``."""

    def __init__(self, fail: Mapping[str, int] | None = None) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._requests: list[CapturedRequest] = []
        self.fail = dict(fail or {})
        self._smtp: dict[str, _SmtpListener] = {}

    def failure(self, path: str) -> int | None:
        """The status ``path`` is answered with when a test made it fail, else None."""
        return next((status for prefix, status in self.fail.items() if path.startswith(prefix)), None)

    def record(self, request: CapturedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def smtp(self, path: str) -> str:
        """``host:port`` of an SMTP listener whose mails are recorded under ``path`` (started on
        first use, stopped with the sink)."""
        with self._lock:
            if path not in self._smtp:
                self._smtp[path] = _SmtpListener(self, path)
            return self._smtp[path].address

    def __exit__(self, *exc: object) -> None:
        for listener in self._smtp.values():
            listener.stop()
        super().__exit__(*exc)

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
        status = self.failure(handler.path) or 200
        self.record(CapturedRequest(handler.path, dict(handler.headers.items()), body, raw, time.monotonic(), status))
        handler.reply(status, {"message": "refused by the drill's test sink"} if status != 200 else {})

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


class _SmtpSession(socketserver.StreamRequestHandler):
    """The server side of SMTP as far as Alertmanager's Go client uses it (RFC 5321): EHLO, AUTH
    PLAIN/LOGIN (accepted: the password is the drill's own secret file), MAIL, RCPT, DATA, QUIT.
    No STARTTLS: the drill sends mail in clear to 127.0.0.1 (``require_tls`` off in drill mode)."""

    server: _SmtpServer

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        sink, path = self.server.sink, self.server.path
        envelope: dict[str, str] = {}
        self._say("220 sigil-drill ESMTP capture sink")
        while line := self.rfile.readline(65536):
            verb, _, arg = line.decode(errors="replace").rstrip("\r\n").partition(" ")
            match verb.upper():
                case "EHLO":
                    self._say("250-sigil-drill\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME")
                case "HELO":
                    self._say("250 sigil-drill")
                case "AUTH":
                    if arg.upper().startswith("LOGIN"):
                        for prompt in ("VXNlcm5hbWU6", "UGFzc3dvcmQ6"):  # "Username:", "Password:"
                            self._say(f"334 {prompt}")
                            self.rfile.readline(65536)
                    envelope["AUTH"] = arg.split(" ")[0]
                    self._say("235 2.7.0 authenticated")
                case "MAIL":
                    envelope = {k: v for k, v in envelope.items() if k == "AUTH"}
                    envelope["MAIL FROM"] = arg.partition(":")[2].strip().strip("<>")
                    self._say("250 2.1.0 ok")
                case "RCPT":
                    if sink.failure(path):
                        self._say("550 5.7.1 refused by the drill's test sink")
                        continue
                    to = arg.partition(":")[2].strip().strip("<>")
                    envelope["RCPT TO"] = ", ".join(filter(None, (envelope.get("RCPT TO"), to)))
                    self._say("250 2.1.5 ok")
                case "DATA":
                    self._say("354 end data with <CR><LF>.<CR><LF>")
                    data = self._data()
                    sink.record(CapturedRequest(path, dict(envelope), None, data, time.monotonic()))
                    self._say("250 2.0.0 queued")
                case "RSET" | "NOOP":
                    self._say("250 2.0.0 ok")
                case "QUIT":
                    self._say("221 2.0.0 bye")
                    return
                case _:
                    self._say("502 5.5.2 command not implemented")

    def _data(self) -> bytes:
        lines = []
        while (line := self.rfile.readline(1 << 20)) not in (b".\r\n", b".\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)  # undo dot-stuffing
        return b"".join(lines)


class _SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, sink: CaptureServer, path: str) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        self.sink, self.path = sink, path


class _SmtpListener:
    """One SMTP server, served from a daemon thread until ``stop``."""

    def __init__(self, sink: CaptureServer, path: str) -> None:
        self.server = _SmtpServer(sink, path)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"smtp:{path}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self._thread.join(timeout=5)
        self.server.server_close()
