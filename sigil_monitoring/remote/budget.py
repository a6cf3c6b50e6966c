"""A command's time budget for its remote calls: ``--timeout``, else ``$SIGIL_TIMEOUT``, else 30 s.

Kept apart from the HTTP client so the commands' argument parsers can name it without importing
the client at start-up.
"""

from __future__ import annotations

import os
import time

DEFAULT_TIMEOUT = 30.0  # seconds for all of a command's requests together, retries included
TIMEOUT_ENV = "SIGIL_TIMEOUT"
TIMEOUT_HELP = (
    "seconds all remote calls of the command may take together, retries included "
    f"(default: ${TIMEOUT_ENV}, else {DEFAULT_TIMEOUT:g})"
)


class UrlError(ValueError):
    """A URL or limit the user gave that cannot be used: a usage error (exit 2), before any request."""


def timeout_seconds(flag: float | None) -> float:
    """The command's time budget: ``--timeout``, else ``$SIGIL_TIMEOUT``, else 30 s; ``UrlError``
    (a usage error) when it is not a positive number.

    >>> timeout_seconds(5), timeout_seconds(None) == DEFAULT_TIMEOUT or TIMEOUT_ENV in os.environ
    (5.0, True)
    """
    where, text = ("--timeout", str(flag)) if flag is not None else (TIMEOUT_ENV, os.environ.get(TIMEOUT_ENV, ""))
    if flag is None and not text.strip():
        return DEFAULT_TIMEOUT
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds < 86400:
        raise UrlError(f"{where} must be a number of seconds between 0 and 86400, not {text!r}")
    return seconds


class Budget:
    """A command's deadline: every request and retry of the command ends before it."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.end = seconds, time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()
