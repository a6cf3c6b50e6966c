"""The ``routing`` section: receivers, routes, timing, inhibitions and mute windows.

Secrets are referenced by file only. A spec that inlines a Slack webhook URL or a PagerDuty key
is rejected, and the error never repeats the secret.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator, model_validator

from . import checks, rules
from .behaviour import ReceiverBehaviour
from .checks import MONTH_NAMES, CalendarRange, NoInlineSecrets
from .types import (
    DurationField,
    DurationOrZeroField,
    FilePath,
    LabelName,
    Matchers,
    ReceiverName,
    SpecModel,
    Url,
    _Text,
    unique,
)


def _no_inline_secrets(kind: str, model: type) -> BeforeValidator:
    # Only refuses inline secrets, so the schema of its input is the model's own.
    return BeforeValidator(NoInlineSecrets(kind), json_schema_input_type=model)


class Slack(SpecModel):
    channel: str = Field(pattern=r"^[#@][^\s]+$", description="Channel (#name) or user (@name).")
    api_url_file: FilePath = Field(description="File holding the Slack incoming-webhook URL.")
    send_resolved: bool = True
    mention: str | None = Field(None, description="Prepended to firing critical messages, e.g. @here.")


class PagerDuty(SpecModel):
    routing_key_file: FilePath = Field(description="File holding the Events API v2 integration (routing) key.")
    url: Url | None = Field(None, description="Events API endpoint (default: PagerDuty's); for EU accounts or tests.")
    send_resolved: bool = True

    _url_has_no_secret = field_validator("url")(rules.pagerduty_url)


class Webhook(SpecModel):
    url: Url = Field(description="Endpoint; must not carry credentials (use credentials_file).")
    credentials_file: FilePath | None = Field(None, description="File holding a bearer token sent as Authorization.")
    send_resolved: bool = True

    _url_has_no_secret = field_validator("url")(rules.webhook_url)


# `to`, `from` and an Opsgenie responder's name are Go templates to Alertmanager: no braces, so
# no user text is ever read as a template action.
_EMAIL = r"[^\s@<>,{}]+@[^\s@<>,{}]+"


class Email(SpecModel):
    to: Annotated[
        str,
        _Text(
            "list of e-mail addresses",
            rf"{_EMAIL}(,\s*{_EMAIL})*",
            "write a@example.com, or several separated by commas",
        ),
    ] = Field(description="Address(es), comma-separated.")
    from_: Annotated[str, _Text("e-mail address", _EMAIL, "write the sender as alertmanager@example.com")] = Field(
        alias="from", description="Sender address."
    )
    smarthost: Annotated[
        str, _Text("SMTP host:port", r"[A-Za-z0-9.-]+:\d+", "write host:port, e.g. smtp.example.com:587")
    ] = Field(description="SMTP server as host:port, e.g. smtp.example.com:587.")
    auth_username: str | None = Field(
        None, description="SMTP user (LOGIN/PLAIN auth); its password goes in auth_password_file."
    )
    auth_password_file: FilePath | None = Field(None, description="File holding the SMTP password.")
    require_tls: bool = Field(True, description="Refuse to send without STARTTLS (Alertmanager's default).")
    send_resolved: bool = True

    _user_and_password = model_validator(mode="after")(rules.email_user_and_password)


class Opsgenie(SpecModel):
    api_key_file: FilePath = Field(description="File holding the Opsgenie API integration key.")
    api_url: Url | None = Field(
        None, description="API endpoint (default: Opsgenie's; https://api.eu.opsgenie.com/ for EU accounts)."
    )
    team: (
        Annotated[
            str, _Text("Opsgenie team name", r"[A-Za-z0-9][A-Za-z0-9 _.-]*", "use letters, digits, spaces, _ . and -")
        ]
        | None
    ) = Field(None, description="Opsgenie team that receives the alerts (a responder of type team).")
    send_resolved: bool = True

    _url_has_no_secret = field_validator("api_url")(rules.opsgenie_url)


_Slack = Annotated[Slack, _no_inline_secrets("slack", Slack)]
_PagerDuty = Annotated[PagerDuty, _no_inline_secrets("pagerduty", PagerDuty)]
_Email = Annotated[Email, _no_inline_secrets("email", Email)]
_Opsgenie = Annotated[Opsgenie, _no_inline_secrets("opsgenie", Opsgenie)]
ReceiverKind = Literal["slack", "pagerduty", "webhook", "email", "opsgenie"]


class Receiver(ReceiverBehaviour, SpecModel):
    """Where notifications go; exactly one of slack, pagerduty, webhook, email, opsgenie."""

    slack: _Slack | None = None
    pagerduty: _PagerDuty | None = None
    webhook: Webhook | None = None
    email: _Email | None = None
    opsgenie: _Opsgenie | None = None

    _one_kind = model_validator(mode="after")(rules.receiver_one_kind)


class Route(SpecModel):
    """Send matching alerts to receivers; routes are tried in order, first match wins."""

    severity: Literal["critical", "warning", "info"] | None = None
    match: Matchers = Field(
        default_factory=dict,
        description="Label matchers, e.g. {slo: encode-latency} or {alertname: {regex: 'Disk.*'}}.",
    )
    to: Annotated[
        list[ReceiverName], BeforeValidator(checks.to_list, json_schema_input_type=ReceiverName | list[ReceiverName])
    ] = Field(description="Receiver name, or a list to notify several.")
    continue_: bool = Field(False, alias="continue", description="Keep matching later routes after this one.")
    mute_when: list[str] = Field(
        default_factory=list, description="Time intervals (from `mute`) when this route is silent."
    )
    active_when: list[str] = Field(
        default_factory=list, description="Time intervals outside which this route is silent."
    )
    group_by: list[LabelName] | None = Field(
        None, description="Labels that split this route's notifications (default: routing.group_by)."
    )
    group_wait: DurationOrZeroField | None = Field(
        None, description="Overrides the severity timing for this route; 0s sends at once."
    )
    group_interval: DurationField | None = Field(None, description="Overrides the severity timing for this route.")
    repeat_interval: DurationField | None = Field(None, description="Overrides the severity timing for this route.")


class Timing(SpecModel):
    group_wait: DurationOrZeroField | None = None
    group_interval: DurationField | None = None
    repeat_interval: DurationField | None = None


_WEEKDAY = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_DAY = r"(-?([1-9]|[12]\d|3[01]))"
_MONTH = rf"({'|'.join(MONTH_NAMES)}|[1-9]|1[0-2])"


_DayRange = Annotated[
    str,
    BeforeValidator(CalendarRange("a day of the month", _DAY, '"1:7", "15", or "-1" for the last day')),
    WithJsonSchema({"type": ["string", "integer"]}),
]
_MonthRange = Annotated[
    str,
    BeforeValidator(CalendarRange("a month", _MONTH, "january:march, december or 1:3")),
    WithJsonSchema({"type": ["string", "integer"]}),
]
_YearRange = Annotated[
    str,
    BeforeValidator(CalendarRange("a year", r"\d{4}", '"2026" or "2026:2027"')),
    WithJsonSchema({"type": ["string", "integer"]}),
]


class TimeInterval(SpecModel):
    """Recurring window, in Alertmanager's time_intervals terms."""

    weekdays: list[Annotated[str, Field(pattern=rf"^{_WEEKDAY}(:{_WEEKDAY})?$")]] = Field(
        default_factory=list, description="e.g. [monday:friday]"
    )
    times: list[Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")]] = Field(
        default_factory=list, description='e.g. ["09:00-17:00"]'
    )
    days_of_month: list[_DayRange] = Field(
        default_factory=list, description='e.g. ["1:7", "-1"] (negative days count from the end of the month)'
    )
    months: list[_MonthRange] = Field(default_factory=list, description="e.g. [january:march, december] or [1:3, 12]")
    years: list[_YearRange] = Field(default_factory=list, description='e.g. ["2026", "2026:2027"]')
    location: str = Field("UTC", description="IANA time zone, e.g. Europe/Berlin.")

    _known_zone = field_validator("location")(rules.known_zone)
    _start_before_end = field_validator("times")(rules.start_before_end)


class Routing(SpecModel):
    receivers: dict[ReceiverName, Receiver] = Field(min_length=1)
    routes: list[Route] = Field(default_factory=list)
    default: ReceiverName | None = Field(
        None, description="Receiver for alerts no route matches (default: the first receiver)."
    )
    group_by: Annotated[list[LabelName], unique("group_by label")] = Field(
        default_factory=lambda: ["alertname", "service", "slo"]
    )
    timing: dict[Literal["critical", "warning", "info"], Timing] = Field(
        default_factory=dict, description="Per-severity overrides of the house defaults."
    )
    mute: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")], TimeInterval] = Field(
        default_factory=dict, description="Named time intervals."
    )
    inhibit: bool = Field(
        True,
        description="Critical silences warning of the same alert; page tiers silence ticket tiers; `inhibits:` alerts silence symptoms.",
    )
