"""What ``adopt`` checks each candidate against: the draft's context (service, selector, catalog,
variables), the catalog reference a selector becomes, and the compile of a candidate beside it.

>>> matcher_value("=~", "5.."), matcher_value("=", "5.."), matcher_value("=", "api")
({'regex': '5..'}, {'equals': '5..'}, 'api')
"""

from __future__ import annotations

from typing import Any

import msgspec

from .catalog import Entry
from .promql_reading import Selector


class Summary(msgspec.Struct, frozen=True):
    """What the draft made of each panel and alert, for the user to review."""

    typed: list[str] = msgspec.field(default_factory=list)
    raw: list[str] = msgspec.field(default_factory=list)
    dropped: list[str] = msgspec.field(default_factory=list)
    recording_rules: list[str] = msgspec.field(default_factory=list)

    def text(self) -> str:
        lines = [f"typed: {len(self.typed)}, raw promql: {len(self.raw)}, dropped: {len(self.dropped)}"]
        for title, items in (("typed", self.typed), ("raw", self.raw), ("dropped", self.dropped)):
            lines += [f"  {title}: {item}" for item in items]
        lines += [f"  recording rule kept raw: {item}" for item in self.recording_rules]
        return "\n".join(lines) + "\n"


class Context(msgspec.Struct, frozen=True):
    name: str
    selector: dict[str, Any]
    fixed: frozenset[tuple[str, str, str]]  # the selector's matchers
    variables: list[str]
    catalog: dict[str, Entry]
    states: dict[str, dict[int, str]] = msgspec.field(default_factory=dict)  # logical -> value -> state
    checked: dict[str, bool] = msgspec.field(default_factory=dict)  # panel and queries -> compiles to them


def catalog_entries(catalog: dict[str, Entry], states: dict[str, dict[int, str]]) -> dict[str, Any]:
    metrics: dict[str, Any] = {"up": {"name": "up", "type": "gauge"}} if not catalog else {}
    for entry in catalog.values():
        item: dict[str, Any] = {"name": entry.name, "type": entry.type}
        if entry.unit != "none":
            item["unit"] = entry.unit
        if entry.labels:
            item["labels"] = list(entry.labels)
        if entry.logical in states:
            item["states"] = states[entry.logical]
        metrics[entry.logical] = item
    return metrics


def catalog_ref(selector: Selector, ctx: Context, by: tuple[str, ...] = ()) -> Any:
    entry = ctx.catalog.get(selector.metric)
    if entry is None:
        return None
    where: dict[str, Any] = {}
    for label, op, value in selector.matchers:
        if (label, op, value) in ctx.fixed or (label in ctx.variables and value in (f"${label}", f"${{{label}}}")):
            continue
        if label in where or label == "le" or "$" in value:
            return None
        where[label] = matcher_value(op, value)
    if not where and not by:
        return entry.logical
    return {"metric": entry.logical, **({"where": where} if where else {}), **({"by": list(by)} if by else {})}


def matcher_value(op: str, value: str) -> Any:
    from ..values.matchers import looks_like_regex

    match op:
        case "=":
            return {"equals": value} if looks_like_regex(value) or not value else value
        case "!=":
            return {"not": value}
        case "=~":
            return {"regex": value}
        case _:
            return {"not_regex": value}


def skeleton(ctx: Context) -> dict[str, Any]:
    return {
        "apiVersion": "sigil-monitoring/v1",
        "service": {"name": ctx.name, "selector": ctx.selector},
        "metrics": catalog_entries(ctx.catalog, ctx.states),
    }


def refusal(ctx: Context, part: dict[str, Any]) -> str:
    """The first error the spec loader gives for ``part`` beside the catalog, without its position."""
    from ..errors import SpecError
    from ..spec.loader import parse_spec
    from .yaml_writer import dump_spec

    try:
        parse_spec(dump_spec({**skeleton(ctx), **part}), "<candidate>")
    except SpecError as exc:
        return exc.diagnostics[0].message if exc.diagnostics else "refused"
    return "refused by the compiler"


def compile_draft(spec: dict[str, Any]) -> Any:
    """The bundle ``spec`` compiles to, or None when the spec is refused."""
    from ..errors import SpecError
    from ..output.pipeline import compile_spec
    from ..spec.loader import parse_spec
    from .yaml_writer import dump_spec

    try:
        return compile_spec(parse_spec(dump_spec(spec), "<candidate>"))
    except SpecError:
        return None
