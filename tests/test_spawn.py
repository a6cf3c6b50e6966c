"""Servers die with the drill, the fire test or the test suite that started them, even on SIGKILL.

Each test starts a real parent in a subprocess (the ``drill`` command, or a small driver that uses
the managed processes of the test suite), waits until its Prometheus, Alertmanager or
VictoriaMetrics children listen, kills the parent and then requires every child to be gone, by pid
and by port, within a few seconds. The temp folders the kill left are reaped at the next start.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO
from servers import accepts, listening_children, require_binary
from vm_processes import VICTORIA_METRICS_NAMES

from sigil_monitoring.live.leftovers import owned_tempdir, started
from sigil_monitoring.live.net import ALERTMANAGER_NAMES, PROMETHEUS_NAMES, poll_until

pytestmark = pytest.mark.e2e

# A drill or test run that the CI kills: its servers are started from a worker thread that ends
# at once (the kernel's parent-death signal follows the forking *thread*), then it waits.
DRIVER = """
import sys, threading, time
from contextlib import ExitStack
sys.path.insert(0, sys.argv[1])
from vm_processes import VictoriaMetricsProcess
from sigil_monitoring.live.processes import AlertmanagerProcess, PrometheusProcess
stack = ExitStack()
def start():
    stack.enter_context(VictoriaMetricsProcess())
    am = stack.enter_context(AlertmanagerProcess(sys.argv[2]))
    stack.enter_context(PrometheusProcess(alertmanager_url=am.base_url))
worker = threading.Thread(target=start)
worker.start()
worker.join()
print("started", flush=True)
time.sleep(600)
"""


def _gone(servers: dict[int, int]) -> bool:
    return all(started(pid) is None for pid in servers) and not any(map(accepts, servers.values()))


def _kill_leftovers(servers: dict[int, int]) -> None:
    """After a failed check: stop what the test itself started (a failing test leaves nothing either)."""
    for pid in servers:
        if started(pid) is not None:
            os.kill(pid, signal.SIGKILL)


def test_a_killed_drill_leaves_no_server_and_the_next_start_reaps_its_folders(tmp_path: Path) -> None:
    require_binary(PROMETHEUS_NAMES)
    require_binary(ALERTMANAGER_NAMES)
    drill = subprocess.Popen(
        [sys.executable, "-m", "sigil_monitoring", "drill", "specs/sigil-dna.yaml"],
        cwd=REPO,
        env={**os.environ, "TMPDIR": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    servers: dict[int, int] = {}
    try:
        servers = poll_until(
            lambda: len(found := listening_children(drill.pid)) == 2 and found,
            60,
            "the drill's Prometheus and Alertmanager to listen",
        )
    finally:
        drill.kill()  # SIGKILL: what a CI job's timeout sends, seen by no handler
        drill.wait()
    try:
        poll_until(lambda: _gone(servers), 5, f"the drill's servers {servers} to die with it")
    finally:
        _kill_leftovers(servers)
    assert sorted(p.name.split("-")[1] for p in tmp_path.iterdir()) == ["alertmanager", "drill", "prometheus"]
    with owned_tempdir("drill", tmp_path) as mine:  # what the next drill does first
        assert list(tmp_path.iterdir()) == [mine]


@pytest.mark.parametrize("kill", ["the parent", "its process group"])
def test_the_test_suites_servers_die_with_their_parent(tmp_path: Path, kill: str) -> None:
    require_binary(VICTORIA_METRICS_NAMES)
    config = tmp_path / "alertmanager.yml"
    config.write_text("route: {receiver: none}\nreceivers: [{name: none}]\n")
    driver = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(REPO / "tests"), str(config)],
        cwd=REPO,
        env={**os.environ, "TMPDIR": str(tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        bufsize=0,
        start_new_session=kill == "its process group",  # so the group holds the driver and its servers only
    )
    servers: dict[int, int] = {}
    try:
        assert driver.stdout is not None and driver.stdout.readline() == b"started\n"
        time.sleep(0.5)  # the thread that asked for the servers has ended; they must outlive it
        servers = listening_children(driver.pid)
        assert len(servers) == 3, servers
        if kill == "its process group":
            assert {os.getpgid(pid) for pid in servers} == {driver.pid}
            os.killpg(driver.pid, signal.SIGKILL)
    finally:
        driver.kill()
        driver.communicate()
    try:
        poll_until(lambda: _gone(servers), 5, f"the servers {servers} to die with their parent")
    finally:
        _kill_leftovers(servers)
    with owned_tempdir("tests", tmp_path) as mine:
        assert sorted(tmp_path.iterdir()) == sorted([config, mine])
