"""Prometheus target: recording and alerting rules by concern, plus promtool unit tests for them.

Per service it writes (paths from ``conventions``; a file whose concern has no rules is left out)::

    <service>/prometheus/recording.rules.yml     rates, bucket rates, p50/p95/p99 per histogram
    <service>/prometheus/alerts.rules.yml        the spec's threshold alerts
    <service>/prometheus/slo-<slo>.rules.yml     SLI ratios, budget metadata, burn-rate alerts
    <service>/prometheus/tests/*.test.yml        ``promtool test rules`` files, one per alert

Rule files are split by concern because promtool evaluates every rule of every listed file in
every test group; each test lists only the files its alert needs.
"""

from __future__ import annotations

from collections.abc import Iterator

from ... import conventions as names
from ...ir.model import Model, Service
from ...output.bundle import Artifact
from . import alerts, recording, slo
from .rules import Labels, RuleFile, RuleGroup, check_collisions
from .testgen import iter_service_tests


def rule_files(service: Service) -> list[RuleFile]:
    """Every rule file of one service, in a fixed order."""
    group = names.rule_group
    files = [
        RuleFile(
            names.rules_path(service.name, names.RECORDING_CONCERN),
            (RuleGroup(group(service.name, names.RECORDING_CONCERN), recording.recording_rules(service)),),
        ),
        RuleFile(
            names.rules_path(service.name, names.ALERTS_CONCERN),
            (RuleGroup(group(service.name, names.ALERTS_CONCERN), alerts.alerting_rules(service)),),
        ),
    ]
    files += [
        RuleFile(names.rules_path(service.name, names.slo_concern(s.name)), (slo.slo_group(service, s),))
        for s in service.slos
    ]
    # An empty group is legal but noise, and a file of no groups breaks other engines: vmalert
    # refuses `groups: []` ("No rules for validation"), so no target writes one. Globs such as
    # rule_files: [build/*/prometheus/*.rules.yml] are unaffected by a missing file.
    kept = [RuleFile(f.path, tuple(g for g in f.groups if g.rules)) for f in files]
    return [f for f in kept if f.groups]


def compile(model: Model) -> Iterator[Artifact]:  # the registry's verb
    """Rule files and promtool test files for every service of ``model``, one at a time.

    A generator, so that each document is built just before it is rendered and freed just after
    (``pipeline.rendered``): at 10,000 SLOs the 35,000 documents held at once were most of the
    compile's memory. Collisions are checked per service against every rule seen before.
    """
    seen: dict[tuple[str, Labels], str] = {}
    for service in model.services:
        files = rule_files(service)
        check_collisions(files, seen)
        for f in files:
            yield Artifact(f.path, f, "yaml-record", service.source)  # RuleFile.yaml_lines
        for t in iter_service_tests(service, files):
            yield Artifact(t.path, t, "yaml-record", service.source)  # TestFile.yaml_lines
