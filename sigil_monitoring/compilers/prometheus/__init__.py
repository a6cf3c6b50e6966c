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

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from ... import conventions as names
from ...ir.model import Alert, Model, Service, Slo
from ...output.bundle import Artifact
from . import alerts, recording
from . import slo as slo_rules
from .rules import Labels, RuleFile, RuleGroup, RuleKeys, check_collisions, check_keys, rule_keys
from .testgen import alert_rule_files, recording_tests, slo_tests
from .testgen.model import TestFile
from .testgen.threshold import alert_test

if TYPE_CHECKING:  # skeleton.py is imported only by a service of many records (SKELETON_FROM)
    from .skeleton import Files, Record

Seen = dict[tuple[str, Labels], str]  # the rules checked so far (check_keys)


def rule_files(service: Service) -> list[RuleFile]:
    """Every rule file of one service, in a fixed order."""
    return base_rule_files(service) + [f for s in service.slos if (f := slo_rule_file(service, s)) is not None]


def base_rule_files(service: Service) -> list[RuleFile]:
    """The service's recording rules and the spec's alerts: each a file when it has rules."""
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
    return [k for f in files if (k := _kept(f)) is not None]


def slo_rule_file(service: Service, slo: Slo) -> RuleFile | None:
    """The rule file of one SLO (None if it had no rules)."""
    path = names.rules_path(service.name, names.slo_concern(slo.name))
    return _kept(RuleFile(path, (slo_rules.slo_group(service, slo),)))


def _kept(file: RuleFile) -> RuleFile | None:
    # An empty group is legal but noise, and a file of no groups breaks other engines: vmalert
    # refuses `groups: []` ("No rules for validation"), so no target writes one. Globs such as
    # rule_files: [build/*/prometheus/*.rules.yml] are unaffected by a missing file.
    groups = tuple(g for g in file.groups if g.rules)
    return RuleFile(file.path, groups) if groups else None


def records(model: Model) -> Iterator[RuleFile | TestFile]:
    """The records ``compile`` renders, in its order, every one built in full (no skeleton).
    For tests and tools that read rules as records."""
    for service in model.services:
        files = base_rule_files(service)
        yield from files
        yield from recording_tests(service, files)
        paths = alert_rule_files(service, files)
        for a in service.alerts:
            yield from _alert_records(service, paths, a)
        for s in service.slos:
            yield from _slo_records(service, s)


def compile(model: Model) -> Iterator[Artifact]:  # the registry's verb
    """Rule files and promtool test files for every service of ``model``, one at a time.

    A generator, so that each document is built just before it is rendered and freed just after
    (``pipeline.rendered``): at 10,000 SLOs the 35,000 documents held at once were most of the
    compile's memory. An SLO's files come from its shape's skeleton when one is proven
    (``skeleton.py``). Collisions are checked per service against every rule seen before.
    """
    seen: Seen = {}
    for service in model.services:
        files = base_rule_files(service)
        check_collisions(files, seen)
        for f in files:
            yield Artifact(f.path, f, "yaml-record", service.source)  # RuleFile.yaml_lines
        for t in recording_tests(service, files):
            yield Artifact(t.path, t, "yaml-record", service.source)  # TestFile.yaml_lines
        paths = alert_rule_files(service, files)
        yield from _rendered_each(service, service.alerts, functools.partial(_alert_files, service, paths), seen)
        yield from _rendered_each(service, service.slos, functools.partial(_slo_files, service), seen)


# Skeletons pay from a few records of one shape on: below this many SLOs (or alerts) in a
# service, finding each record's shape costs more than it saves (with skeletons from one record
# on, a fresh compile of sigil-dna, 7 SLOs and 14 alerts, took 7 M instructions more, +1.4 %,
# callgrind), and the module is not even imported. tests/test_skeleton.py sets it to 0.
SKELETON_FROM = 32


def _rendered_each(
    service: Service, records: tuple[Record, ...], build: Callable[[Record], tuple[Files, RuleKeys]], seen: Seen
) -> Iterator[Artifact]:
    """The files of each record (an SLO's, an alert's), from their shape's skeleton when the
    service has enough of them (``skeleton.py``); each SLO's rules checked for collisions."""
    built: Iterable[tuple[Files, RuleKeys]] = map(build, records)
    if len(records) >= SKELETON_FROM:
        from .skeleton import Skeletons

        built = map(Skeletons(build).files, records)
    for files, keys in built:
        if keys:
            check_keys(keys, files[0][0], seen)
        for path, data in files:
            yield Artifact(path, data, "rendered", service.source)


def _alert_records(service: Service, rule_files: tuple[str, ...], alert: Alert) -> list[TestFile]:
    """The test of one threshold alert (none when no input can be derived)."""
    test = alert_test(service, alert, rule_files)
    return [] if test is None else [test]


def _slo_records(service: Service, slo: Slo) -> list[RuleFile | TestFile]:
    """The rule file of one SLO (when it has rules), then its burn tests."""
    file = slo_rule_file(service, slo)
    return [*([] if file is None else [file]), *slo_tests(service, slo, file)]


def _alert_files(service: Service, rule_files: tuple[str, ...], alert: Alert) -> tuple[Files, RuleKeys]:
    """The rendered test of one threshold alert (its rule is in the alerts' file: no keys)."""
    return _rendered(service, _alert_records(service, rule_files, alert)), []


def _slo_files(service: Service, slo: Slo) -> tuple[Files, RuleKeys]:
    """The rendered rule file and burn tests of one SLO, and its rules' keys (``check_keys``)."""
    built = _slo_records(service, slo)
    keys = rule_keys(built[0]) if built and isinstance(built[0], RuleFile) else []
    return _rendered(service, built), keys


def _rendered(service: Service, records: Sequence[RuleFile | TestFile]) -> Files:
    return [(r.path, Artifact(r.path, r, "yaml-record", service.source).render()) for r in records]
