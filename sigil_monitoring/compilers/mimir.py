"""Mimir / Cortex ruler target: one rule file per tenant namespace (``mimir/<tenant>/<namespace>.rules.yml``).

The file is what ``mimirtool rules load|sync|diff`` (and ``cortextool``) read: a top-level
``namespace`` beside the Prometheus ``groups``, e.g. ``namespace: my_namespace`` / ``groups: [...]``
(https://grafana.com/docs/mimir/latest/manage/tools/mimirtool/#rules). Fields:

- ``namespace``: the ruler namespace the groups are stored under; each tenant "can group those
  rules into namespaces" (https://grafana.com/docs/mimir/latest/references/architecture/components/ruler/).
  From ``targets.mimir.namespace``, default the service name. Services sharing one tenant and
  namespace share one file (group names carry the service, so they never clash).
- the tenant is not in the file: mimirtool sends it as ``X-Scope-OrgID`` from ``--id``, so it is
  the folder name (``mimirtool rules sync --id=<tenant> mimir/<tenant>/*.rules.yml``).
- ``source_tenants`` (per group): federated rule groups that query several tenants; needs
  ``-tenant-federation.enabled`` and ``-ruler.tenant-federation.enabled``
  (https://grafana.com/docs/mimir/latest/references/architecture/components/ruler/#federated-rule-groups).
- the groups themselves are the Prometheus target's (``rulesets``), so both engines evaluate the
  same rules; empty groups are left out, and a namespace with no rules gets no file.
"""

from __future__ import annotations

from typing import Any

import msgspec

from .. import conventions as names
from ..ir.model import Model
from ..output.bundle import Artifact
from .rulesets import groups_of


class MimirOptions(msgspec.Struct, frozen=True):
    """The spec's ``targets.mimir``, as this compiler reads it."""

    tenant: str
    namespace: str | None  # None: the service name
    source_tenants: tuple[str, ...]


def compile(model: Model) -> list[Artifact]:  # the registry's verb
    files: dict[tuple[str, str], tuple[list[dict[str, Any]], list[str]]] = {}
    for service in model.services:
        options = service.targets.of("mimir", MimirOptions)
        groups = groups_of(service)
        if not groups:
            continue
        if options.source_tenants:
            # source_tenants goes after name, where mimirtool's own marshalling puts it.
            groups = [
                {
                    "name": g["name"],
                    "source_tenants": list(options.source_tenants),
                    **{k: v for k, v in g.items() if k != "name"},
                }
                for g in groups
            ]
        key = (options.tenant, options.namespace or names.mimir_namespace(service.name))
        found, sources = files.setdefault(key, ([], []))
        found += groups
        sources.append(service.source)
    return [
        Artifact(
            names.mimir_rules_path(tenant, namespace),
            {"namespace": namespace, "groups": groups},
            "yaml",
            ", ".join(dict.fromkeys(sources)),
        )
        for (tenant, namespace), (groups, sources) in files.items()
    ]
