"""Reading a file that may be hostile: regular files only, never more than a limit, never blocking.

A spec path, a token file or a path named in a manifest can be a FIFO (opening it waits for a
writer forever), ``/dev/zero`` (reading it never ends) or a file far larger than any spec. Each
read here opens without blocking, looks at what it opened, and reads at most ``limit + 1`` bytes,
so the answer comes in bounded time and memory whatever the path is.

>>> import tempfile, os
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "a.yaml")
>>> _ = open(path, "w").write("a: 1\\n")
>>> read_regular(path, limit=100)
b'a: 1\\n'
>>> read_regular("/dev/zero", limit=100)
Traceback (most recent call last):
...
sigil_monitoring.fsread.NotRegularFile: /dev/zero is a character device, not a regular file
>>> read_regular(path, limit=3)
Traceback (most recent call last):
...
sigil_monitoring.fsread.TooLarge: the file is 5 bytes, over the 3-byte limit
"""

from __future__ import annotations

import os
import stat

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotRegularFile(Exception):
    """The path is a FIFO, a device, a folder or a socket; ``kind`` says which."""

    def __init__(self, path: str | os.PathLike[str], kind: str) -> None:
        super().__init__(f"{os.fspath(path)} is {kind}, not a regular file")
        self.path, self.kind = os.fspath(path), kind


class TooLarge(Exception):
    """The file holds more than ``limit`` bytes; ``size`` is its size (at least ``limit + 1``)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"the file is {size} bytes, over the {limit}-byte limit")
        self.size, self.limit = size, limit


def kind_of(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    return next((name for test, name in _KINDS if test(mode)), None if stat.S_ISREG(mode) else "not a regular file")


def read_regular(path: str | os.PathLike[str], limit: int, *, follow_symlinks: bool = True) -> bytes:
    """The bytes of the regular file at ``path``; raise ``NotRegularFile``, ``TooLarge`` or ``OSError``."""
    # O_NONBLOCK: opening a FIFO that has no writer would otherwise wait forever. It changes
    # nothing for a regular file.
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow_symlinks else os.O_NOFOLLOW)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        kind = kind_of(info.st_mode)
        if kind is not None:
            raise NotRegularFile(path, kind)
        chunks, got = [], 0
        while got <= limit:
            chunk = os.read(fd, min(limit + 1 - got, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > limit:
            raise TooLarge(max(info.st_size, got), limit)
        return b"".join(chunks)
    finally:
        os.close(fd)
