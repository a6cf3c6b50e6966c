"""Choosing targets per spec, and refusing spec features an engine lacks, at their position.

A target an engine would reject at load is refused here instead, as one
``file:line:col: error: ...`` line naming the engine, so no file the engine rejects is ever
written. ``SUPPORT`` is the table the README shows (docs/engines.md).

>>> from sigil_monitoring import load_spec
>>> choose([load_spec("specs/minimal.yaml")], None)
(('prometheus', 'grafana', 'alertmanager', 'runbook'),)
>>> choose([load_spec("specs/minimal.yaml")], ("thanos", "mimir"))
(('thanos', 'mimir'),)
>>> target_list("victoriametrics,kubernetes")
('victoriametrics', 'kubernetes')
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from .errors import Diagnostic, SpecError

if TYPE_CHECKING:  # the CLI imports this module for its --target option: keep pydantic out of start-up
    from .spec.document import Spec

Problem = tuple[tuple[object, ...], str, str]  # (path in the spec, "key" or "value", message)

# Which spec features each rule engine takes: "yes", "no" (refused by ``problems`` at the spec's
# position), or how. The README's table is ``support_table()`` (a test keeps them equal).
ENGINES = ("prometheus", "kubernetes", "mimir", "thanos", "victoriametrics", "grafana_alerting")
SUPPORT: dict[str, tuple[str, ...]] = {
    "threshold alerts (every `when` kind)": ("yes", "yes", "yes", "yes", "yes", "yes"),
    "SLO burn-rate alerts": ("yes", "yes", "yes", "yes", "yes", "yes (recording rules stay in Prometheus)"),
    "classic histograms": ("yes", "yes", "yes", "yes", "yes", "yes"),
    "native histograms": ("yes", "yes", "yes", "yes", "no", "yes"),
    "raw `promql` alerts": ("yes", "yes", "yes", "yes", "read as MetricsQL", "yes"),
    "routing: receivers and routes": (
        "alertmanager target",
        "AlertmanagerConfig",
        "alertmanager target",
        "alertmanager target",
        "alertmanager target",
        "contact points, policies",
    ),
    "inhibitions (`routing.inhibit`)": (
        "alertmanager target",
        "yes",
        "alertmanager target",
        "alertmanager target",
        "alertmanager target",
        "no",
    ),
    "mute windows with a `location`": ("yes", "no (UTC only)", "yes", "yes", "yes", "yes"),
    "secrets": ("files", "Secret keys", "files", "files", "files", "`$__file{}` references"),
    "generated unit tests": (
        "promtool",
        "the Prometheus target's",
        "the Prometheus target's",
        "the Prometheus target's",
        "the Prometheus target's",
        "the Prometheus target's",
    ),
    "engine options": (
        "-",
        "namespace, labels",
        "tenant, namespace, source_tenants",
        "partial_response_strategy",
        "-",
        "datasource_uid, folder, interval",
    ),
}


def support_table() -> str:
    """The README's feature table, as Markdown.

    >>> support_table().splitlines()[0]
    '| spec feature | prometheus | kubernetes | mimir | thanos | victoriametrics | grafana_alerting |'
    """
    rows = [f"| spec feature | {' | '.join(ENGINES)} |", f"| --- |{' --- |' * len(ENGINES)}"]
    rows += [f"| {feature} | {' | '.join(cells)} |" for feature, cells in SUPPORT.items()]
    return "\n".join(rows) + "\n"


ENGINE_NAMES = {
    "victoriametrics": "VictoriaMetrics (vmalert 1.79)",
    "kubernetes": "Kubernetes AlertmanagerConfig (monitoring.coreos.com/v1alpha1)",
    "thanos": "Thanos Ruler",
    "grafana_alerting": "Grafana-managed alerting",
}


def target_list(text: str) -> tuple[str, ...]:
    """``--target a,b``: known names, in the order given; argparse reports an unknown one."""
    from .compilers import TARGETS  # here, not at import: the CLI builds its parser for validate too

    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [n for n in names if n not in TARGETS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown target {', '.join(repr(n) for n in unknown) or 'list'} (choose from {', '.join(TARGETS)})"
        )
    return names


def add_target_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        type=target_list,
        metavar="NAME[,NAME...]",
        help="targets to compile, overriding the specs' targets: sections (prometheus, grafana, alertmanager, "
        "runbook, kubernetes, mimir, thanos, victoriametrics, grafana_alerting; default: each spec's section, else the first four)",
    )


def choose(specs: Sequence[Spec], override: tuple[str, ...] | None) -> tuple[tuple[str, ...], ...]:
    """The targets of each spec: the override, else its ``targets`` section, else the defaults."""
    from .compilers import DEFAULT_TARGETS

    return tuple(override or spec.targets.chosen() or DEFAULT_TARGETS for spec in specs)


def check_support(specs: Sequence[Spec], chosen: Sequence[tuple[str, ...]]) -> None:
    """Raise a ``SpecError`` with every feature a chosen engine lacks, at its place in the spec."""
    diagnostics: list[Diagnostic] = []
    for spec, targets in zip(specs, chosen):
        source = spec._source
        for target in targets:
            for path, at, text in problems(spec, target):
                line, col = source.position(path, at) if source is not None else (1, 1)
                shown = source.display if source is not None else f"{spec.service.name}.yaml"
                diagnostics.append(Diagnostic(shown, line, col, f"{ENGINE_NAMES.get(target, target)}: {text}"))
    if diagnostics:
        raise SpecError(diagnostics)


def problems(spec: Spec, target: str) -> Iterator[Problem]:
    """What ``target`` cannot take from ``spec`` (nothing for targets without limits)."""
    check = _CHECKS.get(target)
    return check(spec) if check is not None else iter(())


def _victoriametrics(spec: Spec) -> Iterator[Problem]:
    for key, metric in spec.metrics.items():
        if metric.type == "native_histogram":
            yield (
                ("metrics", key, "type"),
                "value",
                "stores no Prometheus native histograms (expose a classic histogram with buckets, or drop this target)",
            )
    # vmalert 1.79 refuses the whole rule file: "unknown fields in rule: keep_firing_for".
    held = "vmalert 1.79 refuses keep_firing_for (remove it, or drop this target)"
    for name, alert in spec.alerts.items():
        if alert.keep_firing_for is not None:
            yield (("alerts", name, "keep_firing_for"), "value", held)
    for name, slo in spec.slos.items():
        for tier in ("page", "ticket"):
            if getattr(slo.alerting, tier).keep_firing_for is not None:
                yield (("slos", name, "alerting", tier, "keep_firing_for"), "value", held)


def _kubernetes(spec: Spec) -> Iterator[Problem]:
    if not spec.targets.kubernetes.alertmanager_config:
        return
    if spec.routing is None:
        yield (
            ("targets", "kubernetes", "alertmanager_config"),
            "value",
            "alertmanager_config needs a routing section to build it from (add routing:, or set alertmanager_config: false)",
        )
        return
    yield from _secret_keys(spec)
    for name, interval in spec.routing.mute.items():
        if interval.location != "UTC":
            yield (
                ("routing", "mute", name, "location"),
                "value",
                f"time intervals have no location field, so '{interval.location}' cannot be kept "
                "(write the times in UTC, or use the alertmanager target)",
            )


def _grafana_alerting(spec: Spec) -> Iterator[Problem]:
    if spec.routing is None or not spec.routing.inhibit:
        return
    # Inhibition is on by default: point at `inhibit:` when written, else at the routing section.
    written = "inhibit" in spec.routing.model_fields_set
    yield (
        ("routing", "inhibit") if written else ("routing",),
        "value" if written else "key",
        "has no inhibition rules (set routing.inhibit: false, or notify through the alertmanager target)",
    )


def _thanos(spec: Spec) -> Iterator[Problem]:
    strategy = spec.targets.thanos.partial_response_strategy
    if not isinstance(strategy, dict):
        return
    known = concerns(spec)
    for concern in strategy:
        if concern not in known:
            yield (
                ("targets", "thanos", "partial_response_strategy", concern),
                "key",
                f"no rule group '{concern}' (use one of {', '.join(known)})",
            )


_CHECKS: dict[str, Callable[[Spec], Iterator[Problem]]] = {
    "victoriametrics": _victoriametrics,
    "kubernetes": _kubernetes,
    "grafana_alerting": _grafana_alerting,
    "thanos": _thanos,
}


def concerns(spec: Spec) -> list[str]:
    """The concerns a spec's rule files are split into (``conventions``), in file order."""
    from . import conventions as names

    return [names.RECORDING_CONCERN, names.ALERTS_CONCERN, *(names.slo_concern(s) for s in spec.slos)]


def _secret_keys(spec: Spec) -> Iterator[Problem]:
    """Secret files become keys of one Kubernetes Secret, named by their base names."""
    import re

    assert spec.routing is not None
    seen: dict[str, str] = {}
    for name, r in spec.routing.receivers.items():
        for field in ("slack.api_url_file", "pagerduty.routing_key_file", "webhook.credentials_file"):
            kind, attr = field.split(".")
            path = getattr(getattr(r, kind), attr, None) if getattr(r, kind) is not None else None
            if path is None:
                continue
            key = path.rsplit("/", 1)[-1]
            where = ("routing", "receivers", name, kind, attr)
            if not re.fullmatch(r"[-._a-zA-Z0-9]+", key):
                yield (
                    where,
                    "value",
                    f"the file name '{key}' is not a valid Secret key (name the file with letters, digits, '-', '_' and '.')",
                )
            elif key in seen and seen[key] != path:
                yield (
                    where,
                    "value",
                    f"'{path}' and '{seen[key]}' would both be Secret key '{key}' (give the secret files distinct names)",
                )
            seen.setdefault(key, path)
