"""Property tests: for random routing sections the compiled config is well-formed and routes every
alert as the spec says.

The structural check runs in Python on many examples; the route walk below follows Alertmanager's
rules (https://prometheus.io/docs/alerting/0.25/configuration/#route) on the emitted tree and must
agree with the routing table. amtool checks only a handful of examples, to keep the suite fast.
"""

from __future__ import annotations

import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_alertmanager import amtool, model_of, routes_test, second_service, spec_dict, write

from sigil_monitoring import conventions as names
from sigil_monitoring.compilers.alertmanager import build_config, routing_table
from sigil_monitoring.ir.model import Model, Service
from sigil_monitoring.values.matchers import Matcher

RECEIVERS = ("oncall", "team", "ops", "dna-hook")
INTERVALS = ("night", "weekend")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SLOS = ("encode-availability", "encode-latency")
DURATIONS = ("1s", "30s", "5m", "2h")

_kind = st.sampled_from(
    [
        {"slack": {"channel": "#alerts", "api_url_file": "/run/secrets/slack-url"}},
        {"pagerduty": {"routing_key_file": "/run/secrets/pd-key"}},
        {"pagerduty": {"routing_key_file": "/run/secrets/pd-key", "url": "https://events.eu.pagerduty.com/v2/enqueue"}},
        {"webhook": {"url": "https://hooks.example.com/a"}},
        {
            "webhook": {
                "url": "https://hooks.example.com/b",
                "credentials_file": "/run/secrets/token",
                "send_resolved": False,
            }
        },
        {"email": {"to": "ops@example.com", "from": "am@example.com", "smarthost": "smtp.example.com:587"}},
        {
            "email": {
                "to": "a@example.com, b@example.com",
                "from": "am@example.com",
                "smarthost": "smtp.example.com:25",
                "auth_username": "am",
                "auth_password_file": "/run/secrets/smtp",
                "require_tls": False,
            }
        },
        {"opsgenie": {"api_key_file": "/run/secrets/opsgenie"}},
        {
            "opsgenie": {
                "api_key_file": "/run/secrets/opsgenie",
                "api_url": "https://api.eu.opsgenie.com/",
                "team": "ops",
            }
        },
    ]
)
# Calendar entries Alertmanager 0.25 accepts (negative days count from the end of the month).
DAYS_OF_MONTH = ("1", "15", "-1", "1:7", "25:-1", "-7:-1", "1:-1")
MONTHS = ("january", "december", "1:3", "march:may", "12")
YEARS = ("2026", "2026:2027")


@st.composite
def _interval(draw: st.DrawFn) -> dict[str, Any]:
    days = [
        draw(st.sampled_from(DAYS)) + draw(st.sampled_from(["", *(":" + d for d in DAYS)]))
        for _ in range(draw(st.integers(0, 2)))
    ]
    times = []
    for _ in range(draw(st.integers(0, 2))):
        start = draw(st.integers(0, 23 * 60))
        end = draw(st.integers(start + 1, 24 * 60))
        times.append(f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}")
    calendar = {
        key: draw(st.lists(st.sampled_from(values), max_size=2, unique=True))
        for key, values in (("days_of_month", DAYS_OF_MONTH), ("months", MONTHS), ("years", YEARS))
    }
    return {"weekdays": days, "times": times, "location": draw(st.sampled_from(["UTC", "Europe/Berlin"])), **calendar}


def _slo_matcher() -> st.SearchStrategy[object]:
    """Every matcher kind a route's match takes, on the slo label."""
    return st.one_of(
        st.sampled_from(SLOS),
        st.sampled_from(SLOS).map(lambda s: {"equals": s}),
        st.sampled_from(SLOS).map(lambda s: {"not": s}),
        st.sampled_from(["encode-.*", "encode-a.*|x", ".*latency"]).map(lambda r: {"regex": r}),
        st.sampled_from(["encode-.*", ".*latency"]).map(lambda r: {"not_regex": r}),
        st.lists(st.sampled_from(SLOS), min_size=1, max_size=2, unique=True),
    )


@st.composite
def routing_sections(draw: st.DrawFn) -> dict[str, Any]:
    """A valid spec routing section: receivers, routes, default, group_by, timing, mute, inhibit.

    There is always a time interval, so routes to several receivers often carry mute/active
    intervals (specs without intervals are the example specs)."""
    receivers = draw(st.lists(st.sampled_from(RECEIVERS), min_size=1, max_size=4, unique=True))
    mute = {
        name: draw(_interval())
        for name in draw(st.lists(st.sampled_from(INTERVALS), min_size=1, max_size=2, unique=True))
    }
    routes = []
    for _ in range(draw(st.integers(0, 4))):
        severity = draw(st.sampled_from([None, "critical", "warning", "info"]))
        match = {"slo": draw(_slo_matcher())} if severity is None or draw(st.booleans()) else {}
        route: dict[str, Any] = {
            "to": draw(st.lists(st.sampled_from(receivers), min_size=1, max_size=3, unique=True)),
            "continue": draw(st.booleans()),
        }
        if severity:
            route["severity"] = severity
        if match:
            route["match"] = match
        route["mute_when"] = draw(st.lists(st.sampled_from(sorted(mute)), max_size=2, unique=True))
        route["active_when"] = draw(st.lists(st.sampled_from(sorted(mute)), max_size=1, unique=True))
        if draw(st.booleans()):
            route["group_by"] = draw(
                st.lists(st.sampled_from(["alertname", "service", "slo"]), max_size=2, unique=True)
            )
        for key in draw(
            st.lists(st.sampled_from(["group_wait", "group_interval", "repeat_interval"]), max_size=2, unique=True)
        ):
            route[key] = draw(st.sampled_from(("0s", *DURATIONS) if key == "group_wait" else DURATIONS))
        routes.append(route)
    section: dict[str, Any] = {
        "receivers": {name: draw(_kind) for name in receivers},
        "routes": routes,
        "mute": mute,
        "group_by": draw(st.lists(st.sampled_from(["alertname", "service", "slo", "team"]), max_size=3, unique=True)),
        "timing": {
            sev: {"group_wait": draw(st.sampled_from(DURATIONS))}
            for sev in draw(st.lists(st.sampled_from(["critical", "warning", "info"]), max_size=3, unique=True))
        },
        "inhibit": draw(st.booleans()),
    }
    if draw(st.booleans()):
        section["default"] = draw(st.sampled_from(receivers))
    return section


@st.composite
def models(draw: st.DrawFn) -> Model:
    first = spec_dict()
    first["routing"] = draw(routing_sections())
    docs = [first]
    if draw(st.booleans()):
        other = second_service()
        other["routing"] = draw(routing_sections())
        docs.append(other)
    return model_of(*docs)


# ---------------------------------------------------------------- invariants


def _walk(route: dict[str, Any], inherited: str | None = None) -> list[dict[str, Any]]:
    """Every route node, with its effective receiver (children inherit their parent's)."""
    node = {**route, "receiver": route.get("receiver", inherited)}
    return [node] + [n for child in route.get("routes", []) for n in _walk(child, node["receiver"])]


def check_structure(config: dict[str, Any]) -> None:
    receivers = [r["name"] for r in config["receivers"]]
    assert len(receivers) == len(set(receivers)), receivers
    intervals = [t["name"] for t in config.get("time_intervals", [])]
    assert len(intervals) == len(set(intervals)), intervals
    assert config["route"]["receiver"] == names.FALLBACK_RECEIVER
    for node in _walk(config["route"]):
        assert node["receiver"] in receivers, node
        for key in ("mute_time_intervals", "active_time_intervals"):
            assert set(node.get(key, [])) <= set(intervals), node
    for r in config["receivers"]:
        integrations = [k for k in r if k.endswith("_configs")]
        assert len(integrations) == (0 if r["name"] == names.FALLBACK_RECEIVER else 1), r
    for rule in config.get("inhibit_rules", []):
        assert rule["source_matchers"] and rule["target_matchers"] and rule["equal"], rule
    assert config["templates"] == [names.TEMPLATE_FILE]


_MATCHER = re.compile(r'^([a-zA-Z_][a-zA-Z0-9_]*)(=~|!~|!=|=)"((?:[^"\\]|\\.)*)"$')


Notified = tuple[str, tuple[str, ...], tuple[str, ...]]  # receiver, mute intervals, active intervals


def route_alert(route: dict[str, Any], labels: dict[str, str], inherited: str | None = None) -> list[Notified] | None:
    """Alertmanager's walk: None when this node does not match; else the notifying nodes, in order.

    The receiver is inherited from the parent, time intervals are not: dispatch/route.go NewRoute
    sets a node's mute/active intervals from its own config only."""
    for matcher in route.get("matchers", []):
        label, op, value = _MATCHER.match(matcher).groups()  # type: ignore[union-attr]
        if not Matcher(label, op, value.replace('\\"', '"').replace("\\\\", "\\")).matches(labels.get(label, "")):
            return None
    receiver = route.get("receiver", inherited)
    found: list[Notified] = []
    for child in route.get("routes", []):
        got = route_alert(child, labels, receiver)
        if got is not None:
            found += got
            if not child.get("continue"):
                break
    return found or [
        (
            receiver,
            tuple(route.get("mute_time_intervals", ())),  # type: ignore[list-item]
            tuple(route.get("active_time_intervals", ())),
        )
    ]


def expected_notified(service: Service, labels: dict[str, str]) -> list[Notified]:
    """From the spec's routes (as the routing table does), each receiver with its route's intervals."""
    if service.routing is None:
        return [(names.FALLBACK_RECEIVER, (), ())]
    found: list[Notified] = []
    for route in service.routing.routes:
        if all(m.matches(labels.get(m.label, "")) for m in route.matchers):
            found += [(r, route.mute_when, route.active_when) for r in route.receivers]
            if not route.continue_:
                break
    return found or [(service.routing.default, (), ())]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_random_routing_sections_compile_to_well_formed_configs_that_route_like_the_spec(model):
    config = build_config(model).to_wire()
    check_structure(config)
    for row in routing_table.rows(model.services):
        notified = route_alert(config["route"], dict(row.labels))
        assert notified is not None and [n[0] for n in notified] == list(row.receivers), row
    for service in model.services:
        for labels in routing_table.alert_labels(service):
            assert route_alert(config["route"], labels) == expected_notified(service, labels), labels


@settings(max_examples=5, deadline=None, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(model=models())
def test_a_handful_of_random_configs_pass_amtool(model, tmp_path_factory):
    config = write(model, tmp_path_factory.mktemp("am"))
    result = amtool("check-config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    for row in routing_table.rows(model.services)[:3]:
        checked = routes_test(config, dict(row.labels), row.receivers)
        assert checked.returncode == 0, checked.stdout + checked.stderr
