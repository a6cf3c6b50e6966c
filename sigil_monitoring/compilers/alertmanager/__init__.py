"""Alertmanager target: ONE config for every compiled service, its templates and a routing table.

Outputs (only when at least one service has a ``routing`` section):

- ``alertmanager/alertmanager.yml``: root route -> the ``routing.catch_all`` receiver, or a fallback
  receiver with no integration when no spec names one; one subtree
  per service matched on ``service="<name>"``; receivers; inhibition rules; time intervals.
- ``alertmanager/sigil-monitoring.tmpl``: notification templates, loaded by a relative
  ``templates:`` entry (Alertmanager resolves it against the config file's directory).
- ``alertmanager/routing-tests.yml``: alert labels -> expected receivers, for every alert.
"""

from __future__ import annotations

from collections import Counter

from ... import conventions as names
from ...ir.model import Model
from ...output.bundle import Artifact
from . import inhibit, routes, routing_table, templates
from .config import Config, InhibitRule, Receiver, TimeInterval, TimeRange, TimeSpec
from .receivers import receiver


def compile(model: Model) -> list[Artifact]:  # the registry's verb
    """The three Alertmanager files, or nothing when no service routes its alerts."""
    routed = [s for s in model.services if s.routing is not None]
    if not routed:
        return []
    source = ", ".join(dict.fromkeys(s.source for s in model.services))
    header = names.GENERATED_HEADER.format(source=source)
    return [
        Artifact(names.ALERTMANAGER_CONFIG_PATH, build_config(model).to_wire(), "yaml", source),
        Artifact(
            names.ALERTMANAGER_TEMPLATE_PATH,
            f"{{{{/* {header} */}}}}\n{templates.file_text()}",
            "text",
            source,
            header=False,
        ),
        Artifact(
            names.ALERTMANAGER_ROUTING_TESTS_PATH,
            routing_table.document(routing_table.rows(model.services)),
            "yaml",
            source,
        ),
    ]


# One config for every service: all of this target's files depend on every service.
compile_shared = compile


def build_config(model: Model) -> Config:
    """The typed Alertmanager config of every service in the model."""
    # The fallback (no integration) only when no spec names a catch-all: no receiver sends nowhere
    # unless nobody said where the alerts that no service routes should go.
    fallback = routes.catch_all(model.services) == names.FALLBACK_RECEIVER
    receivers = [Receiver(names.FALLBACK_RECEIVER)] if fallback else []
    intervals: list[TimeInterval] = []
    rules: list[InhibitRule] = []
    for service in model.services:
        if service.routing is None:
            continue
        receivers += [receiver(r) for r in service.routing.receivers]
        intervals += [
            TimeInterval(
                t.name,
                (
                    TimeSpec(
                        weekdays(t.weekdays),
                        tuple(TimeRange(a, b) for a, b in t.times),
                        t.location,
                        t.days_of_month,
                        t.months,
                        t.years,
                    ),
                ),
            )
            for t in service.routing.time_intervals
        ]
        rules += inhibit.rules(service)
    config = Config(
        route=routes.root(model),
        receivers=tuple(receivers),
        inhibit_rules=tuple(rules),
        time_intervals=tuple(intervals),
        templates=(names.TEMPLATE_FILE,),
    )
    _check_unique("receiver", [r.name for r in config.receivers])
    _check_unique("time interval", [t.name for t in config.time_intervals])
    return config


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


def _check_unique(what: str, found: list[str]) -> None:
    # conventions make names unique by construction; two specs of one service would still clash.
    # Counted once each: a fleet of 1,000 services has as many receivers, and found.count(n) per name was quadratic.
    dupes = sorted(n for n, times in Counter(found).items() if times > 1)
    if dupes:
        raise ValueError(f"{what} names {', '.join(dupes)} are defined twice (compile each service from one spec only)")
