"""``push --dry-run`` exits 1 when the real push would be refused, saying why in one line, from
reads only (remote/preflight.py); each case is checked against the real push, which must be
refused too, so the dry run predicts and does not guess."""

from __future__ import annotations

import pytest
from conftest import REPO
from fake_grafana import FakeGrafana
from test_push import BOB, TOKEN, VIEWER, _in_repo_without_proxies, run

SPEC = "specs/sigil-dna.yaml"
__all__ = ["_in_repo_without_proxies"]  # autouse: in the repository, no proxies, no token in the environment


def grafana() -> FakeGrafana:
    return FakeGrafana(token=TOKEN, users={BOB: ("bob", "Editor"), VIEWER: ("vera", "Viewer")})


def attempt(capsys, monkeypatch, server: FakeGrafana, token: str, *extra: str) -> tuple[tuple[int, str], int]:
    """(exit code and stdout of the dry run, exit code of the real push)."""
    monkeypatch.setenv("GRAFANA_ADMIN_TOKEN", token)
    common = ["push", SPEC, "--grafana-url", server.base_url, "--retries", "0", *extra]
    before = {uid: r["version"] for uid, r in server.dashboards.items()}
    rc, out, _ = run(capsys, *common, "--dry-run")
    assert {uid: r["version"] for uid, r in server.dashboards.items()} == before  # the dry run wrote nothing
    real, _, _ = run(capsys, *common)
    return (rc, out), real


def test_a_token_that_may_not_save_the_dashboard(capsys, monkeypatch):
    with grafana() as server:
        monkeypatch.setenv("GRAFANA_ADMIN_TOKEN", TOKEN)
        assert run(capsys, "push", SPEC, "--grafana-url", server.base_url)[0] == 0
        (rc, out), real = attempt(capsys, monkeypatch, server, VIEWER, "--message", "a change")
        assert (rc, real) == (0, 0)  # unchanged: nothing to save, nothing refused
        (rc, out), real = attempt(capsys, monkeypatch, server, VIEWER, "--folder-uid", "elsewhere")
        assert (rc, real) == (1, 1)
        assert out == (
            "sigil-dna: would refuse: the token may not save dashboard sigil-dna (Grafana's meta.canSave is false) "
            "(dry run: nothing changed)\n"
        )
        assert server.folders == {}


def test_a_new_dashboard_a_token_may_not_create(capsys, monkeypatch):
    with grafana() as server:
        (rc, out), real = attempt(capsys, monkeypatch, server, VIEWER)
        assert (rc, real) == (1, 1) and "the token may not create dashboards (no dashboards:create)" in out


def test_a_missing_folder_the_token_may_not_create(capsys, monkeypatch):
    with grafana() as server:
        server.permissions["bob"] = {"dashboards:read", "dashboards:write", "dashboards:create", "folders:read"}
        (rc, out), real = attempt(capsys, monkeypatch, server, BOB, "--folder-uid", "apps")
        assert (rc, real) == (1, 1)
        assert "folder apps does not exist and the token may not create folders (no folders:create)" in out
        assert server.folders == {} and server.dashboards == {}


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("read_only_folders", "the token may not save into folder apps (Grafana's canSave is false)"),
        ("hidden_folders", "the token may not read folder apps (403), so it cannot save into it"),
    ],
)
def test_a_folder_the_token_may_not_save_into(kind, says, capsys, monkeypatch):
    with grafana() as server:
        server.folders["apps"] = {"id": 1, "uid": "apps", "title": "Apps", "url": "/dashboards/f/apps/"}
        getattr(server, kind).add("apps")
        (rc, out), real = attempt(capsys, monkeypatch, server, BOB, "--folder-uid", "apps")
        assert (rc, real) == (1, 1) and says in out, out


def test_a_title_another_dashboard_has_in_the_folder(capsys, monkeypatch, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text((REPO / SPEC).read_text().replace("name: sigil-dna", "name: sigil-rna", 1))
    with grafana() as server:
        monkeypatch.setenv("GRAFANA_ADMIN_TOKEN", TOKEN)
        rc, out, err = run(capsys, "push", str(other), "--grafana-url", server.base_url)
        assert rc == 0, err
        title = server.dashboards["sigil-rna"]["dashboard"]["title"]
        (rc, out), real = attempt(capsys, monkeypatch, server, TOKEN)
        assert (rc, real) == (1, 1)
        assert out == (
            f"sigil-dna: would refuse: dashboard sigil-rna in the root folder already has the title '{title}' "
            "(Grafana refuses a second: name-exists; rename one, or --force replaces it) (dry run: nothing changed)\n"
        )
        rc, out, _ = run(capsys, "push", SPEC, "--grafana-url", server.base_url, "--dry-run", "--force")
        assert rc == 0 and out.startswith("sigil-dna: would create dashboard sigil-dna")


def test_a_push_that_would_go_through_dry_runs_with_exit_0(capsys, monkeypatch):
    with grafana() as server:
        (rc, out), real = attempt(capsys, monkeypatch, server, BOB, "--folder-uid", "apps")
        assert (rc, real) == (0, 0) and out.startswith("sigil-dna: would create dashboard sigil-dna in folder apps")
