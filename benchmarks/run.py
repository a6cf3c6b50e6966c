"""Whole-process timings of the CLI, the way a pre-commit hook runs it.

Usage: .venv/bin/python benchmarks/run.py [--runs N]

Prints the median and spread of N runs for: validate and compile of specs/sigil-dna.yaml, and
compile of a generated large spec (100 metrics, 100 alerts, 20 SLOs), plus the spec loading cost
on the fast (libyaml) and round-trip paths. Numbers depend on the machine; compare runs on one.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def large_spec(n: int = 100) -> str:
    lines = ["apiVersion: sigil-monitoring/v1", "service:", "  name: large", "  selector: {job: large}", "metrics:"]
    for i in range(n):
        lines.append(f"  req{i}: {{name: large_requests{i}_total, type: counter}}")
        lines.append(f"  err{i}: {{name: large_errors{i}_total, type: counter}}")
        lines.append(f"  lat{i}: {{name: large_latency{i}_seconds, type: histogram, unit: seconds, buckets: [0.1, 0.5, 1, 5]}}")
    lines.append("slos:")
    for i in range(n // 5):
        lines.append(f"  avail-{i}: {{objective: 99.9%, sli: {{bad: err{i}, total: req{i}}}}}")
    lines.append("alerts:")
    for i in range(n):
        lines.append(f"  Latency{i}High: {{when: {{quantile: 0.95, of: lat{i}, above: 1s}}, for: 10m}}")
    return "\n".join(lines) + "\n"


def timed(cmd: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=REPO, check=True, capture_output=True)
        out.append(time.perf_counter() - start)
    return out


def report(name: str, samples: list[float]) -> None:
    med = statistics.median(samples)
    print(f"{name:<44} median {med * 1000:7.1f} ms   min {min(samples) * 1000:7.1f}   max {max(samples) * 1000:7.1f}   (n={len(samples)})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "large.yaml"
        big.write_text(large_spec())
        report("python -c pass (interpreter start)", timed([py, "-c", "pass"], runs))
        report("validate specs/sigil-dna.yaml", timed([py, "-m", "sigil_monitoring", "validate", "-q", "specs/sigil-dna.yaml"], runs))
        report("compile specs/sigil-dna.yaml", timed([py, "-m", "sigil_monitoring", "compile", "-q", "specs/sigil-dna.yaml", "--out", f"{tmp}/o1"], runs))
        report(f"compile large spec ({big.stat().st_size // 1024} KiB)", timed([py, "-m", "sigil_monitoring", "compile", "-q", str(big), "--out", f"{tmp}/o2"], runs))
        sys.path.insert(0, str(REPO))
        from sigil_monitoring.spec import yaml_io

        text = big.read_text()
        for name, fn in (("load large spec, libyaml path", yaml_io.load), ("load large spec, round-trip path", yaml_io.load_round_trip)):
            samples = []
            for _ in range(runs):
                start = time.perf_counter()
                fn(text)
                samples.append(time.perf_counter() - start)
            report(name, samples)


if __name__ == "__main__":
    main()
