"""House policy in one place: burn-rate tiers, alert timing, panel sizes, notification timing.

Compilers read these; they never hard-code policy of their own.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from .values.units import Duration

D = Duration.parse

# Google SRE workbook, "Alerting on SLOs", multiple burn rates and windows
# (https://sre.google/workbook/alerting-on-slos/): page on 2 % of a 30-day budget spent in 1 h or
# 5 % in 6 h; ticket on 10 % spent in 1 d or in 3 d. Each long window pairs with a short window of
# about 1/12 of it, so the alert also stops soon after the burn stops.


class BurnWindowPolicy(msgspec.Struct, frozen=True):
    tier: str  # "page" or "ticket"
    long: Duration  # for a 30-day SLO window; scaled for other windows
    short: Duration
    budget_consumed: Decimal  # fraction of the whole budget spent within `long`


BURN_WINDOWS: tuple[BurnWindowPolicy, ...] = (
    BurnWindowPolicy("page", D("1h"), D("5m"), Decimal("0.02")),
    BurnWindowPolicy("page", D("6h"), D("30m"), Decimal("0.05")),
    BurnWindowPolicy("ticket", D("1d"), D("2h"), Decimal("0.10")),
    BurnWindowPolicy("ticket", D("3d"), D("6h"), Decimal("0.10")),
)
REFERENCE_SLO_WINDOW = D("30d")
TIER_SEVERITY = {"page": "critical", "ticket": "warning"}
# How long a tier's condition must hold before it fires: pages soon (the short window already
# filters blips), tickets after an hour of steady burn.
TIER_FOR = {"page": D("2m"), "ticket": D("1h")}
# Burn factors are printed with at most four decimals (28d: 0.9333).
BURN_FACTOR_QUANTUM = Decimal("0.0001")
# A pair given by its factor gets the share of the budget it consumes (factor x long / SLO window)
# to six decimals (a millionth of the budget), for the runbook's "x % of the budget within 1h".
BUDGET_SHARE_QUANTUM = Decimal("0.000001")
# No burn window is shorter than this, nor than MIN_RATE_WINDOW_SCRAPES scrape intervals.
MIN_BURN_WINDOW = D("1m")

# Windows are scaled by (SLO window / 30d) and moved to one of these round durations. A long
# window moves UP to the next one (give or take LONG_WINDOW_TOLERANCE), so the factor derived from
# it (budget consumed x period / long) never exceeds the workbook's 14.4 / 6 / 3 / 1 by more than
# that tolerance: a tier of any SLO window catches every burn multiple the 30d tier catches. The
# steps are at most 1.67x apart, so no factor falls below 0.57x the workbook's either. 28d keeps
# the standard windows (56m -> 1h, 5h36m -> 6h, 22h24m -> 1d, 2d19h12m -> 3d) and so Sloth's
# factors 13.44 / 5.6 / 2.8 / 0.9333; 7d gets 15m, 1h30m, 6h, 18h with the same factors.
WINDOW_LADDER: tuple[Duration, ...] = tuple(
    D(t)
    for t in (
        "1m",
        "2m",
        "3m",
        "4m",
        "5m",
        "6m",
        "10m",
        "12m",
        "15m",
        "20m",
        "30m",
        "45m",
        "1h",
        "1h30m",
        "2h",
        "3h",
        "4h",
        "6h",
        "8h",
        "12h",
        "18h",
        "1d",
        "1d12h",
        "2d",
        "3d",
        "4d",
        "5d",
        "7d",
        "10d",
        "14d",
        "21d",
        "30d",
        "45d",
        "60d",
        "90d",
    )
)
LONG_WINDOW_TOLERANCE = Decimal("0.05")

DEFAULT_ALERT_FOR = D("5m")
# Rate windows in alert and panel queries: four scrapes at least, so rate() always has two samples.
MIN_RATE_WINDOW_SCRAPES = 4
ALERT_RATE_WINDOW = D("5m")


def rate_window(scrape_interval: Duration) -> Duration:
    """The range of rate() in alerts and recorded rates: ALERT_RATE_WINDOW, and at least
    MIN_RATE_WINDOW_SCRAPES scrapes so a slow scrape interval still gives rate() two samples."""
    return max(ALERT_RATE_WINDOW, Duration(scrape_interval.ms * MIN_RATE_WINDOW_SCRAPES))


# Alertmanager notification timing by severity: pages come fast and repeat often; tickets wait.
NOTIFY_TIMING = {
    "critical": {"group_wait": D("30s"), "group_interval": D("5m"), "repeat_interval": D("4h")},
    "warning": {"group_wait": D("1m"), "group_interval": D("10m"), "repeat_interval": D("12h")},
    "info": {"group_wait": D("5m"), "group_interval": D("30m"), "repeat_interval": D("24h")},
}
# The Alertmanager root route catches alerts of no compiled service (no receiver integrations).
ALERTMANAGER_ROOT_GROUP_BY = ("alertname", "service")

# Grafana grid: 24 columns; width and height of each panel kind (the spec can override both).
GRID_COLUMNS = 24
PANEL_SIZE = {
    "heatmap": (12, 8),
    "percentiles": (12, 8),
    "histogram": (12, 8),
    "rate": (12, 8),
    "error_ratio": (12, 8),
    "timeline": (24, 6),
    "stat": (6, 4),
    "gauge": (6, 4),
    "text": (24, 3),
    "promql": (12, 8),
    "promql_stat": (6, 4),
    "slo_sli": (12, 8),
    "slo_budget": (4, 8),
    "slo_burn": (8, 8),
}
DEFAULT_QUANTILES = (Decimal("0.5"), Decimal("0.95"), Decimal("0.99"))
# client_golang's DefBuckets: what a histogram without declared buckets most likely uses (generated
# tests place their observations in them; the drill's exporter exposes them, with prometheus-client's).
DEFAULT_BUCKETS = tuple(
    Decimal(b) for b in ("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10")
)
DASHBOARD_SCHEMA_VERSION = 42
GRAFANA8_SCHEMA_VERSION = 30

# Grafana colours: state names that read as healthy or broken (anything else is in between), the
# colour of an alert threshold by severity, and SLO budget-left steps (ratio of the budget).
HEALTHY_STATES = frozenset({"closed", "up", "ok", "healthy", "ready", "running", "active"})
BROKEN_STATES = frozenset({"open", "down", "failed", "error", "unhealthy", "stopped"})
STATE_COLORS = {"healthy": "green", "broken": "red", "other": "yellow"}
SEVERITY_COLORS = {"critical": "red", "warning": "orange", "info": "blue"}
BUDGET_STEPS = ((None, "red"), (Decimal("0"), "orange"), (Decimal("0.25"), "green"))
# Where Grafana's file provisioning finds the compiled output folder (mount `build/` here).
GRAFANA_BUILD_MOUNT = "/var/lib/grafana/sigil-monitoring"
GRAFANA_PROVISIONING_INTERVAL_SECONDS = 30
