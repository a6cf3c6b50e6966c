"""Panel descriptions and links: what the panel means, what to do, and the alerts it explains.

Grafana renders a panel description as Markdown in the (i) tooltip, so alert names link straight
to their runbook section; the same links are panel links in the panel's menu.
"""

from __future__ import annotations

from ...escape import markdown_inline, markdown_url
from ...ir.dashboard import Panel
from .context import Context
from .model import Link

ALERTS_INTRO = "Alerts shown here (red/orange lines or colours mark where they fire):"


def _alert_lines(ctx: Context, panel: Panel) -> list[str]:
    lines = []
    for name in panel.alerts:
        alert, burn = ctx.alert(name), ctx.burn(name)
        if alert is not None:
            lines.append(
                f"- [{name}]({markdown_url(alert.runbook_url)}) ({alert.severity}): {markdown_inline(alert.summary)}"
            )
        elif burn is not None:
            slo, b = burn
            pairs = ", ".join(f"{w.long}/{w.short} above {w.factor}x" for w in b.windows)
            lines.append(
                f"- [{name}]({markdown_url(b.runbook_url)}) ({b.severity}): SLO {slo.name} burns its budget ({pairs})."
            )
    return lines


def description(ctx: Context, panel: Panel, meaning: str, action: str) -> str:
    """The spec's description, or what the panel shows and what to do, then its alerts."""
    parts = [panel.description.strip() if panel.description else meaning]
    if action:
        parts.append(action)
    alerts = _alert_lines(ctx, panel)
    if alerts:
        parts.append(ALERTS_INTRO + "\n" + "\n".join(alerts))
    return "\n\n".join(p for p in parts if p)


def what_it_shows(description: str) -> str:
    r"""A panel's description without its list of alerts: what it shows and what to do.

    >>> what_it_shows("Rate of x.\n\n" + ALERTS_INTRO + "\n- [A](u) (warning): a")
    'Rate of x.'
    """
    return description.partition(ALERTS_INTRO)[0].strip()


def links(ctx: Context, panel: Panel) -> tuple[Link, ...]:
    """One panel link per alert shown, to its runbook section."""
    out = []
    for name in panel.alerts:
        alert, burn = ctx.alert(name), ctx.burn(name)
        url = alert.runbook_url if alert is not None else burn[1].runbook_url if burn is not None else None
        if url is not None:
            out.append(Link(title=f"Runbook: {name}", url=url, icon="doc", tooltip=f"What to do when {name} fires"))
    return tuple(out)
