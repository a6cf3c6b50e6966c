"""`push`, `history` and `rollback` against the local Grafana that follows the documented API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from fake_grafana import FakeGrafana

from sigil_monitoring import compile_spec, load_spec
from sigil_monitoring.cli import main

REPO = Path(__file__).resolve().parent.parent
TOKEN = "glsa_PushT0kenValue_abcdef"
BOB = "glsa_BobsOwnT0ken_123456"
VIEWER = "glsa_ViewerT0ken_987654"
APIS = {"legacy": (), "k8s": ("v1",)}


@pytest.fixture(autouse=True)
def _in_repo_without_proxies(monkeypatch):
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv("GRAFANA_ADMIN_TOKEN", raising=False)


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / "grafana-token"
    path.write_text("# Grafana service account 'sigil-ci', Editor\n\n" + TOKEN + "\n")
    return str(path)


@pytest.fixture
def changed_spec(tmp_path):
    """sigil-dna with one panel renamed: the dashboard a spec change pushes next."""
    path = tmp_path / "sigil-dna.yaml"
    path.write_text(
        (REPO / "specs/sigil-dna.yaml")
        .read_text()
        .replace("title: Errors by operation", "title: Failures by operation")
    )
    return str(path)


def grafana(api: str = "legacy") -> FakeGrafana:
    return FakeGrafana(token=TOKEN, users={BOB: ("bob", "Editor"), VIEWER: ("vera", "Viewer")}, k8s_versions=APIS[api])


def run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(list(args))
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err  # the canary: never printed, on any path
    return rc, captured.out, captured.err


def edit_in_grafana(server: FakeGrafana, uid: str, title: str, token: str = BOB) -> None:
    """Someone changes the dashboard in Grafana's UI (a save through the classic API)."""
    current = server.dashboards[uid]["dashboard"]
    body = {
        "dashboard": {**current, "title": title},
        "overwrite": True,
        "message": "tweaked in the UI",
        "folderUid": server.dashboards[uid]["folderUid"],
    }
    request = urllib.request.Request(
        server.url("/api/dashboards/db"),
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=5).close()


def compiled(spec: str = "specs/sigil-dna.yaml") -> dict:
    data = json.loads(compile_spec(load_spec(spec))["sigil-dna/grafana/sigil-dna.json"])
    return {k: v for k, v in data.items() if k not in ("id", "version")}


def stored(server: FakeGrafana) -> dict:
    return {k: v for k, v in server.dashboards["sigil-dna"]["dashboard"].items() if k not in ("id", "version")}


@pytest.mark.parametrize("api", ["legacy", "k8s"])
def test_push_change_push_history_and_rollback_previous_round_trip(api, token_file, changed_spec, capsys):
    with grafana(api) as server:
        common = ["--grafana-url", server.base_url, "--token-file", token_file, "--api", api]
        rc, out, _ = run(capsys, "push", "specs/sigil-dna.yaml", *common, "--folder-uid", "sigil")
        assert rc == 0
        assert out.splitlines() == [
            "sigil-dna: created folder sigil",
            f"sigil-dna: saved version 1 at {server.base_url}"
            + ("/d/sigil-dna/sigil-dna" if api == "legacy" else "/d/sigil-dna"),
        ]
        assert server.folders["sigil"]["title"] == "Sigil"  # the spec's links.folder names it
        rc, out, _ = run(capsys, "push", "specs/sigil-dna.yaml", *common)
        assert (rc, out) == (0, "sigil-dna: unchanged, Grafana holds it as version 1\n")

        rc, out, _ = run(capsys, "push", changed_spec, *common, "--dry-run")
        assert rc == 0 and "would update version 1 → 2 (dry run: nothing changed)" in out
        assert "  panel 'Errors by operation' → 'Failures by operation'" in out or "Failures by operation" in out
        assert server.dashboards["sigil-dna"]["version"] == 1
        rc, out, _ = run(capsys, "push", changed_spec, *common, "--message", "rename a panel")
        assert rc == 0 and "saved version 2" in out

        rc, out, _ = run(capsys, "history", "specs/sigil-dna.yaml", *common)
        lines = out.splitlines()
        assert rc == 0 and lines[0] == "sigil-dna: dashboard sigil-dna, 2 version(s), newest first"
        assert (
            lines[1].startswith("  v2  ")
            and " admin  sigil-monitoring push " in lines[1]
            and lines[1].endswith(": rename a panel")
        )
        assert lines[2].startswith("  v1  ") and "sigil-monitoring push specs/sigil-dna.yaml @ " in lines[2]

        rc, out, _ = run(capsys, "rollback", "specs/sigil-dna.yaml", *common, "--previous")
        assert rc == 0
        assert out.startswith("sigil-dna: restored version 1 as version 3; changes applied:\n")
        assert "Failures by operation" in out and "Errors by operation" in out
        assert server.dashboards["sigil-dna"]["version"] == 3
        assert stored(server) == compiled()
        assert server.dashboards["sigil-dna"]["folderUid"] == "sigil"
        # Our own rollback is not "a change made in Grafana": the next push goes through.
        rc, out, _ = run(capsys, "push", changed_spec, *common)
        assert rc == 0 and "saved version 4" in out


@pytest.mark.parametrize("api", ["legacy", "k8s"])
def test_a_dashboard_changed_in_grafana_is_not_overwritten_until_force(api, token_file, changed_spec, capsys):
    with grafana(api) as server:
        common = ["--grafana-url", server.base_url, "--token-file", token_file, "--api", api]
        assert run(capsys, "push", "specs/sigil-dna.yaml", *common)[0] == 0
        edit_in_grafana(server, "sigil-dna", "Sigil-DNA (bob's copy)")

        rc, out, err = run(capsys, "push", changed_spec, *common)
        assert rc == 1 and out == ""
        when = server.dashboards["sigil-dna"]["versions"][-1]["created"]
        first, second, *diff = err.splitlines()
        assert first == (
            f"sigil-dna: refused: dashboard sigil-dna was changed in Grafana by bob at {when} (version 2 with "
            "message 'tweaked in the UI') since our push of version 1; not overwritten (put their change "
            "into the spec, or push --force to replace it)"
        )
        assert second == "sigil-dna: what --force would change in their version:"
        assert any("Sigil-DNA (bob's copy)" in line for line in diff) and any(
            "Failures by operation" in line for line in diff
        )
        assert server.dashboards["sigil-dna"]["version"] == 2

        rc, out, _ = run(capsys, "push", changed_spec, *common, "--dry-run")
        assert rc == 1 and out.startswith("sigil-dna: would refuse: version 2 was saved in Grafana by bob at ")
        rc, out, _ = run(capsys, "push", changed_spec, *common, "--force")
        assert rc == 0 and "saved version 3" in out
        assert stored(server) == compiled(changed_spec)


def test_a_change_between_our_read_and_our_write_is_refused_by_grafana_412(token_file, capsys, monkeypatch):
    from sigil_monitoring.remote import grafana_api

    with grafana() as server:
        common = ["--grafana-url", server.base_url, "--token-file", token_file, "--api", "legacy"]
        assert run(capsys, "push", "specs/minimal.yaml", *common)[0] == 0
        save = grafana_api.Legacy.save

        def racing_save(self, *args, **kwargs):
            edit_in_grafana(server, "hello", "hello, edited meanwhile")  # lands after our read
            return save(self, *args, **kwargs)

        monkeypatch.setattr(grafana_api.Legacy, "save", racing_save)
        spec = REPO / "specs/minimal.yaml"
        changed = Path(os.environ.get("TMPDIR", "/tmp")) / f"race-{os.getpid()}.yaml"
        changed.write_text(spec.read_text().replace("selector: {job: hello}", "selector: {job: hello2}"))
        try:
            rc, _, err = run(capsys, "push", str(changed), *common)
        finally:
            changed.unlink()
    assert rc == 1
    assert "refused: dashboard hello was changed in Grafana by bob" in err
    assert server.dashboards["hello"]["dashboard"]["title"] == "hello, edited meanwhile"


def test_dry_run_of_a_new_dashboard_changes_nothing(token_file, capsys):
    with grafana() as server:
        rc, out, _ = run(
            capsys,
            "push",
            "specs/minimal.yaml",
            "--grafana-url",
            server.base_url,
            "--token-file",
            token_file,
            "--folder-uid",
            "apps",
            "--dry-run",
        )
        assert (rc, out) == (0, "hello: would create dashboard hello in folder apps (dry run: nothing changed)\n")
        assert server.dashboards == {} and server.folders == {}
        assert all(method == "GET" for method, _ in server.calls)


def test_api_auto_uses_the_k8s_api_when_grafana_serves_it(token_file, capsys):
    for versions, used in (
        ((), "/api/dashboards/db"),
        (("v1beta1",), "/apis/dashboard.grafana.app/v1beta1/namespaces/default/dashboards"),
    ):
        with FakeGrafana(token=TOKEN, k8s_versions=versions) as server:
            assert (
                run(capsys, "push", "specs/minimal.yaml", "--grafana-url", server.base_url, "--token-file", token_file)[
                    0
                ]
                == 0
            )
            assert ("POST", used) in server.calls


def test_rollback_to_an_unknown_version_is_a_one_line_404(token_file, capsys):
    with grafana() as server:
        common = ["--grafana-url", server.base_url, "--token-file", token_file]
        run(capsys, "push", "specs/minimal.yaml", *common)
        rc, _, err = run(capsys, "rollback", "specs/minimal.yaml", *common, "--to-version", "9")
        assert rc == 1
        assert err == (
            "hello: error: Grafana API error 404: Dashboard version not found (no such dashboard or version "
            "in Grafana: see `sigil-monitoring history`)\n"
        )
        rc, _, err = run(capsys, "rollback", "specs/minimal.yaml", *common, "--previous")
        assert rc == 1 and "has no version before 1" in err


@pytest.mark.parametrize(("token", "status"), [("glsa_NotTheRightOne_42", 401), (VIEWER, 403)])
def test_a_refused_token_exits_1_with_one_line(token, status, tmp_path, capsys):
    path = tmp_path / "token"
    path.write_text(token)
    with grafana() as server:
        rc, out, err = run(
            capsys, "push", "specs/minimal.yaml", "--grafana-url", server.base_url, "--token-file", str(path)
        )
    assert (rc, out) == (1, "")
    # 401 already at the API discovery (--api auto), 403 at the first write.
    prefix = "sigil-monitoring push" if status == 401 else "hello"
    assert err.startswith(f"{prefix}: error: Grafana API error {status}: ") and err.count("\n") == 1
    assert token not in err


def test_5xx_and_connection_errors_are_retried_but_4xx_are_not(token_file, capsys):
    with grafana() as server:
        common = ["--grafana-url", server.base_url, "--token-file", token_file, "--api", "legacy", "--retries", "2"]
        server.fail_next = [503, 502]
        assert run(capsys, "push", "specs/minimal.yaml", *common)[0] == 0
        server.fail_next, before = [500, 500, 500, 500], len(server.calls)
        rc, _, err = run(capsys, "history", "specs/minimal.yaml", *common)
        assert rc == 1 and err.startswith("hello: error: Grafana API error 500: injected failure 500 (Grafana failed;")
        assert len(server.calls) - before == 3  # one try and two retries
        server.fail_next, before = [404, 404], len(server.calls)
        assert run(capsys, "history", "specs/minimal.yaml", *common)[0] == 1
        assert len(server.calls) - before == 1
    port = server.port  # stopped now: nothing listens there
    rc, _, err = run(
        capsys,
        "push",
        "specs/minimal.yaml",
        "--grafana-url",
        f"http://127.0.0.1:{port}",
        "--token-file",
        token_file,
        "--retries",
        "1",
    )
    assert (rc, err) == (
        1,
        f"sigil-monitoring push: error: Grafana at http://127.0.0.1:{port} refused the connection: nothing listens "
        "on that port (check --grafana-url and the network)\n",
    )


def test_token_comes_from_the_environment_when_no_file_is_given(monkeypatch, capsys):
    with grafana() as server:
        base = ["push", "specs/minimal.yaml", "--grafana-url", server.base_url]
        rc, _, err = run(capsys, *base)
        assert rc == 2 and err == (
            "sigil-monitoring push: error: no Grafana token: give --token-file FILE or set $GRAFANA_ADMIN_TOKEN\n"
        )
        monkeypatch.setenv("GRAFANA_ADMIN_TOKEN", TOKEN)
        assert run(capsys, *base)[0] == 0
        monkeypatch.setenv("GRAFANA_ADMIN_TOKEN", "glsa_tök\u00e9n")
        rc, _, err = run(capsys, *base)
        assert rc == 2 and "GRAFANA_ADMIN_TOKEN: the token holds characters an HTTP header cannot carry" in err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "\n# only a comment\n",
            "grafana-token:1:1: error: the token file is empty (write the Grafana service-account token into it)",
        ),
        (
            "# token\nglsa_t\u00f6ken_" + TOKEN + "\n",
            "grafana-token:2:1: error: the token holds characters an HTTP header cannot carry",
        ),
        ("glsa a b\n", "grafana-token:1:1: error: the token holds characters an HTTP header cannot carry"),
    ],
)
def test_a_bad_token_file_is_one_positioned_line_without_the_token(content, expected, tmp_path, capsys):
    path = tmp_path / "grafana-token"
    path.write_text(content)
    rc, out, err = run(
        capsys, "push", "specs/minimal.yaml", "--grafana-url", "http://127.0.0.1:9", "--token-file", str(path)
    )
    assert (rc, out) == (2, "")
    assert err.count("\n") == 1 and expected in err
    assert "glsa_t" not in err and "glsa a" not in err


def test_a_fifo_or_missing_token_file_is_refused_without_reading(tmp_path, capsys):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert (
        run(capsys, "push", "specs/minimal.yaml", "--grafana-url", "http://127.0.0.1:9", "--token-file", str(fifo))[0]
        == 2
    )
    assert (
        run(
            capsys,
            "push",
            "specs/minimal.yaml",
            "--grafana-url",
            "http://127.0.0.1:9",
            "--token-file",
            str(tmp_path / "nope"),
        )[0]
        == 2
    )
    err = capsys.readouterr().err  # run() already consumed each; re-run to read both lines together
    rc, _, err = run(
        capsys, "history", "specs/minimal.yaml", "--grafana-url", "http://127.0.0.1:9", "--token-file", str(fifo)
    )
    assert rc == 2 and err.endswith(
        "fifo:1:1: error: the token file is not a regular file (give a file holding the token)\n"
    )


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:3000/\r\nX-Evil: 1", "http://127.0.0.1:3000/\n", "ftp://grafana", "http://u:p@grafana"]
)
def test_a_bad_grafana_url_is_a_one_line_usage_error(url, token_file, capsys):
    rc, out, err = run(capsys, "push", "specs/minimal.yaml", "--grafana-url", url, "--token-file", token_file)
    assert (rc, out) == (2, "")
    assert err.startswith("sigil-monitoring push: error: the Grafana URL ") and err.count("\n") == 1
    assert "u:p" not in err


def test_the_cli_imports_no_http_client_semdiff_or_compiler_until_a_command_needs_them():
    code = (
        "import sys; from sigil_monitoring.cli import build_parser; build_parser();"
        "print(sorted(m for m in sys.modules if m in ('urllib.request', 'http.client', 'deepdiff') "
        "or m.startswith(('sigil_monitoring.grafana', 'sigil_monitoring.remote.ship', "
        "'sigil_monitoring.semdiff', 'sigil_monitoring.compilers.'))"
        " and m != 'sigil_monitoring.compilers.registry'))"  # the target registry (the --target help) is cheap
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


def test_a_spec_that_emits_v2_is_pushed_as_a_v2_resource_where_grafana_serves_one(token_file, changed_spec, capsys):
    v2 = json.loads(compile_spec(load_spec("specs/sigil-dna.yaml"))["sigil-dna/grafana/sigil-dna.v2.json"])["spec"]
    with FakeGrafana(token=TOKEN, k8s_versions=("v1", "v2")) as server:
        common = ["--grafana-url", server.base_url, "--token-file", token_file]
        assert run(capsys, "push", "specs/sigil-dna.yaml", *common)[0] == 0
        assert ("POST", "/apis/dashboard.grafana.app/v2/namespaces/default/dashboards") in server.calls
        assert {k: v for k, v in stored(server).items() if k != "uid"} == v2
        assert (
            run(capsys, "push", "specs/sigil-dna.yaml", *common)[1]
            == "sigil-dna: unchanged, Grafana holds it as version 1\n"
        )
        rc, out, _ = run(capsys, "push", changed_spec, *common, "--dry-run")
        assert rc == 0 and "would update version 1 → 2" in out and "Failures by operation" in out
        assert run(capsys, "push", changed_spec, *common)[0] == 0
        rc, out, _ = run(capsys, "rollback", "specs/sigil-dna.yaml", *common, "--previous")
        assert (
            rc == 0 and out.startswith("sigil-dna: restored version 1 as version 3") and "Failures by operation" in out
        )
        assert {k: v for k, v in stored(server).items() if k != "uid"} == v2
    # The same spec against a Grafana without v2 resources goes out as classic JSON.
    with FakeGrafana(token=TOKEN, k8s_versions=("v1",)) as server:
        assert (
            run(capsys, "push", "specs/sigil-dna.yaml", "--grafana-url", server.base_url, "--token-file", token_file)[0]
            == 0
        )
        assert stored(server) == compiled()


def test_history_and_rollback_fall_back_to_the_classic_versions_where_the_beta_api_keeps_none(
    token_file, changed_spec, capsys
):
    with FakeGrafana(token=TOKEN, k8s_versions=("v1beta1",), k8s_history=False) as server:
        common = ["--grafana-url", server.base_url, "--token-file", token_file]
        assert run(capsys, "push", "specs/minimal.yaml", *common)[0] == 0
        edit_in_grafana(server, "hello", "hello (edited)", token=TOKEN)
        rc, out, _ = run(capsys, "history", "specs/minimal.yaml", *common)
        assert rc == 0 and out.splitlines()[0] == "hello: dashboard hello, 2 version(s), newest first"
        rc, out, _ = run(capsys, "rollback", "specs/minimal.yaml", *common, "--previous")
        assert rc == 0 and out.startswith("hello: restored version 1 as version 3")
        assert ("GET", "/api/dashboards/uid/hello/versions") in server.calls


def test_push_with_another_folder_uid_creates_that_folder_and_moves_the_dashboard(token_file, capsys):
    with grafana() as server:
        common = ["push", "specs/minimal.yaml", "--grafana-url", server.base_url, "--token-file", token_file]
        assert run(capsys, *common, "--folder-uid", "old")[0] == 0
        rc, out, _ = run(capsys, *common, "--folder-uid", "new")
        assert rc == 0 and out.splitlines()[0] == "hello: created folder new"
        assert server.dashboards["hello"]["folderUid"] == "new" and server.dashboards["hello"]["version"] == 2
        assert set(server.folders) == {"old", "new"}


def test_a_fifo_as_the_token_file_is_refused_at_once_not_waited_on(tmp_path):
    import os

    from sigil_monitoring.cli.push import read_token
    from sigil_monitoring.errors import SpecError

    fifo = tmp_path / "token"
    os.mkfifo(fifo)
    try:
        read_token(str(fifo))
    except SpecError as err:
        assert "not a regular file" in str(err)
    else:
        raise AssertionError("a FIFO was read as a token file")
