"""Onboarding target: ``<service>/onboarding.md``, what a new SRE reads before the first shift.

A tour of the dashboard (``onboarding_tour.py``), the alert policy as one table, how to
acknowledge and silence, how to roll back, and the drill. Nothing here words a condition, a
receiver or a command of its own: conditions are the runbook's words (``runbook.condition_words``,
``runbook.burn_words``), receivers and inhibitions the on-call section's (``runbook_oncall.paged``,
``silenced_by``), and the acknowledge, silence, rollback and drill sections are the runbook's very
sections, so the two pages cannot disagree.

>>> from sigil_monitoring import load_spec
>>> from sigil_monitoring.ir.build import build_model
>>> [a.path for a in compile(build_model([load_spec("specs/minimal.yaml")]))]
['hello/onboarding.md']
"""

from __future__ import annotations

import shlex

from .. import conventions as names
from ..escape import code_span, markdown_inline
from ..ir.model import Model, Service
from ..output.bundle import Artifact
from ..values.units import format_decimal
from . import runbook_oncall as oncall
from .onboarding_tour import tour
from .runbook import burn_words, condition_words


def compile(model: Model) -> list[Artifact]:  # the registry's verb
    return [
        Artifact(names.onboarding_path(s.name), render_service(s), "text", s.source, header=False)
        for s in model.services
    ]


def _link(name: str, runbook_url: str) -> str:
    return f"[{name}](runbook.md#{names.url_anchor(runbook_url)})"


def _for(for_: object) -> str:
    text = str(for_)
    return "0s (at once)" if text == "0s" else text


def _quiets(service: Service, name: str, index: oncall.AlertIndex, tickets: dict[str, list[str]]) -> str:
    """The inhibitions an alert takes part in: what silences it, and what it silences
    (``tickets``: ``_silenced_tickets``)."""
    out = []
    if by := oncall.silenced_by(service, name, index):
        out.append(f"silenced while {' or '.join(by)} fires")
    if service.routing is not None and service.routing.inhibit:
        if name in index.inhibiting:
            out.append("silences every warning and info alert of the service")
        out += tickets.get(name, ())
    return "; ".join(out) or "none"


def _silenced_tickets(service: Service, index: oncall.AlertIndex) -> dict[str, list[str]]:
    """Page alert -> ``silences <its SLO's ticket alerts>``, in SLO order: once per page, not a
    scan of every SLO per alert (quadratic: 10,000 SLOs have 20,000 burn alerts)."""
    out: dict[str, list[str]] = {}
    for slo in service.slos:
        tickets = [b.name for b in slo.alerts if b.tier == "ticket"]
        if tickets:
            for page in index.pages.get(slo.name, ()):
                out.setdefault(page, []).append(f"silences {', '.join(tickets)}")
    return out


def policy(service: Service) -> list[str]:
    """``## The alert policy``: one row per alert, threshold alerts then each SLO's burn alerts."""
    lines = ["## The alert policy", ""]
    index = oncall.AlertIndex.of(service)
    if not index.labels:
        return lines + ["This spec has no alerts.", ""]
    lines += [
        "| Alert | Severity | Fires when | For | Goes to | Inhibitions |",
        "| --- | --- | --- | --- | --- | --- |",
    ]

    tickets = _silenced_tickets(service, index)

    def row(name: str, url: str, severity: str, when: str, for_: object) -> str:
        where = oncall.paged(service, index.labels[name], index)
        cells = (_link(name, url), severity, when, _for(for_), where, _quiets(service, name, index, tickets))
        return "| " + " | ".join(map(oncall.cell, cells)) + " |"

    for alert in service.alerts:
        lines.append(
            row(alert.name, alert.runbook_url, alert.severity, condition_words(alert, service.rate_window), alert.for_)
        )
    for slo in service.slos:
        for burn in slo.alerts:
            when = burn_words(slo, burn, held=False)
            lines.append(row(burn.name, burn.runbook_url, burn.severity, when, burn.for_))
    lines += [""]
    if service.slos:
        lines += [
            "SLOs: "
            + "; ".join(
                f"`{s.name}` {format_decimal(s.objective)} % over {s.window} "
                f"(budget {format_decimal(s.error_budget * 100)} %)"
                for s in service.slos
            )
            + ". The runbook's SLO policy says what page and ticket mean.",
            "",
        ]
    return lines


def _drill_report(service: Service) -> list[str]:
    """Where the drill's report is: the file its ``--report`` names."""
    report = names.drill_report_path(service.name)
    return [
        "### The drill report",
        "",
        f"The drill writes its report, with a timeline chart per alert and the notifications each receiver got, "
        f"to the file `--report` names; the team keeps the last one at {code_span(report)}:",
        "",
        "```sh",
        f"mkdir -p {shlex.quote(report.rpartition('/')[0])} && "
        f"sigil-monitoring drill {shlex.quote(service.source)} --report {shlex.quote(report)}",
        "```",
        "",
        "Open it in a browser before your first shift: it shows every alert of this page firing and resolving.",
        "",
    ]


def render_service(service: Service) -> str:
    lines = [f"# {markdown_inline(service.title)} onboarding", ""]
    if service.description:
        lines += [markdown_inline(service.description), ""]
    lines += [
        f"Generated by sigil-monitoring from {code_span(service.source)}; edit the spec, not this page. "
        "Read it before your first on-call shift; when an alert fires, the [runbook](runbook.md) is the page to open.",
        "",
    ]
    lines += tour(service)
    lines += policy(service)
    lines += ["## Acknowledge and silence", ""]
    # The runbook's own sections: the commands are the runbook's, so both pages follow one definition.
    lines += oncall.acting(service)
    lines += oncall.operations(service)
    lines += _drill_report(service)
    return "\n".join(lines).rstrip("\n") + "\n"
