"""The cross-field rules of the spec models, without pydantic.

Each function takes the value (a field validator) or the built object (a model validator) and
returns it, or raises ``ValueError`` with the user-facing message. The pydantic models register
these very functions (``field_validator("buckets")(rules.buckets_increase)``); the generated fast
validator calls them by their names here. Objects are read by attribute only, so both a spec
class and the pydantic model derived from it (``spec/pydantic_models.py``) pass.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

import msgspec

from .urls import secret_in_url

CONDITION_KINDS = {
    "quantile": "{quantile: 0.95, of: encode_latency, above: 1s}",
    "rate": "{rate: errors, above: 1/min}",
    "ratio": "{ratio: {bad: errors, total: encodes}, above: 5%}",
    "state": "{state: circuit, is: open}",
    "value": "{value: disk_free, below: 10GiB} or {value: connections, of: max_connections, above: 90%}",
    "absent": "{absent: encodes}",
    "promql": "{promql: 'up{job=\"x\"} == 0'}",
}
PANEL_KINDS = (
    "heatmap",
    "percentiles",
    "histogram",
    "rate",
    "error_ratio",
    "timeline",
    "stat",
    "gauge",
    "promql",
    "slo",
    "text",
)
RECEIVER_KINDS = ("slack", "pagerduty", "webhook", "email", "opsgenie")


def _given(obj: Any, names: Iterable[str]) -> list[str]:
    """The fields of ``names`` that ``obj`` sets (not None): the kinds a one-kind object was given."""
    return [name for name in names if getattr(obj, name) is not None]


def listed(kinds: list[str], nothing: str) -> str:
    """The kinds given, for an error: ``rate and ratio``, or ``nothing`` when there are none."""
    return " and ".join(kinds) if kinds else nothing


def buckets_increase(buckets: list[float] | None) -> list[float] | None:
    if buckets is not None:
        if not buckets:
            raise ValueError("buckets is empty (list the bucket boundaries, e.g. [0.1, 0.5, 1])")
        if not all(math.isfinite(b) for b in buckets):
            raise ValueError("buckets must be finite numbers (drop .inf: Prometheus adds the +Inf bucket itself)")
        if buckets[0] < 0:
            raise ValueError(
                f"bucket {buckets[0]!r} is negative (sigil-monitoring supports histograms of non-negative "
                "observations such as durations and sizes; start the buckets at 0 or above)"
            )
        if sorted(set(buckets)) != buckets:
            raise ValueError("buckets must be strictly increasing (sort them and drop repeats)")
    return buckets


def metric_fits_type(self: Any) -> Any:
    if self.from_ is not None:
        extra = [k for k in ("name", "type", "buckets", "states") if getattr(self, k) is not None] + (
            ["labels"] if self.labels else []
        )
        if extra:
            raise ValueError(
                f"a derived metric takes from, where, help and unit, not {', '.join(extra)} (they come from "
                f"'{self.from_}')"
            )
        return self
    if self.where:
        raise ValueError("where is only for derived metrics (add from: <metric key> to narrow that metric)")
    if self.type is None:
        raise ValueError("the metric has no 'type' (add type:, it is required)")
    if self.name is None:
        raise ValueError("the metric has no 'name' (add the metric name as exposed, e.g. name: http_requests_total)")
    if self.buckets is not None and self.type != "histogram":
        raise ValueError(
            f"buckets are only for classic histograms, not {self.type} (remove buckets or set type: histogram)"
        )
    if self.states is not None and self.type != "gauge":
        raise ValueError(f"states are only for gauges, not {self.type} (remove states or set type: gauge)")
    if self.states is not None and len(set(self.states.values())) != len(self.states):
        raise ValueError("two values share one state name (give every state its own name)")
    return self


def quantile_estimable(quantile: float | None) -> float | None:
    # Quantiles past these are below float64's resolution of a bucket's share, and the
    # generated test could not tell firing from quiet.
    if quantile is not None and not 0.0001 <= quantile <= 0.999999:
        raise ValueError(
            f"quantile {quantile!r} is too close to 0 or 1 (give a quantile from 0.0001 to 0.999999, e.g. 0.99)"
        )
    return quantile


def condition_one_kind(self: Any) -> Any:
    kinds = _given(self, CONDITION_KINDS)
    if len(kinds) != 1:
        examples = "; ".join(CONDITION_KINDS.values())
        raise ValueError(f"when: has {listed(kinds, 'no condition')} (give exactly one, e.g. {examples})")
    kind = kinds[0]
    if kind == "quantile" and self.of is None:
        raise ValueError("quantile and of go together (e.g. {quantile: 0.95, of: encode_latency, above: 1s})")
    if self.of is not None and kind not in ("quantile", "value"):
        raise ValueError(
            "of is for quantile (of a histogram) and value (a share of another gauge) conditions (remove it)"
        )
    if self.unit is not None and kind != "promql":
        raise ValueError("unit is only for promql conditions; a catalog metric has its unit in metrics: (remove it)")
    if (self.is_ is not None) != (kind == "state"):
        raise ValueError("state and is go together (e.g. {state: circuit, is: open})")
    has_comparison = self.above is not None or self.below is not None
    if self.above is not None and self.below is not None:
        raise ValueError("when: has both above and below (give one; write two alerts for a band)")
    if kind in ("quantile", "rate", "ratio", "value") and not has_comparison:
        raise ValueError(f"a {kind} condition needs above or below (e.g. {CONDITION_KINDS[kind]})")
    if kind in ("state", "absent") and has_comparison:
        raise ValueError(f"a {kind} condition takes no above/below (remove it)")
    return self


def template_parses(description: str | None) -> str | None:
    if description is None:
        return None
    from ..gotemplate import problem as template_problem  # only for a spec that has a description

    if problem := template_problem(description):
        raise ValueError(
            f"description is not a valid Prometheus template: {problem} "
            '(close every {{ with }}, and write {{ "{{" }} for literal braces)'
        )
    return description


def panel_one_kind(self: Any) -> Any:
    kinds = _given(self, PANEL_KINDS)
    if len(kinds) != 1:
        raise ValueError(
            f"the panel has {listed(kinds, 'no kind')} (give exactly one of {', '.join(PANEL_KINDS)}, e.g. "
            "{heatmap: encode_latency})"
        )
    if self.total is not None and kinds[0] != "error_ratio":
        raise ValueError("total is only for error_ratio panels (remove it)")
    if kinds[0] == "error_ratio" and self.total is None:
        raise ValueError("an error_ratio panel needs total (e.g. {error_ratio: errors, total: encodes})")
    if self.of is not None and kinds[0] not in ("stat", "gauge"):
        raise ValueError("of is only for stat and gauge panels (e.g. {gauge: connections, of: max_connections})")
    for key in ("unit", "legend"):
        if getattr(self, key) is not None and kinds[0] != "promql":
            raise ValueError(f"{key} is only for promql panels; catalog metrics have theirs in metrics: (remove it)")
    if self.per is not None and kinds[0] != "rate":
        raise ValueError("per is only for rate panels (e.g. {rate: test_runs, per: 1d})")
    if "display" in self.model_fields_set and kinds[0] != "promql":
        raise ValueError("display is only for promql panels (remove it)")
    if (self.min is not None or self.max is not None) and kinds[0] not in ("stat", "gauge", "promql"):
        raise ValueError("min and max are for stat, gauge and promql panels (remove them)")
    if self.min is not None and self.max is not None and self.min >= self.max:
        raise ValueError("min must be below max (swap them)")
    if any(not 0 < q < 1 for q in self.quantiles):
        raise ValueError("quantiles must lie between 0 and 1 (e.g. [0.5, 0.95, 0.99])")
    return self


def receiver_one_kind(self: Any) -> Any:
    kinds = _given(self, RECEIVER_KINDS)
    if len(kinds) != 1:
        raise ValueError(
            f"the receiver has {listed(kinds, 'no kind')} (give exactly one of {', '.join(RECEIVER_KINDS)})"
        )
    return self


def _carries_secret(url: str) -> bool:
    # Secrets hide in user info (https://user:token@host) and query strings (?token=...).
    return bool(re.match(r"^https?://[^/@]*@", url)) or "?" in url


def pagerduty_url(url: str | None) -> str | None:
    if url is not None and _carries_secret(url):
        raise ValueError(
            "the PagerDuty URL carries credentials or a query string (give the bare endpoint; the key goes in "
            "routing_key_file)"
        )
    if url is not None and (problem := secret_in_url(url)):
        raise ValueError(problem)
    return url


def webhook_url(url: str) -> str:
    if _carries_secret(url):
        raise ValueError("the webhook URL carries credentials or a query string (move the token to credentials_file)")
    if problem := secret_in_url(url):
        raise ValueError(problem)
    return url


def opsgenie_url(url: str | None) -> str | None:
    if url is not None and _carries_secret(url):
        raise ValueError(
            "the Opsgenie URL carries credentials or a query string (give the bare endpoint; the key goes in "
            "api_key_file)"
        )
    return url


def email_user_and_password(self: Any) -> Any:
    if (self.auth_username is None) != (self.auth_password_file is None):
        raise ValueError("auth_username and auth_password_file go together (give both, or neither for an open relay)")
    return self


def known_zone(location: str) -> str:
    # Alertmanager loads the zone from the IANA database (Go's time.LoadLocation); a name it
    # does not know fails the whole config.
    import zoneinfo

    if location != "UTC" and location not in zoneinfo.available_timezones():
        import difflib

        close = difflib.get_close_matches(location, sorted(zoneinfo.available_timezones()), n=1)
        hint = f"did you mean {close[0]}?" if close else "use an IANA name such as Europe/Berlin or UTC"
        raise ValueError(f"'{location}' is not a time zone of the IANA database ({hint})")
    return location


def start_before_end(times: list[str]) -> list[str]:
    # Alertmanager rejects a range that ends before it starts or after 24:00
    # (https://prometheus.io/docs/alerting/0.25/configuration/#time_interval).
    for text in times:
        start, end = text.split("-")
        if end > "24:00":
            raise ValueError(f"time range {text} ends after 24:00 (end it at 24:00 at the latest)")
        if start >= end:
            raise ValueError(
                f"time range {text} does not end after it starts "
                f"(split a range across midnight: {start}-24:00 and 00:00-{end})"
            )
    return times


def resolve_derived(self: Any) -> Any:
    """Derived catalog entries take their root's name, type, labels and buckets.

    A chain of derived entries (``spec/derived.py``) resolves to the plain entry it ends at; ``help``
    and ``unit`` come from the nearest entry of the chain that gives them. An entry whose chain
    reaches an unknown name or loops is left unresolved (type None) and reported, at its line, by
    ``semantic.check``; everything else treats an unresolved entry as already broken.
    """
    from .derived import lineage

    resolved = {}
    for key, metric in self.metrics.items():
        chain = lineage(self.metrics, key) if metric.from_ is not None else None
        if chain is not None and chain.end == "root":
            entries = [self.metrics[k] for k in chain.keys]
            base = entries[-1]
            unit = next((e.unit for e in entries if "unit" in e.model_fields_set or e is base), base.unit)
            metric = base.model_copy(
                update={
                    "from_": metric.from_,
                    "where": metric.where,
                    "help": next((e.help for e in entries if e.help), ""),
                    "unit": unit,
                }
            )
        resolved[key] = metric
    # Frozen either way: a spec struct on the fast path, its pydantic model on the error path.
    if isinstance(self, msgspec.Struct):
        msgspec.structs.force_setattr(self, "metrics", resolved)
    else:
        object.__setattr__(self, "metrics", resolved)
    return self
