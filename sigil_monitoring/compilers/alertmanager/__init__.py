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

from ... import conventions as names
from ...ir.model import Model
from ...output.bundle import Artifact
from . import pieces, routes
from .config import Config, Receiver
from .config import weekdays as weekdays
from .pieces import check_unique


def compile(model: Model) -> list[Artifact]:  # the registry's verb
    """The three Alertmanager files, or nothing when no service routes its alerts."""
    return pieces.assemble([pieces.piece(service) for service in model.services])


# One config for every service: all of this target's files depend on every service, and are
# assembled from each service's piece (``pieces``), which a fleet compile keeps.
compile_shared = compile
shared_piece = pieces.piece
assemble = pieces.assemble


def build_config(model: Model) -> Config:
    """The typed Alertmanager config of every service in the model (what ``alertmanager.yml`` says)."""
    # The fallback (no integration) only when no spec names a catch-all: no receiver sends nowhere
    # unless nobody said where the alerts that no service routes should go.
    fallback = routes.catch_all(model.services) == names.FALLBACK_RECEIVER
    parts = [part for service in model.services if (part := pieces.service_config(service)) is not None]
    first = (Receiver(names.FALLBACK_RECEIVER),) if fallback else ()
    config = Config(
        route=routes.root(model),
        receivers=first + tuple(r for p in parts for r in p.receivers),
        inhibit_rules=tuple(r for p in parts for r in p.inhibit_rules),
        time_intervals=tuple(t for p in parts for t in p.time_intervals),
        templates=(names.TEMPLATE_FILE,),
    )
    check_unique("receiver", [r.name for r in config.receivers])
    check_unique("time interval", [t.name for t in config.time_intervals])
    return config
