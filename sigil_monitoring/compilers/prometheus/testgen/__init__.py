"""Generated promtool unit tests: one file per alert, one sample check of the recording rules.

Each file lists only the rule files it needs, because promtool evaluates every listed rule in
every test group (200 rules x 200 groups took 41 s).
"""

from __future__ import annotations

from .... import conventions as names
from ....ir.model import Service, Slo
from ..rules import AlertingRule, RuleFile
from .model import TestFile
from .recording import recording_test
from .slo import burn_test


def recording_tests(service: Service, files: list[RuleFile]) -> list[TestFile]:
    """The sample check of the recording rules (none when they have no file among ``files``)."""
    rec = names.rules_path(service.name, names.RECORDING_CONCERN)
    test = recording_test(service, rec) if any(f.path == rec for f in files) else None
    return [] if test is None else [test]


def alert_rule_files(service: Service, files: list[RuleFile]) -> tuple[str, ...]:
    """The rule files a threshold alert's test lists: the recording rules' and the alerts', those
    among ``files`` (a concern with no rules has no file, ``rule_files``)."""
    present = {f.path for f in files}
    rec = names.rules_path(service.name, names.RECORDING_CONCERN)
    alerts = names.rules_path(service.name, names.ALERTS_CONCERN)
    assert not service.alerts or alerts in present
    return tuple(p for p in (rec, alerts) if p in present)


def slo_tests(service: Service, slo: Slo, file: RuleFile | None) -> list[TestFile]:
    """The burn tests of ``slo``, whose rule file is ``file`` (None when it has none).

    The burn rules were built for the rule file already (expression checked, annotations
    formatted): each test reuses its rule rather than building it again."""
    path = names.rules_path(service.name, names.slo_concern(slo.name))
    rules = _alerting_rules(file)
    return [
        test for burn in slo.alerts if (test := burn_test(service, slo, burn, path, rules.get(burn.name))) is not None
    ]


def _alerting_rules(file: RuleFile | None) -> dict[str, AlertingRule]:
    """The alerting rules of ``file`` by alert name (none when the concern has no file)."""
    if file is None:
        return {}
    return {r.alert: r for r in file.rules() if isinstance(r, AlertingRule)}
