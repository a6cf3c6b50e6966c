"""The Pyrra reader beyond the published examples: alerting turned off, grouping as one budget per
value, and Pyrra's window pairs scaled to the SLO window as Pyrra scales them (slo/rules.go)."""

from __future__ import annotations

from sigil_monitoring.readers import load, read

SLO = """\
apiVersion: pyrra.dev/v1alpha1
kind: ServiceLevelObjective
metadata:
  name: api-errors
spec:
  target: "99.5"
  window: 28d
  indicator:
    ratio:
      errors:
        metric: http_requests_total{job="api",code=~"5.."}
      total:
        metric: http_requests_total{job="api"}
      grouping: [route]
{alerting}"""


def _read(alerting: str = "") -> tuple:
    files = [("api.yaml", SLO.replace("{alerting}", alerting).encode())]
    specs, _, errors = load(files)
    assert errors == []
    return specs[0].slos["api-errors"], [f"{d.line}:{d.col}: {d.message}" for d in read(files).losses]


def test_grouping_is_one_budget_per_value_and_the_pairs_are_pyrras_for_28_days():
    slo, losses = _read()
    assert losses == []
    assert slo.group_by == ["route"]
    assert slo.sli.bad_query == 'sum by (route) (rate(http_requests_total{job="api",code=~"5.."}[$window]))'
    pairs = {
        tier: [(str(w.long), str(w.short), str(w.factor)) for w in getattr(slo.alerting, tier).windows]
        for tier in ("page", "ticket")
    }
    assert pairs == {
        "page": [("1h", "5m", "14"), ("6h", "30m", "7")],
        "ticket": [("1d", "2h", "2"), ("4d", "6h", "1")],
    }


def test_alerting_disabled_or_without_burn_rates_turns_both_tiers_off():
    for alerting in ("  alerting:\n    disabled: true\n", "  alerting:\n    burnrates: false\n"):
        slo, losses = _read(alerting)
        assert (slo.alerting.page.enabled, slo.alerting.ticket.enabled) == (False, False)
        assert losses == []


def test_the_alert_name_and_absent_alerts_are_reported_lost():
    _, losses = _read("  alerting:\n    name: ApiErrors\n    absent: true\n")
    assert [line.split(":")[2].strip() for line in losses] == ["spec.alerting.name", "spec.alerting.absent"]
