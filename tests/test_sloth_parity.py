"""Our burn alerts detect and resolve at the same minute as Sloth's, for 30d and 28d SLOs.

The same series go through Sloth's generated rules (tests/sloth/, see PROVENANCE.txt) and ours in
one promtool run: half an hour at 0.05 % errors, a 150-minute ramp up to 3 % (a 30x burn for a
99.9 % SLO), a sudden stop, half an hour quiet, 45 minutes at 1 %, then quiet (6 hours). The ramp
crosses each threshold slowly, so a threshold 1-2 % off crosses at another minute; the steps test
resolution. At every minute, for page and ticket, our alert condition holds exactly when Sloth's
does (``for:`` aside: Sloth has none, so the conditions are compared, not the alerts).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from compiled import prometheus_rules, promtool_tests_pass
from conftest import REPO
from ruamel.yaml import YAML

from sigil_monitoring.output.render import to_yaml

SLOTH = REPO / "tests" / "sloth"
SPEC = """apiVersion: sigil-monitoring/v1
service: {name: svc01, selector: {job: myservice}}
metrics:
  requests: {name: http_request_duration_seconds_count, type: counter, labels: [code]}
slos:
  month:
    objective: 99.9%
    window: 30d
    sli: {bad: {metric: requests, where: {code: {regex: "(5..|429)"}}}, total: requests}
  four-weeks:
    objective: 99.9%
    window: 28d
    sli: {bad: {metric: requests, where: {code: {regex: "(5..|429)"}}}, total: requests}
"""
# The error ratio of each minute, at 10 requests per second.
RATIOS = [0.0005] * 30 + [0.0005 + 0.0295 * i / 150 for i in range(150)] + [0.0005] * 30 + [0.01] * 45 + [0.0005] * 105
MINUTES = len(RATIOS)


def _sloth_28d(into: Path) -> Path:
    """Sloth's expected 28d output is a Go template of the file; render its two placeholders.

    Only slo1's groups are kept: the file's second SLO has no alerts, and every rule costs
    promtool time at each of the run's 360 evaluations.
    """
    text = (SLOTH / "out-base-28d.yaml.tpl").read_text(encoding="utf-8")
    text = text.replace("{{ .version }}", "test").replace('{{"', "").replace('"}}', "")
    document = YAML(typ="safe").load(text)
    document["groups"] = [g for g in document["groups"] if g["name"].endswith("-svc01-slo1")]
    path = into / "sloth-28d.rules.yml"
    path.write_bytes(to_yaml(document))
    return path


def _alerts(path: Path, tier_label: str) -> dict[str, str]:
    """Alert condition by tier ("page" / "ticket") in a rule file."""
    out = {}
    for group in YAML(typ="safe").load(path.read_text(encoding="utf-8"))["groups"]:
        for rule in group["rules"]:
            if "alert" in rule:
                out[rule["labels"][tier_label]] = rule["expr"].strip()
    return out


def _input() -> list[dict[str, str]]:
    errors, total, err_values, ok_values = 0.0, 0.0, ["0"], ["0"]
    for ratio in RATIOS:
        errors += 600 * ratio
        total += 600
        err_values.append(f"{errors:.6f}")
        ok_values.append(f"{total - errors:.6f}")
    return [
        {"series": 'http_request_duration_seconds_count{job="myservice",code="503"}', "values": " ".join(err_values)},
        {"series": 'http_request_duration_seconds_count{job="myservice",code="200"}', "values": " ".join(ok_values)},
    ]


def _count(expr: str) -> str:
    return f"(count(({expr})) or vector(0))"


@pytest.fixture(scope="module")
def ours(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prometheus_rules(SPEC, "svc01", tmp_path_factory.mktemp("parity"))[1]


def test_page_and_ticket_conditions_hold_at_the_same_minutes_as_sloths_for_30d_and_28d(ours, tmp_path):
    sloth_30d, sloth_28d = SLOTH / "getting-started-30d.rules.yml", _sloth_28d(tmp_path)
    pairs = {
        "30d": (_alerts(ours / "slo-month.rules.yml", "burn_tier"), _alerts(sloth_30d, "sloth_severity")),
        "28d": (_alerts(ours / "slo-four-weeks.rules.yml", "burn_tier"), _alerts(sloth_28d, "sloth_severity")),
    }
    checks, differences = [], []
    for period, (mine, theirs) in pairs.items():
        assert set(mine) == set(theirs) == {"page", "ticket"}, period
        for tier in ("page", "ticket"):
            differences.append(f"abs({_count(mine[tier])} - {_count(theirs[tier])})")
            # Not two silent rule sets: both fire at the top of the ramp; the page has resolved by
            # the end (the ticket's 3d window still remembers the ramp).
            checks.append(
                {"expr": _count(mine[tier]), "eval_time": "3h", "exp_samples": [{"labels": "{}", "value": 1}]}
            )
        checks.append(
            {"expr": _count(mine["page"]), "eval_time": f"{MINUTES}m", "exp_samples": [{"labels": "{}", "value": 0}]}
        )
    # The four conditions (30d/28d x page/ticket) agree at every minute: a subquery evaluates the
    # sum of their differences once a minute over the whole run (one query is much faster in
    # promtool than one per minute), and it has a value at every one of those minutes (and at 0).
    agree = "\n+ ".join(differences)
    whole_run = f"[{MINUTES}m:1m]"
    checks += [
        {
            "expr": f"max_over_time(({agree}){whole_run})",
            "eval_time": f"{MINUTES}m",
            "exp_samples": [{"labels": "{}", "value": 0}],
        },
        {
            "expr": f"count_over_time(({agree}){whole_run})",
            "eval_time": f"{MINUTES}m",
            "exp_samples": [{"labels": "{}", "value": MINUTES + 1}],
        },  # minute 0 too
    ]
    rules = [ours / "slo-month.rules.yml", ours / "slo-four-weeks.rules.yml", sloth_30d, sloth_28d]
    promtool_tests_pass(rules, checks, _input(), tmp_path)
