"""What a capture sink received, read back as notifications: receiver, status, alerts, links.

Each drill receiver posts to ``/<kind>/<receiver name>`` on the sink (``drill_mode``), so the path
says who was notified. The payload shapes are Alertmanager's own: Slack attachments with our
``sigil.title`` (``[FIRING:1] Name ...`` / ``[RESOLVED] Name ...``) and ``*Name*`` lines, PagerDuty
Events v2 (``event_action``, ``payload.class``), and the webhook's ``status`` and ``alerts``.

>>> n = parse(CapturedRequest("/pagerduty/svc/oncall", {}, {"event_action": "trigger",
...     "payload": {"class": "DatabaseDown"}, "links": [{"href": "https://r/x"}]}, b"", 1.0))
>>> n.receiver, n.status, n.alerts, n.mentions("https://r/x")
('svc/oncall', 'firing', ('DatabaseDown',), True)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import msgspec

from .sinks import CapturedRequest


class Notification(msgspec.Struct, frozen=True):
    receiver: str  # the drill receiver name (conventions.receiver_name)
    kind: str  # slack | pagerduty | webhook
    status: str  # firing | resolved
    alerts: tuple[str, ...]  # alert names in the notification
    strings: tuple[str, ...]  # every string in the payload (links are among them)
    at: float  # time.monotonic() on arrival

    def mentions(self, text: str) -> bool:
        return any(text in s for s in self.strings)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def parse(request: CapturedRequest) -> Notification | None:
    """The notification a sink request carries, or None for a request of another shape."""
    segments = request.path.split("?")[0].strip("/").split("/")
    kind_name, receiver = segments[0], "/".join(segments[1:])
    body = request.json if isinstance(request.json, dict) else None
    if body is None:
        return None
    strings = tuple(_strings(body))
    if kind_name == "pagerduty":
        action = body.get("event_action")
        name = (body.get("payload") or {}).get("class")
        status = {"trigger": "firing", "resolve": "resolved"}.get(str(action))
        return (
            Notification(receiver, kind_name, status, (str(name),), strings, request.received)
            if status and name
            else None
        )
    if kind_name == "slack":
        attachment = (body.get("attachments") or [{}])[0]
        title = str(attachment.get("title", ""))
        status = "resolved" if title.startswith("[RESOLVED") else "firing" if title.startswith("[FIRING") else None
        names = tuple(dict.fromkeys(re.findall(r"^\*([^*\n]+)\*", str(attachment.get("text", "")), re.MULTILINE)))
        return Notification(receiver, kind_name, status, names, strings, request.received) if status else None
    if kind_name == "webhook":
        status = body.get("status")
        names = tuple(dict.fromkeys(str((a.get("labels") or {}).get("alertname")) for a in body.get("alerts") or []))
        return Notification(receiver, kind_name, str(status), names, strings, request.received) if status else None
    return None


def notifications(requests: list[CapturedRequest]) -> list[Notification]:
    return [n for n in map(parse, requests) if n is not None]
