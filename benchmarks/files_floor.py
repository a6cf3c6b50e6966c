"""The floor of writing a compile's files: the same bytes, at the same paths, in a fresh folder.

Usage: python benchmarks/files_floor.py FROM_DIR TO_DIR

Issue 23's 10,000-SLO spec compiles into 35,009 files (324 MB: one rule file per SLO, one
promtool test per alert). Creating that many files costs the kernel time no compiler can avoid,
and on this machine's ext4 that time is not stable: creating the same 35,000 files took from
0.3 s to 7 s of system CPU within one hour, depending on what the file system was still doing
with the files removed before (docs/performance.md). The 10,000-SLO row is one process's CPU, so
it carries that cost whatever the compiler does; this script measures it next to the row.

It reads every file of FROM_DIR (a compile's output folder) into memory, then, measured, creates
TO_DIR and writes each file as the compiler's writer does (``output/staging.py``): its folder
made, the file created with ``O_EXCL``, written, closed, and one ``sync(2)`` at the end. Nothing
else: no rendering, no hash, no manifest, no swap. It prints the write phase's CPU as JSON
(``{"wall_ms": …, "cpu_ms": …, "system_ms": …}``), user and system time from ``getrusage``, without the read.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def read_tree(base: str) -> tuple[list[str], list[tuple[str, bytes]]]:
    """Every folder (parents first) and every file (with its bytes) under ``base``, relative to it."""
    folders: list[str] = []
    files: list[tuple[str, bytes]] = []
    stack = [""]
    while stack:
        rel = stack.pop()
        with os.scandir(f"{base}/{rel}" if rel else base) as entries:
            for entry in entries:
                path = f"{rel}/{entry.name}" if rel else entry.name
                if entry.is_dir(follow_symlinks=False):
                    folders.append(path)
                    stack.append(path)
                else:
                    with open(entry.path, "rb") as file:
                        files.append((path, file.read()))
    return folders, files


def write_tree(base: str, folders: list[str], files: list[tuple[str, bytes]]) -> None:
    """Create ``base``, its ``folders`` and its ``files``, then one ``sync``."""
    os.mkdir(base)
    for rel in folders:
        os.mkdir(f"{base}/{rel}")
    for rel, data in files:
        fd = os.open(f"{base}/{rel}", _FLAGS, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
    os.sync()


def main(source: str, target: str) -> dict[str, float]:
    folders, files = read_tree(source)
    before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    write_tree(target, folders, files)
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF)
    system = after.ru_stime - before.ru_stime
    cpu = after.ru_utime - before.ru_utime + system
    return {"wall_ms": wall * 1000, "cpu_ms": cpu * 1000, "system_ms": system * 1000}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
