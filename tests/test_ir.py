"""The internal model: layout on the grid, panel ids, which panel shows which alert, defaults."""

from __future__ import annotations

from sigil_monitoring import parse_spec
from sigil_monitoring.ir.build import build_service

BASE = """apiVersion: sigil-monitoring/v1
service: {name: shop, selector: {job: shop}, links: {grafana: "https://g.example.com"}}
metrics:
  requests: {name: shop_requests_total, type: counter}
  errors: {name: shop_errors_total, type: counter, labels: [code]}
  latency: {name: shop_request_duration_seconds, type: histogram, unit: seconds}
  up: {name: shop_up, type: gauge}
"""


def service(extra: str = ""):
    return build_service(parse_spec(BASE + extra, "shop.yaml"))


def test_panels_wrap_to_a_new_line_when_the_row_is_full_and_ids_follow_reading_order():
    svc = service("""dashboard:
  rows:
    - title: A
      panels: [{rate: requests, width: 16}, {rate: errors, width: 16}, {stat: up}]
    - title: B
      panels: [{text: hello, description: What this dashboard is for.}]
""")
    a, b = svc.dashboard.rows
    # the stat ends the second line, so it takes the free columns (its default width is 6)
    assert [(p.id, p.x, p.y, p.w) for p in a.panels] == [(2, 0, 1, 16), (3, 0, 9, 16), (4, 16, 9, 8)]
    assert (b.id, b.y) == (5, 17)
    assert b.panels[0].description == "What this dashboard is for."


def test_an_alert_links_to_the_panel_that_shows_its_metric_best():
    svc = service("""alerts:
  LatencyHigh: {when: {quantile: 0.95, of: latency, above: 1s}}
  Down: {when: {absent: requests}}
dashboard:
  rows:
    - title: A
      panels: [{heatmap: latency}, {percentiles: latency}, {error_ratio: errors, total: requests}]
""")
    latency, down = svc.alerts
    assert latency.panel_id == 3  # percentiles beat the heatmap for a quantile alert
    assert latency.dashboard_url == "https://g.example.com/d/shop/shop?viewPanel=3"
    assert down.panel_id == 4  # requests appears only as the ratio's denominator
    panels = {p.id: p for p in svc.dashboard.panels()}
    assert panels[3].alerts == ("LatencyHigh",) and panels[3].thresholds == (1,)


def test_without_rows_the_dashboard_is_laid_out_from_the_catalog():
    svc = service()
    assert [(row.title, [p.content.kind for p in row.panels]) for row in svc.dashboard.rows] == [
        ("Latency", ["heatmap", "percentiles"]),
        ("Rates", ["rate", "rate"]),
        ("Gauges", ["stat"]),
    ]
    assert svc.dashboard.variables == ("code",)


def test_every_rule_and_alert_carries_the_service_labels():
    svc = service()
    assert svc.labels == (("service", "shop"),)
    svc = build_service(
        parse_spec(
            BASE.replace("selector: {job: shop}", "selector: {job: shop}, team: t, labels: {tier: gold}")
            + "alerts:\n  Down: {when: {absent: requests}, severity: critical}\n",
            "shop.yaml",
        )
    )
    assert svc.alerts[0].labels == (("service", "shop"), ("severity", "critical"), ("team", "t"), ("tier", "gold"))
