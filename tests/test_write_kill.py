"""SIGKILL ``compile`` at random moments: the output folder is always the whole old or whole new set."""

from __future__ import annotations

import importlib
import os
import random
import signal
import subprocess
import sys
import time

from conftest import REPO

from sigil_monitoring.compilers import TARGETS
from sigil_monitoring.conventions import MANIFEST_PATH
from sigil_monitoring.output import fleet_guard
from sigil_monitoring.output.outdir import LOCK_NAME
from sigil_monitoring.output.pipeline import compile_specs
from sigil_monitoring.output.write import manifest_bytes, manifest_of
from sigil_monitoring.spec.loader import load_spec

RUNS = 30
USER_FILES = {"notes.txt": b"kept by the team\n", "sigil-dna/extra.rules.yml": b"groups: []\n"}


def available_targets():
    """All targets once every compiler has landed; until then the ones that work."""
    found = []
    for target, module in TARGETS.items():
        try:
            if callable(getattr(importlib.import_module(module), "compile", None)):
                found.append(target)
        except ImportError:
            pass
    return found


def compile_command(spec, out):
    targets = available_targets()
    if targets == list(TARGETS):
        return [sys.executable, "-m", "sigil_monitoring", "compile", "-q", spec, "--out", out]
    code = (
        "import sys; from sigil_monitoring.output.pipeline import compile_specs; from "
        "sigil_monitoring.spec.loader import load_spec; from sigil_monitoring.output.write import "
        f"write_bundle; write_bundle(compile_specs([load_spec(sys.argv[1])], {targets!r}), sys.argv[2])"
    )
    return [sys.executable, "-c", code, spec, out]


def spec_version(text, n):
    """Version n of the spec: a threshold and a ``for`` change every time; every third version
    renames the service, so whole files appear and go stale."""
    text = text.replace(
        "for: 10m\n    severity: warning\n    summary: p95", f"for: {n + 1}m\n    severity: warning\n    summary: p95"
    )
    # Thresholds stay below the histogram's top bucket (10s): a quantile above it can never fire.
    text = text.replace("above: 1s}", f"above: {n + 1}00ms}}")
    if n % 3 == 2:
        text = text.replace("name: sigil-dna\n", f"name: sigil-dna-v{n}\n")
    return text


def on_disk(out):
    found = {}
    for root, _dirs, names in os.walk(out):
        for name in names:
            if name == LOCK_NAME:
                continue  # the compile lock: empty, carried from set to set
            path = os.path.join(root, name)
            with open(path, "rb") as fh:
                found[os.path.relpath(path, out)] = fh.read()
    return found


def test_compile_killed_at_random_moments_leaves_the_complete_old_or_new_set(tmp_path, monkeypatch):
    base = (REPO / "specs" / "sigil-dna.yaml").read_text()
    expected = []
    monkeypatch.chdir(tmp_path)  # headers name the spec relative to the working folder, as for the subprocess
    for n in range(RUNS + 1):
        (tmp_path / f"v{n}.yaml").write_text(spec_version(base, n))
        targets = available_targets()
        # All compilers present: the CLI compiles the spec's targets, which is what None asks for.
        bundle = compile_specs([load_spec(f"v{n}.yaml")], None if targets == list(TARGETS) else targets)
        if targets == list(TARGETS) and bundle.inputs is not None:
            # The CLI's manifest also records the spec files, relative to the output folder (fleet_guard).
            inputs = {**bundle.inputs, fleet_guard.KEY: [f"../v{n}.yaml"]}
            manifest = manifest_of({path: bundle.digest(path) for path in bundle}, inputs)
        else:
            manifest = manifest_bytes(bundle)
        expected.append({**bundle, MANIFEST_PATH: manifest})
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    subprocess.run(compile_command("v0.yaml", "build"), check=True, env=env, cwd=tmp_path)
    compile_time = time.monotonic() - started
    for rel, data in USER_FILES.items():
        (tmp_path / "build" / rel).write_bytes(data)
    user_inodes = {rel: (tmp_path / "build" / rel).stat().st_ino for rel in USER_FILES}

    rng = random.Random(6)
    current, outcomes = 0, {"old": 0, "new": 0}
    for n in range(1, RUNS + 1):
        proc = subprocess.Popen(compile_command(f"v{n}.yaml", "build"), env=env, cwd=tmp_path)
        if n % 5:
            time.sleep(rng.uniform(0, compile_time))
            proc.send_signal(signal.SIGKILL)
        proc.wait()  # every fifth run finishes, so later runs start from another old set
        found = on_disk(tmp_path / "build")
        for rel, data in USER_FILES.items():
            assert found.pop(rel) == data, f"run {n}: user file {rel} changed"
            assert (tmp_path / "build" / rel).stat().st_ino == user_inodes[rel]
        if found == expected[n]:
            current, outcome = n, "new"
        else:
            assert found == expected[current], (
                f"run {n}: the folder is neither version {current} nor {n}: {sorted(found)}"
            )
            outcome = "old"
        outcomes[outcome] += 1
    assert outcomes["old"] and outcomes["new"], f"the kills never hit both sides of the swap: {outcomes}"
