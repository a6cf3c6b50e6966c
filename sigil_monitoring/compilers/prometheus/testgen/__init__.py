"""Generated promtool unit tests: one file per alert, one sample check of the recording rules.

Each file lists only the rule files it needs, because promtool evaluates every listed rule in
every test group (200 rules x 200 groups took 41 s).
"""

from __future__ import annotations

from collections.abc import Iterator

from .... import conventions as names
from ....ir.model import Service
from ..rules import AlertingRule, RuleFile
from .model import TestFile
from .recording import recording_test
from .slo import burn_test
from .threshold import alert_test


def service_tests(service: Service, files: list[RuleFile]) -> list[TestFile]:
    """Test files for ``service`` whose rules are ``files`` (from ``rule_files``)."""
    return list(iter_service_tests(service, files))


def iter_service_tests(service: Service, files: list[RuleFile]) -> Iterator[TestFile]:
    """``service_tests`` one at a time, so a caller rendering each can let it go."""
    by_path = {f.path for f in files}
    rec = names.rules_path(service.name, names.RECORDING_CONCERN)
    alerts = names.rules_path(service.name, names.ALERTS_CONCERN)
    # A concern with no rules has no file (rule_files): list only the files that exist.
    assert not service.alerts or alerts in by_path
    if rec in by_path and (test := recording_test(service, rec)) is not None:
        yield test
    for a in service.alerts:
        if (test := alert_test(service, a, tuple(p for p in (rec, alerts) if p in by_path))) is not None:
            yield test
    # The burn rules were built for the rule files already (expression checked, annotations
    # formatted): each test reuses its rule rather than building it again.
    built = {f.path: f for f in files}
    for slo in service.slos:
        path = names.rules_path(service.name, names.slo_concern(slo.name))
        rules = _alerting_rules(built.get(path))
        for burn in slo.alerts:
            if (test := burn_test(service, slo, burn, path, rules.get(burn.name))) is not None:
                yield test


def _alerting_rules(file: RuleFile | None) -> dict[str, AlertingRule]:
    """The alerting rules of ``file`` by alert name (none when the concern has no file)."""
    if file is None:
        return {}
    return {r.alert: r for r in file.rules() if isinstance(r, AlertingRule)}
