"""Peer: grafanalib builds the sigil-dna dashboard and writes its JSON (usage: OUT.json)."""

import json
import sys

from grafanalib import core as g
from grafanalib._gen import DashboardEncoder

from panels import ROWS

KINDS = {"timeseries": g.TimeSeries, "heatmap": g.Heatmap, "stat": g.Stat, "bargauge": g.BarGauge, "state-timeline": g.StateTimeline}


def build() -> g.Dashboard:
    panels: list[object] = []
    y = 0
    for row, members in ROWS:
        panels.append(g.RowPanel(title=row, gridPos=g.GridPos(h=1, w=24, x=0, y=y)))
        y += 1
        x = 0
        for kind, title, queries, unit, width in members:
            if x + width > 24:
                x, y = 0, y + 8
            targets = [g.Target(expr=q, refId=chr(65 + i), datasource="${datasource}") for i, q in enumerate(queries)]
            extra: dict[str, object] = {"dataSource": "${datasource}"}
            if kind == "timeseries":
                extra["unit"] = unit
            elif kind in ("stat", "bargauge"):
                extra["format"] = unit
            panels.append(KINDS[kind](title=title, targets=targets, gridPos=g.GridPos(h=8, w=width, x=x, y=y), **extra))
            x += width
        y += 8
    return g.Dashboard(title="Sigil-DNA", uid="sigil-dna", tags=["sigil", "dna"], panels=panels, refresh="1m").auto_panel_ids()


if __name__ == "__main__":
    with open(sys.argv[1], "w") as fh:
        json.dump(build().to_json_data(), fh, cls=DashboardEncoder, indent=2, sort_keys=True)
