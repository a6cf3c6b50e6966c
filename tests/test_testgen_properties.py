"""Generated promtool tests are right by construction, for every selector shape the spec accepts.

Hypothesis draws ratio SLIs and ratio/rate alerts whose bad (or good) events are any matcher
subset of the total events on the same metric — equality, regex, list, negations, on one or
several labels, split by group_by/by labels — and the property is the promise of issue 9: a
fresh compile's generated tests all pass in promtool. Before the test generator modelled the
series a selector selects, bad ⊂ total failed right after compile ("exp 10% got 9.091%").
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from servers import require_binary
from test_prometheus import compile_to

from sigil_monitoring import parse_spec

EXAMPLES = 30 if os.environ.get("CI") else 12

CODE = st.sampled_from(
    ["500", {"regex": "5.."}, [500, 503], {"not": "200"}, {"not_regex": "2..|3.."}, {"equals": "503"}]
)
METHOD = st.sampled_from([None, "GET", {"regex": "GET|HEAD"}, ["GET", "POST"], {"not": "DELETE"}])
HANDLER = st.sampled_from([None, {"not": "/healthz"}, ["/cart", "/checkout"], {"regex": "/api/.*"}])


def _where(**matchers: object) -> dict[str, object]:
    return {k: v for k, v in matchers.items() if v is not None}


@st.composite
def specs(draw: st.DrawFn) -> str:
    total_where = _where(method=draw(METHOD), handler=draw(HANDLER))
    bad_where = {**total_where, "code": draw(CODE)}
    if draw(st.booleans()):
        bad_where["method"] = draw(st.sampled_from(["GET", {"regex": "GET|HEAD"}]))
    side = draw(st.sampled_from(["bad", "good"]))
    group_by = draw(st.sampled_from([[], ["handler"], ["method"]]))
    part_where = bad_where if side == "bad" else {**total_where, "code": {"not_regex": "5.."}}
    doc = {
        "apiVersion": "sigil-monitoring/v1",
        "service": {"name": "prop", "selector": {"job": draw(st.sampled_from(["api", {"regex": "api|api-canary"}]))}},
        "metrics": {
            "requests": {"name": "http_requests_total", "type": "counter", "labels": ["code", "method", "handler"]}
        },
        "slos": {
            "availability": {
                "objective": draw(st.sampled_from(["99.9%", "99%", "99.5%"])),
                "group_by": group_by,
                "sli": {
                    side: {"metric": "requests", "where": part_where},
                    "total": {"metric": "requests", "where": total_where},
                },
            }
        },
        "alerts": {
            "ErrorRatio": {
                "when": {
                    "ratio": {
                        "bad": {"metric": "requests", "where": bad_where, "by": group_by},
                        "total": {"metric": "requests", "where": total_where, "by": group_by},
                    },
                    draw(st.sampled_from(["above", "below"])): draw(st.sampled_from(["1%", "5%", "25%", "60%"])),
                }
            },
            "ErrorRate": {
                "when": {
                    "rate": {"metric": "requests", "where": bad_where, "by": group_by},
                    "above": draw(st.sampled_from(["1/min", "2/s", "0.5/s"])),
                }
            },
        },
    }
    return json.dumps(doc)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=specs())
def test_a_fresh_compile_of_any_overlapping_selector_shape_passes_its_own_generated_tests(text: str, tmp_path_factory):
    promtool = require_binary("promtool")
    out = tmp_path_factory.mktemp("prop")
    compile_to([parse_spec(text, "prop.yaml")], out)
    tests = sorted(Path(out).glob("*/prometheus/tests/*.test.yml"))
    names = {t.name.removesuffix(".test.yml") for t in tests}
    assert {"ErrorRatio", "ErrorRate", "AvailabilityFastBurn", "AvailabilitySlowBurn"} <= names
    ran = subprocess.run([promtool, "test", "rules", *map(str, tests)], capture_output=True, text=True, timeout=120)
    assert ran.returncode == 0, text + "\n" + ran.stdout + ran.stderr
