"""Typed model of the Alertmanager 0.25 configuration we emit, and its wire form.

Field order is the emitted key order; ``None`` and empty tuples are left out, so each class
lists every key we may write and nothing else. Python names stay Pythonic; the YAML key is the
field's msgspec ``name`` when it differs (``continue``). Reference:
https://prometheus.io/docs/alerting/0.25/configuration/
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from ...values.units import Duration


def _wire(name: str) -> Any:
    return msgspec.field(default=None, name=name)


def to_wire(value: Any) -> Any:
    """Records -> dicts (declared order, empty values dropped), tuples -> lists."""
    if isinstance(value, Duration):  # a record itself, written as Alertmanager reads it: 5m
        return str(value)
    if isinstance(value, msgspec.Struct):
        out: dict[str, Any] = {}
        for key, item in zip(value.__struct_encode_fields__, msgspec.structs.astuple(value), strict=True):
            if item is None or item == ():
                continue
            out[key] = to_wire(item)
        return out
    if isinstance(value, tuple):
        return [to_wire(v) for v in value]
    if isinstance(value, dict):
        return {k: to_wire(v) for k, v in value.items()}
    return value


# Matcher values are double-quoted with Go string escapes, as Alertmanager's matcher parser reads
# them (https://prometheus.io/docs/alerting/0.25/configuration/#matcher).
def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def equal(label: str, value: str) -> str:
    """``service="sigil-dna"``."""
    return f"{label}={_quote(value)}"


def regex(label: str, values: tuple[str, ...], negate: bool = False) -> str:
    """``severity=~"warning|info"``; values are matched literally (RE2 is anchored by Alertmanager)."""
    pattern = "|".join(re.escape(v) for v in values)
    return f"{label}{'!~' if negate else '=~'}{_quote(pattern)}"


class Route(msgspec.Struct, frozen=True):
    receiver: str | None = None
    matchers: tuple[str, ...] = ()
    group_by: tuple[str, ...] = ()
    continue_: bool | None = _wire("continue")  # None (left out) means false
    group_wait: Duration | None = None
    group_interval: Duration | None = None
    repeat_interval: Duration | None = None
    mute_time_intervals: tuple[str, ...] = ()
    active_time_intervals: tuple[str, ...] = ()
    routes: tuple[Route, ...] = ()


class Link(msgspec.Struct, frozen=True):
    href: str
    text: str


class SlackConfig(msgspec.Struct, frozen=True):
    send_resolved: bool
    api_url_file: str
    channel: str
    title: str
    title_link: str
    text: str
    color: str
    fallback: str
    link_names: bool | None = None


class PagerDutyConfig(msgspec.Struct, frozen=True):
    send_resolved: bool
    routing_key_file: str
    url: str | None
    description: str
    severity: str
    client: str
    component: str
    group: str
    class_: str | None = _wire("class")
    links: tuple[Link, ...] = ()
    details: dict[str, str] | None = None


class Authorization(msgspec.Struct, frozen=True):
    credentials_file: str
    type: str = "Bearer"


class HttpConfig(msgspec.Struct, frozen=True):
    authorization: Authorization


class WebhookConfig(msgspec.Struct, frozen=True):
    send_resolved: bool
    url: str
    http_config: HttpConfig | None = None


class EmailConfig(msgspec.Struct, frozen=True):
    send_resolved: bool
    to: str
    from_: str = _wire("from")
    smarthost: str | None = None
    auth_username: str | None = None
    auth_password_file: str | None = None
    require_tls: bool | None = None
    headers: dict[str, str] | None = None
    text: str | None = None


class Responder(msgspec.Struct, frozen=True):
    name: str
    type: str = "team"


class OpsgenieConfig(msgspec.Struct, frozen=True):
    send_resolved: bool
    api_key_file: str
    api_url: str | None
    message: str
    description: str
    source: str
    priority: str
    responders: tuple[Responder, ...] = ()
    details: dict[str, str] | None = None


class Receiver(msgspec.Struct, frozen=True):
    name: str
    slack_configs: tuple[SlackConfig, ...] = ()
    pagerduty_configs: tuple[PagerDutyConfig, ...] = ()
    webhook_configs: tuple[WebhookConfig, ...] = ()
    email_configs: tuple[EmailConfig, ...] = ()
    opsgenie_configs: tuple[OpsgenieConfig, ...] = ()


class InhibitRule(msgspec.Struct, frozen=True):
    source_matchers: tuple[str, ...]
    target_matchers: tuple[str, ...]
    equal: tuple[str, ...]


class TimeRange(msgspec.Struct, frozen=True):
    start_time: str
    end_time: str


class TimeSpec(msgspec.Struct, frozen=True):
    weekdays: tuple[str, ...] = ()
    times: tuple[TimeRange, ...] = ()
    location: str | None = None
    days_of_month: tuple[str, ...] = ()
    months: tuple[str, ...] = ()
    years: tuple[str, ...] = ()


class TimeInterval(msgspec.Struct, frozen=True):
    name: str
    time_intervals: tuple[TimeSpec, ...]


class Config(msgspec.Struct, frozen=True):
    route: Route
    receivers: tuple[Receiver, ...]
    inhibit_rules: tuple[InhibitRule, ...] = ()
    time_intervals: tuple[TimeInterval, ...] = ()
    templates: tuple[str, ...] = ()

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = to_wire(self)
        return wire


_DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")


def weekdays(ranges: tuple[str, ...]) -> tuple[str, ...]:
    """Split ranges that wrap past Saturday: Alertmanager counts weeks from Sunday and rejects a
    range whose start comes later in that week than its end.

    >>> weekdays(("saturday:sunday", "friday:monday", "monday:friday"))
    ('saturday', 'sunday', 'friday:saturday', 'sunday:monday', 'monday:friday')
    """
    out: list[str] = []
    for text in ranges:
        start, _, end = text.partition(":")
        if end and _DAYS.index(start) > _DAYS.index(end):
            out += [_span(start, "saturday"), _span("sunday", end)]
        else:
            out.append(text)
    return tuple(out)


def _span(start: str, end: str) -> str:
    return start if start == end else f"{start}:{end}"
