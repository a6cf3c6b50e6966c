"""The read-only Prometheus HTTP API calls of ``lint``, each reply checked in shape.

Through ``remote.http.Client`` (bounded, proxies from the environment except for loopback). A
reply is used only once it has the shape the API documents (https://prometheus.io/docs/prometheus/latest/querying/api/):
the ``{"status": "success", "data": ...}`` envelope, then the data of that endpoint. Anything else
is a one-line ``RemoteError``: ``{"status": "error"}`` with Prometheus' own ``errorType: error``,
an HTML page, a list where an object belongs.

>>> envelope_error(b'{"status":"error","errorType":"bad_data","error":"parse error at char 4"}')
'bad_data: parse error at char 4'
>>> envelope_error(b"<html>") is None
True
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

import msgspec

from ..remote.http import Budget, Client, RemoteError, excerpt


class Envelope(msgspec.Struct, frozen=True):
    status: str
    data: Any = None
    errorType: str = ""  # noqa: N815 - the API's field name
    error: str = ""


class Sample(msgspec.Struct, frozen=True):
    metric: dict[str, str]


class QueryData(msgspec.Struct, frozen=True):
    resultType: str  # noqa: N815 - the API's field name
    result: list[Any]


class MetricMetadata(msgspec.Struct, frozen=True):
    type: str = ""
    help: str = ""


class Rule(msgspec.Struct, frozen=True):
    name: str
    type: str
    health: str = ""  # "unknown" until the rule's first evaluation


class RuleGroup(msgspec.Struct, frozen=True):
    rules: list[Rule]
    interval: float = 0.0  # seconds between evaluations of the group


class RulesData(msgspec.Struct, frozen=True):
    groups: list[RuleGroup]


def envelope_error(body: bytes) -> str | None:
    """Prometheus' ``errorType: error`` from an error reply's body, when it is one."""
    try:
        reply = msgspec.convert(json.loads(body), Envelope)
    except (ValueError, RecursionError, msgspec.ValidationError):
        return None
    if reply.status != "error":
        return None
    return excerpt(f"{reply.errorType}: {reply.error}".strip(": ").encode(), 300)


class Prometheus:
    """The API calls the lint makes, against the Prometheus at ``url`` within ``budget``."""

    def __init__(self, url: str, budget: Budget) -> None:
        self.url = url
        self.client = Client(url, budget, what=f"Prometheus at {url}")

    def get(self, path: str, shape: type, **params: str) -> Any:
        """``data`` of ``GET path?params`` converted to ``shape``; a ``RemoteError`` otherwise."""
        query = ("?" + urllib.parse.urlencode(params)) if params else ""
        try:
            raw = self.client.json("GET", path + query)
        except RemoteError as err:
            said = envelope_error(err.body) if err.kind == "status" else None
            if said is None:
                raise
            raise RemoteError("status", f"Prometheus at {self.url} refused GET {path}: {said}", err.status) from None
        try:
            reply = msgspec.convert(raw, Envelope)
            if reply.status != "success":
                said = f"{reply.errorType}: {reply.error}".strip(": ") or f"status {reply.status!r}"
                raise RemoteError("malformed", f"Prometheus at {self.url} answered GET {path} with an error: {said}")
            return msgspec.convert(reply.data, shape)
        except msgspec.ValidationError as exc:
            raise RemoteError(
                "malformed", f"Prometheus at {self.url} answered GET {path} with JSON of another shape ({exc})"
            ) from None

    def query(self, expr: str) -> list[Any]:
        """An instant query's result: vector samples, or ``[time, value]`` for a scalar."""
        data: QueryData = self.get("/api/v1/query", QueryData, query=expr)
        if data.resultType in ("vector", "matrix"):
            try:
                msgspec.convert(data.result, list[Sample])
            except msgspec.ValidationError as exc:
                raise RemoteError(
                    "malformed", f"Prometheus at {self.url} answered a query with samples of another shape ({exc})"
                ) from None
        return data.result

    def has(self, expr: str) -> bool:
        return bool(self.query(expr))

    def metadata(self) -> dict[str, list[MetricMetadata]]:
        metadata: dict[str, list[MetricMetadata]] = self.get("/api/v1/metadata", dict[str, list[MetricMetadata]])
        return metadata

    def label_values(self, label: str, match: str) -> list[str]:
        values: list[str] = self.get(
            f"/api/v1/label/{urllib.parse.quote(label, safe='')}/values", list[str], **{"match[]": match}
        )
        return values

    def recording_rules(self) -> LoadedRules:
        """The recording rules this Prometheus has loaded, and which of them it has not evaluated yet."""
        data: RulesData = self.get("/api/v1/rules", RulesData, type="record")
        rules = [(rule, group.interval) for group in data.groups for rule in group.rules if rule.type == "recording"]
        waiting = [(rule.name, interval) for rule, interval in rules if rule.health == "unknown"]
        return LoadedRules(
            names=frozenset(rule.name for rule, _ in rules),
            unevaluated=frozenset(name for name, _ in waiting),
            longest_interval=max((interval for _, interval in waiting), default=0.0),
        )


class LoadedRules(msgspec.Struct, frozen=True):
    """``names`` loaded; ``unevaluated``: loaded but not evaluated once (health ``unknown``), so
    they return nothing yet; ``longest_interval``: the longest evaluation interval among those."""

    names: frozenset[str]
    unevaluated: frozenset[str] = frozenset()
    longest_interval: float = 0.0
