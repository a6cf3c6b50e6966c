"""The route tree: a root with the catch-all receiver, one subtree per service.

Alertmanager walks children in order and stops at the first match unless ``continue`` is true; a
node whose children all miss handles the alert itself
(https://prometheus.io/docs/alerting/0.25/configuration/#route). So each service subtree matches
``service="<name>"``, holds the spec's routes in order, and its own receiver is the service's
default: an alert of the service that no route takes lands there.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from ... import conventions as names
from ... import defaults
from ...ir.model import Model, Routing, Service
from ...ir.model import Route as IrRoute
from .config import Route, equal


def catch_all(services: tuple[Service, ...]) -> str:
    """The root's receiver: the one a spec names as ``routing.catch_all``, else the fallback, a
    receiver with no integration (Alertmanager's way to drop what no service routes).

    The CLI refuses two specs that both name one, at the second's position; here it is a bug."""
    return catch_all_of(r.catch_all if (r := s.routing) is not None else None for s in services)


def catch_all_of(named: Iterable[str | None]) -> str:
    """``catch_all`` of the services whose ``routing.catch_all`` (or None) these are."""
    # One receiver named twice is one spec compiled twice: build_config says so by its receivers.
    found = list(dict.fromkeys(name for name in named if name is not None))
    if len(found) > 1:
        raise ValueError(f"routing.catch_all is set by more than one service ({', '.join(found)}): set it in one spec")
    return found[0] if found else names.FALLBACK_RECEIVER


def top(receiver: str) -> Route:
    """The root without its children: the catch-all receiver, the default grouping and timing."""
    timing = defaults.NOTIFY_TIMING["warning"]
    return Route(
        receiver=receiver,
        group_by=defaults.ALERTMANAGER_ROOT_GROUP_BY,
        group_wait=timing["group_wait"],
        group_interval=timing["group_interval"],
        repeat_interval=timing["repeat_interval"],
    )


def root(model: Model) -> Route:
    """The whole tree; services without routing add nothing (their alerts reach the catch-all)."""
    children = tuple(service_route(s, r) for s in model.services if (r := s.routing) is not None)
    return msgspec.structs.replace(top(catch_all(model.services)), routes=children)


def service_route(service: Service, routing: Routing) -> Route:
    return Route(
        receiver=routing.default,
        matchers=(equal(names.SERVICE_LABEL, service.name),),
        group_by=routing.group_by,
        group_wait=routing.group_wait,
        group_interval=routing.group_interval,
        repeat_interval=routing.repeat_interval,
        routes=tuple(_route(r) for r in routing.routes),
    )


def _route(r: IrRoute) -> Route:
    """One spec route; several receivers become a parent with one child per receiver."""
    matchers = tuple(m.text() for m in r.matchers)
    continue_ = True if r.continue_ else None
    group_by = r.group_by or ()
    if len(r.receivers) == 1:
        return Route(
            receiver=r.receivers[0],
            matchers=matchers,
            group_by=group_by,
            continue_=continue_,
            group_wait=r.group_wait,
            group_interval=r.group_interval,
            repeat_interval=r.repeat_interval,
            mute_time_intervals=r.mute_when,
            active_time_intervals=r.active_when,
        )
    # One child per receiver, all but the last with continue, so the alert reaches each of them;
    # the parent carries the spec's continue. Children inherit the parent's group_by and timing, but
    # NOT its mute/active time intervals: dispatch/route.go NewRoute copies the parent's RouteOpts
    # and then sets `opts.MuteTimeIntervals = cr.MuteTimeIntervals` (same for active) from the
    # child's own config (Alertmanager 0.25; https://github.com/prometheus/alertmanager/blob/v0.25.0/dispatch/route.go).
    # The children are the nodes that notify, so the intervals go on every child and the parent
    # (which never notifies: its children have no matchers) carries none.
    last = len(r.receivers) - 1
    children = tuple(
        Route(
            receiver=name,
            continue_=True if i < last else None,
            mute_time_intervals=r.mute_when,
            active_time_intervals=r.active_when,
        )
        for i, name in enumerate(r.receivers)
    )
    return Route(
        matchers=matchers,
        group_by=group_by,
        continue_=continue_,
        group_wait=r.group_wait,
        group_interval=r.group_interval,
        repeat_interval=r.repeat_interval,
        routes=children,
    )
