"""Kinds are closed: a ``match`` over a kind union that misses a member fails type-checking.

Every consumer of ``Sli``, ``Condition``, ``PanelContent`` and ``Integration`` ends its ``match``
with ``assert_never``; this runs mypy on a snippet that leaves one member out of each and checks
that mypy names exactly the missing ones.
"""

import subprocess
import sys
import textwrap

from conftest import REPO

SNIPPET = textwrap.dedent(
    """
    from typing import assert_never

    from sigil_monitoring.ir.dashboard import (
        ErrorRatioPanel, GaugePanel, HeatmapPanel, HistogramPanel, PanelContent, PercentilesPanel, PromqlPanel,
        RatePanel, SloBudgetPanel, SloBurnPanel, SloSliPanel, StatPanel, TextPanel, TimelinePanel,
    )
    from sigil_monitoring.ir.model import (
        AbsentCondition, Condition, Email, ErrorRatioSli, GaugeRatioCondition, Integration, LatencySli, Opsgenie,
        PagerDuty, PromqlCondition, QuantileCondition, QueryRatioSli, RateCondition, RatioCondition, RatioSli, Slack,
        Sli, StateCondition, ValueCondition,
    )


    def sli(x: Sli) -> None:
        match x:
            case RatioSli() | LatencySli() | ErrorRatioSli() | QueryRatioSli():
                pass
            case _:
                assert_never(x)


    def condition(x: Condition) -> None:
        match x:
            case QuantileCondition() | RateCondition() | RatioCondition() | StateCondition() | ValueCondition():
                pass
            case GaugeRatioCondition() | PromqlCondition():
                pass
            case _:
                assert_never(x)


    def panel(x: PanelContent) -> None:
        match x:
            case HeatmapPanel() | PercentilesPanel() | HistogramPanel() | RatePanel() | ErrorRatioPanel():
                pass
            case TimelinePanel() | StatPanel() | GaugePanel() | PromqlPanel() | TextPanel():
                pass
            case SloSliPanel() | SloBudgetPanel():
                pass
            case _:
                assert_never(x)


    def integration(x: Integration) -> None:
        match x:
            case Slack() | PagerDuty() | Email() | Opsgenie():
                pass
            case _:
                assert_never(x)
    """
)


def test_a_match_missing_a_kind_fails_type_checking(tmp_path):
    snippet = tmp_path / "missing_kinds.py"
    snippet.write_text(SNIPPET, encoding="utf-8")
    # The package's own cache (.mypy_cache/, warm after test_types) keeps this to a few seconds.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml"), str(snippet)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    missing = sorted(
        line.split('incompatible type "')[1].split('"')[0]
        for line in result.stdout.splitlines()
        if "assert_never" in line
    )
    assert missing == ["AbsentCondition", "SloBurnPanel", "UpSli", "Webhook"], result.stdout + result.stderr
