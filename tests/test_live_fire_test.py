"""fire-test against a real Alertmanager running sigil-dna's compiled routing, receivers captured:
the test page arrives at PagerDuty (and, as sigil-dna posts every alert to #sigil-alerts, at Slack)
with the real links and a test marking, and is resolved after --resolve-after."""

from __future__ import annotations

import io
import re
import threading
import time
from contextlib import redirect_stderr
from pathlib import Path

import pytest
from conftest import REPO
from servers import require_binary

from sigil_monitoring import compile_spec, load_spec
from sigil_monitoring.cli import main
from sigil_monitoring.compilers import compiler
from sigil_monitoring.ir.build import build_model
from sigil_monitoring.live.drill_mode import drill_model, secret_files
from sigil_monitoring.live.net import ALERTMANAGER_NAMES, AMTOOL_NAMES, http_json, poll_until
from sigil_monitoring.live.notifications import notifications
from sigil_monitoring.live.processes import AlertmanagerProcess
from sigil_monitoring.live.sinks import CaptureServer

SPEC = REPO / "specs" / "sigil-dna.yaml"


def _config(tmp: Path, sink_url: str) -> Path:
    model = drill_model(build_model([load_spec(SPEC)]), sink_url, tmp / "secrets")
    for secret in secret_files(model, sink_url):
        Path(secret.path).parent.mkdir(parents=True, exist_ok=True)
        Path(secret.path).write_text(secret.content)
    for artifact in compiler("alertmanager")(model):
        (tmp / artifact.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp / artifact.path).write_bytes(artifact.render())
    return tmp / "alertmanager" / "alertmanager.yml"


@pytest.mark.e2e
def test_a_test_page_reaches_pagerduty_marked_as_a_test_with_the_real_links_and_resolves(tmp_path: Path):
    binary = require_binary(ALERTMANAGER_NAMES)
    with CaptureServer() as sink, AlertmanagerProcess(_config(tmp_path, sink.base_url), binary_path=binary) as am:
        errors = io.StringIO()
        done: list[int] = []
        args = [
            "fire-test",
            str(SPEC),
            "--alertmanager-url",
            am.base_url,
            "--alert",
            "DatabaseDown",
            "--resolve-after",
            "2s",
        ]
        worker = threading.Thread(target=lambda: done.append(main(args)))
        with redirect_stderr(errors):
            worker.start()
            sink.wait_for(lambda r: b'"trigger"' in r.raw, timeout=30)
            [posted] = [a for a in am.alerts() if a["labels"]["alertname"] == "DatabaseDown"]
            sink.wait_for(lambda r: b'"resolve"' in r.raw, timeout=30)
            sink.wait_for(lambda r: b'"attachments"' in r.raw and b"DatabaseDown" in r.raw, timeout=30)  # Slack
            worker.join(timeout=30)
        assert done == [0], errors.getvalue()
        seen = [(n.receiver, n.status, n.alerts) for n in notifications(sink.requests)]
        assert [s for s in seen if s[0] == "sigil-dna/oncall"] == [
            ("sigil-dna/oncall", "firing", ("DatabaseDown",)),
            ("sigil-dna/oncall", "resolved", ("DatabaseDown",)),
        ]
        assert ("sigil-dna/team", "firing", ("DatabaseDown",)) in seen  # criticals also post to #sigil-alerts
        trigger = next(r.json for r in sink.requests if b'"trigger"' in r.raw)
        assert trigger["payload"]["summary"].startswith("[FIRING:1] DatabaseDown sigil-dna: [TEST] ")
        links = {link["text"]: link["href"] for link in trigger["links"]}
        assert (
            links == {"Runbook": "https://runbooks.example.com/sigil-dna#databasedown", "Dashboard": links["Dashboard"]}
            and "viewPanel=" in links["Dashboard"]
        )
        assert trigger["payload"]["custom_details"]["description"].startswith("[TEST] ")
        assert "sigil-monitoring fire-test" in posted["annotations"]["sigil_test"]
        assert posted["labels"] == {
            "alertname": "DatabaseDown",
            "service": "sigil-dna",
            "severity": "critical",
            "team": "sigil",
        }  # exactly the real alert's labels: routed as the real one


def test_fire_test_says_in_one_line_when_alertmanager_cannot_be_reached(capsys: pytest.CaptureFixture[str]):
    from sigil_monitoring.live.net import free_port

    url = f"http://127.0.0.1:{free_port()}"
    assert main(["fire-test", str(SPEC), "--alertmanager-url", url, "--resolve-after", "1s"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"fire-test: error: cannot post the test alerts: Alertmanager at {url} refused the connection: nothing "
        "listens on that port (check --alertmanager-url and the network)"
    ]


@pytest.mark.e2e
def test_the_runbook_silence_holds_back_the_page_and_expiring_it_lets_the_next_one_through(tmp_path: Path):
    """fire-test --check-silence on a real Alertmanager with sigil-dna's routing (group_wait 1 s):
    while the runbook's silence holds (4 s), no page arrives; after the runbook's expire, it does.
    The commands run are the runbook's own lines, byte for byte."""
    binary = require_binary(ALERTMANAGER_NAMES)
    require_binary(AMTOOL_NAMES)
    runbook = compile_spec(load_spec(SPEC))["sigil-dna/runbook.md"].decode()
    with CaptureServer() as sink, AlertmanagerProcess(_config(tmp_path, sink.base_url), binary_path=binary) as am:
        errors = io.StringIO()
        done: list[int] = []
        args = ["fire-test", str(SPEC), "--alertmanager-url", am.base_url, "--alert", "DatabaseDown"]
        worker = threading.Thread(
            target=lambda: done.append(main([*args, "--check-silence", "4s", "--resolve-after", "2s"]))
        )
        with redirect_stderr(errors):
            worker.start()
            poll_until(
                lambda: [a for a in am.alerts() if a["status"]["state"] == "suppressed"], 30, "the silenced alert"
            )
            held_since = time.monotonic()
            time.sleep(3)  # well past group_wait and a group_interval: Alertmanager would have paged by now
            assert sink.requests == [], "a notification went out while the runbook's silence held"
            sink.wait_for(lambda r: b'"trigger"' in r.raw, timeout=30)
            sink.wait_for(lambda r: b'"resolve"' in r.raw, timeout=30)
            worker.join(timeout=30)
        log = errors.getvalue()
        assert done == [0], log
        assert sink.requests[0].received - held_since >= 3.5  # the page came after the expiry, not before
        # sigil-dna pages its criticals on PagerDuty and posts them to #sigil-alerts: both receivers,
        # each in its own order of firing then resolved
        got = [(n.receiver, n.status, n.alerts) for n in notifications(sink.requests)]
        for receiver in ("sigil-dna/oncall", "sigil-dna/team"):
            assert [(status, alerts) for r, status, alerts in got if r == receiver] == [
                ("firing", ("DatabaseDown",)),
                ("resolved", ("DatabaseDown",)),
            ], got
        assert len(got) == 4, got
        ran = re.findall(r"with the runbook's commands?: (.+)$", log, flags=re.M)
        add, (query, expire) = ran[0], ran[1].split("; ")
        silence = re.search(r"silence (\S+) added", log).group(1)
        assert f"```sh\n{add}\n```" in runbook  # the DatabaseDown section's command, as printed
        assert query in runbook.splitlines() and expire.replace(silence, "SILENCE_ID") in runbook.splitlines()
        [expired] = [s for s in http_json("GET", f"{am.base_url}/api/v2/silences") if s["id"] == silence]
        assert expired["status"]["state"] == "expired" and expired["createdBy"] == "sigil-monitoring fire-test"


def test_check_silence_against_no_alertmanager_is_one_line_naming_the_runbook_command(capsys):
    require_binary(AMTOOL_NAMES)
    from sigil_monitoring.live.net import free_port

    url = f"http://127.0.0.1:{free_port()}"
    args = ["fire-test", str(SPEC), "--alertmanager-url", url, "--alert", "DatabaseDown", "--check-silence", "1s"]
    assert main([*args, "--timeout", "5"]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith(
        "fire-test: error: the runbook's silence did not work as it says: `amtool silence add "
        '--alertmanager.url="$ALERTMANAGER_URL"'
    ), lines
    assert all(line.startswith("fire-test: error: ") for line in lines)  # then the resolve, which fails too
