"""A paging alert without a "what to do" is a positioned warning (an error under ``--strict``): an
alert pages when it is critical or when the spec's routes send it to PagerDuty or Opsgenie."""

from __future__ import annotations

from sigil_monitoring.cli import main

SPEC = """\
apiVersion: sigil-monitoring/v1
service: {name: store, selector: {job: store}}
metrics:
  up: {name: store_db_up, type: gauge}
  requests: {name: store_requests_total, type: counter}
  errors: {name: store_errors_total, type: counter}
slos:
  availability:
    objective: 99.9%
    sli: {bad: errors, total: requests}
alerts:
  DatabaseDown:
    when: {value: up, below: 1}
    severity: critical
  DiskSlow:
    when: {value: up, below: 1}
    labels: {pager: "yes"}
  Chatty:
    when: {value: up, below: 1}
routing:
  receivers:
    oncall: {pagerduty: {routing_key_file: /run/secrets/pd}}
    team: {slack: {channel: "#store", api_url_file: /run/secrets/slack}}
  routes:
    - {severity: critical, to: [oncall, team]}
    - {match: {pager: "yes"}, to: oncall}
  default: team
"""

FIX = ", with the first steps to take)"


def _validate(tmp_path, text, *flags):
    path = tmp_path / "store.yaml"
    path.write_text(text)
    return main(["validate", *flags, str(path)]), str(path)


def test_each_paging_alert_without_a_runbook_is_one_positioned_warning(tmp_path, capsys):
    code, path = _validate(tmp_path, SPEC)
    assert code == 0
    assert capsys.readouterr().err.splitlines() == [
        f"{path}:8:3: warning: slos.availability: its alert AvailabilityFastBurn pages on-call (severity critical) "
        'with no "what to do" (add runbook: to the SLO, or to its alerting tier' + FIX,
        f'{path}:12:3: warning: alerts.DatabaseDown: pages on-call (severity critical) with no "what to do" '
        "(add runbook: with the first steps to take)",
        f"{path}:15:3: warning: alerts.DiskSlow: pages on-call (routed to receiver 'oncall') with no "
        '"what to do" (add runbook: with the first steps to take)',
    ]


def test_strict_refuses_them_with_exit_2(tmp_path, capsys):
    code, path = _validate(tmp_path, SPEC, "--strict")
    assert code == 2
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 3 and all(": error: " in line for line in errors)


def test_runbook_texts_quiet_them_and_a_disabled_alert_pages_nobody(tmp_path, capsys):
    fixed = (
        SPEC.replace(
            "    sli: {bad: errors, total: requests}\n", "    sli: {bad: errors, total: requests}\n    runbook: x\n"
        )
        .replace("    severity: critical\n", "    severity: critical\n    runbook: Restart the database.\n")
        .replace('    labels: {pager: "yes"}\n', '    labels: {pager: "yes"}\n    enabled: false\n')
    )
    assert _validate(tmp_path, fixed, "--strict")[0] == 0
    assert capsys.readouterr().err == ""


def test_a_tier_runbook_alone_is_enough(tmp_path, capsys):
    text = SPEC.replace(
        "    sli: {bad: errors, total: requests}\n",
        "    sli: {bad: errors, total: requests}\n    alerting: {page: {runbook: Roll back first.}}\n",
    )
    _validate(tmp_path, text)
    assert "AvailabilityFastBurn" not in capsys.readouterr().err
