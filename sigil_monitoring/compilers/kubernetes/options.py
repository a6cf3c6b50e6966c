"""The Kubernetes target's options (the spec's ``targets.kubernetes``), as this compiler reads them."""

from __future__ import annotations

import msgspec

from ...ir.model import Service


class KubernetesOptions(msgspec.Struct, frozen=True):
    namespace: str  # of every generated object
    labels: tuple[tuple[str, str], ...]  # on every object, for the operator's selectors
    alertmanager_config: bool  # also write an AlertmanagerConfig from the routing section
    secret: str | None  # the receivers' credentials; None: <service>-alertmanager


def options(service: Service) -> KubernetesOptions:
    return service.targets.of("kubernetes", KubernetesOptions)
