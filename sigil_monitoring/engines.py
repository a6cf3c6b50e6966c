"""Choosing targets per spec, and refusing spec features an engine lacks, at their position.

A target an engine would reject at load is refused here instead, as one
``file:line:col: error: ...`` line naming the engine, so no file the engine rejects is ever
written. ``support_table()`` is the table the README shows (docs/engines.md), one column per
engine of the target registry (``compilers/registry.py``).

>>> from sigil_monitoring import load_spec
>>> choose([load_spec("specs/minimal.yaml")], None)
(('prometheus', 'grafana', 'alertmanager', 'runbook', 'onboarding'),)
>>> choose([load_spec("specs/minimal.yaml")], ("thanos", "mimir"))
(('thanos', 'mimir'),)
>>> target_list("victoriametrics,kubernetes")
('victoriametrics', 'kubernetes')
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from .errors import Diagnostic, Problem, SpecError

if TYPE_CHECKING:  # the CLI imports this module for its --target option: keep pydantic out of start-up
    from .spec.document import Spec
    from .spec.routing import Routing as SpecRouting


def support_table() -> str:
    """The README's feature table, as Markdown: one column per engine of the target registry.

    >>> support_table().splitlines()[0]
    '| spec feature | prometheus | kubernetes | mimir | thanos | victoriametrics | grafana_alerting |'
    """
    from .compilers.registry import FEATURES, TARGETS

    engines = [(t.name, t.engine) for t in TARGETS if t.engine is not None]
    rows = [f"| spec feature | {' | '.join(n for n, _ in engines)} |", f"| --- |{' --- |' * len(engines)}"]
    rows += [
        f"| {label} | {' | '.join(getattr(e.support, feature) for _, e in engines)} |"
        for feature, label in FEATURES.items()
    ]
    return "\n".join(rows) + "\n"


def target_list(text: str) -> tuple[str, ...]:
    """``--target a,b``: known names, in the order given; argparse reports an unknown one."""
    from .compilers.registry import TARGET_NAMES

    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [n for n in names if n not in TARGET_NAMES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown target {', '.join(repr(n) for n in unknown) or 'list'} (choose from {', '.join(TARGET_NAMES)})"
        )
    return names


def target_help() -> str:
    """The ``--target`` help: every registered target, and the defaults.

    >>> target_help().endswith("else prometheus, grafana, alertmanager, runbook, onboarding)")
    True
    """
    from .compilers.registry import DEFAULT_TARGETS, TARGET_NAMES

    return (
        f"targets to compile, overriding the specs' targets: sections ({', '.join(TARGET_NAMES)}; "
        f"default: each spec's section, else {', '.join(DEFAULT_TARGETS)})"
    )


def add_target_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", type=target_list, metavar="NAME[,NAME...]", help=target_help())


def choose(specs: Sequence[Spec], override: tuple[str, ...] | None) -> tuple[tuple[str, ...], ...]:
    """The targets of each spec: the override, else its ``targets`` section, else the defaults."""
    from .compilers.registry import DEFAULT_TARGETS

    return tuple(override or spec.targets.chosen() or DEFAULT_TARGETS for spec in specs)


def check_support(specs: Sequence[Spec], chosen: Sequence[tuple[str, ...]]) -> None:
    """Raise a ``SpecError`` with every feature a chosen engine lacks, at its place in the spec."""
    diagnostics: list[Diagnostic] = []
    for spec, targets in zip(specs, chosen, strict=True):
        source = spec._source
        for target in targets:
            for path, at, text in problems(spec, target):
                shown, line, col = (
                    source.locate(path, at) if source is not None else (f"{spec.service.name}.yaml", 1, 1)
                )
                diagnostics.append(Diagnostic(shown, line, col, f"{_engine_title(target)}: {text}"))
    if diagnostics:
        raise SpecError(diagnostics)


def _engine_title(target: str) -> str:
    from .compilers.registry import target as record

    engine = record(target).engine
    return engine.title if engine is not None else target


def problems(spec: Spec, target: str) -> Iterator[Problem]:
    """What ``target`` cannot take from ``spec``: its engine's ``refuses`` check, when it has one."""
    import importlib

    from .compilers.registry import target as record

    engine = record(target).engine
    if engine is None or engine.refuses is None:
        return iter(())
    module, _, name = engine.refuses.partition(":")
    check: Callable[[Spec], Iterator[Problem]] = getattr(importlib.import_module(module), name)
    return check(spec)


def victoriametrics_problems(spec: Spec) -> Iterator[Problem]:
    for key, metric in spec.metrics.items():
        if metric.type == "native_histogram":
            yield (
                ("metrics", key, "type"),
                "value",
                "stores no Prometheus native histograms (expose a classic histogram with buckets, or drop this target)",
            )
    # vmalert 1.79 refuses the whole rule file: "unknown fields in rule: keep_firing_for".
    held = "vmalert 1.79 refuses keep_firing_for (remove it, or drop this target)"
    for name, alert in spec.enabled_alerts.items():  # a disabled alert reaches no engine
        if alert.keep_firing_for is not None:
            yield (("alerts", name, "keep_firing_for"), "value", held)
    for name, slo in spec.slos.items():
        for tier in ("page", "ticket"):
            if getattr(slo.alerting, tier).keep_firing_for is not None:
                yield (("slos", name, "alerting", tier, "keep_firing_for"), "value", held)


def kubernetes_problems(spec: Spec) -> Iterator[Problem]:
    if not spec.targets.kubernetes.alertmanager_config:
        return
    if spec.routing is None:
        yield (
            ("targets", "kubernetes", "alertmanager_config"),
            "value",
            "alertmanager_config needs a routing section to build it from (add routing:, or set "
            "alertmanager_config: false)",
        )
        return
    yield from _secret_keys(spec.routing)
    for name, interval in spec.routing.mute.items():
        if interval.location != "UTC":
            yield (
                ("routing", "mute", name, "location"),
                "value",
                f"time intervals have no location field, so '{interval.location}' cannot be kept "
                "(write the times in UTC, or use the alertmanager target)",
            )


def grafana_alerting_problems(spec: Spec) -> Iterator[Problem]:
    yield from _alerting_folder(spec)
    if spec.routing is None or not spec.routing.inhibit:
        return
    # Inhibition is on by default: point at `inhibit:` when written, else at the routing section.
    written = "inhibit" in spec.routing.model_fields_set
    yield (
        ("routing", "inhibit") if written else ("routing",),
        "value" if written else "key",
        "has no inhibition rules (set routing.inhibit: false, or notify through the alertmanager target)",
    )


def _alerting_folder(spec: Spec) -> Iterator[Problem]:
    """The dashboards' folder is the alert rules' one too when the target names none, and alert
    rules take fewer titles than dashboards: a derived folder is judged at the title it comes from."""
    from .values.names import grafana_alerting_folder

    if spec.targets.grafana_alerting.folder or not spec.service.links.folder:
        return
    problem = grafana_alerting_folder(spec.service.links.folder)
    if problem:
        yield (
            ("service", "links", "folder"),
            "value",
            f"the alert rules go to this folder too (targets.grafana_alerting.folder is not set): {problem}",
        )


def thanos_problems(spec: Spec) -> Iterator[Problem]:
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


def concerns(spec: Spec) -> list[str]:
    """The concerns a spec's rule files are split into (``conventions``), in file order."""
    from . import conventions as names

    return [names.RECORDING_CONCERN, names.ALERTS_CONCERN, *(names.slo_concern(s) for s in spec.slos)]


def _secret_keys(routing: SpecRouting) -> Iterator[Problem]:
    """Secret files become keys of one Kubernetes Secret, named by their base names."""
    import re

    seen: dict[str, str] = {}
    for name, r in routing.receivers.items():
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
                    f"the file name '{key}' is not a valid Secret key (name the file with letters, digits, "
                    "'-', '_' and '.')",
                )
            elif key in seen and seen[key] != path:
                yield (
                    where,
                    "value",
                    f"'{path}' and '{seen[key]}' would both be Secret key '{key}' (give the secret files "
                    "distinct names)",
                )
            seen.setdefault(key, path)
