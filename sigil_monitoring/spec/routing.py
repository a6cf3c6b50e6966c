"""The ``routing`` section: receivers, routes, timing, inhibitions and mute windows.

Secrets are referenced by file only. A spec that inlines a Slack webhook URL or a PagerDuty key
is rejected, and the error never repeats the secret.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

from msgspec import field

from . import rules
from .rules import RECEIVER_KINDS
from .struct import FieldRules, ModelRules, SpecStruct

if TYPE_CHECKING:
    from pydantic import BeforeValidator, Field

    from . import checks
    from .types import (
        DayRange,
        DurationField,
        DurationOrZeroField,
        Email_,
        FilePath,
        LabelName,
        Matchers,
        MonthRange,
        Opsgenie_,
        PagerDuty_,
        ReceiverName,
        Slack_,
        Url,
        YearRange,
        _Text,
        unique,
    )


class Slack(SpecStruct, frozen=True, kw_only=True):
    channel: Annotated[str, Field(pattern=r"^[#@][^\s]+$", description="Channel (#name) or user (@name).")]
    api_url_file: Annotated[FilePath, Field(description="File holding the Slack incoming-webhook URL.")]
    send_resolved: bool = True
    mention: Annotated[str | None, Field(description="Prepended to firing critical messages, e.g. @here.")] = None


class PagerDuty(SpecStruct, frozen=True, kw_only=True):
    routing_key_file: Annotated[
        FilePath, Field(description="File holding the Events API v2 integration (routing) key.")
    ]
    url: Annotated[
        Url | None, Field(description="Events API endpoint (default: PagerDuty's); for EU accounts or tests.")
    ] = None
    send_resolved: bool = True

    field_rules: ClassVar[FieldRules] = {"url": (rules.pagerduty_url,)}


class Webhook(SpecStruct, frozen=True, kw_only=True):
    url: Annotated[Url, Field(description="Endpoint; must not carry credentials (use credentials_file).")]
    credentials_file: Annotated[
        FilePath | None, Field(description="File holding a bearer token sent as Authorization.")
    ] = None
    send_resolved: bool = True

    field_rules: ClassVar[FieldRules] = {"url": (rules.webhook_url,)}


# `to`, `from` and an Opsgenie responder's name are Go templates to Alertmanager: no braces, so
# no user text is ever read as a template action.
_EMAIL = r"[^\s@<>,{}]+@[^\s@<>,{}]+"


class Email(SpecStruct, frozen=True, kw_only=True):
    to: Annotated[
        Annotated[
            str,
            _Text(
                "list of e-mail addresses",
                rf"{_EMAIL}(,\s*{_EMAIL})*",
                "write a@example.com, or several separated by commas",
            ),
        ],
        Field(description="Address(es), comma-separated."),
    ]
    from_: Annotated[
        Annotated[str, _Text("e-mail address", _EMAIL, "write the sender as alertmanager@example.com")],
        Field(description="Sender address."),
    ] = field(name="from")
    smarthost: Annotated[
        Annotated[str, _Text("SMTP host:port", r"[A-Za-z0-9.-]+:\d+", "write host:port, e.g. smtp.example.com:587")],
        Field(description="SMTP server as host:port, e.g. smtp.example.com:587."),
    ]
    auth_username: Annotated[
        str | None, Field(description="SMTP user (LOGIN/PLAIN auth); its password goes in auth_password_file.")
    ] = None
    auth_password_file: Annotated[FilePath | None, Field(description="File holding the SMTP password.")] = None
    require_tls: Annotated[bool, Field(description="Refuse to send without STARTTLS (Alertmanager's default).")] = True
    send_resolved: bool = True

    model_rules: ClassVar[ModelRules] = (rules.email_user_and_password,)


class Opsgenie(SpecStruct, frozen=True, kw_only=True):
    api_key_file: Annotated[FilePath, Field(description="File holding the Opsgenie API integration key.")]
    api_url: Annotated[
        Url | None,
        Field(description="API endpoint (default: Opsgenie's; https://api.eu.opsgenie.com/ for EU accounts)."),
    ] = None
    team: Annotated[
        Annotated[
            str, _Text("Opsgenie team name", r"[A-Za-z0-9][A-Za-z0-9 _.-]*", "use letters, digits, spaces, _ . and -")
        ]
        | None,
        Field(description="Opsgenie team that receives the alerts (a responder of type team)."),
    ] = None
    send_resolved: bool = True

    field_rules: ClassVar[FieldRules] = {"api_url": (rules.opsgenie_url,)}


ReceiverKind = Literal["slack", "pagerduty", "webhook", "email", "opsgenie"]


class Receiver(SpecStruct, frozen=True, kw_only=True):
    """Where notifications go; exactly one of slack, pagerduty, webhook, email, opsgenie."""

    slack: Slack_ | None = None
    pagerduty: PagerDuty_ | None = None
    webhook: Webhook | None = None
    email: Email_ | None = None
    opsgenie: Opsgenie_ | None = None

    model_rules: ClassVar[ModelRules] = (rules.receiver_one_kind,)

    @property
    def kind(self) -> str:
        return next(k for k in RECEIVER_KINDS if getattr(self, k) is not None)


class Route(SpecStruct, frozen=True, kw_only=True):
    """Send matching alerts to receivers; routes are tried in order, first match wins."""

    severity: Literal["critical", "warning", "info"] | None = None
    match: Annotated[
        Matchers, Field(description="Label matchers, e.g. {slo: encode-latency} or {alertname: {regex: 'Disk.*'}}.")
    ] = field(default_factory=dict)
    to: Annotated[
        Annotated[
            list[ReceiverName],
            BeforeValidator(checks.to_list, json_schema_input_type=ReceiverName | list[ReceiverName]),
        ],
        Field(description="Receiver name, or a list to notify several."),
    ]
    continue_: Annotated[bool, Field(description="Keep matching later routes after this one.")] = field(
        default=False, name="continue"
    )
    mute_when: Annotated[list[str], Field(description="Time intervals (from `mute`) when this route is silent.")] = (
        field(default_factory=list)
    )
    active_when: Annotated[list[str], Field(description="Time intervals outside which this route is silent.")] = field(
        default_factory=list
    )
    group_by: Annotated[
        list[LabelName] | None,
        Field(description="Labels that split this route's notifications (default: routing.group_by)."),
    ] = None
    group_wait: Annotated[
        DurationOrZeroField | None, Field(description="Overrides the severity timing for this route; 0s sends at once.")
    ] = None
    group_interval: Annotated[
        DurationField | None, Field(description="Overrides the severity timing for this route.")
    ] = None
    repeat_interval: Annotated[
        DurationField | None, Field(description="Overrides the severity timing for this route.")
    ] = None


class Timing(SpecStruct, frozen=True, kw_only=True):
    group_wait: DurationOrZeroField | None = None
    group_interval: DurationField | None = None
    repeat_interval: DurationField | None = None


_WEEKDAY = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)"


class TimeInterval(SpecStruct, frozen=True, kw_only=True):
    """Recurring window, in Alertmanager's time_intervals terms."""

    weekdays: Annotated[
        list[Annotated[str, Field(pattern=rf"^{_WEEKDAY}(:{_WEEKDAY})?$")]], Field(description="e.g. [monday:friday]")
    ] = field(default_factory=list)
    times: Annotated[
        list[Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")]],
        Field(description='e.g. ["09:00-17:00"]'),
    ] = field(default_factory=list)
    days_of_month: Annotated[
        list[DayRange], Field(description='e.g. ["1:7", "-1"] (negative days count from the end of the month)')
    ] = field(default_factory=list)
    months: Annotated[list[MonthRange], Field(description="e.g. [january:march, december] or [1:3, 12]")] = field(
        default_factory=list
    )
    years: Annotated[list[YearRange], Field(description='e.g. ["2026", "2026:2027"]')] = field(default_factory=list)
    location: Annotated[str, Field(description="IANA time zone, e.g. Europe/Berlin.")] = "UTC"

    field_rules: ClassVar[FieldRules] = {"location": (rules.known_zone,), "times": (rules.start_before_end,)}


class Routing(SpecStruct, frozen=True, kw_only=True):
    receivers: Annotated[dict[ReceiverName, Receiver], Field(min_length=1)]
    routes: list[Route] = field(default_factory=list)
    default: Annotated[
        ReceiverName | None, Field(description="Receiver for alerts no route matches (default: the first receiver).")
    ] = None
    catch_all: Annotated[
        ReceiverName | None,
        Field(
            description="Receiver that also takes the alerts no service routes (Alertmanager's root route: alerts "
            "of services without routing, of rules written by hand, without a service label). One spec of a "
            "compile may set it; without one they go to a receiver with no integration, which drops them."
        ),
    ] = None
    group_by: Annotated[list[LabelName], unique("group_by label")] = field(
        default_factory=lambda: ["alertname", "service", "slo"]
    )
    timing: Annotated[
        dict[Literal["critical", "warning", "info"], Timing],
        Field(description="Per-severity overrides of the house defaults."),
    ] = field(default_factory=dict)
    mute: Annotated[
        dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$")], TimeInterval],
        Field(description="Named time intervals."),
    ] = field(default_factory=dict)
    inhibit: Annotated[
        bool,
        Field(
            description="Critical silences warning of the same alert; page tiers silence ticket tiers; `inhibits:` "
            "alerts silence symptoms."
        ),
    ] = True
