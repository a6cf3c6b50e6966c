"""The field types of the spec classes, in pydantic's vocabulary: names, durations, thresholds, refs.

Each type parses the YAML scalar once, in a ``BeforeValidator``, so a bad value yields exactly one
error with a fix hint, and publishes a plain JSON Schema so editors can complete the spec.

The spec classes (``spec/struct.py``) name these types in their annotations, which stay text at
run time: this module, and pydantic with it, is imported only when the annotations are read, by
the error path (``spec/pydantic_models.py``), the fast validator's generator and type checkers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal

from annotated_types import GroupedMetadata

# Field is for the spec classes' annotations, evaluated in this module's namespace (pydantic_models).
from pydantic import AfterValidator, BeforeValidator, Field, PlainSerializer, WithJsonSchema  # noqa: F401

from ..values.matchers import Matcher
from ..values.units import (
    Duration,
    Threshold,
    parse_budget_share,
    parse_burn_factor,
    parse_objective,
    parse_threshold,
)
from . import checks
from .checks import MONTH_NAMES, AtMost, CalendarRange, DurationCheck, NameCheck, NoInlineSecrets, TextCheck, Unique
from .refs import MetricRef
from .routing import Email, Opsgenie, PagerDuty, Slack
from .service import Unit


@dataclass(frozen=True)
class _Text(GroupedMetadata):
    """A text field matched against ``pattern``, with a fix hint in the error.

    A grouped metadata object (pydantic expands it) rather than a function returning an
    ``Annotated`` type, so type checkers see every name type below as ``str``.
    """

    kind: str
    pattern: str
    hint: str

    def __iter__(self) -> Iterator[object]:
        yield BeforeValidator(TextCheck(self.kind, self.pattern, self.hint))
        yield WithJsonSchema({"type": "string", "pattern": f"^{self.pattern}$"})


ServiceName = Annotated[
    str,
    _Text(
        "service name", r"[a-z][a-z0-9-]{0,38}[a-z0-9]", "use 2-40 lowercase letters, digits and dashes, e.g. sigil-dna"
    ),
]
SloName = Annotated[
    str,
    _Text(
        "SLO name",
        r"[a-z][a-z0-9-]{0,38}[a-z0-9]",
        "use 2-40 lowercase letters, digits and dashes, e.g. encode-latency",
    ),
]
LogicalName = Annotated[
    str, _Text("metric key", r"[a-z][a-z0-9_]*", "use lowercase letters, digits and underscores, e.g. encode_latency")
]
MetricName = Annotated[
    str,
    _Text(
        "Prometheus metric name", r"[a-zA-Z_:][a-zA-Z0-9_:]*", "use letters, digits, _ and :, e.g. sigil_encode_total"
    ),
]


# Prometheus reserves label names starting with __ (__name__ is the metric name itself).
LabelName = Annotated[
    str,
    _Text(
        "label name",
        r"(?:[a-zA-Z][a-zA-Z0-9_]*|_(?:[a-zA-Z0-9][a-zA-Z0-9_]*)?)",
        "use letters, digits and _, not starting with a digit or __, e.g. operation",
    ),
]
# Alert names name files (<Alert>.test.yml); 120 characters stay far below NAME_MAX (255 bytes).
AlertName = Annotated[
    str,
    _Text("alert name", r"[A-Z][A-Za-z0-9]*", "alert names are CamelCase, e.g. EncodeLatencyHigh"),
    AfterValidator(AtMost(120, "alert name")),
]
ReceiverName = Annotated[
    str, _Text("receiver name", r"[a-z][a-z0-9-]*", "use lowercase letters, digits and dashes, e.g. oncall")
]

Url = Annotated[
    str,
    BeforeValidator(checks.url),
    WithJsonSchema({"type": "string", "pattern": r"^https?://[^\s@]+$", "format": "uri"}),
]
FilePath = Annotated[
    str,
    _Text(
        "file path",
        r"/[^\s]*",
        "write an absolute path to a file the server can read, e.g. /etc/alertmanager/secrets/slack-url",
    ),
]


LabelValue = Annotated[str, BeforeValidator(checks.label_value), WithJsonSchema({"type": ["string", "number"]})]
Labels = dict[LabelName, LabelValue]
"""Labels the compiler sets (``service.labels``, alert ``labels``): plain values."""
Annotations = dict[LabelName, str]
"""Extra alert annotations: name -> text (a Prometheus template, like ``description``)."""


_LITERAL = {"type": ["string", "number"], "description": "matched literally; no regex metacharacters"}
_MATCHER_SCHEMA = {
    "anyOf": [
        _LITERAL,
        {
            "type": "array",
            "items": _LITERAL,
            "minItems": 1,
            "description": "any of these values (=~ with each value escaped)",
        },
        *(
            {
                "type": "object",
                "properties": {key: {"type": ["string", "number"]}},
                "required": [key],
                "additionalProperties": False,
            }
            for key in ("equals", "not", "regex", "not_regex")
        ),
    ],
}
MatcherValue = Annotated[
    Matcher, BeforeValidator(checks.matcher), PlainSerializer(lambda m: m.spec_form()), WithJsonSchema(_MATCHER_SCHEMA)
]
Matchers = Annotated[dict[LabelName, MatcherValue], AfterValidator(checks.label_matchers)]
"""Label matchers (``where``, ``service.selector``, route ``match``): ``matchers.parse`` forms."""


@dataclass(frozen=True)
class _DurationRange(GroupedMetadata):
    """A duration between ``least`` and ``most`` (inclusive), with the reason for the bound."""

    least: str | None = None
    most: str = "10y"
    why: str = "Prometheus and Alertmanager keep durations in int64 nanoseconds, at most 292 years"
    zero_ok: bool = False  # an alert's for and keep_firing_for, group_wait

    def __iter__(self) -> Iterator[object]:
        yield BeforeValidator(DurationCheck(self.least, self.most, self.why, self.zero_ok))
        yield PlainSerializer(str, return_type=str)
        yield WithJsonSchema(
            {
                "type": "string",
                "pattern": r"^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$",
                "examples": ["5m", "1h30m", "30d"],
            }
        )


DurationField = Annotated[Duration, _DurationRange()]
# An alert's `for`: the generated promtool test evaluates the rules every minute up to it (a 30d
# `for` took promtool 106 s), and a condition that must hold for days is a report, not an alert.
ForField = Annotated[
    Duration,
    _DurationRange(
        most="1d", zero_ok=True, why="the generated promtool test evaluates every minute until the alert fires"
    ),
]
# The range of an alert's rate (`over`): its generated promtool test feeds the whole range and
# evaluates every minute across it, as for `for`; a rate over days is a report, not an alert.
RateRangeField = Annotated[
    Duration,
    _DurationRange(most="1d", why="the generated promtool test evaluates every minute across the whole range"),
]
# Prometheus looks back 5m for the latest sample, so series scraped less often than every 2m go stale
# between scrapes (https://prometheus.io/docs/prometheus/latest/querying/basics/#staleness).
ScrapeIntervalField = Annotated[
    Duration,
    _DurationRange(
        least="1s",
        most="2m",
        why="Prometheus marks a series stale after 5m without a sample, and rate windows need 4 scrapes",
    ),
]
# Burn windows are the SRE workbook's 30d windows scaled down; below 1h they fall under the scrape
# resolution and the short and long windows coincide.
SloWindowField = Annotated[
    Duration, _DurationRange(least="1h", most="3y", why="burn-rate windows are fractions of the SLO window")
]


DurationOrZeroField = Annotated[Duration, _DurationRange(zero_ok=True)]
"""A duration that may be 0s: an alert's ``for`` and ``keep_firing_for``, ``group_wait``."""

ObjectiveField = Annotated[
    Decimal,
    BeforeValidator(parse_objective),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {"type": ["string", "number"], "description": "percentage, e.g. 99.9% or 99.9", "examples": ["99.9%"]}
    ),
]

BurnFactorField = Annotated[
    Decimal,
    BeforeValidator(parse_burn_factor),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {"type": ["string", "number"], "description": "burn rate, a positive number, e.g. 14.4", "examples": [14.4]}
    ),
]
BudgetShareField = Annotated[
    Decimal,
    BeforeValidator(parse_budget_share),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*[0-9]+(\.[0-9]+)?\s*%\s*$",
            "description": "percentage of the error budget, with %, e.g. 2%",
            "examples": ["2%"],
        }
    ),
]

ThresholdField = Annotated[
    Threshold,
    BeforeValidator(parse_threshold),
    PlainSerializer(lambda t: t.text, return_type=str),
    WithJsonSchema(
        {
            "type": ["string", "number"],
            "description": "a number, a duration (1s), a size (10GiB), a percentage (5%) or a rate (1/min)",
            "examples": ["1s", "10GiB", "5%", "1/min", 0.5],
        }
    ),
]


@dataclass(frozen=True)
class unique(GroupedMetadata):  # reads as a constraint in Annotated[...]
    """A list in which each item appears once (Alertmanager refuses a repeated group_by label)."""

    what: str

    def __iter__(self) -> Iterator[object]:
        yield AfterValidator(Unique(self.what))


# What a metric, a promql condition or a promql panel is measured in. The short forms it takes
# (``s``, ``ms``, ``B``, ...) are listed once, in checks.UNIT_ALIASES; the schema offers them from there.
UnitField = Annotated[
    Unit, BeforeValidator(checks.unit, json_schema_input_type=Unit | Literal.__getitem__(tuple(checks.UNIT_ALIASES)))
]
Ref = Annotated[MetricRef, BeforeValidator(checks.coerce_ref, json_schema_input_type=LogicalName | MetricRef)]
"""A catalog reference: ``errors`` or ``{metric: errors, where: ..., by: ...}``."""

StateValue = Annotated[int, BeforeValidator(checks.state_value), WithJsonSchema({"type": ["integer", "string"]})]

Inhibits = Annotated[
    list[Literal["symptoms", "slos"]],
    BeforeValidator(checks.inhibit_list),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "boolean"},
                {"type": "array", "items": {"enum": ["symptoms", "slos"]}, "uniqueItems": True},
            ]
        }
    ),
]


def _no_inline_secrets(kind: str, model: type) -> BeforeValidator:
    # Only refuses inline secrets, so the schema of its input is the model's own.
    return BeforeValidator(NoInlineSecrets(kind), json_schema_input_type=model)


Slack_ = Annotated[Slack, _no_inline_secrets("slack", Slack)]
PagerDuty_ = Annotated[PagerDuty, _no_inline_secrets("pagerduty", PagerDuty)]
Email_ = Annotated[Email, _no_inline_secrets("email", Email)]
Opsgenie_ = Annotated[Opsgenie, _no_inline_secrets("opsgenie", Opsgenie)]

_DAY = r"(-?([1-9]|[12]\d|3[01]))"
_MONTH = rf"({'|'.join(MONTH_NAMES)}|[1-9]|1[0-2])"
DayRange = Annotated[
    str,
    BeforeValidator(CalendarRange("a day of the month", _DAY, '"1:7", "15", or "-1" for the last day')),
    WithJsonSchema({"type": ["string", "integer"]}),
]
MonthRange = Annotated[
    str,
    BeforeValidator(CalendarRange("a month", _MONTH, "january:march, december or 1:3")),
    WithJsonSchema({"type": ["string", "integer"]}),
]
YearRange = Annotated[
    str,
    BeforeValidator(CalendarRange("a year", r"\d{4}", '"2026" or "2026:2027"')),
    WithJsonSchema({"type": ["string", "integer"]}),
]

# Names an engine takes, by the engine's own rules (values/names.py has each rule and its source).
_LABEL_PART = r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)"
_DNS = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"


@dataclass(frozen=True)
class _Name(GroupedMetadata):
    """Text judged by ``values.names.<rule>``; ``schema`` is what editors are told of it."""

    rule: str
    kind: str
    schema: tuple[tuple[str, object], ...] = ()

    def __iter__(self) -> Iterator[object]:
        yield BeforeValidator(NameCheck(self.rule, self.kind))
        yield WithJsonSchema({"type": "string", **dict(self.schema)})


K8sNamespace = Annotated[
    str, _Name("k8s_namespace", "namespace", (("pattern", r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"), ("maxLength", 63)))
]
K8sObjectName = Annotated[str, _Name("k8s_object_name", "object name", (("pattern", f"^{_DNS}$"), ("maxLength", 253)))]
K8sLabelKey = Annotated[str, _Name("k8s_label_key", "label key", (("pattern", f"^({_DNS}/)?{_LABEL_PART}$"),))]
K8sLabelValue = Annotated[
    str,
    BeforeValidator(NameCheck("k8s_label_value", "label value", numbers=True)),
    WithJsonSchema({"type": ["string", "number"], "pattern": f"^{_LABEL_PART}?$"}),
]
K8sLabels = dict[K8sLabelKey, K8sLabelValue]
"""Labels on Kubernetes objects: keys and values as the Kubernetes API takes them."""
Tenant = Annotated[str, _Name("mimir_tenant", "tenant", (("pattern", r"^[A-Za-z0-9!_.*'()-]{1,150}$"),))]
MimirNamespace = Annotated[
    str, _Name("mimir_namespace", "ruler namespace", (("pattern", r"^[A-Za-z0-9_.-]+$"), ("maxLength", 245)))
]
GrafanaFolder = Annotated[str, _Name("grafana_dashboard_folder", "folder title", (("maxLength", 189),))]
GrafanaAlertingFolder = Annotated[
    str, _Name("grafana_alerting_folder", "folder title", (("pattern", r"^[^/\\]*$"), ("maxLength", 189)))
]
ContactPointName = Annotated[str, _Name("grafana_contact_point", "contact point name", (("minLength", 1),))]
