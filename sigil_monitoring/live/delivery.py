r"""Why a receiver got nothing, in Alertmanager's own words: its log, else its failure counters.

Alertmanager 0.25 logs every failed attempt of a receiver's integration (``level=warn
receiver=svc/team integration=slack[0] msg="Notify attempt failed, will retry later" err=...``),
then the final failure once it gives up, at once on a 4xx and after retrying until the
notification's timeout on a 5xx (``level=error msg="Notify for alerts failed"
err="svc/team/slack[0]: notify retry canceled after 7 attempts: <reason>"``). Its ``/metrics``
count failures per integration only (``alertmanager_notifications_failed_total{integration=
"slack"}``), so they name a receiver's kind, not the receiver: the fallback when the log is silent.

>>> attempt = ('ts=2026-12-06T06:05:00.222Z level=warn receiver=svc/team integration=slack[0] '
...            'msg="Notify attempt failed, will retry later" attempts=1 err="channel \\"#a\\": status 503"')
>>> final = ('ts=2026-12-06T06:05:10.215Z level=error msg="Notify for alerts failed" num_alerts=1 '
...          'err="svc/team/slack[0]: notify retry canceled after 7 attempts: channel \\"#a\\": status 503"')
>>> [(f.receiver, f.final, f.reason) for f in logged_failures(attempt + "\n" + final)]
[('svc/team', False, 'channel "#a": status 503'), ('svc/team', True, 'channel "#a": status 503')]
>>> failure_reasons(attempt + "\n" + final, ["svc/team", "svc/oncall"], since=0.0)
{'svc/team': 'slack[0]: channel "#a": status 503 (Alertmanager gave up)'}
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import msgspec

from ..ir.model import Routing
from .drill_mode import integration_kind
from .net import LOCAL_OPENER
from .results import ReceiverFailure

_FIELD = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')
# "svc/team/slack[0]: notify retry canceled [due to unrecoverable error ]after 7 attempts: <reason>"
_FINAL = re.compile(r"^(?P<receiver>.+)/(?P<integration>\w+\[\d+\]): notify retry canceled[^:]*: (?P<reason>.*)$", re.S)
REASON_CHARS = 300  # a sink's reply can be long; the report needs its start


class LoggedFailure(msgspec.Struct, frozen=True):
    receiver: str
    integration: str  # slack[0]: the kind and its index in the receiver
    reason: str
    final: bool  # Alertmanager gave up (else it retries)
    at: float  # seconds since the epoch


def _logfmt(line: str) -> dict[str, str]:
    fields = {}
    for key, value in _FIELD.findall(line):
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        fields[key] = value
    return fields


def _epoch(stamp: str) -> float:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def logged_failures(log: str) -> list[LoggedFailure]:
    """Every failed notification attempt and final failure in an Alertmanager log, in order."""
    found = []
    for line in log.splitlines():
        fields = _logfmt(line)
        at, err = _epoch(fields.get("ts", "")), fields.get("err", "")
        if fields.get("msg") == "Notify attempt failed, will retry later" and "receiver" in fields:
            found.append(LoggedFailure(fields["receiver"], fields.get("integration", ""), err, False, at))
        elif fields.get("msg") == "Notify for alerts failed" and (final := _FINAL.match(err)):
            found.append(LoggedFailure(final["receiver"], final["integration"], final["reason"], True, at))
    return found


def failure_reasons(log: str, receivers: Iterable[str], since: float, final_only: bool = False) -> dict[str, str]:
    """``receiver -> why``: the last failure Alertmanager logged for each of ``receivers`` at or
    after ``since`` (seconds since the epoch), the last it gave up on if any; only those when
    ``final_only``."""
    wanted, last = set(receivers), {}
    # A final failure says more than the attempts after it (Alertmanager retries the next group).
    for failure in sorted(logged_failures(log), key=lambda f: f.final):
        if failure.receiver in wanted and failure.at >= since and (failure.final or not final_only):
            last[failure.receiver] = failure
    return {
        receiver: f"{f.integration}: {f.reason[:REASON_CHARS]} (Alertmanager {'gave up' if f.final else 'retries'})"
        for receiver, f in last.items()
    }


def failed_counts(base_url: str) -> dict[str, float]:
    """``alertmanager_notifications_failed_total`` per integration (``slack``), from ``/metrics``."""
    try:
        with LOCAL_OPENER.open(base_url.rstrip("/") + "/metrics", timeout=5) as reply:
            text = reply.read(4 << 20).decode(errors="replace")
    except OSError:
        return {}
    pattern = re.compile(r'^alertmanager_notifications_failed_total\{integration="(\w+)"\} (\S+)$', re.M)
    return {kind: float(value) for kind, value in pattern.findall(text)}


def why_not(log: str, base_url: str, missing: dict[str, str], since: float) -> dict[str, str]:
    """``receiver -> why`` for each of ``missing`` (receiver -> its kind, ``slack``) that got nothing:
    Alertmanager's log line, else its failure counter, else that it reported no failure (so it never
    tried: grouping, inhibition or a route kept the notification back)."""
    reasons = failure_reasons(log, missing, since)
    counts = failed_counts(base_url) if set(missing) - set(reasons) else {}
    for receiver, kind in missing.items():
        if receiver in reasons:
            continue
        count = counts.get(kind, 0.0)
        reasons[receiver] = (
            f'alertmanager_notifications_failed_total{{integration="{kind}"}} is {count:g} (no log line names it)'
            if count
            else "Alertmanager reported no failure: it never sent one (routing, grouping or inhibition held it)"
        )
    return reasons


class Undelivered(Exception):
    """Alertmanager gave up on every expected receiver that has not got the notification yet."""


def gave_up(log: str, missing: Iterable[str], since: float) -> None:
    """Raise Undelivered when Alertmanager logged a final failure for each of ``missing`` since
    ``since``: waiting longer would not bring the notification."""
    missing = set(missing)
    if missing and failure_reasons(log, missing, since, final_only=True).keys() >= missing:
        raise Undelivered(", ".join(sorted(missing)))


def undelivered(
    am: Any, routing: Routing | None, expected: Iterable[str], reached: Iterable[str], since: float
) -> list[ReceiverFailure]:
    """Each of ``expected`` not in ``reached``, with Alertmanager's reason (``am``: its process)."""
    kinds = {r.name: integration_kind(r.integration) for r in (routing.receivers if routing else ())}
    missing = {r: kinds.get(r, "webhook") for r in expected if r not in set(reached)}
    reasons = why_not(am.log(), am.base_url, missing, since) if missing else {}
    return [ReceiverFailure(r, reasons[r]) for r in missing]


def sends_resolved(routing: Routing | None, receivers: Iterable[str]) -> list[str]:
    """Those of ``receivers`` that get a resolved notification (``send_resolved``, true by default)."""
    off = {r.name for r in (routing.receivers if routing else ()) if not r.integration.send_resolved}
    return [r for r in receivers if r not in off]
