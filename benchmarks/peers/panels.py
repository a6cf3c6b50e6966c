"""The sigil-dna dashboard as the peers build it: 7 rows, 18 panels, the same queries and units.

Written out by hand, as a team would with grafanalib or grafana-foundation-sdk; the jsonnet
peer (dashboard.jsonnet) holds the same list.
"""

SEL = 'job="sigil-dna"'
RI = "[$__rate_interval]"


def _quantiles(metric: str) -> list[str]:
    return [f"histogram_quantile({q}, sum by (le) (rate({metric}_bucket{{{SEL}}}{RI})))" for q in ("0.5", "0.95", "0.99")]


def _slo(slo: str, budget: str) -> list[tuple[str, str, list[str], str, int]]:
    s = f'service="sigil-dna",slo="{slo}"'
    return [
        ("timeseries", f"SLO {slo}: error ratio vs budget", [f"slo:sli_error:ratio_rate5m{{{s}}}", f"slo:sli_error:ratio_rate30d{{{s}}}"], "percentunit", 12),
        ("stat", f"SLO {slo}: error budget left", [f"slo:period_error_budget_remaining:ratio{{{s}}}"], "percentunit", 4),
        ("timeseries", f"SLO {slo}: burn rate", [f"slo:sli_error:ratio_rate{w}{{{s}}} / {budget}" for w in ("1h", "6h", "1d")], "short", 8),
    ]


# (row title, [(panel type, title, queries, unit, width)])
ROWS: list[tuple[str, list[tuple[str, str, list[str], str, int]]]] = [
    ("Latency", [
        ("heatmap", "Encode latency heatmap", [f"sum by (le) (rate(sigil_encode_duration_seconds_bucket{{{SEL}}}{RI}))"], "s", 12),
        ("timeseries", "Encode latency percentiles", _quantiles("sigil_encode_duration_seconds"), "s", 12),
        ("heatmap", "Verify latency heatmap", [f"sum by (le) (rate(sigil_verify_duration_seconds_bucket{{{SEL}}}{RI}))"], "s", 12),
        ("timeseries", "Verify latency percentiles", _quantiles("sigil_verify_duration_seconds"), "s", 12),
    ]),
    ("Resonance", [("bargauge", "Resonance distribution", [f"sum by (le) (increase(sigil_resonance_strength_bucket{{{SEL}}}[$__range]))"], "short", 12)]),
    ("Errors", [
        ("timeseries", "Errors by operation", [f'sum by (operation) (rate(sigil_error_total{{{SEL},operation=~"$operation"}}{RI}))'], "ops", 12),
        ("timeseries", "Encode error ratio", [f'sum (rate(sigil_error_total{{{SEL},operation="encode"}}{RI})) / sum (rate(sigil_encode_total{{{SEL}}}{RI}))'], "percentunit", 12),
    ]),
    ("Circuit breaker", [("state-timeline", "Circuit state", [f"dnastore_circuit_state{{{SEL}}}"], "short", 24)]),
    ("Heavy tests", [
        ("timeseries", "Heavy test runs by result", [f'sum by (result) (rate(sigil_heavy_test_runs_total{{{SEL},result=~"$result"}}{RI}))'], "ops", 12),
        ("stat", "Last heavy test duration", [f"sigil_heavy_test_duration_seconds{{{SEL}}}"], "s", 6),
    ]),
    ("Disk and DB", [
        ("stat", "Disk free", [f"dnastore_disk_free_bytes{{{SEL}}}"], "bytes", 6),
        ("stat", "Db up", [f"dnastore_db_up{{{SEL}}}"], "short", 6),
    ]),
    ("SLOs", _slo("encode-availability", "0.001") + _slo("encode-latency", "0.01")),
]
