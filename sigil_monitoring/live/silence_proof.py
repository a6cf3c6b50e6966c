"""``fire-test --check-silence``: prove, on a real Alertmanager, that the runbook's silence holds
back a test alert's notification and that expiring it lets the next one through.

The commands are not rebuilt here: each is the runbook's text (``compilers.runbook_oncall``:
``silence_command``, ``silence_query_command``, ``silence_expire_command``), run by ``sh -c`` with
``$ALERTMANAGER_URL`` and ``$USER`` set as on-call's shell would have them. In order, per alert:

1. ``amtool silence add …`` (the alert's section of the runbook); amtool prints the silence ID;
2. the test alert is posted; Alertmanager must report it ``suppressed`` by that silence (a
   suppressed alert is never notified) and keep it so for ``hold`` seconds, longer than the route's
   ``group_wait`` when the proof is to cover a real notification;
3. ``amtool silence query …`` must list the ID, and ``amtool silence expire SILENCE_ID`` (the ID in
   place of the placeholder) ends it;
4. the alert is posted again, the next one: Alertmanager must report it ``active``, not silenced,
   so the next flush of its group notifies.

Any step that fails is one ``SilenceFailure`` line naming the step.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
import urllib.parse
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..compilers.runbook_oncall import SILENCE_ID, silence_command, silence_expire_command, silence_query_command
from ..escape import one_line

if TYPE_CHECKING:
    from ..ir.model import Service
    from .fire_test import SyntheticAlert

AUTHOR = "sigil-monitoring fire-test"  # the $USER the runbook's `--author="$USER"` records
_SILENCE_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _key(alert: SyntheticAlert) -> str:
    return f"{alert.labels.get('service')}/{alert.name}"


class SilenceFailure(Exception):
    """A step of the proof did not hold; the message is one line."""


def run_runbook_command(command: str, alertmanager_url: str, timeout: float) -> str:
    """Run one runbook command as on-call would (``sh -c``, ``$ALERTMANAGER_URL`` and ``$USER`` set);
    its stdout, else ``SilenceFailure`` with amtool's reason."""
    env = {**os.environ, "ALERTMANAGER_URL": alertmanager_url, "USER": AUTHOR}
    try:
        done = subprocess.run(["sh", "-c", command], capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SilenceFailure(f"`{command}` did not finish within {timeout:g}s") from None
    if done.returncode != 0:
        reason = one_line(" ".join(done.stderr.split())[:300]) or f"exit {done.returncode}"
        raise SilenceFailure(f"`{command}` failed: {reason}")
    return done.stdout


def _state(alertmanager_url: str, alert: SyntheticAlert, timeout: float) -> dict[str, Any] | None:
    """Alertmanager's ``status`` of the alert (``state``, ``silencedBy``), None while it has none."""
    from ..remote.http import Budget, Client

    query = urllib.parse.urlencode([("filter", f'{k}="{v}"') for k, v in sorted(alert.labels.items())])
    client = Client(alertmanager_url, Budget(timeout), what=f"Alertmanager at {alertmanager_url}")
    for item in client.json("GET", f"/api/v2/alerts?{query}", expect=list):
        if isinstance(item, dict) and item.get("labels") == alert.labels and isinstance(item.get("status"), dict):
            return dict(item["status"])
    return None


def _held_by(silence: str) -> Callable[[dict[str, Any]], bool]:
    return lambda status: silence in (status.get("silencedBy") or [])


def _wait_for(
    alertmanager_url: str, alert: SyntheticAlert, wanted: Callable[[dict[str, Any]], bool], timeout: float
) -> dict[str, Any] | None:
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        status = _state(alertmanager_url, alert, max(deadline - time.monotonic(), 0.1))
        if status is not None and wanted(status):
            return status
        time.sleep(0.1)
    return status


def prove_silences(
    services: Sequence[Service],
    alerts: Sequence[SyntheticAlert],
    alertmanager_url: str,
    post: Callable[[Sequence[SyntheticAlert]], None],
    say: Callable[[str], None],
    hold: float,
    timeout: float,
) -> None:
    """The four steps above for every alert, together; ``post`` sends alerts as firing."""
    silences: dict[str, str] = {}  # alert -> the ID of a silence added and not yet expired
    try:
        by_name = {s.name: s for s in services}
        for alert in alerts:
            add = silence_command(by_name[alert.labels["service"]], alert.name)
            silence = run_runbook_command(add, alertmanager_url, timeout).strip()
            if not _SILENCE_ID.match(silence):
                raise SilenceFailure(f"`{add}` printed no silence ID: {one_line(silence[:100])!r}")
            silences[_key(alert)] = silence
            say(f"silence {silence} added for {alert.name} with the runbook's command: {add}")
        post(alerts)
        for alert in alerts:
            silence = silences[_key(alert)]
            status = _wait_for(alertmanager_url, alert, _held_by(silence), timeout)
            if status is None or status.get("state") != "suppressed":
                raise SilenceFailure(f"{alert.name} is not suppressed by silence {silence}: Alertmanager says {status}")
            say(f"{alert.name}: Alertmanager holds it back (suppressed by silence {silence}); holding {hold:g}s")
        time.sleep(hold)
        for alert in alerts:
            silence, service = silences[_key(alert)], by_name[alert.labels["service"]]
            status = _state(alertmanager_url, alert, timeout)
            if status is None or silence not in (status.get("silencedBy") or []):
                raise SilenceFailure(f"{alert.name} was let through while silence {silence} should hold: {status}")
            query = silence_query_command(service)
            if silence not in run_runbook_command(query, alertmanager_url, timeout):
                raise SilenceFailure(f"`{query}` does not list silence {silence}")
            expire = silence_expire_command().replace(SILENCE_ID, silence)
            run_runbook_command(expire, alertmanager_url, timeout)
            del silences[_key(alert)]
            say(f"silence {silence} found and expired with the runbook's commands: {query}; {expire}")
        post(alerts)  # the next one
        for alert in alerts:
            status = _wait_for(alertmanager_url, alert, lambda s: s.get("state") == "active", timeout)
            if status is None or status.get("state") != "active" or status.get("silencedBy"):
                raise SilenceFailure(f"{alert.name} is still held back after its silence expired: {status}")
            say(f"{alert.name}: active again after the silence expired: the next notification goes out")
    finally:  # a silence left behind would hold back the real alert for hours: end it, whatever failed
        for silence in silences.values():
            try:
                run_runbook_command(silence_expire_command().replace(SILENCE_ID, silence), alertmanager_url, timeout)
                say(f"silence {silence} expired after the failure")
            except SilenceFailure as err:
                say(f"fire-test: error: {err}; expire silence {silence} by hand")
