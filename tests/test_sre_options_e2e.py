"""specs/shop.yaml's SRE options in a real Alertmanager: an outage that silences the SLO pages,
a split SLO that notifies once per handler (and says which), Opsgenie and e-mail receivers.

The variant of the spec points Opsgenie's ``api_url`` at a capture server, the e-mail receiver's
``smarthost`` at a local SMTP capture (no TLS, no auth: the capture speaks neither), and shortens
the timing to 1s; alerts are posted straight to /api/v2/alerts.
"""

from __future__ import annotations

import copy
import json
import threading
import warnings
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from servers import require_binary
from test_alertmanager_e2e import FAST, _now

from sigil_monitoring import compile_spec, parse_spec, write_bundle
from sigil_monitoring import conventions as names
from sigil_monitoring.compilers.alertmanager import routing_table
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.live.net import ALERTMANAGER_NAMES, free_port, poll_until
from sigil_monitoring.live.processes import AlertmanagerProcess
from sigil_monitoring.live.sinks import CapturedRequest, CaptureServer
from sigil_monitoring.spec.yaml_io import load as load_yaml

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import asyncore
    import smtpd

OPSGENIE_KEY = "e2e0opsgenie0key0not0a0secret000"


class SmtpCapture(smtpd.SMTPServer):
    """A local SMTP server that keeps every message it receives (Python 3.11's smtpd)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[bytes] = []
        super().__init__(("127.0.0.1", self.port), None, decode_data=False)
        self._thread = threading.Thread(target=asyncore.loop, kwargs={"timeout": 0.1, "map": self._map}, daemon=True)

    def process_message(self, peer: object, mailfrom: str, rcpttos: list[str], data: bytes, **kwargs: object) -> None:
        self.messages.append(data)

    def __enter__(self) -> SmtpCapture:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
        self._thread.join(timeout=5)


def _variant(tmp_path: Path, opsgenie_url: str, smtp_port: int) -> str:
    doc = load_yaml((REPO / "specs" / "shop.yaml").read_text())
    doc = copy.deepcopy(doc)
    # No trailing newline: Alertmanager 0.25 sends the file's bytes as they are in the
    # Authorization header, and Go's HTTP client refuses a header value holding "\n".
    (tmp_path / "opsgenie-key").write_text(OPSGENIE_KEY)
    (tmp_path / "slack-url").write_text("http://127.0.0.1:9/unused\n")
    receivers = doc["routing"]["receivers"]
    receivers["oncall"]["opsgenie"].update(api_key_file=str(tmp_path / "opsgenie-key"), api_url=opsgenie_url)
    receivers["dba"]["email"] = {
        "to": "dba@example.com",
        "from": "alertmanager@example.com",
        "smarthost": f"127.0.0.1:{smtp_port}",
        "require_tls": False,
    }
    receivers["team"]["slack"]["api_url_file"] = str(tmp_path / "slack-url")
    doc["routing"]["timing"] = {severity: FAST for severity in ("critical", "warning", "info")}
    for route in doc["routing"]["routes"]:
        for key in ("group_wait", "group_interval", "repeat_interval"):
            route.pop(key, None)
    return json.dumps(doc)


def _api_alerts(out: Path, service_name: str, alert: str, extra: dict[str, str]) -> dict[str, Any]:
    """The API alert Prometheus would send: the compiled rule's labels (plus ``extra``, the labels
    the expression keeps) and its annotations with no template left in them."""
    rule_files = sorted((out / service_name / "prometheus").glob("*.rules.yml"))
    rules = {
        r["alert"]: r
        for f in rule_files
        for g in load_yaml(f.read_text())["groups"]
        for r in g["rules"]
        if "alert" in r
    }
    rule = rules[alert]
    return {
        "labels": {**rule["labels"], **extra, "alertname": alert},
        "annotations": {k: v for k, v in rule["annotations"].items() if "{{" not in v},
        "startsAt": _now(),
        "generatorURL": "http://prometheus.invalid/graph",
    }


def _opsgenie_message(r: CapturedRequest) -> str:
    return str(r.json.get("message", "")) if isinstance(r.json, dict) else ""


@pytest.mark.e2e
def test_an_outage_silences_the_slo_pages_and_a_split_slo_pages_once_per_handler_in_a_real_alertmanager(tmp_path):
    binary = require_binary(ALERTMANAGER_NAMES)
    with CaptureServer() as opsgenie, SmtpCapture() as smtp:
        spec = parse_spec(_variant(tmp_path, opsgenie.url("/"), smtp.port), "shop.yaml")
        out = tmp_path / "out"
        write_bundle(compile_spec(spec), out)
        service = build_model([spec]).services[0]
        fast = names.slo_alert_name("checkout-availability", "page")
        cart, checkout = (_api_alerts(out, "shop", fast, {"handler": h}) for h in ("/cart", "/checkout"))
        down = _api_alerts(out, "shop", "PostgresDown", {"instance": "db:9187"})
        assert {r.alert for r in routing_table.rows((service,))} >= {fast, "PostgresDown"}

        with AlertmanagerProcess(out / names.ALERTMANAGER_CONFIG_PATH, binary_path=binary) as am:
            # 1. Two handlers burn: two notifications, each naming its handler, at Opsgenie's P1.
            am.post_alerts([cart, checkout])
            pages = opsgenie.wait_for(lambda r: fast in _opsgenie_message(r), count=2, timeout=10)
            messages = sorted(_opsgenie_message(r) for r in pages)
            assert messages == [
                f"[FIRING:1] {fast} shop (SLO checkout-availability) handler=/cart",
                f"[FIRING:1] {fast} shop (SLO checkout-availability) handler=/checkout",
            ], messages
            for page in pages:
                assert page.headers.get("Authorization") == f"GenieKey {OPSGENIE_KEY}"
                assert page.json["priority"] == "P1" and page.json["responders"] == [
                    {"name": "storefront", "type": "team"}
                ]

            # 2. The database goes down: PostgresDown (inhibits: [symptoms, slos]) pages Opsgenie and
            # mails the DBA, and silences the burn alerts it causes.
            am.post_alerts([down])
            opsgenie.wait_for(lambda r: "PostgresDown" in _opsgenie_message(r), timeout=10)
            mail = poll_until(lambda: smtp.messages and message_from_bytes(smtp.messages[0]), 10, "the DBA's mail")
            assert mail["To"] == "dba@example.com" and mail["Subject"].startswith("[FIRING:1] PostgresDown shop")

            def inhibited() -> set[str]:
                return {
                    a["labels"]["handler"]
                    for a in am.alerts()
                    if a["labels"]["alertname"] == fast
                    and a["status"]["state"] == "suppressed"
                    and a["status"]["inhibitedBy"]
                }

            assert poll_until(lambda: inhibited() == {"/cart", "/checkout"}, 10, "the SLO pages to be inhibited")
            down_fingerprint = next(a["fingerprint"] for a in am.alerts() if a["labels"]["alertname"] == "PostgresDown")
            assert all(
                a["status"]["inhibitedBy"] == [down_fingerprint]
                for a in am.alerts()
                if a["labels"]["alertname"] == fast
            )
