"""Peer: grafana-foundation-sdk builds the sigil-dna dashboard and writes its JSON (usage: OUT.json)."""

import sys

from grafana_foundation_sdk.builders import bargauge, heatmap, prometheus, stat, statetimeline, timeseries
from grafana_foundation_sdk.builders.dashboard import Dashboard, Row
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef

from panels import ROWS

KINDS = {"timeseries": timeseries.Panel, "heatmap": heatmap.Panel, "stat": stat.Panel, "bargauge": bargauge.Panel, "state-timeline": statetimeline.Panel}
DS = DataSourceRef(type_val="prometheus", uid="${datasource}")


def build() -> object:
    board = Dashboard("Sigil-DNA").uid("sigil-dna").tags(["sigil", "dna"]).refresh("1m")
    for row, members in ROWS:
        board = board.with_row(Row(row))
        for kind, title, queries, unit, width in members:
            panel = KINDS[kind]().title(title).datasource(DS).unit(unit).span(width).height(8)
            for i, q in enumerate(queries):
                panel = panel.with_target(prometheus.Dataquery().expr(q).ref_id(chr(65 + i)))
            board = board.with_panel(panel)
    return board.build()


if __name__ == "__main__":
    with open(sys.argv[1], "w") as fh:
        fh.write(JSONEncoder(sort_keys=True, indent=2).encode(build()))
