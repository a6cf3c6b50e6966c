"""Generated promtool unit tests: one file per alert, one sample check of the recording rules.

Each file lists only the rule files it needs, because promtool evaluates every listed rule in
every test group (200 rules x 200 groups took 41 s).
"""

from __future__ import annotations

from .... import conventions as names
from ....ir.model import Service
from ..rules import RuleFile
from .model import TestFile
from .recording import recording_test
from .slo import burn_test
from .threshold import alert_test


def service_tests(service: Service, files: list[RuleFile]) -> list[TestFile]:
    """Test files for ``service`` whose rules are ``files`` (from ``rule_files``)."""
    by_path = {f.path for f in files}
    rec = names.rules_path(service.name, names.RECORDING_CONCERN)
    alerts = names.rules_path(service.name, names.ALERTS_CONCERN)
    # A concern with no rules has no file (rule_files): list only the files that exist.
    assert not service.alerts or alerts in by_path
    tests: list[TestFile | None] = [recording_test(service, rec) if rec in by_path else None]
    tests += [alert_test(service, a, tuple(p for p in (rec, alerts) if p in by_path)) for a in service.alerts]
    for slo in service.slos:
        path = names.rules_path(service.name, names.slo_concern(slo.name))
        tests += [burn_test(service, slo, burn, path) for burn in slo.alerts]
    return [t for t in tests if t is not None]
