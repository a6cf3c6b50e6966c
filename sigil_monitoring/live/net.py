"""Local networking helpers: free ports, bounded polling, JSON over HTTP without proxies, binaries.

Why: the drill, the live lint and the tests all talk to servers on 127.0.0.1; a proxy from the
environment must never see that traffic, and every wait must be bounded.
"""

from __future__ import annotations

import shutil
import socket
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
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


def poll_until(fn: Callable[[], Any], timeout: float, what: str, error: type[Exception] = AssertionError) -> Any:
    """Return `fn()`'s first truthy result (polled every 0.05 s); exceptions mean "not yet".

    After `timeout` raises `error` (AssertionError) naming `what` and the last value or exception.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            last = fn()
            if last:
                return last
        except Exception as exc:  # "not ready yet" comes in many shapes
            last = exc
        if time.monotonic() >= deadline:
            raise error(f"timed out after {timeout:.1f}s waiting for {what}; last: {last!r}")
        time.sleep(0.05)


def http_json(method: str, url: str, body: Any = None, timeout: float = 5.0) -> Any:
    """One JSON request to a local server within ``timeout`` seconds, through the one HTTP client
    (``remote.http``: bounded, no proxy for loopback); the parsed reply (None when empty), else a
    ``RemoteError`` saying what went wrong in one line."""
    from ..remote.http import Budget, Client

    parts = urllib.parse.urlsplit(url)
    base = f"{parts.scheme}://{parts.netloc}"
    client = Client(base, Budget(timeout), what=f"the local server at {base}")
    return client.json(method, url[len(base) :] or "/", body, expect=object)


def binary(name_candidates: str | Sequence[str]) -> str | None:
    """Absolute path of the first candidate found on PATH, or None."""
    names = [name_candidates] if isinstance(name_candidates, str) else list(name_candidates)
    return next((path for path in map(shutil.which, names) if path), None)
