"""Alertmanager's files assembled from what each service adds to them, each part written already.

``alertmanager.yml`` and the routing table depend on every service: one route subtree, receivers,
inhibition rules and time intervals per service, and a row per alert. A service's ``Piece`` holds
those parts as the YAML lines they are in the files (``render.item_lines``: an item's lines
depend on the item and its indent only), and ``assemble`` writes the files from the pieces of
every service in order. ``compile`` does the same with a piece of each service, so there is one
way to write these files; a fleet compile (``output/incremental.py``) keeps the piece of each
service it does not load, a few strings, instead of the service, and renders none of them again
when one spec of 1,000 changes. What depends on every service (the root's receiver, the names
that must be unique, the header) is worked out in ``assemble`` from what the pieces record.
tests/test_alertmanager_pieces.py compares the files with the typed config (``build_config``)
rendered whole.

>>> from sigil_monitoring import load_spec
>>> from sigil_monitoring.ir.build import build_model
>>> (service,) = build_model([load_spec("specs/sigil-dna.yaml")]).services
>>> part = piece(service)
>>> part.route.splitlines()[0]
'    - receiver: sigil-dna/team'
>>> [a.path for a in assemble([part])]
['alertmanager/alertmanager.yml', 'alertmanager/sigil-monitoring.tmpl', 'alertmanager/routing-tests.yml']
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import msgspec

from ... import conventions as names
from ...ir.model import Service
from ...output.bundle import Artifact
from ...output.render import Rendered, item_lines, mapping_text
from . import inhibit, routes, routing_table, templates
from .config import Config, InhibitRule, Receiver, Route, TimeInterval, TimeRange, TimeSpec, to_wire, weekdays
from .receivers import receiver


class ServiceConfig(msgspec.Struct, frozen=True):
    """What one routed service adds to the config: its subtree, receivers, time intervals, inhibition rules."""

    route: Route
    receivers: tuple[Receiver, ...]
    time_intervals: tuple[TimeInterval, ...]
    inhibit_rules: tuple[InhibitRule, ...]


def service_config(service: Service) -> ServiceConfig | None:
    """The service's part of the config; None when it routes nothing (its alerts reach the root)."""
    routing = service.routing
    if routing is None:
        return None
    intervals = tuple(
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
        for t in routing.time_intervals
    )
    return ServiceConfig(
        routes.service_route(service, routing),
        tuple(receiver(r) for r in routing.receivers),
        intervals,
        inhibit.rules(service),
    )


class Piece(msgspec.Struct, frozen=True):
    """One service's part of the Alertmanager files, as the lines it is there (joined by newlines)."""

    source: str  # the spec, named in the files' header
    catch_all: str | None  # the receiver its spec names for what no service routes
    routed: bool  # whether it has a routing section (else it adds rows only)
    route: str  # its subtree: an item of the root's ``routes``
    receivers: str
    receiver_names: tuple[str, ...]
    time_intervals: str
    interval_names: tuple[str, ...]
    inhibit_rules: str
    # Each routing-table row; an unrouted service's without its receivers, which are the root's
    # (``routes.catch_all``: known only with every service), added by ``assemble``.
    rows: tuple[str, ...]


_ITEMS = 2  # the indent of a top-level list's items
_ROUTES = 4  # the indent of the root's children
_ROW_KEYS = 4  # the indent of a routing-table row's keys


def piece(service: Service) -> Piece:
    """``service``'s part of the files, written."""
    part = service_config(service)
    # An unrouted service's alerts go to the root's receiver, which depends on every service: its
    # rows are written without receivers here ("" stands in for the root), and ``assemble`` adds them.
    rows = tuple(item_lines([_row(row, part is not None)], _ITEMS) for row in routing_table.service_rows(service, ""))
    catch_all = service.routing.catch_all if service.routing is not None else None
    if part is None:
        return Piece(service.source, catch_all, False, "", "", (), "", (), "", rows)
    return Piece(
        service.source,
        catch_all,
        True,
        item_lines([to_wire(part.route)], _ROUTES),
        item_lines(to_wire(part.receivers), _ITEMS),
        tuple(r.name for r in part.receivers),
        item_lines(to_wire(part.time_intervals), _ITEMS),
        tuple(t.name for t in part.time_intervals),
        item_lines(to_wire(part.inhibit_rules), _ITEMS),
        rows,
    )


def _row(row: routing_table.Row, with_receivers: bool) -> dict[str, object]:
    document = routing_table.row_document(row)
    if not with_receivers:
        del document["receivers"]
    return document


def assemble(pieces: Sequence[Piece]) -> list[Artifact]:
    """The three files of the services whose pieces these are, in order; none when no service routes."""
    routed = [p for p in pieces if p.routed]
    if not routed:
        return []
    root = routes.catch_all_of(p.catch_all for p in pieces)
    fallback = [Receiver(names.FALLBACK_RECEIVER)] if root == names.FALLBACK_RECEIVER else []
    check_unique("receiver", [r.name for r in fallback] + [n for p in routed for n in p.receiver_names])
    check_unique("time interval", [n for p in routed for n in p.interval_names])
    top = to_wire(routes.top(root))
    top["routes"] = Rendered(_joined(p.route for p in routed), _ROUTES)  # the last key of a route
    slots = {
        "receivers": _joined([item_lines(to_wire(tuple(fallback)), _ITEMS)] + [p.receivers for p in routed]),
        "inhibit_rules": _joined(p.inhibit_rules for p in routed),
        "time_intervals": _joined(p.time_intervals for p in routed),
    }
    empty = Config(route=routes.top(root), receivers=(), templates=(names.TEMPLATE_FILE,)).to_wire()
    document: dict[str, object] = {}
    for key in Config.__struct_encode_fields__:  # the config's keys in its order; empty lists left out
        if key == "route":
            document[key] = top
        elif key in slots:
            if slots[key]:
                document[key] = Rendered(slots[key], _ITEMS)
        elif key in empty:
            document[key] = empty[key]
    receivers = mapping_text({"receivers": [root]}, _ROW_KEYS)
    rows = _joined(row if p.routed else f"{row}\n{receivers}" for p in pieces for row in p.rows)
    source = ", ".join(dict.fromkeys(p.source for p in pieces))
    header = names.GENERATED_HEADER.format(source=source)
    return [
        Artifact(names.ALERTMANAGER_CONFIG_PATH, document, "yaml", source),
        Artifact(
            names.ALERTMANAGER_TEMPLATE_PATH,
            f"{{{{/* {header} */}}}}\n{templates.file_text()}",
            "text",
            source,
            header=False,
        ),
        Artifact(names.ALERTMANAGER_ROUTING_TESTS_PATH, {"tests": Rendered(rows, _ITEMS)}, "yaml", source),
    ]


def _joined(texts: Iterable[str]) -> str:
    return "\n".join(text for text in texts if text)


def check_unique(what: str, found: list[str]) -> None:
    """Refuse names defined twice (a ``ValueError``: two specs of one service, a bug to report)."""
    # conventions make names unique by construction; two specs of one service would still clash.
    # Counted once each: a fleet of 1,000 services has as many receivers, and found.count(n) per name was quadratic.
    dupes = sorted(n for n, times in Counter(found).items() if times > 1)
    if dupes:
        raise ValueError(f"{what} names {', '.join(dupes)} are defined twice (compile each service from one spec only)")
