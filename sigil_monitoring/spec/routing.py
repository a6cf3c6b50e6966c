"""The ``routing`` section: receivers, routes, timing, inhibitions and mute windows.

Secrets are referenced by file only. A spec that inlines a Slack webhook URL or a PagerDuty key
is rejected, and the error never repeats the secret.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema, field_validator, model_validator

from .types import DurationField, DurationOrZeroField, FilePath, LabelName, Matchers, ReceiverName, SpecModel, Url, _Text, unique
from .urls import secret_in_url

# The secret keys of each receiver kind, and the *_file key Alertmanager 0.25 reads it from
# instead (amtool check-config accepts each of those): the spec takes only the file. "" marks a
# secret 0.25 has no file for, refused outright.
_INLINE_SECRETS: dict[str, dict[str, str]] = {
    "slack": {"api_url": "api_url_file"},
    "pagerduty": {"routing_key": "routing_key_file", "service_key": "routing_key_file", "service_key_file": "routing_key_file"},
    "email": {"auth_password": "auth_password_file", "auth_secret": ""},
    "opsgenie": {"api_key": "api_key_file"},
}


def _no_inline_secrets(kind: str, model: type) -> BeforeValidator:
    def check(value: object) -> object:
        if isinstance(value, dict):
            for key, instead in _INLINE_SECRETS[kind].items():
                if key in value and not instead:
                    # CRAM-MD5's secret: amtool 0.25 check-config rejects an `auth_secret_file`.
                    raise ValueError(f"{key} puts a secret in the spec, and Alertmanager 0.25 cannot read it from a file "
                                     "(use auth_username with auth_password_file: LOGIN/PLAIN authentication)")
                if key in value:
                    # The value is a secret: the message names the key, never the value.
                    raise ValueError(f"{key} puts a secret in the spec (write it to a file and give {instead}: /path/to/file)")
        return value

    # Only refuses inline secrets, so the schema of its input is the model's own.
    return BeforeValidator(check, json_schema_input_type=model)


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


# `to`, `from` and an Opsgenie responder's name are Go templates to Alertmanager: no braces, so
# no user text is ever read as a template action.
_EMAIL = r"[^\s@<>,{}]+@[^\s@<>,{}]+"


class Email(SpecModel):
    to: Annotated[str, _Text("list of e-mail addresses", rf"{_EMAIL}(,\s*{_EMAIL})*", "write a@example.com, or several separated by commas")] = Field(
        description="Address(es), comma-separated.")
    from_: Annotated[str, _Text("e-mail address", _EMAIL, "write the sender as alertmanager@example.com")] = Field(
        alias="from", description="Sender address.")
    smarthost: Annotated[str, _Text("SMTP host:port", r"[A-Za-z0-9.-]+:\d+", "write host:port, e.g. smtp.example.com:587")] = Field(
        description="SMTP server as host:port, e.g. smtp.example.com:587.")
    auth_username: str | None = Field(None, description="SMTP user (LOGIN/PLAIN auth); its password goes in auth_password_file.")
    auth_password_file: FilePath | None = Field(None, description="File holding the SMTP password.")
    require_tls: bool = Field(True, description="Refuse to send without STARTTLS (Alertmanager's default).")
    send_resolved: bool = True

    @model_validator(mode="after")
    def _user_and_password(self) -> Email:
        if (self.auth_username is None) != (self.auth_password_file is None):
            raise ValueError("auth_username and auth_password_file go together (give both, or neither for an open relay)")
        return self


class Opsgenie(SpecModel):
    api_key_file: FilePath = Field(description="File holding the Opsgenie API integration key.")
    api_url: Url | None = Field(None, description="API endpoint (default: Opsgenie's; https://api.eu.opsgenie.com/ for EU accounts).")
    team: Annotated[str, _Text("Opsgenie team name", r"[A-Za-z0-9][A-Za-z0-9 _.-]*", "use letters, digits, spaces, _ . and -")] | None = Field(
        None, description="Opsgenie team that receives the alerts (a responder of type team).")
    send_resolved: bool = True

    @field_validator("api_url")
    @classmethod
    def _url_has_no_secret(cls, url: str | None) -> str | None:
        if url is not None and _carries_secret(url):
            raise ValueError("the Opsgenie URL carries credentials or a query string (give the bare endpoint; the key goes in api_key_file)")
        return url


_Slack = Annotated[Slack, _no_inline_secrets("slack", Slack)]
_PagerDuty = Annotated[PagerDuty, _no_inline_secrets("pagerduty", PagerDuty)]
_Email = Annotated[Email, _no_inline_secrets("email", Email)]
_Opsgenie = Annotated[Opsgenie, _no_inline_secrets("opsgenie", Opsgenie)]
ReceiverKind = Literal["slack", "pagerduty", "webhook", "email", "opsgenie"]
RECEIVER_KINDS: tuple[ReceiverKind, ...] = ("slack", "pagerduty", "webhook", "email", "opsgenie")


class Receiver(SpecModel):
    """Where notifications go; exactly one of slack, pagerduty, webhook, email, opsgenie."""

    slack: _Slack | None = None
    pagerduty: _PagerDuty | None = None
    webhook: Webhook | None = None
    email: _Email | None = None
    opsgenie: _Opsgenie | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Receiver:
        kinds = [k for k in RECEIVER_KINDS if getattr(self, k) is not None]
        if len(kinds) != 1:
            found = " and ".join(kinds) if kinds else "no kind"
            raise ValueError(f"the receiver has {found} (give exactly one of {', '.join(RECEIVER_KINDS)})")
        return self

    @property
    def kind(self) -> ReceiverKind:
        return next(k for k in RECEIVER_KINDS if getattr(self, k) is not None)


def _to_list(value: object) -> object:
    return [value] if isinstance(value, str) else value


class Route(SpecModel):
    """Send matching alerts to receivers; routes are tried in order, first match wins."""

    severity: Literal["critical", "warning", "info"] | None = None
    match: Matchers = Field(default_factory=dict, description="Label matchers, e.g. {slo: encode-latency} or {alertname: {regex: 'Disk.*'}}.")
    to: Annotated[list[ReceiverName], BeforeValidator(_to_list, json_schema_input_type=ReceiverName | list[ReceiverName])] = Field(description="Receiver name, or a list to notify several.")
    continue_: bool = Field(False, alias="continue", description="Keep matching later routes after this one.")
    mute_when: list[str] = Field(default_factory=list, description="Time intervals (from `mute`) when this route is silent.")
    active_when: list[str] = Field(default_factory=list, description="Time intervals outside which this route is silent.")
    group_by: list[LabelName] | None = Field(None, description="Labels that split this route's notifications (default: routing.group_by).")
    group_wait: DurationOrZeroField | None = Field(None, description="Overrides the severity timing for this route; 0s sends at once.")
    group_interval: DurationField | None = Field(None, description="Overrides the severity timing for this route.")
    repeat_interval: DurationField | None = Field(None, description="Overrides the severity timing for this route.")


class Timing(SpecModel):
    group_wait: DurationOrZeroField | None = None
    group_interval: DurationField | None = None
    repeat_interval: DurationField | None = None


_WEEKDAY = r"(monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_DAY = r"(-?([1-9]|[12]\d|3[01]))"
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december")
_MONTH = rf"({'|'.join(_MONTH_NAMES)}|[1-9]|1[0-2])"


def _ordinal(text: str) -> int:
    """A day, month (name or number) or year as a number, for ordering ranges."""
    return _MONTH_NAMES.index(text) + 1 if text in _MONTH_NAMES else int(text)


def _calendar_range(what: str, pattern: str, example: str) -> object:
    """A ``days_of_month`` / ``months`` / ``years`` entry: one value or ``start:end``, checked the
    way Alertmanager 0.25 checks it (amtool check-config): an end before the start is refused, and
    days counted from the end of the month (-1 is the last) are judged by the shortest month, 28
    days ("1:-1" is fine, "28:-1" is "always before"), and may not end a range that starts from
    the end ("-3:5")."""
    compiled = re.compile(rf"{pattern}(:{pattern})?")

    def check(value: object) -> str:
        # YAML reads `days_of_month: [1, -1]` and `years: [2026]` as numbers; Alertmanager reads text.
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(text, str) or not compiled.fullmatch(text):
            raise ValueError(f"{value!r} is not {what} or a range of them (write e.g. {example})")
        start, _, end = text.partition(":")
        if end:
            a, b = _ordinal(start), _ordinal(end)
            if a < 0 < b:
                raise ValueError(f"day range {text} starts from the end of the month but ends from its start "
                                 "(write both days from the start, or both negative, e.g. -7:-1)")
            if (a > 0 > b and 28 + b < a) or ((a > 0) == (b > 0) and a > b):
                short = " (in a 28-day month)" if a > 0 > b else ""
                raise ValueError(f"range {text} ends before it starts{short} (swap the ends, or split it into two entries)")
        return text

    return BeforeValidator(check)


_DayRange = Annotated[str, _calendar_range("a day of the month", _DAY, '"1:7", "15", or "-1" for the last day'),
                      WithJsonSchema({"type": ["string", "integer"]})]
_MonthRange = Annotated[str, _calendar_range("a month", _MONTH, "january:march, december or 1:3"),
                        WithJsonSchema({"type": ["string", "integer"]})]
_YearRange = Annotated[str, _calendar_range("a year", r"\d{4}", '"2026" or "2026:2027"'),
                       WithJsonSchema({"type": ["string", "integer"]})]


class TimeInterval(SpecModel):
    """Recurring window, in Alertmanager's time_intervals terms."""

    weekdays: list[Annotated[str, Field(pattern=rf"^{_WEEKDAY}(:{_WEEKDAY})?$")]] = Field(default_factory=list, description="e.g. [monday:friday]")
    times: list[Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")]] = Field(default_factory=list, description='e.g. ["09:00-17:00"]')
    days_of_month: list[_DayRange] = Field(default_factory=list, description='e.g. ["1:7", "-1"] (negative days count from the end of the month)')
    months: list[_MonthRange] = Field(default_factory=list, description="e.g. [january:march, december] or [1:3, 12]")
    years: list[_YearRange] = Field(default_factory=list, description='e.g. ["2026", "2026:2027"]')
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
