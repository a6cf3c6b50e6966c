"""Whole-process timings of ``validate`` on hostile inputs: the loader's bounds, measured.

Usage: .venv/bin/python benchmarks/hostile_input.py [--runs N]

Each case must end in a one-line error (exit 2) in bounded time: 4,000 aliases plus one error
(error salvage, once quadratic: 58 s), nesting 40,000 deep (once a crash of the interpreter),
/dev/zero as the spec (once read whole), a FIFO with no writer (once a hang) and an alias bomb.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASE = (
    "apiVersion: sigil-monitoring/v1\nservice: {name: hello, selector: {job: hello}}\n"
    "metrics:\n  requests: {name: hello_requests_total, type: counter}\n"
)


def cases(tmp: Path) -> dict[str, str]:
    aliases = tmp / "aliases.yaml"
    rows = "".join("  - *r\n" for _ in range(4000))
    aliases.write_text(
        BASE
        + "dashboard:\n  rows:\n  - &r {title: r, panels: [{text: hello}]}\n"
        + rows
        + "  - {title: bad, panels: [{nope: 1}]}\n"
    )
    deep = tmp / "deep.yaml"
    deep.write_text(BASE + "x: " + "[" * 40_000 + "]" * 40_000 + "\n")
    fifo = tmp / "fifo.yaml"
    os.mkfifo(fifo)
    return {
        "4,000 aliases plus one error": str(aliases),
        "nesting 40,000 deep": str(deep),
        "/dev/zero as the spec": "/dev/zero",
        "a FIFO with no writer": str(fifo),
        "alias bomb": str(REPO / "tests" / "invalid" / "alias-bomb.yaml"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        for name, path in cases(Path(folder)).items():
            samples = []
            for _ in range(runs):
                start = time.perf_counter()
                proc = subprocess.run(
                    [sys.executable, "-m", "sigil_monitoring", "validate", path],
                    cwd=REPO,
                    capture_output=True,
                    timeout=300,
                )
                samples.append(time.perf_counter() - start)
                assert proc.returncode == 2 and proc.stderr.count(b"\n") >= 1, (
                    name,
                    proc.returncode,
                    proc.stderr[-300:],
                )
            print(
                f"{name:<32} median {statistics.median(samples) * 1000:8.1f} ms   max "
                f"{max(samples) * 1000:8.1f}   (n={runs}, exit 2)"
            )


if __name__ == "__main__":
    main()
