"""Property: any dashboard a spec can ask for compiles to a valid, non-overlapping Grafana JSON.

Specs are generated from a small catalog with random rows, panel kinds, widths, heights,
collapsed rows and Grafana versions; the invariants are the ones test_grafana checks on specs/.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_grafana_schema import compiled, layout_problems, query_problems, require_schemas, schema_problems, v2_problems

from sigil_monitoring import parse_spec
from sigil_monitoring.ir.build import build_model

CATALOG = {
    "requests": {"name": "app_requests_total", "type": "counter", "labels": ["code"]},
    "errors": {"name": "app_errors_total", "type": "counter", "labels": ["code"]},
    "latency": {"name": "app_latency_seconds", "type": "histogram", "unit": "seconds", "buckets": [0.1, 0.5, 1, 5]},
    "size": {"name": "app_payload_size", "type": "histogram", "buckets": [10, 100, 1000]},
    "breaker": {"name": "app_breaker_state", "type": "gauge", "states": {0: "closed", 1: "open", 2: "half-open"}},
    "free": {"name": "app_disk_free_bytes", "type": "gauge", "unit": "bytes"},
    "db": {"name": "app_db_up", "type": "gauge"},
}
ALERTS = {
    "SlowRequests": {"when": {"quantile": 0.99, "of": "latency", "above": "1s"}, "severity": "warning"},
    "DiskLow": {"when": {"value": "free", "below": "1GiB"}, "severity": "critical"},
    "BreakerOpen": {"when": {"state": "breaker", "is": "open"}, "severity": "critical"},
}
PANELS = st.sampled_from(
    [
        {"heatmap": "latency"},
        {"percentiles": "latency"},
        {"histogram": "size"},
        {"rate": {"metric": "requests", "by": ["code"]}},
        {"rate": "errors"},
        {"error_ratio": "errors", "total": "requests"},
        {"timeline": "breaker"},
        {"stat": "free"},
        {"stat": "db"},
        {"gauge": "free"},
        {"slo": "availability"},
        {"text": "Read me first."},
    ]
)


@st.composite
def panels(draw: st.DrawFn) -> dict[str, object]:
    panel = dict(draw(PANELS))
    if draw(st.booleans()):
        panel["width"] = draw(st.integers(1, 24))
    if draw(st.booleans()):
        panel["height"] = draw(st.integers(1, 12))
    return panel


@st.composite
def specs(draw: st.DrawFn) -> str:
    rows = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "title": st.sampled_from(["Traffic", "Latency", "Storage", "SLOs"]),
                    "collapsed": st.booleans(),
                    "panels": st.lists(panels(), min_size=1, max_size=6),
                }
            ),
            min_size=1,
            max_size=5,
        )
    )
    doc = {
        "apiVersion": "sigil-monitoring/v1",
        "service": {"name": "prop", "selector": {"job": "prop"}},
        "metrics": CATALOG,
        "slos": {"availability": {"objective": "99.5%", "sli": {"bad": "errors", "total": "requests"}}},
        "alerts": ALERTS,
        "dashboard": {
            "rows": rows,
            "formats": ["classic", "v2"],
            "grafana_version": draw(st.sampled_from([8, 12, 13])),
        },
    }
    return json.dumps(doc)  # JSON is YAML


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_generated_dashboards_keep_layout_ids_queries_and_schema_validity(text: str) -> None:
    require_schemas()
    model = build_model([parse_spec(text, "prop.yaml")])
    service = model.services[0]
    docs = compiled(model)
    classic, resource = docs["prop/grafana/prop.json"], docs["prop/grafana/prop.v2.json"]
    assert layout_problems(classic) == []
    assert query_problems(classic, service) == []
    assert schema_problems(classic) == []
    assert v2_problems(resource) == []
