"""A derived metric may derive from a derived one: the chain's matchers add up, root side first.

Broken chains (a loop, an unknown base, a label the root lacks, an equality the chain's other
matcher rejects) are positioned errors: ``tests/invalid/derived-chain-broken.yaml``.
"""

from __future__ import annotations

import pytest
import yaml
from compiled import prometheus_rules, promtool_passes

from sigil_monitoring import parse_spec
from sigil_monitoring.errors import SpecError
from sigil_monitoring.ir.build import build_model

SPEC = """apiVersion: sigil-monitoring/v1
service:
  name: shop
  selector: {job: shop}
metrics:
  requests: {name: shop_requests_total, type: counter, labels: [code, method], help: Requests served.}
  server_errors: {from: requests, where: {code: {regex: "5.."}}, help: Requests that failed.}
  gateway_errors: {from: server_errors, where: {code: "502"}}
  post_gateway_errors: {from: gateway_errors, where: {method: POST}, unit: none}
slos:
  availability:
    objective: 99.9%
    sli: {bad: post_gateway_errors, total: requests}
alerts:
  GatewayErrors:
    when: {rate: {metric: gateway_errors, where: {method: {not: GET}}}, above: 1/min}
"""


def test_each_link_adds_its_matchers_and_the_root_gives_the_metric():
    service = build_model([parse_spec(SPEC, "shop.yaml")]).services[0]
    sli = service.slos[0].sli
    assert [m.text() for m in sli.part.matchers] == ['job="shop"', 'code=~"5.."', 'code="502"', 'method="POST"']
    assert sli.part.metric is sli.total.metric  # one catalog metric: one set of recording rules
    assert [m.text() for m in service.alerts[0].condition.series.matchers] == [
        'job="shop"',
        'code=~"5.."',
        'code="502"',
        'method!="GET"',
    ]


def test_help_comes_from_the_nearest_entry_that_gives_it():
    spec = parse_spec(SPEC, "shop.yaml")
    assert spec.metrics["gateway_errors"].help == "Requests that failed."
    assert spec.metrics["post_gateway_errors"].help == "Requests that failed."
    assert spec.metrics["post_gateway_errors"].name == "shop_requests_total"


def test_chained_rules_pass_promtool_and_their_generated_tests(tmp_path):
    _, out = prometheus_rules(SPEC, "shop", tmp_path)
    groups = yaml.safe_load((out / "slo-availability.rules.yml").read_text())["groups"]
    assert 'shop_requests_total{job="shop",code=~"5..",code="502",method="POST"}[5m]' in groups[0]["rules"][0]["expr"]
    promtool_passes(out)


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        ('{from: gateway_errors, where: {code: "404"}}', 'code="404" contradicts code="502" of metrics.gateway_errors'),
        ("{from: loop}", "'loop' derives from itself (loop -> loop;"),
    ],
)
def test_a_contradiction_or_a_loop_in_the_chain_is_an_error_at_its_line(entry, said):
    text = SPEC.replace("slos:\n", f"  {'loop' if 'loop' in entry else 'not_found'}: {entry}\nslos:\n")
    with pytest.raises(SpecError) as caught:
        parse_spec(text, "shop.yaml")
    assert said in str(caught.value)
    assert "shop.yaml:10:" in str(caught.value)
