"""The ``routing`` section: receivers, routes, timing, inhibitions and mute windows.

Secrets are referenced by file only. A spec that inlines a Slack webhook URL or a PagerDuty key
is rejected, and the error never repeats the secret.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from .types import DurationField, FilePath, LabelName, Matchers, ReceiverName, SpecModel, Url, unique
from .urls import secret_in_url

_INLINE_SECRETS = {
    "api_url": "api_url_file",
    "routing_key": "routing_key_file",
    "service_key": "routing_key_file",
    "service_key_file": "routing_key_file",
}


def _no_inline_secrets(value: object) -> object:
    if isinstance(value, dict):
        for key, instead in _INLINE_SECRETS.items():
            if key in value:
                # The value is a secret: the message names the key, never the value.
                raise ValueError(f"{key} puts a secret in the spec (write it to a file and give {instead}: /path/to/file)")
    return value


class Slack(SpecModel):
    channel: str = Field(pattern=r"^[#@][^\s]+$", description="Channel (#name) or user (@name).")
    api_url_file: FilePath = Field(description="File holding the Slack incoming-webhook URL.")
    send_resolved: bool = True
    mention: str | None = Field(None, description="Prepended to firing critical messages, e.g. @here.")


def _carries_secret(url: str) -> bool:
    # Secrets hide in user info (https://user:token@host) and query strings (?token=...).
    return bool(re.match(r"^https?://[^/@]*@", url)) or "?" in url


class PagerDuty(SpecModel):
    routing_key_file: FilePath = Field(description="File holding the Events API v2 integration (routing) key.")
    url: Url | None = Field(None, description="Events API endpoint (default: PagerDuty's); for EU accounts or tests.")
    send_resolved: bool = True

    @field_validator("url")
    @classmethod
    def _url_has_no_secret(cls, url: str | None) -> str | None:
        if url is not None and _carries_secret(url):
            raise ValueError("the PagerDuty URL carries credentials or a query string (give the bare endpoint; the key goes in routing_key_file)")
        if url is not None and (problem := secret_in_url(url)):
            raise ValueError(problem)
        return url


class Webhook(SpecModel):
    url: Url = Field(description="Endpoint; must not carry credentials (use credentials_file).")
    credentials_file: FilePath | None = Field(None, description="File holding a bearer token sent as Authorization.")
    send_resolved: bool = True

    @field_validator("url")
    @classmethod
    def _url_has_no_secret(cls, url: str) -> str:
        if _carries_secret(url):
            raise ValueError("the webhook URL carries credentials or a query string (move the token to credentials_file)")
        if problem := secret_in_url(url):
            raise ValueError(problem)
        return url


_Slack = Annotated[Slack, BeforeValidator(_no_inline_secrets)]
_PagerDuty = Annotated[PagerDuty, BeforeValidator(_no_inline_secrets)]


class Receiver(SpecModel):
    """Where notifications go; exactly one of slack, pagerduty, webhook."""

    slack: _Slack | None = None
    pagerduty: _PagerDuty | None = None
    webhook: Webhook | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Receiver:
        kinds = [k for k in ("slack", "pagerduty", "webhook") if getattr(self, k) is not None]
        if len(kinds) != 1:
            found = " and ".join(kinds) if kinds else "no kind"
            raise ValueError(f"the receiver has {found} (give exactly one of slack, pagerduty, webhook)")
        return self

    @property
    def kind(self) -> Literal["slack", "pagerduty", "webhook"]:
        return "slack" if self.slack else "pagerduty" if self.pagerduty else "webhook"


def _to_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


class Route(SpecModel):
    """Send matching alerts to receivers; routes are tried in order, first match wins."""

    severity: Literal["critical", "warning", "info"] | None = None
    match: Matchers = Field(default_factory=dict, description="Label matchers, e.g. {slo: encode-latency} or {alertname: {regex: 'Disk.*'}}.")
    to: Annotated[list[ReceiverName], BeforeValidator(_to_list)] = Field(description="Receiver name, or a list to notify several.")
    continue_: bool = Field(False, alias="continue", description="Keep matching later routes after this one.")
    mute_when: list[str] = Field(default_factory=list, description="Time intervals (from `mute`) when this route is silent.")
    active_when: list[str] = Field(default_factory=list, description="Time intervals outside which this route is silent.")


class Timing(SpecModel):
    group_wait: DurationField | None = None
    group_interval: DurationField | None = None
    repeat_interval: DurationField | None = None


_WEEKDAY = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)"


class TimeInterval(SpecModel):
    """Recurring window, in Alertmanager's time_intervals terms."""

    weekdays: list[Annotated[str, Field(pattern=rf"^{_WEEKDAY}(:{_WEEKDAY})?$")]] = Field(default_factory=list, description="e.g. [monday:friday]")
    times: list[Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")]] = Field(default_factory=list, description='e.g. ["09:00-17:00"]')
    location: str = Field("UTC", description="IANA time zone, e.g. Europe/Berlin.")

    @field_validator("location")
    @classmethod
    def _known_zone(cls, location: str) -> str:
        # Alertmanager loads the zone from the IANA database (Go's time.LoadLocation); a name it
        # does not know fails the whole config.
        import zoneinfo

        if location != "UTC" and location not in zoneinfo.available_timezones():
            import difflib

            close = difflib.get_close_matches(location, sorted(zoneinfo.available_timezones()), n=1)
            hint = f"did you mean {close[0]}?" if close else "use an IANA name such as Europe/Berlin or UTC"
            raise ValueError(f"'{location}' is not a time zone of the IANA database ({hint})")
        return location

    @field_validator("times")
    @classmethod
    def _start_before_end(cls, times: list[str]) -> list[str]:
        # Alertmanager rejects a range that ends before it starts or after 24:00
        # (https://prometheus.io/docs/alerting/0.25/configuration/#time_interval).
        for text in times:
            start, end = text.split("-")
            if end > "24:00":
                raise ValueError(f"time range {text} ends after 24:00 (end it at 24:00 at the latest)")
            if start >= end:
                raise ValueError(f"time range {text} does not end after it starts "
                                 f"(split a range across midnight: {start}-24:00 and 00:00-{end})")
        return times


class Routing(SpecModel):
    receivers: dict[ReceiverName, Receiver] = Field(min_length=1)
    routes: list[Route] = Field(default_factory=list)
    default: ReceiverName | None = Field(None, description="Receiver for alerts no route matches (default: the first receiver).")
    group_by: Annotated[list[LabelName], unique("group_by label")] = Field(default_factory=lambda: ["alertname", "service", "slo"])
    timing: dict[Literal["critical", "warning", "info"], Timing] = Field(default_factory=dict, description="Per-severity overrides of the house defaults.")
    mute: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")], TimeInterval] = Field(default_factory=dict, description="Named time intervals.")
    inhibit: bool = Field(True, description="Critical silences warning of the same alert; page tiers silence ticket tiers; `inhibits:` alerts silence symptoms.")
