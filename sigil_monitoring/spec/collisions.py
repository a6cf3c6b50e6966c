"""Generated names two parts of a spec would share: each is an error naming both sides.

Burn alerts are named from their SLO (``ab`` -> ``AbFastBurn``), so an alert of that name, or two
SLOs whose names differ only in dashes (``x-1``, ``x1``), would write one rule test file and send
two different alerts under one ``alertname``. Two catalog entries for one Prometheus metric would
write recording rules for the same series twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..conventions import slo_alert_name
from ..errors import Problem

if TYPE_CHECKING:
    from .document import Spec


def collisions(spec: Spec) -> Iterator[Problem]:
    seen: dict[str, str] = {}
    for name in spec.enabled_alerts:  # a disabled alert has no rule to collide with
        seen[name] = f"alert '{name}'"
    for slo_name, slo in spec.slos.items():
        for tier in ("page", "ticket"):
            if not getattr(slo.alerting, tier).enabled:
                continue
            alert = slo_alert_name(slo_name, tier)
            here = f"the {tier} alert of SLO '{slo_name}'"
            if alert in seen:
                yield (
                    ("slos", slo_name),
                    "key",
                    (
                        f"{here} is named {alert}, like {seen[alert]} (rename the SLO or the alert; "
                        "SLO alerts are named <CamelCaseSlo>FastBurn and <CamelCaseSlo>SlowBurn)"
                    ),
                )
                break  # its other tier collides the same way
            else:
                seen[alert] = here
    metrics: dict[str, str] = {}
    for key, metric in spec.metrics.items():
        if metric.from_ is not None or metric.name is None:
            continue  # a derived entry narrows its base metric on purpose
        if metric.name in metrics:
            yield (
                ("metrics", key, "name"),
                "value",
                (
                    f"'{metric.name}' is already declared as metrics.{metrics[metric.name]} "
                    f"(declare each Prometheus metric once and refer to metrics.{metrics[metric.name]})"
                ),
            )
        else:
            metrics[metric.name] = key
