"""The benchmark runs end to end at a small size and writes every row (it asserts no timing:
speed claims live in the benchmark's own output, docs/performance.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_a_small_benchmark_run_writes_its_table_and_json(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [
            sys.executable,
            "benchmarks/run.py",
            "--runs",
            "1",
            "--slos",
            "10,20",
            "--services",
            "1,2",
            "--fleet",
            "6",
            "--no-callgrind",
            "--json",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    names = [row["name"] for row in result["rows"]]
    for expected in [
        "python -c pass (interpreter start)",
        "python -c 'import pydantic, ruamel.yaml'",
        "validate sigil-dna",
        "floor: same YAML load, same bytes written",
        "compile sigil-dna (fresh output folder)",
        "imports of that compile: every module it imports, nothing run",
        "compile sigil-dna, unchanged (incremental)",
        "check sigil-dna, unchanged (incremental)",
        "peer: go-jsonnet (gojsonnet), dashboard only",
        "peer: jrsonnet (rjsonnet), dashboard only",
        "kubernetes-mixin-sized spec, compile",
        "peer: jrsonnet, kubernetes-mixin-sized dashboards",
        "peer: go-jsonnet, kubernetes-mixin-sized dashboards",
        "10 SLOs in one spec, compile",
        "20 SLOs in one spec, compile",
        "10 SLOs: its files alone, same bytes written (files_floor.py)",
        "20 SLOs: its files alone, same bytes written (files_floor.py)",
        "2 services in one folder, compile",
        "2 services, unchanged (incremental)",
        "2 services, one spec changed",
        "6 services from 3 templates, compile (fresh output and cache)",
        "6 services from 3 templates, unchanged",
        "6 services from 3 templates, one spec changed",
        "6 services from 3 templates, one template changed",
        "6 services from 3 templates, floor: list every folder of the set once",
    ]:
        assert expected in names, expected
    measured = [row for row in result["rows"] if "cpu_ms" in row]
    assert all(row["cpu_ms"] >= 0 and row["wall_ms"] > 0 for row in measured)
    assert all(row["rss_mib"] > 0 for row in measured if row.get("kind") != "slos-files")  # a phase, not a process
    peers = [row for row in result["rows"] if row["name"].startswith("peer:")]
    assert all("cpu_ms" in row or "not installed" in row["note"] for row in peers)  # a missing peer is said, not fatal
    targets = [t["target"] for t in result["targets"]]
    assert targets[0] == "compile sigil-dna <= 2x the floor"
    assert "kubernetes-mixin-sized compile <= jrsonnet (peer/compile >= 1)" in targets
    k8s_peers = [
        row for row in result["rows"] if "kubernetes-mixin-sized dashboards" in row["name"] and "cpu_ms" in row
    ]
    assert all(row["vs"] == "kubernetes-mixin-sized spec, compile" for row in k8s_peers)
    assert "targets (issue 13):" in proc.stdout and "compile sigil-dna (fresh output folder)" in proc.stdout


def test_the_baseline_rows_pair_each_of_our_jobs_with_the_other_checkouts_twin():
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import run
    finally:
        sys.path.pop(0)
    rows = [
        {"name": "validate sigil-dna", "cpu_ms": 100.0, "instructions": 300},
        {"name": "validate sigil-dna [baseline]", "cpu_ms": 120.0, "instructions": 200},
        {"name": "compile sigil-dna (fresh output folder)", "cpu_ms": 90.0},
        {"name": "compile sigil-dna (fresh output folder) [baseline]", "cpu_ms": 60.0},
        {"name": "check sigil-dna, unchanged (incremental)", "cpu_ms": 10.0},
    ]
    paired = run.versus_baseline(rows)
    assert paired == [
        {"name": "validate sigil-dna", "ratio": 1.5, "of": "instructions"},
        {"name": "compile sigil-dna (fresh output folder)", "ratio": 1.5, "of": "cpu"},
    ]


def test_the_imports_row_imports_what_a_fresh_compile_imports_and_nothing_else(tmp_path):
    """benchmarks/compile_imports.py: the modules a real compile loaded, each under its own name,
    imported again in a fresh interpreter to the same set (the row that shows how much of the
    fresh compile's 2x goal its imports alone take)."""
    listing, out = tmp_path / "modules.txt", tmp_path / "out"
    record = [sys.executable, "benchmarks/compile_imports.py", "--record", str(listing), "--"]
    subprocess.run([*record, "compile", "-q", "specs/sigil-dna.yaml", "--out", str(out)], cwd=REPO, check=True)
    assert (out / "sigil-dna" / "runbook.md").is_file()  # it compiled
    names = listing.read_text().split()
    assert {"msgspec", "_ruamel_yaml", "sigil_monitoring.output.write", "sigil_monitoring.cli.compile"} <= set(names)
    # Kept out as the compile keeps them out (startup), or not a module of its own name.
    assert not {"typing_extensions", "ruamel.yaml.clib._ruamel_yaml", "os.path", "__main__"} & set(names)
    check = (
        "import runpy, sys; before = set(sys.modules); sys.argv = ['x', sys.argv[1]];"
        "runpy.run_path('benchmarks/compile_imports.py', run_name='__main__');"
        "print('\\n'.join(sorted(set(sys.modules) - before)))"
    )
    again = subprocess.run(
        [sys.executable, "-c", check, str(listing)], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout.split()
    assert set(names) <= set(again)
    assert not {name for name in again if name.startswith("sigil_monitoring")} - set(names)


def test_the_files_floor_writes_the_same_files_with_the_same_bytes(tmp_path):
    """The 10,000-SLO row's floor writes exactly the compile's files: same paths, same bytes."""
    out, copy = tmp_path / "out", tmp_path / "copy"
    subprocess.run(
        [sys.executable, "-m", "sigil_monitoring", "compile", "-q", "specs/sigil-dna.yaml", "--out", str(out)],
        cwd=REPO,
        check=True,
    )
    done = subprocess.run(
        [sys.executable, "benchmarks/files_floor.py", str(out), str(copy)], cwd=REPO, check=True, capture_output=True
    )
    measured = json.loads(done.stdout)
    assert measured["cpu_ms"] >= measured["system_ms"] >= 0 and measured["wall_ms"] > 0

    def tree(base: Path) -> dict[str, bytes]:
        return {p.relative_to(base).as_posix(): p.read_bytes() for p in sorted(base.rglob("*")) if p.is_file()}

    assert tree(copy) == tree(out) and len(tree(out)) > 20
