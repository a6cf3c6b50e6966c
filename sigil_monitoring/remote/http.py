"""The one HTTP client every remote call goes through (Grafana, Prometheus, Alertmanager, the drill's
own servers), stdlib only: bounded in time and size, same-origin redirects, one-line failures.

What every request gets, whoever makes it:

- **A deadline that holds.** A command has one time budget (``--timeout``, else ``$SIGIL_TIMEOUT``,
  else 30 s) shared by all its requests and their retries. The socket timeout alone would not do:
  it bounds each read, and a server sending one byte every 3 s never trips it. So a watchdog
  shuts the socket when the budget ends, whatever the request is waiting for.
- **A cap on the reply** (``MAX_REPLY``): reading stops there; a JSON reply nested deeper than
  ``MAX_DEPTH`` is refused before it is parsed (a 100,000-deep reply would exhaust Python's stack).
- **http and https only**; redirects are followed only within the origin of the URL the user gave
  (the same scheme, host and port), so the Authorization header never goes elsewhere; a redirect
  out of it, or one whose ``Location`` is not a URL, is an error that is not retried.
- **Proxies** from the environment (``https_proxy``, ``no_proxy``, ...) are used, except for
  loopback hosts: the drill's servers on 127.0.0.1 are never reached through a proxy.
- **Every failure is a ``RemoteError``**: one line saying what happened (``kind``), never the
  token, with control characters escaped (``escape.one_line``). The command prints it and exits 1.

>>> check_url("http://prometheus:9090/", "--prometheus-url")
'http://prometheus:9090'
>>> try:
...     check_url("file:///etc/passwd", "--prometheus-url")
... except UrlError as err:
...     print(err)
--prometheus-url must start with http:// or https:// and name a host (e.g. https://server.example.com:9090), not 'file:///etc/passwd'
>>> too_deep(b'{"a": [[1]]}', 2), too_deep(b'["[[[", {"a": 1}]', 2)
(True, False)
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import ssl
import threading
import time
import urllib.parse
import urllib.request
from base64 import b64encode
from collections.abc import Mapping
from typing import Any, Literal, assert_never, get_args

import msgspec

from ..errors import RemoteFailure
from ..escape import one_line
from .budget import DEFAULT_TIMEOUT, TIMEOUT_ENV, Budget, UrlError, timeout_seconds

__all__ = [
    "DEFAULT_TIMEOUT",
    "KINDS",
    "MAX_DEPTH",
    "MAX_REPLY",
    "TIMEOUT_ENV",
    "Budget",
    "Client",
    "RemoteError",
    "Reply",
    "UrlError",
    "advice",
    "check_url",
    "timeout_seconds",
]

MAX_REPLY = 8 * 1024 * 1024  # a big dashboard is ~1 MiB; Prometheus metadata of a large server a few
MAX_DEPTH = 100  # Grafana dashboards nest ~12 levels; Python's json recursion gives out near 1,000
MAX_REDIRECTS = 5
EXCERPT = 200  # characters of an error body shown in a message
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
REDIRECTS = frozenset({301, 302, 303, 307, 308})

# What went wrong, as messages and callers tell it apart. "status": the server answered with an
# HTTP error; "malformed": it answered 2xx with something that is not the JSON asked for.
Failure = Literal[
    "timeout", "refused", "unreachable", "tls", "status", "redirect", "malformed", "too-large", "too-deep"
]
KINDS: tuple[Failure, ...] = get_args(Failure)
RETRIED: frozenset[Failure] = frozenset({"refused", "unreachable"})  # and 5xx statuses


class RemoteError(RemoteFailure):
    """A remote call that failed; ``str()`` is one terminal-safe line without the token.

    ``status`` is the HTTP status when the server sent one (0 otherwise), ``body`` its error reply
    with the token masked (bounded by ``MAX_REPLY``), for callers that read the server's message.
    """

    def __init__(self, kind: Failure, message: str, status: int = 0, body: bytes = b"") -> None:
        super().__init__(kind, message)
        self.kind, self.status, self.body = kind, status, body
        self.message = one_line(" ".join(message.split()))

    def __str__(self) -> str:
        return self.message


def check_url(url: str, option: str) -> str:
    """The base URL without a trailing slash, if it is a plain http(s) URL with a host, no
    credentials, no query; else ``UrlError`` naming ``option``."""
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        raise UrlError(
            f"{option} contains a control character or a space (give a plain http(s)://host[:port][/path] URL)"
        )
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise UrlError(f"{option} is not a URL: {one_line(url)!r} (give http(s)://host[:port][/path])") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UrlError(
            f"{option} must start with http:// or https:// and name a host "
            f"(e.g. https://server.example.com:9090), not {one_line(url)!r}"
        )
    if "@" in parts.netloc:
        raise UrlError(f"{option} carries credentials (remove user:password@ from the URL)")
    if parts.query or parts.fragment:
        raise UrlError(f"{option} has a ?query or #fragment (give the base URL only)")
    return url.rstrip("/")


class Reply(msgspec.Struct, frozen=True):
    status: int
    body: bytes
    content_type: str


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def too_deep(raw: bytes, limit: int = MAX_DEPTH) -> bool:
    """True when the JSON text nests arrays/objects deeper than ``limit`` (strings do not count)."""
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKET)
    if len(brackets) <= 2 * limit:
        return False
    depth = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        if depth > limit:
            return True
    return False


def decode_json(raw: bytes, answered: str) -> Any:
    """The JSON value of a reply body (None when empty), or a ``RemoteError`` saying what it was;
    ``answered`` starts its message ("Grafana at ... answered GET /api/x")."""
    if not raw.strip():
        return None
    if too_deep(raw):
        raise RemoteError("too-deep", f"{answered} with JSON nested deeper than {MAX_DEPTH} levels; not read")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise RemoteError("malformed", f"{answered} with {describe(raw)}, not JSON") from None


def describe(raw: bytes) -> str:
    """A reply's body in a few words for a message: an HTML page, or an excerpt.

    >>> print(describe(b"<!DOCTYPE html><html>login</html>"), "/", describe(b"oops\\x1b]0;x\\x07"))
    an HTML page / "oops\\x1b]0;x\\x07"
    """
    text = raw.decode("utf-8", "replace").strip()
    if text[:1] == "<" and re.search(r"<(!doctype|html|head|body|title)\b", text[:512], re.I):
        return "an HTML page"
    return f'"{excerpt(raw)}"' if text else "an empty body"


def excerpt(raw: bytes, limit: int = EXCERPT) -> str:
    """The start of a body as one terminal-safe line of at most ``limit`` characters."""
    text = one_line(" ".join(raw[: limit * 4].decode("utf-8", "replace").split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def kind_of(value: Any) -> str:
    """The JSON kind of a decoded value, for "a JSON list where an object was expected".

    >>> kind_of([]), kind_of({}), kind_of("x"), kind_of(None)
    ('a JSON list', 'a JSON object', 'a JSON string', 'an empty body')
    """
    match value:
        case None:
            return "an empty body"
        case dict():
            return "a JSON object"
        case list():
            return "a JSON list"
        case str():
            return "a JSON string"
        case bool():
            return "a JSON boolean"
        case _:
            return "a JSON number"


class Client:
    """Requests to one server (``base_url``, checked by ``check_url``) within one ``Budget``.

    ``what`` names the server in messages ("Grafana at https://g.example.com"); ``secret`` (the
    token) is masked in every message; ``headers`` go on every request; ``retries`` apply to
    connection failures and 5xx answers, with exponential ``backoff``, within the budget.
    """

    def __init__(
        self,
        base_url: str,
        budget: Budget,
        *,
        what: str,
        headers: Mapping[str, str] | None = None,
        secret: str = "",
        retries: int = 0,
        backoff: float = 0.5,
    ) -> None:
        self.base_url, self.budget, self.what = base_url.rstrip("/"), budget, what
        self.headers, self.secret = dict(headers or {}), secret
        self.retries, self.backoff = retries, backoff
        self.origin = _origin(urllib.parse.urlsplit(self.base_url))

    def mask(self, text: str) -> str:
        return text.replace(self.secret, "***") if self.secret else text

    def json(self, method: str, path: str, body: Any = None, expect: type = dict) -> Any:
        """The decoded JSON reply, of type ``expect`` (``object``: any); else a ``RemoteError``."""
        reply = self.request(method, path, body)
        answered = f"{self.what} answered {method} {self.mask(_path(path))}"
        value = decode_json(reply.body, answered)
        if not isinstance(value, expect):
            wanted = "any JSON" if expect is object else kind_of(expect())
            raise RemoteError("malformed", f"{answered} with {kind_of(value)} where {wanted} was expected")
        return value

    def request(self, method: str, path: str, body: Any = None) -> Reply:
        """A 2xx reply to ``method path`` (retried as configured), else a ``RemoteError``."""
        data = None if body is None else json.dumps(body).encode()
        for attempt in range(self.retries + 1):
            try:
                return self._follow(method, self.base_url + path, data)
            except RemoteError as err:
                retryable = err.kind in RETRIED or err.status >= 500
                pause = self.backoff * 2**attempt
                if not retryable or attempt == self.retries or pause >= self.budget.left():
                    raise
            time.sleep(pause)
        raise AssertionError("unreachable: the loop returns or raises")

    def _follow(self, method: str, url: str, data: bytes | None) -> Reply:
        for _ in range(MAX_REDIRECTS + 1):
            status, location, reply = self._once(method, url, data)
            if location is None:
                if not 200 <= status < 300:
                    body = reply.body.replace(self.secret.encode(), b"***") if self.secret else reply.body
                    shown = f"{self.what} answered {method} {_path(url)} with HTTP {status}: {describe(body)}"
                    raise RemoteError("status", self.mask(shown), status, body)
                return reply
            url = self._redirect(method, url, status, location)
            if status == 303:
                method, data = "GET", None
        raise RemoteError("redirect", f"{self.what} redirected more than {MAX_REDIRECTS} times (give the final URL)")

    def _redirect(self, method: str, url: str, status: int, location: str) -> str:
        """Where a redirect may be followed to: within our origin only, never a token elsewhere."""
        shown = one_line(self.mask(location)[:EXCERPT])
        try:
            target = urllib.parse.urljoin(url, location)
            parts = urllib.parse.urlsplit(target)
            origin = _origin(parts)
        except ValueError:
            origin = None
        if origin is None or any(ord(c) < 0x21 or ord(c) == 0x7F for c in location):
            raise RemoteError(
                "redirect",
                self.mask(f"{self.what} answered HTTP {status} with a Location that is not a URL: '{shown}'"),
                status,
            )
        if origin != self.origin:
            where = urllib.parse.urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))
            raise RemoteError(
                "redirect",
                self.mask(
                    f"{self.what} redirected to {one_line(where)}, another origin; not followed, so the token is "
                    "not sent there (give that URL instead)"
                ),
                status,
            )
        if status in (301, 302) and method not in ("GET", "HEAD"):
            raise RemoteError(
                "redirect",
                self.mask(
                    f"{self.what} redirected {method} {_path(url)} to {one_line(parts.path)} (give the final URL)"
                ),
                status,
            )
        return target

    def _once(self, method: str, url: str, data: bytes | None) -> tuple[int, str | None, Reply]:
        left = self.budget.left()
        if left <= 0:
            raise self._timeout()
        parts = urllib.parse.urlsplit(url)
        conn, target, extra = _connection(parts, left)
        headers = {**self.headers, **extra, "Accept": "application/json", "Connection": "close"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        fired = threading.Event()
        watchdog = threading.Timer(left, _abort, (conn, fired))
        watchdog.daemon = True
        watchdog.start()
        try:
            conn.request(method, target, data, headers)
            response = conn.getresponse()
            location = response.getheader("Location") if response.status in REDIRECTS else None
            if location is not None:
                return response.status, location, Reply(response.status, b"", "")
            body = self._read(response)
            if fired.is_set():  # the watchdog ended the read: what came is cut short
                raise self._timeout()
            return response.status, None, Reply(response.status, body, response.getheader("Content-Type") or "")
        except RemoteError:
            raise
        except Exception as exc:
            if fired.is_set() or isinstance(exc, TimeoutError):
                raise self._timeout() from None
            raise self._failure(exc) from None
        finally:
            watchdog.cancel()
            conn.close()

    def _read(self, response: http.client.HTTPResponse) -> bytes:
        declared = response.getheader("Content-Length") or ""
        if declared.isdigit() and int(declared) > MAX_REPLY:
            raise self._too_large()
        chunks, size = [], 0
        while chunk := response.read1(65536):
            size += len(chunk)
            if size > MAX_REPLY:
                raise self._too_large()
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self) -> RemoteError:
        return RemoteError(
            "too-large", f"{self.what} sent a reply larger than {MAX_REPLY // 2**20} MiB; stopped reading"
        )

    def _timeout(self) -> RemoteError:
        return RemoteError(
            "timeout",
            f"{self.what} gave no complete answer within the time limit of {self.budget.seconds:g} s",
        )

    def _failure(self, exc: Exception) -> RemoteError:
        reason = self.mask(one_line(str(getattr(exc, "reason", None) or exc)))
        match exc:
            case ConnectionRefusedError():
                return RemoteError("refused", f"{self.what} refused the connection: nothing listens on that port")
            case ssl.SSLError() | ssl.CertificateError():
                return RemoteError("tls", f"TLS failure talking to {self.what}: {reason}")
            case socket.gaierror():
                return RemoteError("unreachable", f"{self.what}: cannot resolve the host name ({reason})")
            case http.client.RemoteDisconnected() | ConnectionError():
                return RemoteError("unreachable", f"{self.what} closed the connection without an answer ({reason})")
            case http.client.HTTPException() | ValueError():
                # ValueError: http.client reading a chunk size or a header that is not HTTP.
                return RemoteError("malformed", f"{self.what} did not answer in HTTP ({type(exc).__name__}: {reason})")
            case OSError():
                return RemoteError("unreachable", f"{self.what} cannot be reached: {reason}")
        raise exc


def advice(kind: Failure, option: str) -> str:
    """What to do about a failure of ``kind``, for the server given by ``option``.

    >>> advice("timeout", "--prometheus-url")
    'raise --timeout or $SIGIL_TIMEOUT if the server is only slow'
    """
    match kind:
        case "timeout":
            return f"raise --timeout or ${TIMEOUT_ENV} if the server is only slow"
        case "refused" | "unreachable":
            return f"check {option} and the network"
        case "tls":
            return f"check the server's certificate, or {option}'s scheme"
        case "status":
            return f"check {option} and the server's log"
        case "malformed" | "too-large" | "too-deep" | "redirect":
            return f"is {option} the server's base URL?"
        case _:
            assert_never(kind)


def _origin(parts: urllib.parse.SplitResult) -> tuple[str, str, int] | None:
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), parts.port or (443 if parts.scheme == "https" else 80)


def _path(url: str) -> str:
    return urllib.parse.urlsplit(url).path or "/"


def _abort(conn: http.client.HTTPConnection, fired: threading.Event) -> None:
    """The watchdog: wake whatever read or write the request is blocked in."""
    fired.set()
    sock = conn.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed: the request ended as the watchdog fired


def _connection(
    parts: urllib.parse.SplitResult, timeout: float
) -> tuple[http.client.HTTPConnection, str, dict[str, str]]:
    """The connection for a URL (through the environment's proxy unless loopback or no_proxy), the
    request target to send, and the proxy's headers."""
    host, port = parts.hostname or "", parts.port
    target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    proxy = _proxy(parts)
    context = ssl.create_default_context() if parts.scheme == "https" else None
    if proxy is None:
        if context is not None:
            return http.client.HTTPSConnection(host, port, timeout=timeout, context=context), target, {}
        return http.client.HTTPConnection(host, port, timeout=timeout), target, {}
    proxy_host, proxy_port, auth = proxy
    if context is not None:  # a CONNECT tunnel: the proxy sees neither the request nor the token
        conn = http.client.HTTPSConnection(proxy_host, proxy_port, timeout=timeout, context=context)
        conn.set_tunnel(host, port, auth)
        return conn, target, {}
    full = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
    return http.client.HTTPConnection(proxy_host, proxy_port, timeout=timeout), full, auth


def _proxy(parts: urllib.parse.SplitResult) -> tuple[str, int, dict[str, str]] | None:
    host = parts.hostname or ""
    if host in LOOPBACK or host.startswith("127."):
        return None
    url = urllib.request.getproxies().get(parts.scheme)
    if not url or urllib.request.proxy_bypass(host):
        return None
    proxy = urllib.parse.urlsplit(url if "://" in url else "http://" + url)
    auth = {}
    if proxy.username is not None:
        pair = f"{urllib.parse.unquote(proxy.username)}:{urllib.parse.unquote(proxy.password or '')}"
        auth["Proxy-Authorization"] = "Basic " + b64encode(pair.encode()).decode()
    return proxy.hostname or "", proxy.port or 80, auth
