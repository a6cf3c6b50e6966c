"""User-facing errors and warnings: one ``file:line:col: error: what (how to fix)`` line each;
and the one-line wording of what the environment refused: the filesystem, or the network."""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable
from typing import Literal

import msgspec
from msgspec.structs import asdict, replace

Severity = Literal["error", "warning"]
# What a spec check finds before it has positions: (path in the spec, "key" or "value", message).
# The loader turns each into a positioned Diagnostic (the path's key or its value).
Problem = tuple[tuple[object, ...], str, str]


def display_path(path: str | os.PathLike[str]) -> str:
    """A spec path as messages show it: as the user wrote it, relative to the working directory
    when inside it (here, not in the loader, so the incremental path needs no pydantic).

    >>> display_path("specs/a.yaml"), display_path("./specs/a.yaml")
    ('specs/a.yaml', 'specs/a.yaml')
    """
    text = os.fspath(path)
    # Remembered: a fleet's compile shows each of its 1,000 spec paths several times.
    return _shown(text, os.getcwd() if text.startswith("/") else "")


@functools.lru_cache(maxsize=8192)
def _shown(text: str, cwd: str) -> str:
    from pathlib import Path

    p = Path(text)
    if p.is_absolute():
        try:
            return p.relative_to(cwd).as_posix()
        except ValueError:
            return p.as_posix()
    return p.as_posix()


class Diagnostic(msgspec.Struct, frozen=True, order=True):
    """One error (or warning) at a position in a spec file (line and column are 1-based)."""

    file: str
    line: int
    col: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.message}"

    def as_error(self) -> Diagnostic:
        return replace(self, severity="error")

    def github(self) -> str:
        """A GitHub Actions workflow command, so CI shows the line as an annotation.

        >>> Diagnostic("specs/a.yaml", 3, 5, "bad: 50%").github()
        '::error file=specs/a.yaml,line=3,col=5::bad: 50%25'
        """

        def escape(text: str, *extra: str) -> str:
            text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            for char, code in zip(extra, ("%3A", "%2C"), strict=False):  # extra: none, ":" or ":" and ","
                text = text.replace(char, code)
            return text

        where = f"file={escape(self.file, ':', ',')},line={self.line},col={self.col}"
        return f"::{self.severity} {where}::{escape(self.message)}"


def render(diagnostics: Iterable[Diagnostic], fmt: str) -> str:
    """Diagnostics as text lines, GitHub annotations, or one JSON document."""
    items = list(diagnostics)
    if fmt == "json":
        return json.dumps({"diagnostics": [asdict(d) for d in items]}, indent=2, ensure_ascii=False) + "\n"
    lines = [d.github() if fmt == "github" else str(d) for d in items]
    return "".join(line + "\n" for line in lines)


class SpecError(Exception):
    """A spec (or several) is invalid; ``diagnostics`` holds every error found, in file order."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics))
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class FilesystemError(Exception):
    """The filesystem refused or holds something in the way: ``path: reason (what to do)``, exit 1.

    Not the user's spec: a read-only or full disk, a file where a folder goes, a link in the
    output folder, permission denied.

    >>> str(FilesystemError("build/svc", "is a file where compile writes a folder (move the file away)"))
    'build/svc: is a file where compile writes a folder (move the file away)'
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


# What to do about the errors a filesystem gives, by errno name; others get their system text alone.
_ADVICE = {
    "EROFS": "the file system is read-only (write the output to a writable folder with --out)",
    "ENOSPC": "no space left on the device (free some space, or write the output elsewhere with --out)",
    "EDQUOT": "the disk quota is exceeded (free some space, or write the output elsewhere with --out)",
    "EACCES": "permission denied (make the folder writable for this user, or choose another --out)",
    "EPERM": "operation not permitted (make the folder writable for this user, or choose another --out)",
    "ENOTDIR": "a part of the path is a file, not a folder (move the file away, or choose another --out)",
    "EISDIR": "is a folder where a file is needed (move the folder away)",
    "ENAMETOOLONG": "the file name is too long for this file system (shorten the name or the output path)",
    "EMFILE": "too many open files (raise the limit with ulimit -n)",
    "EIO": "an input/output error from the device (check the disk)",
}


def filesystem_error(exc: OSError, path: str) -> FilesystemError:
    """The ``OSError`` as one line about ``path``, with advice for the common causes.

    >>> import errno, os
    >>> str(filesystem_error(OSError(errno.EROFS, os.strerror(errno.EROFS)), "build"))
    'build: the file system is read-only (write the output to a writable folder with --out)'
    """
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    reason = _ADVICE.get(name) or f"{(exc.strerror or str(exc)).lower()} (check the path and the file system)"
    return FilesystemError(path, reason)


class RemoteFailure(Exception):
    """A server failed a request (no answer, an HTTP error, a reply that cannot be used): the
    command prints ``str()``, one terminal-safe line, and exits 1. ``remote.http.RemoteError`` is
    the one kind raised; it is declared here so the CLI catches it without importing the client."""


# What a network error means, by errno name, for errors that reached the command without a file.
_NETWORK = {
    "ECONNREFUSED": "a connection was refused: nothing listens on that port",
    "ECONNRESET": "a server closed the connection without an answer",
    "ETIMEDOUT": "a network wait timed out: a server did not answer in time",
    "ENETUNREACH": "the network is unreachable",
    "EHOSTUNREACH": "no route to the host",
    "EADDRINUSE": "the address is already in use (another process listens on that port)",
    "EADDRNOTAVAIL": "the address is not available on this machine",
}


def environment_error(exc: OSError) -> str:
    """One line for an ``OSError`` that reached the command: a network wait or refusal in network
    words, anything else as the filesystem error about its file (``filesystem_error``).

    >>> import errno
    >>> print(environment_error(TimeoutError("timed out")))
    network error: a network wait timed out: a server did not answer in time (check the server and the network)
    >>> environment_error(OSError(errno.EROFS, "Read-only file system", "build"))
    'build: the file system is read-only (write the output to a writable folder with --out)'
    """
    import errno
    import socket
    import ssl

    name = errno.errorcode.get(exc.errno or 0, "")
    if exc.filename is None:
        what = None
        if isinstance(exc, TimeoutError):
            what = _NETWORK["ETIMEDOUT"]
        elif isinstance(exc, ssl.SSLError):
            what = f"a TLS failure ({getattr(exc, 'reason', None) or exc})"
        elif isinstance(exc, socket.gaierror):
            what = f"a host name could not be resolved ({exc.strerror or exc})"
        elif name in _NETWORK or isinstance(exc, ConnectionError):
            what = _NETWORK.get(name) or f"a connection failed ({exc.strerror or exc})"
        if what is not None:
            return f"network error: {what} (check the server and the network)"
    return str(filesystem_error(exc, os.fsdecode(exc.filename or ".")))
