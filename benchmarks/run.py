"""The benchmark of issue 13: sigil-monitoring against its floor, its yardsticks and its peers, and at scale.

Usage: .venv/bin/python benchmarks/run.py [--runs 11] [--slos 10,100,1000,10000]
       [--services 1,10,100,1000] [--no-callgrind] [--no-peers] [--json build/benchmark.json]
       [--baseline CHECKOUT]

Whole processes, as a pre-commit hook or CI runs them. The sigil-dna-sized jobs, and the
kubernetes-mixin-sized compile with its jsonnet peers (k8s_jobs), run in rounds, each job once a
round, in an order that rotates (paired, alternating runs: load on this shared machine falls on
all of them alike); the table gives medians. Instruction counts from callgrind
(one run each, when valgrind is installed) do not depend on load: ratios use them when both
sides have them, and median CPU time otherwise. Scale rows (N SLOs in one spec, N services in
one folder) run once each. Peers (benchmarks/requirements-peers.txt) that are not installed are
reported as such. Prints one table; writes the JSON.

``--baseline CHECKOUT`` (another checkout of this repository with its own ``.venv``, e.g. a
``git worktree`` of the commit before a change) adds that checkout's sigil-dna jobs to the same
rounds, so a change is measured side by side with what it replaces, in one run, under the same
load; the table then ends with each job's instructions (or CPU time) relative to the baseline's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import fleet, k8s_mixin, slo_spec, template_fleet
from k8s_mixin import peer_table
from measure import REPO, Job, JobFailed, alternate, callgrind_available, instructions, median, run_once

PY = sys.executable
SPEC = "specs/sigil-dna.yaml"
PEERS = {  # row -> (module the peer needs, command after the interpreter)
    "peer: grafanalib, dashboard only": ("grafanalib", ["benchmarks/peers/grafanalib_dashboard.py"]),
    "peer: grafana-foundation-sdk, dashboard only": (
        "grafana_foundation_sdk",
        ["benchmarks/peers/foundation_dashboard.py"],
    ),
    "peer: go-jsonnet (gojsonnet), dashboard only": ("_gojsonnet", ["benchmarks/peers/jsonnet_dashboard.py", "go"]),
    "peer: jrsonnet (rjsonnet), dashboard only": ("rjsonnet", ["benchmarks/peers/jsonnet_dashboard.py", "rs"]),
}
GRAFONNET = {  # row -> engine of jsonnet_dashboard.py, on grafonnet_dashboard.jsonnet (--grafonnet VENDOR)
    "peer: go-jsonnet + grafonnet v11.4.0, dashboard": ("_gojsonnet", "go"),
    "peer: jrsonnet + grafonnet v11.4.0, dashboard": ("rjsonnet", "rs"),
}
PLAIN_FLOOR = "plain floor: ruamel load, same bytes fsynced"
FRESH = "compile sigil-dna (fresh output folder)"
# The part of a fresh compile no change of its work can remove (benchmarks/compile_imports.py).
COMPILE_IMPORTS = "imports of that compile: every module it imports, nothing run"
K8S = "kubernetes-mixin-sized spec, compile"
# What creating an N-SLO compile's files costs the kernel alone, measured after it (files_floor.py).
FILES_FLOOR = "its files alone, same bytes written (files_floor.py)"
K8S_PEERS = {  # row -> (module the peer needs, engine of jsonnet_dashboard.py)
    "peer: jrsonnet, kubernetes-mixin-sized dashboards": ("rjsonnet", "rs"),
    "peer: go-jsonnet, kubernetes-mixin-sized dashboards": ("_gojsonnet", "go"),
}
YARDSTICK = {  # row -> the row it is compared with
    "validate sigil-dna": "python -c 'import pydantic, ruamel.yaml'",
    FRESH: "floor: same YAML load, same bytes written",
    COMPILE_IMPORTS: PLAIN_FLOOR,
    "compile sigil-dna, unchanged (incremental)": "floor: same YAML load, same bytes written",
    "check sigil-dna, unchanged (incremental)": "floor: same YAML load, same bytes written",
    **{peer: FRESH for peer in (*PEERS, *GRAFONNET)},
    **{peer: K8S for peer in K8S_PEERS},
}
YARDSTICK.update({name + " [baseline]": YARDSTICK[name] for name in list(YARDSTICK) if not name.startswith("peer")})


def _fresh(path: Path) -> Any:
    return lambda: shutil.rmtree(path, ignore_errors=True)


def _installed(module: str) -> bool:
    import subprocess

    return subprocess.run([PY, "-c", f"import {module}"], capture_output=True).returncode == 0


def _precompute(tmp: Path) -> Path:
    """The module the floor imports: the bytes compiling sigil-dna produces."""
    sys.path.insert(0, str(REPO))
    from sigil_monitoring import compile_specs, load_spec

    bundle = compile_specs([load_spec(REPO / SPEC)])
    module = tmp / "sigil_dna_bundle.py"
    module.write_text(f"FILES = {dict(bundle)!r}\nINPUTS = {bundle.inputs!r}\n")
    return module


def dna_jobs(tmp: Path, peers: bool, grafonnet: Path | None = None) -> tuple[list[Job], list[dict[str, Any]]]:
    cli = [PY, "-m", "sigil_monitoring"]
    module = _precompute(tmp)
    unchanged = tmp / "unchanged"
    run_once(Job("prepare", [*cli, "compile", "-q", SPEC, "--out", str(unchanged)]))
    imports = tmp / "compile-imports.txt"
    record = ["benchmarks/compile_imports.py", "--record", str(imports), "--", "compile", "-q", SPEC]
    run_once(Job("prepare", [PY, *record, "--out", str(tmp / "recorded")]))
    jobs = [
        Job("python -c pass (interpreter start)", [PY, "-c", "pass"]),
        Job("python -c 'import pydantic, ruamel.yaml'", [PY, "-c", "import pydantic, ruamel.yaml"]),
        Job("validate sigil-dna", [*cli, "validate", "-q", SPEC]),
        Job(
            "floor: same YAML load, same bytes written",
            [PY, "benchmarks/floor.py", SPEC, str(module), str(tmp / "floor")],
            _fresh(tmp / "floor"),
        ),
        Job(
            PLAIN_FLOOR, [PY, "benchmarks/plain_floor.py", SPEC, str(module), str(tmp / "plain")], _fresh(tmp / "plain")
        ),
        Job(FRESH, [*cli, "compile", "-q", SPEC, "--out", str(tmp / "c")], _fresh(tmp / "c")),
        Job(COMPILE_IMPORTS, [PY, "benchmarks/compile_imports.py", str(imports)]),
        Job("compile sigil-dna, unchanged (incremental)", [*cli, "compile", "-q", SPEC, "--out", str(unchanged)]),
        Job("check sigil-dna, unchanged (incremental)", [*cli, "check", "-q", SPEC, "--out", str(unchanged)]),
    ]
    table = {
        name: (module_name, [*cmd, str(tmp / f"peer-{i}.json")])
        for i, (name, (module_name, cmd)) in enumerate(PEERS.items())
    }
    if grafonnet is not None:  # the real grafonnet, fetched by hand (docs/performance.md)
        real = ["benchmarks/peers/grafonnet_dashboard.jsonnet", "--jpath", str(grafonnet)]
        for name, (module_name, engine) in GRAFONNET.items():
            table[name] = (
                module_name,
                ["benchmarks/peers/jsonnet_dashboard.py", engine, str(tmp / f"{engine}.json"), *real],
            )
    peer_jobs, missing = _peer_jobs(table, peers)
    return jobs + peer_jobs, missing


OURS = (  # the sigil-dna jobs that run sigil-monitoring itself: the ones --baseline pairs
    "validate sigil-dna",
    FRESH,
    "compile sigil-dna, unchanged (incremental)",
    "check sigil-dna, unchanged (incremental)",
)
BASELINE = " [baseline]"


def baseline_jobs(checkout: Path, tmp: Path) -> list[Job]:
    """The jobs of ``OURS`` run by another checkout's interpreter, in that checkout."""
    python = str(checkout / ".venv" / "bin" / "python")
    cli = [python, "-m", "sigil_monitoring"]
    unchanged = tmp / "baseline-unchanged"
    run_once(Job("prepare baseline", [*cli, "compile", "-q", SPEC, "--out", str(unchanged)], cwd=checkout))
    commands: dict[str, tuple[list[str], Any]] = {
        OURS[0]: (["validate", "-q", SPEC], None),
        OURS[1]: (["compile", "-q", SPEC, "--out", str(tmp / "baseline-c")], _fresh(tmp / "baseline-c")),
        OURS[2]: (["compile", "-q", SPEC, "--out", str(unchanged)], None),
        OURS[3]: (["check", "-q", SPEC, "--out", str(unchanged)], None),
    }
    return [Job(name + BASELINE, [*cli, *args], setup, cwd=checkout) for name, (args, setup) in commands.items()]


def versus_baseline(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each paired job relative to its baseline twin (instructions when both have them)."""
    by_name = {r["name"]: r for r in rows}
    out = []
    for name in OURS:
        ours, theirs = by_name.get(name), by_name.get(name + BASELINE)
        if not ours or not theirs or "cpu_ms" not in ours or "cpu_ms" not in theirs:
            continue
        if ours.get("instructions") and theirs.get("instructions"):
            out.append({"name": name, "ratio": ours["instructions"] / theirs["instructions"], "of": "instructions"})
        else:
            out.append({"name": name, "ratio": ours["cpu_ms"] / theirs["cpu_ms"], "of": "cpu"})
    return out


def _peer_jobs(table: dict[str, tuple[str, list[str]]], peers: bool) -> tuple[list[Job], list[dict[str, Any]]]:
    """One job per peer (row -> module it needs, command after the interpreter), or the row that
    says why it did not run: a missing peer is reported, not fatal."""
    jobs, missing = [], []
    for name, (module_name, cmd) in table.items():
        if not peers:
            missing.append({"name": name, "note": "skipped (--no-peers)"})
        elif not _installed(module_name):
            missing.append({"name": name, "note": "not installed (pip install -r benchmarks/requirements-peers.txt)"})
        else:
            jobs.append(Job(name, [PY, *cmd]))
    return jobs, missing


def k8s_jobs(tmp: Path, peers: bool) -> tuple[list[Job], list[dict[str, Any]]]:
    """Our compile of the kubernetes-mixin-sized folder (benchmarks/k8s_mixin.py: 8 specs, 65
    alerts, 71 records, 252 panels) and the jsonnet peers building its 8 dashboards."""
    specs = tmp / "k8s-mixin"
    k8s_mixin(specs)
    table = tmp / "k8s-mixin-table.json"
    table.write_text(json.dumps(peer_table()))
    out = tmp / "k8s-mixin-out"
    jobs = [Job(K8S, [PY, "-m", "sigil_monitoring", "compile", "-q", str(specs), "--out", str(out)], _fresh(out))]
    peer_jobs, missing = _peer_jobs(
        {
            name: (
                module_name,
                [
                    "benchmarks/peers/jsonnet_dashboard.py",
                    engine,
                    str(tmp / f"k8s-peer-{engine}.json"),
                    "benchmarks/peers/k8s_dashboards.jsonnet",
                    str(table),
                ],
            )
            for name, (module_name, engine) in K8S_PEERS.items()
        },
        peers,
    )
    return jobs + peer_jobs, missing


def scale_rows(tmp: Path, slos: list[int], services: list[int]) -> list[dict[str, Any]]:
    rows = []
    for n in slos:
        spec = tmp / f"slos-{n}.yaml"
        spec.write_text(slo_spec(n))
        out = tmp / f"slos-{n}-out"
        job = Job(
            f"{n} SLOs in one spec, compile",
            [PY, "benchmarks/big_cli.py", "compile", "-q", str(spec), "--out", str(out)],
            _fresh(out),
        )
        rows.append(_once(job, {"kind": "slos", "n": n}))
        if out.is_dir():
            rows.append(files_floor(out, tmp / f"slos-{n}-floor", n))
    for n in services:
        folder = tmp / f"fleet-{n}"
        fleet(folder, n)
        out = tmp / f"fleet-{n}-out"
        cmd = [PY, "-m", "sigil_monitoring", "compile", "-q", str(folder), "--out", str(out)]
        rows.append(_once(Job(f"{n} services in one folder, compile", cmd, _fresh(out)), {"kind": "services", "n": n}))
        rows.append(_once(Job(f"{n} services, unchanged (incremental)", cmd), {"kind": "services-unchanged", "n": n}))
        first = folder / "svc-0000.yaml"

        def touch(f: Path = first) -> None:
            f.write_text(f.read_text() + "# changed\n")

        rows.append(_once(Job(f"{n} services, one spec changed", cmd, touch), {"kind": "services-one-changed", "n": n}))
    return rows


FLEET = "services from 3 templates"
SWAP_FLOOR = "floor: list every folder of the set once"


def files_floor(out: Path, target: Path, n: int) -> dict[str, Any]:
    """Right after the compile of ``n`` SLOs, in the same state of the file system: the CPU of
    writing its files alone, the same bytes at the same paths (benchmarks/files_floor.py)."""
    import subprocess

    shutil.rmtree(target, ignore_errors=True)
    done = subprocess.run([PY, "benchmarks/files_floor.py", str(out), str(target)], cwd=REPO, capture_output=True)
    shutil.rmtree(target, ignore_errors=True)
    name = f"{n} SLOs: {FILES_FLOOR}"
    if done.returncode != 0:
        return {
            "name": name,
            "note": f"failed: {done.stderr.decode(errors='replace')[-300:]}",
            "kind": "slos-files",
            "n": n,
        }
    return {"name": name, **json.loads(done.stdout), "kind": "slos-files", "n": n}


def fleet_rows(tmp: Path, n: int, runs: int = 3) -> list[dict[str, Any]]:
    """Issue 23's fleet: ``n`` specs extending 3 templates (generate.template_fleet), compiled
    fresh (empty output folder and cache), unchanged, with one spec changed and with one template
    changed (a third of the services use it); each the median of ``runs`` runs."""
    folder, out = tmp / f"template-fleet-{n}", tmp / f"template-fleet-{n}-out"
    os.environ["SIGIL_MONITORING_CACHE"] = str(tmp / "fleet-cache")  # inherited by the jobs
    specs = template_fleet(folder, n)
    cmd = [PY, "-m", "sigil_monitoring", "compile", "-q", str(folder / "specs"), "--out", str(out)]
    flips = iter(range(10**6))

    def fresh() -> None:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(tmp / "fleet-cache", ignore_errors=True)

    def one_spec() -> None:  # a real change of output: the spec's team alternates
        spec = specs[n // 2]
        spec.write_text(spec.read_text().replace("team: ", f"team: t{next(flips)}-", 1))

    def one_template() -> None:
        template = folder / "templates" / "exporter.yaml"
        text = template.read_text()
        template.write_text(text.replace("99.5%", "99.6%") if "99.5%" in text else text.replace("99.6%", "99.5%"))

    rows = []
    swap = [PY, "benchmarks/swap_floor.py", str(out)]
    for name, setup, job in (
        (f"{n} {FLEET}, compile (fresh output and cache)", fresh, cmd),
        (f"{n} {FLEET}, unchanged", None, cmd),
        (f"{n} {FLEET}, one spec changed", one_spec, cmd),
        (f"{n} {FLEET}, one template changed", one_template, cmd),
        # What a set-atomic write carrying the user's files costs at least (benchmarks/swap_floor.py).
        (f"{n} {FLEET}, {SWAP_FLOOR}", None, swap),
    ):
        samples = [_once(Job(name, job, setup), {"kind": "fleet", "n": n}) for _ in range(runs)]

        good = [r for r in samples if "cpu_ms" in r]
        if len(good) < len(samples):
            rows.append(next(r for r in samples if "cpu_ms" not in r))
            continue
        rows.append({**min(good, key=lambda r: abs(r["cpu_ms"] - median([g["cpu_ms"] for g in good]))), "runs": runs})
    return rows


def fleet_targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Issue 23's goals for the fleet rows: one change <= 10 % of a full compile and <= 1 s CPU."""
    by_name = {r["name"].split(", ", 1)[-1]: r for r in rows if r.get("kind") == "fleet" and "cpu_ms" in r}
    fresh = by_name.get("compile (fresh output and cache)", {}).get("cpu_ms")
    out = []
    # A template change recompiles its users (a third of the fleet here): half the fresh compile at most.
    for what, goal in (("unchanged", 0.10), ("one spec changed", 0.10), ("one template changed", 0.5)):
        cpu = by_name.get(what, {}).get("cpu_ms")
        share = cpu / fresh if cpu and fresh else None
        target = f"fleet, {what} <= {goal:.0%} of the fresh compile"
        if what == "one spec changed" and fresh and by_name.get(SWAP_FLOOR, {}).get("cpu_ms"):
            target += f" (the swap's floor alone: {by_name[SWAP_FLOOR]['cpu_ms'] / fresh:.0%})"
        out.append({"target": target, "value": share, "limit": goal})
        if what != "one template changed":
            out.append({"target": f"fleet, {what} <= 1 s CPU", "value": cpu / 1000 if cpu else None, "limit": 1.0})
    return [{**g, "met": None if g["value"] is None else g["value"] <= g["limit"]} for g in out]


def _once(job: Job, extra: dict[str, Any]) -> dict[str, Any]:
    try:
        sample = run_once(job)
    except JobFailed as exc:
        return {"name": job.name, "note": f"failed: {str(exc)[:300]}", **extra}
    return {
        "name": job.name,
        "wall_ms": sample.wall * 1000,
        "cpu_ms": sample.cpu * 1000,
        "system_ms": sample.system * 1000,
        "rss_mib": sample.rss_mib,
        **extra,
    }


def _row(job: Job) -> dict[str, Any]:
    return {
        "name": job.name,
        "runs": len(job.samples),
        "wall_ms": median([s.wall for s in job.samples]) * 1000,
        "wall_min_ms": min(s.wall for s in job.samples) * 1000,
        "cpu_ms": median([s.cpu for s in job.samples]) * 1000,
        "rss_mib": max(s.rss_mib for s in job.samples),
        "instructions": job.instructions,
    }


def with_ratios(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_name = {r["name"]: r for r in rows}
    for row in rows:
        base = by_name.get(YARDSTICK.get(row["name"], ""))
        if base is None or "cpu_ms" not in row or "cpu_ms" not in base:
            continue
        row["vs"] = base["name"]
        if row.get("instructions") and base.get("instructions"):
            row["ratio"], row["ratio_of"] = row["instructions"] / base["instructions"], "instructions"
        else:
            row["ratio"], row["ratio_of"] = row["cpu_ms"] / base["cpu_ms"], "cpu"
    for kind, big, small in (("slos", 10_000, 1_000), ("services", 1_000, 100)):
        a = next((r for r in rows if r.get("kind") == kind and r.get("n") == big and "cpu_ms" in r), None)
        b = next((r for r in rows if r.get("kind") == kind and r.get("n") == small and "cpu_ms" in r), None)
        if a and b:
            rows.append(
                {
                    "name": f"time({big})/time({small}), {kind}",
                    "ratio": a["cpu_ms"] / b["cpu_ms"],
                    "ratio_of": "cpu",
                    "kind": f"{kind}-ratio",
                }
            )
    return rows


def targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets, each with the measured value (None when its rows were not run)."""
    by_name = {r["name"]: r for r in rows}

    def ratio(name: str) -> float | None:
        return by_name.get(name, {}).get("ratio")

    def _over(name: str, base: str) -> float | None:  # instructions when both have them, else CPU
        a, b = by_name.get(name, {}), by_name.get(base, {})
        for key in ("instructions", "cpu_ms"):
            if a.get(key) and b.get(key):
                return float(a[key] / b[key])
        return None

    slo10k = next((r for r in rows if r.get("kind") == "slos" and r.get("n") == 10_000 and "cpu_ms" in r), {})
    files10k = next((r for r in rows if r.get("kind") == "slos-files" and r.get("n") == 10_000 and "cpu_ms" in r), {})
    beside = (
        f" (its files alone: {files10k['cpu_ms'] / 1000:.2f} s;"
        f" the compile's system CPU: {slo10k['system_ms'] / 1000:.2f} s)"
        if files10k and slo10k.get("system_ms") is not None
        else ""
    )
    checks = [
        ("compile sigil-dna <= 2x the floor", ratio(FRESH), 2.0),
        (
            "compile sigil-dna <= 2x the plain floor (issue 23)"
            + (f" (its imports alone: {alone:.2f}x)" if (alone := _over(COMPILE_IMPORTS, PLAIN_FLOOR)) else ""),
            _over(FRESH, PLAIN_FLOOR),
            2.0,
        ),
        ("unchanged compile <= 1.5x the floor", ratio("compile sigil-dna, unchanged (incremental)"), 1.5),
        ("unchanged check <= 1.5x the floor", ratio("check sigil-dna, unchanged (incremental)"), 1.5),
        ("validate <= 2x import pydantic, ruamel.yaml", ratio("validate sigil-dna"), 2.0),
        (
            "compile sigil-dna faster than go-jsonnet builds the dashboard (peer/compile >= 1)",
            ratio("peer: go-jsonnet (gojsonnet), dashboard only"),
            None,
        ),
        (
            "kubernetes-mixin-sized compile <= jrsonnet (peer/compile >= 1)",
            ratio("peer: jrsonnet, kubernetes-mixin-sized dashboards"),
            None,
        ),
        ("10,000 SLOs <= 10 s CPU" + beside, slo10k.get("cpu_ms", 0) / 1000 or None, 10.0),
        ("10,000 SLOs <= 700 MiB peak RSS (issue 23)", slo10k.get("rss_mib"), 700.0),
        ("time(10k)/time(1k) SLOs <= 10 (issue 23)", ratio("time(10000)/time(1000), slos"), 10.0),
        ("1,000 services linear: time(1000)/time(100) <= 11", ratio("time(1000)/time(100), services"), 11.0),
    ]
    out = []
    for what, value, limit in checks:
        met = None if value is None else (value >= 1.0 if limit is None else value <= limit)
        out.append({"target": what, "value": value, "limit": limit, "met": met})
    return out


def table(rows: list[dict[str, Any]], goals: list[dict[str, Any]]) -> str:
    lines = [f"{'job':<52} {'wall ms':>9} {'CPU ms':>9} {'RSS MiB':>8} {'instr M':>9}  ratio", "-" * 108]
    for r in rows:
        if "cpu_ms" not in r and "ratio" not in r:
            lines.append(f"{r['name']:<52} {r.get('note', '')}")
            continue
        cells = [f"{r[k]:9.0f}" if r.get(k) is not None else f"{'':>9}" for k in ("wall_ms", "cpu_ms")]
        rss = f"{r['rss_mib']:8.0f}" if r.get("rss_mib") else f"{'':>8}"
        ins = f"{r['instructions'] / 1e6:9.0f}" if r.get("instructions") else f"{'':>9}"
        ratio = f"{r['ratio']:.2f}x {r['ratio_of']}" + (f" of {r['vs']}" if r.get("vs") else "") if "ratio" in r else ""
        lines.append(f"{r['name']:<52} {cells[0]} {cells[1]} {rss} {ins}  {ratio}")
    lines += ["", "targets (issue 13):"]
    for g in goals:
        state = "not run" if g["met"] is None else "met" if g["met"] else "NOT met"
        value = "" if g["value"] is None else f"{g['value']:.2f}"
        lines.append(f"  {state:<8} {value:>9}  {g['target']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=11, help="rounds of the sigil-dna-sized jobs (default 11)")
    parser.add_argument(
        "--slos", default="10,100,1000,10000", help="SLO counts of the one-spec scale rows ('' for none)"
    )
    parser.add_argument(
        "--services", default="1,10,100,1000", help="service counts of the folder scale rows ('' for none)"
    )
    parser.add_argument("--fleet", type=int, default=1000, help="services of the template fleet rows (0: none)")
    parser.add_argument("--no-callgrind", action="store_true", help="skip the instruction counts")
    parser.add_argument("--no-peers", action="store_true", help="skip the peers")
    parser.add_argument(
        "--baseline", type=Path, help="another checkout (with its .venv) whose sigil-dna jobs run in the same rounds"
    )
    parser.add_argument(
        "--grafonnet", type=Path, help="a jsonnet-bundler vendor/ folder with grafonnet v11.4.0 (adds its peer rows)"
    )
    parser.add_argument(
        "--json", default="build/benchmark.json", help="where to write the results (default build/benchmark.json)"
    )
    args = parser.parse_args()
    sizes = [[int(n) for n in text.split(",") if n] for text in (args.slos, args.services)]
    # Measure what an installed package runs: modules loaded from cached bytecode. With
    # PYTHONDONTWRITEBYTECODE set (this development machine sets it), no .pyc is ever written and
    # every process compiles each module from source: +450 M instructions on a compile of
    # sigil-dna, none of it the compiler's. The warm-up round below writes the caches.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        jobs, skipped = dna_jobs(tmp, not args.no_peers, args.grafonnet and args.grafonnet.resolve())
        more, more_skipped = k8s_jobs(tmp, not args.no_peers)
        jobs, skipped = jobs + more, skipped + more_skipped
        if args.baseline:
            jobs += baseline_jobs(args.baseline.resolve(), tmp)
        for job in jobs:  # untimed warm-up: bytecode caches written, files in the page cache
            run_once(job)
        alternate(jobs, args.runs)
        use_callgrind = not args.no_callgrind and callgrind_available()
        if use_callgrind:
            for job in jobs:
                try:
                    job.instructions = instructions(job)
                except JobFailed as exc:  # e.g. a Go runtime that valgrind cannot run
                    print(f"no instruction count: {str(exc)[:200]}", file=sys.stderr)
        rows = [_row(job) for job in jobs] + skipped + scale_rows(tmp, *sizes)
        rows += fleet_rows(tmp, args.fleet) if args.fleet else []
    if not args.no_callgrind and not use_callgrind:
        rows.append({"name": "instruction counts", "note": "valgrind not installed: ratios use CPU time"})
    rows = with_ratios(rows)
    goals = targets(rows) + fleet_targets(rows)
    print(table(rows, goals))
    paired = versus_baseline(rows)
    if paired:
        print(f"\nagainst the baseline {args.baseline} (this checkout / baseline):")
        for p in paired:
            print(f"  {p['ratio']:.3f}x {p['of']:<12}  {p['name']}")
    result = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "runs": args.runs,
        "rows": rows,
        "targets": goals,
        "baseline": {"checkout": str(args.baseline), "paired": paired} if args.baseline else None,
    }
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
