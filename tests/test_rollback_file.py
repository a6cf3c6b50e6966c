"""``rollback --to-file``: the ticket's rollback, "re-import sigil_dashboard_v1.json", against the
fake Grafana that follows the documented API. sigil-dna is pushed as a v2 dashboard (Grafana 13),
the v1 file lives under another uid; the file comes back with the semantic diff printed, and either
replaces ours (``--as-ours``, reversible) or stands beside it while ours is deleted (``--retire``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import REPO
from fake_grafana import FakeGrafana
from test_push import BOB, TOKEN, _in_repo_without_proxies, edit_in_grafana, run

from sigil_monitoring import compile_spec, load_spec

SPEC = "specs/sigil-dna.yaml"


__all__ = ["_in_repo_without_proxies"]  # autouse: in the repository, no proxies


@pytest.fixture(autouse=True)
def _token_in_the_environment(_in_repo_without_proxies, monkeypatch):
    monkeypatch.setenv("GRAFANA_ADMIN_TOKEN", TOKEN)
    monkeypatch.delenv("GRAFANA_URL", raising=False)


def v1_dashboard() -> dict:
    """The hand-built v1 of the ticket: a classic dashboard under its own uid, one panel fewer."""
    data = json.loads(compile_spec(load_spec(SPEC))["sigil-dna/grafana/sigil-dna.json"])
    panels = [p for p in data["panels"] if p.get("title") != "Errors by operation"]
    assert len(panels) == len(data["panels"]) - 1
    return {**data, "uid": "sigil-v1", "title": "Sigil DNA (v1)", "panels": panels, "id": 7, "version": 12}


@pytest.fixture
def v1_file(tmp_path: Path) -> str:
    path = tmp_path / "sigil_dashboard_v1.json"
    path.write_text(json.dumps(v1_dashboard(), indent=2))
    return str(path)


def grafana_13() -> FakeGrafana:
    return FakeGrafana(token=TOKEN, users={BOB: ("bob", "Editor")}, k8s_versions=("v1", "v2"))


def pushed_v2(server: FakeGrafana, capsys) -> list[str]:
    common = ["--grafana-url", server.base_url]
    rc, out, err = run(capsys, "push", SPEC, *common, "--folder-uid", "sigil")
    assert rc == 0, err
    assert "elements" in server.dashboards["sigil-dna"]["dashboard"]  # the v2 spec is what Grafana holds
    return common


def test_the_v1_file_comes_back_under_its_own_uid_and_retire_deletes_the_v2_dashboard(v1_file, capsys):
    with grafana_13() as server:
        common = pushed_v2(server, capsys)
        rc, out, _ = run(capsys, "rollback", SPEC, *common, "--to-file", v1_file, "--retire", "--dry-run")
        assert rc == 0 and set(server.dashboards) == {"sigil-dna"}, out
        assert out.startswith(
            f"sigil-dna: would save {v1_file} as new dashboard sigil-v1 (dry run: nothing changed); "
            "changes from Grafana's version 1 of dashboard sigil-dna to the file:\n"
        )
        assert "sigil-dna: would delete dashboard sigil-dna (version 1) (dry run)\n" in out

        rc, out, err = run(capsys, "rollback", SPEC, *common, "--to-file", v1_file, "--retire")
        assert rc == 0, err
        assert set(server.dashboards) == {"sigil-v1"}
        restored = server.dashboards["sigil-v1"]
        assert restored["dashboard"]["panels"] == v1_dashboard()["panels"]
        assert restored["folderUid"] == "sigil"  # beside where the v2 dashboard was
        lines = out.splitlines()
        assert lines[0] == (
            f"sigil-dna: restored {v1_file} as version 1 of dashboard sigil-v1 at {server.base_url}/d/sigil-v1; "
            "changes from Grafana's version 1 of dashboard sigil-dna to the file:"
        )
        assert any("Errors by operation" in line and "removed" in line for line in lines), out
        assert lines[-1] == "sigil-dna: deleted dashboard sigil-dna (version 1); users find sigil-v1"


@pytest.mark.parametrize("api", ["legacy", "k8s"])
def test_as_ours_shows_the_file_under_our_uid_and_the_next_push_is_not_refused(api, v1_file, capsys):
    with FakeGrafana(token=TOKEN, k8s_versions=() if api == "legacy" else ("v1",)) as server:
        common = ["--grafana-url", server.base_url, "--api", api]
        assert run(capsys, "push", SPEC, *common)[0] == 0
        rc, out, err = run(capsys, "rollback", SPEC, *common, "--to-file", v1_file, "--as-ours")
        assert rc == 0, err
        assert set(server.dashboards) == {"sigil-dna"}
        record = server.dashboards["sigil-dna"]
        assert record["version"] == 2 and record["dashboard"]["title"] == "Sigil DNA (v1)"
        assert record["dashboard"]["panels"] == v1_dashboard()["panels"]
        assert out.startswith(f"sigil-dna: restored {v1_file} as version 2 of dashboard sigil-dna (ours) at ")
        assert "Errors by operation" in out
        assert record["versions"][-1]["message"] == "sigil-monitoring rollback --to-file sigil_dashboard_v1.json"
        # Reversible: Grafana keeps our version, and the next push is ours again (not "changed by someone").
        rc, out, _ = run(capsys, "push", SPEC, *common)
        assert rc == 0 and "saved version 3" in out


def test_an_import_file_wrapper_is_read_and_restores_over_the_dashboard_under_its_uid(tmp_path, capsys):
    with FakeGrafana(token=TOKEN) as server:
        common = ["--grafana-url", server.base_url]
        assert run(capsys, "push", SPEC, *common)[0] == 0
        first = tmp_path / "first.json"
        first.write_text(json.dumps({"dashboard": v1_dashboard(), "overwrite": True, "folderUid": ""}))
        assert run(capsys, "rollback", SPEC, *common, "--to-file", str(first))[0] == 0
        changed = {**v1_dashboard(), "title": "Sigil DNA (v1, fixed)"}
        second = tmp_path / "second.json"
        second.write_text(json.dumps({"dashboard": changed, "meta": {"version": 3}}))
        rc, out, _ = run(capsys, "rollback", SPEC, *common, "--to-file", str(second))
        assert rc == 0 and server.dashboards["sigil-v1"]["version"] == 2
        assert "changes from Grafana's version 1 of dashboard sigil-v1 to the file:" in out
        assert "Sigil DNA (v1, fixed)" in out


def test_a_v2_file_needs_grafana_s_v2_api_one_line_exit_1(tmp_path, capsys):
    resource = json.loads(compile_spec(load_spec(SPEC))["sigil-dna/grafana/sigil-dna.v2.json"])
    path = tmp_path / "v2.json"
    path.write_text(json.dumps(resource))
    with FakeGrafana(token=TOKEN) as server:
        common = ["--grafana-url", server.base_url]
        assert run(capsys, "push", SPEC, *common)[0] == 0
        rc, _, err = run(capsys, "rollback", SPEC, *common, "--to-file", str(path))
        assert (rc, err.count("\n")) == (1, 1) and err.endswith(
            "serves no dashboard.grafana.app v2 API (a v2 dashboard needs Grafana 13, or 12 with the v2 API enabled; "
            "else restore a classic export of it)\n"
        ), err
        assert server.dashboards["sigil-dna"]["version"] == 1
    with grafana_13() as server:
        common = pushed_v2(server, capsys)
        rc, out, err = run(capsys, "rollback", SPEC, *common, "--to-file", str(path), "--as-ours")
        assert rc == 0, err
        assert "(no semantic difference)" in out  # the file is what we pushed


def test_retire_is_refused_when_our_dashboard_was_changed_in_grafana(v1_file, capsys):
    with FakeGrafana(token=TOKEN, users={BOB: ("bob", "Editor")}) as server:
        common = ["--grafana-url", server.base_url]
        assert run(capsys, "push", SPEC, *common)[0] == 0
        edit_in_grafana(server, "sigil-dna", "Sigil-DNA (bob's)")
        rc, _, err = run(capsys, "rollback", SPEC, *common, "--to-file", v1_file, "--retire")
        assert rc == 1 and set(server.dashboards) == {"sigil-dna"}
        assert err.startswith("sigil-dna: refused: dashboard sigil-dna was changed in Grafana by bob at ") and (
            err.count("\n") == 1
        )
        rc, _, err = run(capsys, "rollback", SPEC, *common, "--to-file", v1_file, "--retire", "--force")
        assert rc == 0 and set(server.dashboards) == {"sigil-v1"}, err


@pytest.mark.parametrize(
    ("content", "where", "says"),
    [
        ('{\n  "panels": [],\n  "title": "x",\n}\n', "4:1", "not JSON: Expecting property name"),
        ("[1, 2]", "1:1", "the file holds no JSON object"),
        ('{"title": "x", "tags": []}', "1:1", "no dashboard here"),
        ('{\n "uid": "has space", "panels": [], "title": "x"}', "2:2", 'the dashboard\'s "uid" is not a Grafana uid'),
        ('{"dashboard": {\n  "panels": []\n}}', "1:1", 'the dashboard\'s "title" is missing'),
        (
            '{"kind": "Dashboard", "metadata": {"name": "s"},\n "spec": {"elements": {}, "title": 5}}',
            "2:27",
            'the dashboard\'s "title" is not text',
        ),
    ],
)
def test_a_bad_file_is_one_positioned_line_exit_2_before_any_request(content, where, says, tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with FakeGrafana(token=TOKEN) as server:
        rc, _, err = run(capsys, "rollback", SPEC, "--grafana-url", server.base_url, "--to-file", str(path))
        assert rc == 2 and server.calls == []
    assert err.startswith(f"{path}:{where}: error: {says}") and err.count("\n") == 1, err


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--previous", "--retire"], "--as-ours, --retire, --folder-uid and --input go with --to-file FILE.json"),
        (["--to-file", "{file}", "--as-ours", "--retire"], "choose one"),
        (["--to-file", "{file}", "specs/minimal.yaml"], "--to-file restores one dashboard"),
    ],
)
def test_flags_that_do_not_fit_are_usage_errors(extra, says, v1_file, capsys):
    args = [a.replace("{file}", v1_file) for a in extra]
    specs = [a for a in args if a.endswith(".yaml")]
    flags = [a for a in args if not a.endswith(".yaml")]
    rc, _, err = run(capsys, "rollback", SPEC, *specs, "--grafana-url", "http://127.0.0.1:9", *flags)
    assert rc == 2 and err.startswith("sigil-monitoring rollback: error: ") and says in err, err


WORLD = REPO / "tests" / "data" / "grafana-dashboards"  # published dashboards nobody here wrote


def test_a_published_export_for_sharing_externally_needs_its_inputs_then_restores_with_them(capsys):
    path = str(WORLD / "bind9-full.json")
    with FakeGrafana(token=TOKEN) as server:
        common = ["--grafana-url", server.base_url]
        assert run(capsys, "push", SPEC, *common)[0] == 0
        rc, _, err = run(capsys, "rollback", SPEC, *common, "--to-file", path)
        line = next(
            n for n, text in enumerate((WORLD / "bind9-full.json").read_text().splitlines(), 1) if "__inputs" in text
        )
        assert rc == 2 and err == (
            f"{path}:{line}:3: error: an export for sharing externally: give the value Grafana's import would ask for, "
            "--input DS_PROMETHEUS=VALUE (for a data source, its uid)\n"
        )
        rc, out, err = run(capsys, "rollback", SPEC, *common, "--to-file", path, "--input", "DS_PROMETHEUS=prom-main")
        assert rc == 0, err
        stored = server.dashboards["Ug7DI83Wz"]["dashboard"]
        text = json.dumps(stored)
        assert "${DS_PROMETHEUS}" not in text and '"uid": "prom-main"' in text
        assert not set(stored) & {"__inputs", "__requires", "__elements"}
        assert stored["title"] == "Bind9 Full" and "sigil-dna" in server.dashboards  # ours untouched
        assert "dashboard: title Sigil-DNA → Bind9 Full" in out and "panel removed: 'Db up'" in out


def test_a_published_dashboard_restored_as_ours(capsys):
    with FakeGrafana(token=TOKEN, k8s_versions=("v1",)) as server:
        common = ["--grafana-url", server.base_url]
        assert run(capsys, "push", SPEC, *common)[0] == 0
        rc, out, err = run(capsys, "rollback", SPEC, *common, "--to-file", str(WORLD / "apache-full.json"), "--as-ours")
        assert rc == 0, err
        assert set(server.dashboards) == {"sigil-dna"}
        published = json.loads((WORLD / "apache-full.json").read_text())
        assert server.dashboards["sigil-dna"]["dashboard"]["panels"] == published["panels"]
        assert "dashboard: title Sigil-DNA → Apache Full" in out


def test_the_v1_file_as_ours_replaces_the_v2_dashboard_under_its_uid(v1_file, capsys):
    with grafana_13() as server:
        common = pushed_v2(server, capsys)
        rc, out, err = run(capsys, "rollback", SPEC, *common, "--to-file", v1_file, "--as-ours")
        assert rc == 0, err
        stored = server.dashboards["sigil-dna"]["dashboard"]
        assert "elements" not in stored and stored["panels"] == v1_dashboard()["panels"]
        assert out.splitlines()[1:] == [
            "  dashboard: format v2 → classic: title, rows, panels and their queries compared",
            "  dashboard: title Sigil-DNA → Sigil DNA (v1)",
            "  panel removed: 'Errors by operation'",
        ]
        rc, out, _ = run(capsys, "rollback", SPEC, *common, "--previous")  # and back to v2
        assert rc == 0 and "elements" in server.dashboards["sigil-dna"]["dashboard"]
