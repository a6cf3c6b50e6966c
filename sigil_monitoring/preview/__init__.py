"""Pictures of dashboards without Grafana: one SVG per dashboard, from its compiled classic JSON.

``preview`` draws each service's dashboard as the Grafana target compiles it; ``diff --preview``
draws the dashboards of both sides of a diff. Both read the classic dashboard JSON (``grid.py``),
so the picture is the layout Grafana gets, and draw it with ``svg.py``. Pure: text in, text out;
the CLI writes the files.

>>> from sigil_monitoring import load_spec
>>> from sigil_monitoring.ir.build import build_model
>>> pictures = service_pictures(build_model([load_spec("specs/minimal.yaml")]))
>>> list(pictures), "Requests per second" in pictures["hello"]
(['hello'], True)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .. import conventions as names
from .grid import read_dashboard
from .svg import render

if TYPE_CHECKING:
    from ..ir.model import Model


def picture(dashboard: Mapping[str, Any]) -> str:
    """The SVG of one classic dashboard JSON."""
    return render(read_dashboard(dict(dashboard)))


def service_pictures(model: Model) -> dict[str, str]:
    """Service name -> the SVG of its dashboard, compiled as the Grafana target compiles the classic
    JSON (whatever formats the spec asks for: a v2-only dashboard has the same grid)."""
    from ..compilers.grafana import dashboard

    return {s.name: picture(dashboard.build(s).to_json()) for s in model.services}


def bundle_pictures(files: Mapping[str, bytes]) -> dict[str, str]:
    """Service name -> the SVG of its classic dashboard, for every one among compiled ``files``
    (an output folder's or a bundle's paths; a file that is not valid JSON is left out)."""
    out = {}
    for rel, data in sorted(files.items()):
        service = rel.split("/", 1)[0]
        if rel != names.dashboard_path(service, "classic"):
            continue
        try:
            document = json.loads(data)
        except ValueError:  # a hand-edited or truncated file: no picture rather than a wrong one
            continue
        if isinstance(document, dict):
            out[service] = picture(document)
    return out
