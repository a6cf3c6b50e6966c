"""The runbook tells the on-call who is paged where, what silences what, and how to act; its
silence commands work in a real Alertmanager (amtool against a running one)."""

from __future__ import annotations

import os
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from servers import require_binary
from test_alertmanager import model_of, spec_dict, write

from sigil_monitoring.compilers import runbook
from sigil_monitoring.compilers.alertmanager import routing_table
from sigil_monitoring.ir.model import Slack
from sigil_monitoring.live.net import ALERTMANAGER_NAMES, AMTOOL_NAMES
from sigil_monitoring.live.processes import AlertmanagerProcess

REPO = Path(__file__).resolve().parent.parent


def sections(text: str) -> dict[str, str]:
    """``## Heading`` -> its body."""
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_every_alert_section_says_where_it_goes_as_the_routing_table_does():
    service = model_of(spec_dict()).services[0]
    page = sections(runbook.render_service(service))
    # How the page names a receiver: a Slack one by its channel, the others by their spec name.
    shown = {
        r.name: r.integration.channel if isinstance(r.integration, Slack) else r.spec_name
        for r in service.routing.receivers
    }
    rows = routing_table.rows((service,))
    assert {row.alert for row in rows} <= page.keys()
    for row in rows:
        goes_to = re.search(r"^\*\*Goes to:\*\* (.+)$", page[row.alert], flags=re.M).group(1)
        for name in row.receivers:
            assert shown[name] in goes_to, (row.alert, goes_to)
        for other in set(shown) - set(row.receivers):
            assert f"`{shown[other]}`" not in goes_to, (row.alert, goes_to)


def test_the_on_call_section_names_windows_inhibitions_and_budget_minutes():
    doc = spec_dict(
        routes=[
            {"severity": "critical", "to": "oncall"},
            {"match": {"slo": "encode-latency"}, "to": "team", "mute_when": ["nights"]},
            {"severity": "warning", "to": "team", "active_when": ["office"]},
        ],
        mute={
            "nights": {"times": ["00:00-07:00"], "location": "Europe/Berlin"},
            "office": {"weekdays": ["monday:friday"], "times": ["09:00-17:00"]},
        },
    )
    doc["slos"]["encode-availability"]["window"] = "28d"
    service = model_of(doc).services[0]
    page = sections(runbook.render_service(service))
    oncall = page["On-call"]
    assert "- `sigil-dna/nights`: every day, 00:00–07:00 (Europe/Berlin)" in oncall
    assert "- `sigil-dna/office`: monday–friday, 09:00–17:00 (UTC)" in oncall
    assert (
        "| warning | Slack `#sigil-alerts`; only during sigil-dna/office; repeated every 12h while firing |" in oncall
    )
    assert "0.1 % = 40.3 min per 28d" in oncall and "1 % = 432 min per 30d" in oncall
    assert "While EncodeLatencyFastBurn fires, EncodeLatencySlowBurn is silenced (same SLO)." in oncall
    assert "muted during sigil-dna/nights" in page["EncodeLatencySlowBurn"]
    assert (
        "**Silenced while** DatabaseDown or EncodeMetricsAbsent or EncodeLatencyFastBurn fires"
        in page["EncodeLatencySlowBurn"]
    )

    quiet = sections(runbook.render_service(model_of(spec_dict(inhibit=False)).services[0]))
    assert "Inhibition is off" in quiet["On-call"] and "Silenced while" not in quiet["ErrorRateHigh"]


def test_the_runbook_lists_push_history_rollback_and_drill_for_its_spec():
    service = model_of(spec_dict()).services[0]
    ops = sections(runbook.render_service(service))
    deploy = ops["Dashboard, deploy and rollback"]
    for command in ("push", "history", "rollback"):
        assert f"sigil-monitoring {command} sigil-dna.yaml --grafana-url https://grafana.example.com" in deploy
    assert "--previous" in deploy and "--dry-run" in deploy
    assert "sigil-monitoring drill sigil-dna.yaml" in ops["Drill"]


def test_the_rollback_commands_of_the_runbook_undo_the_last_change_of_a_spec_that_extends_a_template(tmp_path):
    """Run as written, in a git repository: the block diffs, reverts the spec's last change and
    compiles; the template it extends still resolves (the spec stays where it is), and the output
    is the previous release's again. (A copy of the spec in /tmp, as the block said before, lost
    its relative template path.)"""
    import shutil
    import sys

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "base.yaml").write_text(
        "apiVersion: sigil-monitoring/v1\nkind: Template\nservice: {selector: {job: <<service.name>>}}\n"
        "metrics: {up: {name: up, type: gauge}}\nalerts: {Down: {when: {value: up, below: 1}, for: 5m}}\n"
    )
    spec = tmp_path / "api.yaml"
    spec.write_text("apiVersion: sigil-monitoring/v1\nextend: [templates/base.yaml]\nservice: {name: api}\n")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        **{
            f"GIT_{who}_{what}": value
            for who in ("AUTHOR", "COMMITTER")
            for what, value in (("NAME", "t"), ("EMAIL", "t@t"))
        },
    }

    def run(*command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, check=True)

    run("git", "init", "-q")
    run("git", "add", ".")
    run("git", "commit", "-qm", "first")
    run("sigil-monitoring", "compile", "-q", "api.yaml", "--out", "build")
    first = (tmp_path / "build" / "api" / "prometheus" / "alerts.rules.yml").read_bytes()
    spec.write_text(spec.read_text() + "alerts: {Down: {for: 15m}}\n")
    run("git", "commit", "-qam", "second")
    run("sigil-monitoring", "compile", "-q", "api.yaml", "--out", "build")
    assert (tmp_path / "build" / "api" / "prometheus" / "alerts.rules.yml").read_bytes() != first
    page = (tmp_path / "build" / "api" / "runbook.md").read_text()
    block = page.split("```sh\ncommit=", 1)[1].split("```", 1)[0]
    assert shutil.which("sigil-monitoring", path=env["PATH"])
    # Pasted into a shell, line by line (diff exits 1 when there is a difference, as diff(1) does).
    done = subprocess.run(["bash", "-c", "commit=" + block], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "alert Down: for 5m → 15m" in done.stdout  # the diff showed what the revert undoes
    assert (tmp_path / "build" / "api" / "prometheus" / "alerts.rules.yml").read_bytes() == first
    assert "Revert" in run("git", "log", "-1", "--format=%s").stdout


def test_each_silence_command_of_the_runbook_silences_exactly_its_alert_in_a_real_alertmanager(tmp_path):
    binary, amtool = require_binary(ALERTMANAGER_NAMES), require_binary(AMTOOL_NAMES)
    model = model_of(spec_dict())
    service = model.services[0]
    page = sections(runbook.render_service(service))
    now = datetime.now(UTC)
    alerts = [
        {"labels": labels, "startsAt": now.isoformat(), "endsAt": (now + timedelta(hours=1)).isoformat()}
        for labels in routing_table.alert_labels(service)
    ]
    with AlertmanagerProcess(write(model, tmp_path / "out"), binary_path=binary) as am:
        am.post_alerts(alerts)
        env = {
            **os.environ,
            "ALERTMANAGER_URL": am.base_url,
            "USER": "on-call",
            "PATH": f"{Path(amtool).parent}:{os.environ['PATH']}",
        }
        for alert in ("ErrorRateHigh", "DatabaseDown", "EncodeLatencySlowBurn"):
            command = re.search(r"```sh\n(amtool silence add .+)\n```", page[alert]).group(1)
            added = subprocess.run(["sh", "-c", command], capture_output=True, text=True, env=env, timeout=30)
            assert added.returncode == 0, added.stderr
            silenced = {a["labels"]["alertname"] for a in am.alerts() if a["status"]["silencedBy"]}
            assert silenced == {alert}
            expire = subprocess.run(
                [amtool, "silence", "expire", f"--alertmanager.url={am.base_url}", added.stdout.strip()],
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert expire.returncode == 0, expire.stderr


def test_burn_alerts_take_what_to_do_from_their_slo_in_the_spec():
    doc = spec_dict()
    doc["slos"]["encode-latency"]["runbook"] = "Scale the encoders | then look at the store."
    page = sections(runbook.render_service(model_of(doc).services[0]))
    for alert in ("EncodeLatencyFastBurn", "EncodeLatencySlowBurn"):
        assert "### What to do\n\nScale the encoders | then look at the store.\n" in page[alert]
    assert "Scale the encoders" not in page["EncodeAvailabilityFastBurn"]


def test_paged_with_an_index_words_every_alert_as_worded_alone():
    # paged words each set of routes once per index; worded alone, each alert gets the same line.
    from conftest import REPO

    from sigil_monitoring import load_spec
    from sigil_monitoring.compilers import runbook_oncall as oncall
    from sigil_monitoring.ir.build import build_model

    checked = 0
    for path in sorted(REPO.glob("specs/**/*.yaml")):
        for service in build_model([load_spec(path)]).services:
            index = oncall.AlertIndex.of(service)
            for labels in index.labels.values():
                if service.routing is None:
                    continue
                alone = oncall._paged(service.routing, oncall.matched_routes(service.routing, labels))
                assert oncall.paged(service, labels, index) == alone, path
                checked += 1
            assert len(index.paged_lines) <= len(index.labels)
    assert checked > 50


def test_the_slo_policy_writes_budget_minutes_as_plain_numbers():
    """A 95 % SLO over 30d has 2,160 minutes of budget: written '2.16E+3' before (Decimal's
    normalised form), as the CoreDNS trial found."""
    from sigil_monitoring import parse_spec
    from sigil_monitoring.ir.build import build_model

    spec = parse_spec(
        "apiVersion: sigil-monitoring/v1\nservice: {name: dns, selector: {job: coredns}}\n"
        "metrics: {r: {name: r_total, type: counter}, e: {name: e_total, type: counter}}\n"
        "slos: {fast: {objective: 95%, sli: {bad: e, total: r}}}\n"
    )
    page = runbook.render_service(build_model([spec]).services[0])
    assert "| fast | 95 % | 30d | 5 % = 2160 min per 30d |" in page and "E+" not in page
