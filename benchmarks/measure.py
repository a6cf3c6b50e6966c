"""Measuring whole processes: wall time, CPU time and peak RSS from ``wait4``, instructions from callgrind.

>>> job = Job("pass", [sys.executable, "-c", "pass"])
>>> sample = run_once(job)
>>> sample.wall > 0 and sample.cpu >= 0 and sample.rss_mib > 0
True
>>> round(median([3.0, 1.0, 2.0]), 1)
2.0
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import msgspec

REPO = Path(__file__).resolve().parent.parent
TIME = shutil.which("time", path="/usr/bin:/bin")  # GNU time, for the peak RSS of the job alone


class Job(msgspec.Struct):
    """One command to time; ``setup`` runs before each run, untimed (e.g. empty the output folder)."""

    name: str
    cmd: list[str]
    setup: Callable[[], None] | None = None
    samples: list[Sample] = msgspec.field(default_factory=list)
    instructions: int | None = None
    cwd: Path = REPO  # where it runs: another checkout for a --baseline job


class Sample(msgspec.Struct, frozen=True):
    wall: float  # seconds
    cpu: float  # user + system seconds of the process (and its children it waited for)
    rss_mib: float  # peak resident set size
    system: float = 0.0  # the system seconds of ``cpu``: the kernel's share (file creation, page faults)


class JobFailed(Exception):
    pass


def run_once(job: Job) -> Sample:
    if job.setup:
        job.setup()
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as rss:
        # The peak RSS comes from GNU time: a child forked from this (large) process starts its
        # ru_maxrss at our size, so wait4's figure would be ours for small jobs.
        prefix = [TIME, "-f", "%M", "-o", rss.name] if TIME else []
        start = time.perf_counter()
        proc = subprocess.Popen([*prefix, *job.cmd], cwd=job.cwd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            err.seek(0)
            raise JobFailed(f"{job.name}: exit {code}: {err.read().decode(errors='replace')[-2000:]}")
        peak_kib = int(rss.read().split()[-1]) if TIME else usage.ru_maxrss
    return Sample(wall, usage.ru_utime + usage.ru_stime, peak_kib / 1024, usage.ru_stime)


def alternate(jobs: Sequence[Job], runs: int) -> None:
    """``runs`` rounds; each round runs every job once, in an order rotated from round to round,
    so that a burst of load on this shared machine falls on all of them alike."""
    for r in range(runs):
        order = list(jobs[r % len(jobs) :]) + list(jobs[: r % len(jobs)])
        for job in order if r % 2 == 0 else reversed(order):
            job.samples.append(run_once(job))


def callgrind_available() -> bool:
    return shutil.which("valgrind") is not None


def instructions(job: Job) -> int:
    """Instructions executed by the whole process (callgrind's total): the same on a busy machine."""
    if job.setup:
        job.setup()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *job.cmd]
        proc = subprocess.run(cmd, cwd=job.cwd, capture_output=True)
        if proc.returncode != 0:
            raise JobFailed(
                f"{job.name} under callgrind: exit {proc.returncode}: {proc.stderr.decode(errors='replace')[-2000:]}"
            )
        match = re.search(r"^(?:summary|totals): (\d+)", out.read_text(), re.MULTILINE)
        if match is None:
            raise JobFailed(f"{job.name}: no total in callgrind's output")
        return int(match.group(1))


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


if __name__ == "__main__":
    print(run_once(Job("pass", [sys.executable, "-c", "pass"])))
