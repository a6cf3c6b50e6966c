"""Grafana 8: the heatmap panel of Grafana 8 is the Angular one, configured by panel-level keys.

Grafana 9 replaced it with the new heatmap (options.calculate, options.yAxis ...); Grafana 8
ignores those options and reads ``dataFormat``, ``yAxis``, ``color`` ... from the panel itself.
Grafana 9+ migrates this form to the new heatmap on load, so the JSON keeps working after an
upgrade. The official schema describes the current panel only, so these keys are not in it.
"""

from __future__ import annotations

from typing import Any

import msgspec

from .model import Panel

# The panel-level keys of Grafana 8's heatmap, as its editor saved them.
LEGACY_HEATMAP_KEYS = (
    "cards",
    "color",
    "dataFormat",
    "heatmap",
    "hideZeroBuckets",
    "highlightCards",
    "legend",
    "reverseYBuckets",
    "tooltip",
    "xAxis",
    "yAxis",
    "yBucketBound",
)


class LegacyHeatmapPanel(Panel, frozen=True, kw_only=True):
    cards: dict[str, Any] = msgspec.field(default_factory=lambda: {"cardPadding": None, "cardRound": None})
    color: dict[str, Any] = msgspec.field(
        default_factory=lambda: {
            "cardColor": "#b4ff00",
            "colorScale": "sqrt",
            "colorScheme": "interpolateOranges",
            "exponent": 0.5,
            "mode": "spectrum",
        }
    )
    # Prometheus buckets, one series per `le`, already de-cumulated by the target's heatmap format.
    data_format: str = "tsbuckets"
    heatmap: dict[str, Any] = msgspec.field(default_factory=dict)
    hide_zero_buckets: bool = True
    highlight_cards: bool = True
    legend: dict[str, bool] = msgspec.field(default_factory=lambda: {"show": True})
    reverse_y_buckets: bool = False
    tooltip: dict[str, bool] = msgspec.field(default_factory=lambda: {"show": True, "showHistogram": True})
    x_axis: dict[str, bool] = msgspec.field(default_factory=lambda: {"show": True})
    y_axis: dict[str, Any]
    y_bucket_bound: str = "upper"


def legacy_heatmap(panel: Panel, unit: str) -> LegacyHeatmapPanel:
    """The Grafana 8 form of a heatmap panel: same id, position, queries, description and links."""
    return LegacyHeatmapPanel(
        **{**panel.field_values(), "options": {}}, y_axis={"format": unit, "logBase": 1, "show": True, "decimals": None}
    )
