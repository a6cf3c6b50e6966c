"""The onboarding page's tour of the dashboard: row by row, panel by panel.

Each panel says what it shows (the words of its Grafana description, which the Grafana target
builds from the IR), its unit, what normal looks like (the spec's thresholds and objectives, in
the runbook's words) and which alerts watch it, linked to their runbook sections.

>>> from sigil_monitoring.ir.dashboard import TextPanel
>>> unit_words(TextPanel("hello"))
'none (text)'
"""

from __future__ import annotations

import shlex
from typing import assert_never

import msgspec

from .. import conventions as names
from ..escape import code_span, markdown_block, markdown_inline
from ..ir import dashboard as ir
from ..ir.model import Alert, Metric, Service, Slo
from ..values.units import format_decimal
from .grafana.context import PANEL_TYPE_WORDS
from .grafana.dashboard import build as dashboard_build
from .grafana.describe import what_it_shows
from .grafana.model import Panel as GrafanaPanel
from .grafana.model import RowPanel
from .runbook import burn_words, condition_words, held_words


def _metric_unit(metric: Metric) -> str:
    return "a plain number" if metric.unit == "none" else metric.unit


def unit_words(content: ir.PanelContent) -> str:
    """The unit of what a panel shows, in words."""
    match content:
        case ir.HeatmapPanel(series=s) | ir.PercentilesPanel(series=s):
            return _metric_unit(s.metric)
        case ir.HistogramPanel(series=s):
            return f"observations per bucket of {_metric_unit(s.metric)}"
        case ir.RatePanel(series=s, per=None):
            return f"{code_span(s.events)} events per second"
        case ir.RatePanel(series=s, per=per):
            return f"{code_span(s.events)} events per {per} (one bar each)"
        case ir.ErrorRatioPanel():
            return "percent of all events"
        case ir.TimelinePanel(series=s):
            states = ", ".join(name for _, name in s.metric.states or ())
            return f"state ({states})" if states else "state"
        case ir.StatPanel(series=s, of=of) | ir.GaugePanel(series=s, of=of):
            return _metric_unit(s.metric) if of is None else f"percent of {code_span(of.shown)}"
        case ir.PromqlPanel(unit=unit):
            return "a plain number" if unit == "none" else unit
        case ir.TextPanel():
            return "none (text)"
        case ir.SloSliPanel():
            return "percent of events that are bad"
        case ir.SloBudgetPanel():
            return "percent of the error budget left"
        case ir.SloBurnPanel():
            return "times the sustainable burn rate (1× spends the budget exactly over the window)"
        case _:
            assert_never(content)


def _slo_normal(content: ir.PanelContent, slo: Slo) -> str:
    budget = f"{format_decimal(slo.error_budget * 100)} %"
    objective = f"objective {format_decimal(slo.objective)} % over {slo.window}"
    match content:
        case ir.SloSliPanel():
            return f"the error ratio stays under the budget line of {budget} ({objective})."
        case ir.SloBudgetPanel():
            return f"above 0 %: at 0 % the {objective} is missed for this window."
        case ir.SloBurnPanel():
            if not slo.alerts:
                return "at or below 1×; no burn alert is enabled for this SLO."
            return "at or below 1×. " + " ".join(
                f"{b.name} ({b.severity}) fires when {burn_words(slo, b)}." for b in slo.alerts
            )
        case _:
            return ""


class _Alerts(msgspec.Struct, frozen=True):
    """The service's alerts by name, looked up once per panel (indexed once per service)."""

    threshold: dict[str, Alert]
    links: dict[str, str]  # alert name -> its runbook link and severity, as the tour shows it
    words: dict[str, str]  # alert name -> when it fires, in the runbook's words

    @classmethod
    def of(cls, service: Service) -> _Alerts:
        links = {a.name: _link(a.name, a.runbook_url, a.severity) for a in service.alerts}
        for slo in service.slos:
            links |= {b.name: _link(b.name, b.runbook_url, b.severity) for b in slo.alerts}
        threshold = {a.name: a for a in reversed(service.alerts)}
        words = {name: condition_words(a, service.rate_window) for name, a in threshold.items()}
        return cls(threshold, links, words)


def _link(name: str, runbook_url: str, severity: str) -> str:
    return f"[{name}](runbook.md#{names.url_anchor(runbook_url)}) ({severity})"


def _normal(panel: ir.Panel, slos: dict[str, Slo], alerts: _Alerts) -> str:
    """What normal looks like: the SLO's objective for an SLO panel, else the quiet side of every
    alert that watches the panel, else the panel's own usual shape."""
    content = panel.content
    if isinstance(content, ir.SloSliPanel | ir.SloBudgetPanel | ir.SloBurnPanel):
        return _slo_normal(content, slos[content.slo])
    watching = [alerts.threshold[name] for name in panel.alerts if name in alerts.threshold]
    if not watching:
        return "no threshold in the spec: learn its usual shape on a quiet day."
    return " ".join(
        f"{a.name} stays quiet; it fires when {alerts.words[a.name]} {held_words(a.for_)}." for a in watching
    )


def _watched_by(panel: ir.Panel, slos: dict[str, Slo], alerts: _Alerts) -> str:
    watching = list(panel.alerts)
    if isinstance(panel.content, ir.SloBurnPanel | ir.SloSliPanel | ir.SloBudgetPanel):
        # Every SLO panel explains the SLO's burn alerts, not only the burn rate panel they link to.
        watching += [b.name for b in slos[panel.content.slo].alerts if b.name not in watching]
    return ", ".join(alerts.links[name] for name in watching if name in alerts.links) or "no alert"


def _panels(item: GrafanaPanel | RowPanel) -> tuple[GrafanaPanel, ...]:
    """The panels of one top-level item: itself, or the panels a collapsed row holds."""
    return item.panels if isinstance(item, RowPanel) else (item,)


def _count(n: int, thing: str) -> str:
    """``1 row``, ``7 rows``."""
    return f"{n} {thing}{'' if n == 1 else 's'}"


def tour(service: Service) -> list[str]:
    """``## The dashboard``: every row, then every panel of it, in the dashboard's order."""
    dashboard = service.dashboard
    shown = (
        f"[{markdown_inline(dashboard.title)}]({dashboard.url})" if dashboard.url else markdown_inline(dashboard.title)
    )
    panels = dashboard.panels()
    lines = [
        "## The dashboard",
        "",
        f"{shown}: {_count(len(dashboard.rows), 'row')}, {_count(len(panels), 'panel')}, the last {dashboard.time} "
        f"refreshed every {dashboard.refresh}; uid {code_span(dashboard.uid)}"
        + (f" in the Grafana folder {code_span(dashboard.folder)}." if dashboard.folder else "."),
        "",
        "To see the layout without Grafana, draw it (one SVG, the grid as Grafana lays it out):",
        "",
        "```sh",
        f"sigil-monitoring preview {shlex.quote(service.source)} --out preview/   "
        f"# writes preview/{names.preview_path(service.name)}",
        "```",
        "",
    ]
    # The Grafana target's own dashboard (built once per compile): its descriptions are the words.
    grafana = {p.id: p for item in dashboard_build(service).panels for p in _panels(item)}
    slos = {s.name: s for s in reversed(service.slos)}  # reversed: the first of a name wins, as in Grafana
    alerts = _Alerts.of(service)
    for number, row in enumerate(dashboard.rows, 1):
        folded = " (collapsed: click its title to open it)" if row.collapsed else ""
        lines += [f"### Row {number}: {markdown_inline(row.title)}{folded}", ""]
        for panel in row.panels:
            shown_as = grafana[panel.id].type
            shows = what_it_shows(grafana[panel.id].description)
            lines += [
                f"#### {markdown_inline(panel.title)}",
                "",
                f"*{PANEL_TYPE_WORDS.get(shown_as, shown_as)}* · **Unit:** {unit_words(panel.content)}",
                "",
                *([markdown_block(shows), ""] if shows else []),
                f"**Normal:** {_normal(panel, slos, alerts)}",
                "",
                f"**Watched by:** {_watched_by(panel, slos, alerts)}",
                "",
            ]
    return lines
