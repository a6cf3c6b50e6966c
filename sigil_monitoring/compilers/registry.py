"""The targets: one record per output target, and every list of targets derived from them.

A target is a compiler module (``compile(model) -> list[Artifact]``, pure), an options model (the
spec's ``targets.<name>:`` section, a spec struct named here by path so that this module stays
import-cheap for the CLI and ``validate``), and, for a rule engine, its row of the support table.
``TARGET_NAMES``, ``DEFAULT_TARGETS``, ``ENGINES``, the support table (``engines.support_table``),
the ``--target`` help and the fields of the spec's ``Targets`` section are all read from ``TARGETS``;
adding a target is its module, its options model and one line here (docs/architecture.md).

>>> TARGET_NAMES[:5] == DEFAULT_TARGETS
True
>>> [t.name for t in TARGETS if t.shared]
['grafana', 'alertmanager']
>>> target("thanos").engine.title
'Thanos Ruler'
>>> chosen_from({"mimir", "kubernetes"})
('kubernetes', 'mimir')
"""

from __future__ import annotations

from collections.abc import Collection

import msgspec


class Support(msgspec.Struct, frozen=True, kw_only=True):
    """How one rule engine takes each spec feature: "yes", "no" (refused by ``engines.problems`` at
    the spec's position), or how. Every field is required, so an engine cannot leave a row out."""

    threshold_alerts: str
    slo_alerts: str
    classic_histograms: str
    native_histograms: str
    promql_alerts: str
    routing: str
    inhibitions: str
    mute_locations: str
    secrets: str
    unit_tests: str
    engine_options: str


# The first column of the support table, one line per ``Support`` field, in its order.
FEATURES: dict[str, str] = {
    "threshold_alerts": "threshold alerts (every `when` kind)",
    "slo_alerts": "SLO burn-rate alerts",
    "classic_histograms": "classic histograms",
    "native_histograms": "native histograms",
    "promql_alerts": "raw `promql` alerts",
    "routing": "routing: receivers and routes",
    "inhibitions": "inhibitions (`routing.inhibit`)",
    "mute_locations": "mute windows with a `location`",
    "secrets": "secrets",
    "unit_tests": "generated unit tests",
    "engine_options": "engine options",
}
if tuple(FEATURES) != Support.__struct_fields__:  # not an assert: it must hold under python -O too
    raise TypeError(f"registry.FEATURES must label every Support field, in order: {Support.__struct_fields__}")


class Engine(msgspec.Struct, frozen=True, kw_only=True):
    """A target that is a rule engine: its name in diagnostics and its column of the support table."""

    title: str  # e.g. "Thanos Ruler": a feature it lacks is reported as "Thanos Ruler: ..."
    support: Support
    # "module:function" yielding the spec features it cannot take (``engines.problems``), if any.
    refuses: str | None = None


class Target(msgspec.Struct, frozen=True, kw_only=True):
    """One output target."""

    name: str  # the key under the spec's ``targets:`` and the ``--target`` name
    module: str  # the compiler module: ``compile(model)``; with ``shared`` also ``compile_shared`` and its parts
    options: str  # the options model, "module:Class" (a ``SpecStruct``; imported by spec/targets.py only)
    engine: Engine | None = None  # a rule engine has a support column; None for the other outputs
    shared: bool = False  # writes files that depend on every service, also alone as ``compile_shared``
    default: bool = False  # compiled for a spec without a ``targets:`` section


_YES = "yes"
_OPTIONS = "sigil_monitoring.spec.targets"
_CHECKS = "sigil_monitoring.engines"
_THE_PROMETHEUS_TARGETS = "the Prometheus target's"


def _engine(title: str, refuses: str | None = None, **how: str) -> Engine:
    """An engine and its support row (``how``: a value for every feature, or a TypeError)."""
    return Engine(title=title, support=Support(**how), refuses=refuses)


def _like_prometheus(**how: str) -> dict[str, str]:
    """The row of an engine that reads Prometheus rule files: rules as Prometheus has them, routing
    and secrets in the Alertmanager target, unit tests from the Prometheus target."""
    row = dict.fromkeys(("threshold_alerts", "slo_alerts", "classic_histograms", "native_histograms"), _YES)
    row |= {"promql_alerts": _YES, "routing": "alertmanager target", "inhibitions": "alertmanager target"}
    row |= {"mute_locations": _YES, "secrets": "files", "unit_tests": _THE_PROMETHEUS_TARGETS}
    return row | how


_K8S = "Kubernetes AlertmanagerConfig (monitoring.coreos.com/v1alpha1)"
_GRAFANA_ALERTING = _like_prometheus(
    slo_alerts="yes (recording rules stay in Prometheus)",
    routing="contact points, policies",
    inhibitions="no",
    secrets="`$__file{}` references",
    engine_options="datasource_uid, folder, interval",
)

TARGETS: tuple[Target, ...] = (
    Target(
        name="prometheus",
        module="sigil_monitoring.compilers.prometheus",
        options=f"{_OPTIONS}:Prometheus",
        engine=_engine("Prometheus", **_like_prometheus(unit_tests="promtool", engine_options="-")),
        default=True,
    ),
    Target(
        name="grafana",
        module="sigil_monitoring.compilers.grafana",
        options=f"{_OPTIONS}:Grafana",
        shared=True,
        default=True,
    ),
    Target(
        name="alertmanager",
        module="sigil_monitoring.compilers.alertmanager",
        options=f"{_OPTIONS}:Alertmanager",
        shared=True,
        default=True,
    ),
    Target(name="runbook", module="sigil_monitoring.compilers.runbook", options=f"{_OPTIONS}:Runbook", default=True),
    Target(
        name="onboarding",
        module="sigil_monitoring.compilers.onboarding",
        options=f"{_OPTIONS}:Onboarding",
        default=True,
    ),
    Target(
        name="kubernetes",
        module="sigil_monitoring.compilers.kubernetes",
        options=f"{_OPTIONS}:Kubernetes",
        engine=_engine(
            _K8S,
            f"{_CHECKS}:kubernetes_problems",
            **_like_prometheus(
                routing="AlertmanagerConfig",
                inhibitions=_YES,
                mute_locations="no (UTC only)",
                secrets="Secret keys",
                engine_options="namespace, labels",
            ),
        ),
    ),
    Target(
        name="mimir",
        module="sigil_monitoring.compilers.mimir",
        options=f"{_OPTIONS}:Mimir",
        engine=_engine("Mimir", **_like_prometheus(engine_options="tenant, namespace, source_tenants")),
    ),
    Target(
        name="thanos",
        module="sigil_monitoring.compilers.thanos",
        options=f"{_OPTIONS}:Thanos",
        engine=_engine(
            "Thanos Ruler", f"{_CHECKS}:thanos_problems", **_like_prometheus(engine_options="partial_response_strategy")
        ),
    ),
    Target(
        name="victoriametrics",
        module="sigil_monitoring.compilers.victoriametrics",
        options=f"{_OPTIONS}:VictoriaMetrics",
        engine=_engine(
            "VictoriaMetrics (vmalert 1.79)",
            f"{_CHECKS}:victoriametrics_problems",
            **_like_prometheus(native_histograms="no", promql_alerts="read as MetricsQL", engine_options="-"),
        ),
    ),
    Target(
        name="grafana_alerting",
        module="sigil_monitoring.compilers.grafana_alerting",
        options=f"{_OPTIONS}:GrafanaAlerting",
        engine=_engine("Grafana-managed alerting", f"{_CHECKS}:grafana_alerting_problems", **_GRAFANA_ALERTING),
    ),
)  # end of TARGETS: a new target is one more record above (docs/architecture.md, "Adding a target")

TARGET_NAMES: tuple[str, ...] = tuple(t.name for t in TARGETS)
DEFAULT_TARGETS: tuple[str, ...] = tuple(t.name for t in TARGETS if t.default)
ENGINES: tuple[str, ...] = tuple(t.name for t in TARGETS if t.engine is not None)
_BY_NAME = {t.name: t for t in TARGETS}
if len(_BY_NAME) != len(TARGETS):
    raise TypeError(f"registry.TARGETS names a target twice: {TARGET_NAMES}")


def target(name: str) -> Target:
    """The record of a registered target (KeyError for an unknown name)."""
    return _BY_NAME[name]


def chosen_from(named: Collection[str]) -> tuple[str, ...]:
    """The registered targets among ``named`` (a ``targets:`` section's keys), in registry order."""
    return tuple(name for name in TARGET_NAMES if name in named)
