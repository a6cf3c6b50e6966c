"""What a capture sink received, read back as notifications: receiver, status, alerts, options.

Each drill receiver delivers to ``/<kind>/<receiver name>`` on the sink (``drill_mode``), so the
path says who was notified (an email receiver has its own SMTP port, recorded under that path).
The payload shapes are Alertmanager's own, as it sends them with our templates
(``compilers/alertmanager``): Slack attachments whose ``sigil.title`` is ``[FIRING:1] Name ...`` /
``[RESOLVED] Name ...`` and whose text has one ``*Name* · severity`` line per alert (after the
receiver's ``mention`` on firing critical notifications), PagerDuty Events v2 (``event_action``,
``payload.class``, ``payload.custom_details.alerts``), Opsgenie's create (``v2/alerts``) and close
(``v2/alerts/<alias>/close``) calls, the webhook's ``status`` and ``alerts``, and a MIME mail
whose subject is the title and whose text part has one line per alert. Alert names are CamelCase
(the spec's rule), which is what the text patterns below look for.

``options`` keeps what the payload says about the receiver's options (Slack ``channel``, PagerDuty
``severity``, Opsgenie ``priority`` and ``responders``, the mail's ``to``...), so a drill and its
tests can see that every option reached the receiver.

>>> n = parse(CapturedRequest("/slack/svc/team", {}, {"channel": "#a", "attachments": [{
...     "title": "[FIRING:1] DatabaseDown svc", "text": "@here *DatabaseDown* · critical\\nDown."}]}, b"", 1.0))
>>> n.receiver, n.status, n.alerts, n.options["channel"], n.options["text"].startswith("@here ")
('svc/team', 'firing', ('DatabaseDown',), '#a', True)
>>> n = parse(CapturedRequest("/pagerduty/svc/oncall", {}, {"event_action": "trigger",
...     "payload": {"class": "DatabaseDown", "severity": "critical"}, "links": [{"href": "https://r/x"}]}, b"", 1.0))
>>> n.receiver, n.status, n.alerts, n.mentions("https://r/x"), n.options["severity"]
('svc/oncall', 'firing', ('DatabaseDown',), True, 'critical')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import msgspec

from .sinks import CapturedRequest

KINDS = ("slack", "pagerduty", "webhook", "email", "opsgenie")  # the sink path's first segment
_NAME = r"[A-Z][A-Za-z0-9]*"  # an alert name (spec/types.AlertName)
# One line per alert in our templates: Slack's "*Name* (resolved) · severity", and "alert_lines"'s
# "[resolved] Name (severity)" (PagerDuty details, Opsgenie description, the mail's text part).
_SLACK_LINE = re.compile(rf"\*({_NAME})\*(?: \(resolved\))? · ", re.MULTILINE)
_ALERT_LINE = re.compile(rf"^(?:\[resolved\] )?({_NAME}) \(", re.MULTILINE)
_TITLE = re.compile(rf"^\[(FIRING|RESOLVED)[^\]]*\] ({_NAME})?")


class Notification(msgspec.Struct, frozen=True):
    """One notification a receiver got."""

    receiver: str  # the drill receiver name (conventions.receiver_name)
    kind: str  # one of KINDS
    status: str  # firing | resolved
    alerts: tuple[str, ...]  # alert names in the notification
    strings: tuple[str, ...]  # every string in the payload (links are among them)
    at: float  # time.monotonic() on arrival
    options: dict[str, str] = msgspec.field(default_factory=dict)  # what the payload says of the options

    def mentions(self, text: str) -> bool:
        return any(text in s for s in self.strings)


_Made = Callable[[str | None, tuple[str, ...], dict[str, Any]], "Notification | None"]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _names(pattern: re.Pattern[str], text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(pattern.findall(text)))


def _title(title: str) -> tuple[str | None, tuple[str, ...]]:
    """Status and alert name of our ``sigil.title`` (the name only when the group has one)."""
    match = _TITLE.match(title)
    if match is None:
        return None, ()
    return match.group(1).lower(), (match.group(2),) if match.group(2) else ()


def _where(path: str) -> tuple[str, str, list[str]]:
    """Kind, receiver (``service/name``: neither part holds a ``/``) and the rest of a sink path."""
    segments = path.split("?")[0].strip("/").split("/")
    return segments[0], "/".join(segments[1:3]), segments[3:]


def parse(request: CapturedRequest, aliases: dict[str, tuple[str, ...]] | None = None) -> Notification | None:
    """The notification a sink request carries, or None for a request of another shape.
    ``aliases`` (Opsgenie alias -> alert names) is filled by create calls and read by close calls."""
    kind, receiver, rest = _where(request.path)
    if request.status >= 300:
        return None  # the sink refused it: not delivered
    if kind == "email":
        return _email(receiver, request)
    body = request.json if isinstance(request.json, dict) else None
    if body is None:
        return None
    strings = tuple(_strings(body))

    def made(status: str | None, names: tuple[str, ...], options: dict[str, Any]) -> Notification | None:
        if status not in ("firing", "resolved") or not names:
            return None
        texts = {k: v if isinstance(v, str) else ", ".join(map(str, v)) for k, v in options.items() if v is not None}
        return Notification(receiver, kind, status, names, strings, request.received, texts)

    if kind == "pagerduty":
        payload = body.get("payload") or {}
        status = {"trigger": "firing", "resolve": "resolved"}.get(str(body.get("event_action")))
        details = payload.get("custom_details") or {}
        listed = _names(_ALERT_LINE, str(details.get("alerts", "")))
        names = (str(payload["class"]),) if payload.get("class") else listed  # class is empty in a mixed group
        links = [str(link.get("href")) for link in body.get("links") or [] if isinstance(link, dict)]
        fields = ("severity", "summary", "component", "group")
        sent = {k: payload.get(k) for k in fields} | {"client": body.get("client"), "links": links}
        return made(status, names, sent | {"details": sorted(details)})
    if kind == "slack":
        attachment = (body.get("attachments") or [{}])[0]
        status, title_names = _title(str(attachment.get("title", "")))
        text = str(attachment.get("text", ""))
        keep = ("title", "title_link", "text", "color", "fallback")
        options: dict[str, Any] = {"channel": body.get("channel"), "link_names": str(body.get("link_names")).lower()}
        options |= {k: attachment.get(k) for k in keep}
        return made(status, _names(_SLACK_LINE, text) or title_names, options)
    if kind == "webhook":
        names = tuple(dict.fromkeys(str((a.get("labels") or {}).get("alertname")) for a in body.get("alerts") or []))
        auth = request.headers.get("Authorization")
        return made(body.get("status"), names, {"receiver": body.get("receiver"), "authorization": auth})
    if kind == "opsgenie":
        return _opsgenie(made, body, rest, aliases if aliases is not None else {})
    return None


def _opsgenie(
    made: _Made, body: dict[str, Any], rest: list[str], aliases: dict[str, tuple[str, ...]]
) -> Notification | None:
    """A create call (``v2/alerts``) fires, a close call (``v2/alerts/<alias>/close``) resolves the
    alerts its create named."""
    if rest == ["v2", "alerts"]:
        status, title_names = _title(str(body.get("message", "")))
        names = _names(_ALERT_LINE, str(body.get("description", ""))) or title_names
        aliases[str(body.get("alias"))] = names
        responders = [str(r.get("name")) for r in body.get("responders") or [] if isinstance(r, dict)]
        keep = ("message", "priority", "source", "description")
        details = sorted(body.get("details") or {})
        return made(status, names, {**{k: body.get(k) for k in keep}, "responders": responders, "details": details})
    if len(rest) == 4 and rest[:2] == ["v2", "alerts"] and rest[3] == "close":
        return made("resolved", aliases.get(rest[2], ()), {"source": body.get("source")})
    return None


def _email(receiver: str, request: CapturedRequest) -> Notification | None:
    mail = message_from_bytes(request.raw, policy=policy.default)
    if not isinstance(mail, EmailMessage):
        return None
    status, title_names = _title(str(mail.get("Subject", "")))
    part = mail.get_body(preferencelist=("plain",))
    text = part.get_content() if isinstance(part, EmailMessage) else ""
    html = mail.get_body(preferencelist=("html",))
    names = _names(_ALERT_LINE, text) or title_names
    if status is None or not names:
        return None
    options = {
        "to": str(mail.get("To", "")),
        "from": str(mail.get("From", "")),
        "subject": str(mail.get("Subject", "")),
        "envelope_to": request.headers.get("RCPT TO", ""),
        "auth": request.headers.get("AUTH", ""),
        "text": text,
    }
    strings: tuple[str, ...] = (text, html.get_content() if isinstance(html, EmailMessage) else "", *options.values())
    return Notification(receiver, "email", status, names, strings, request.received, options)


def notifications(requests: Sequence[CapturedRequest], since: int = 0) -> list[Notification]:
    """The notifications among ``requests[since:]``; the requests before ``since`` are read only
    for what later ones refer to (an Opsgenie close names the alias of an earlier create)."""
    aliases: dict[str, tuple[str, ...]] = {}
    found = [(i, parse(r, aliases)) for i, r in enumerate(requests)]
    return [n for i, n in found if n is not None and i >= since]
