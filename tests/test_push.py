"""`sigil-monitoring push` saves compiled dashboards in a Grafana that follows the documented API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fake_grafana import FakeGrafana

from sigil_monitoring import compile_spec, load_spec
from sigil_monitoring.cli import main

REPO = Path(__file__).resolve().parent.parent
TOKEN = "glsa_PushT0kenValue_abcdef"


@pytest.fixture(autouse=True)
def _in_repo_without_proxies(monkeypatch):
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / "grafana-token"
    path.write_text(TOKEN + "\n")
    return str(path)


def test_push_saves_the_compiled_dashboard_and_a_second_push_makes_a_new_version(token_file, capsys):
    with FakeGrafana(token=TOKEN) as grafana:
        args = ["push", "specs/sigil-dna.yaml", "--grafana-url", grafana.base_url, "--token-file", token_file]
        assert main(args) == 0
        assert main(args) == 0
        stored = grafana.dashboards["sigil-dna"]
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("sigil-dna: saved version 1 at http://127.0.0.1:")
    assert out[1].startswith("sigil-dna: saved version 2 at ")
    expected = json.loads(compile_spec(load_spec("specs/sigil-dna.yaml"))["sigil-dna/grafana/sigil-dna.json"])
    saved = {k: v for k, v in stored["dashboard"].items() if k not in ("id", "version")}
    assert saved == {k: v for k, v in expected.items() if k not in ("id", "version")}


def test_a_refused_push_exits_1_and_never_prints_the_token(tmp_path, capsys):
    wrong = tmp_path / "wrong-token"
    wrong.write_text("not-the-token")
    with FakeGrafana(token=TOKEN) as grafana:
        rc = main(["push", "specs/minimal.yaml", "--grafana-url", grafana.base_url, "--token-file", str(wrong)])
    captured = capsys.readouterr()
    assert rc == 1
    assert captured.err == "hello: error: Grafana API error 401: Unauthorized (check the URL, the token's role and --folder-uid)\n"
    assert "not-the-token" not in captured.err + captured.out


def test_a_missing_or_empty_token_file_is_a_usage_error(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.write_text("\n")
    assert main(["push", "specs/minimal.yaml", "--grafana-url", "http://127.0.0.1:9", "--token-file", str(empty)]) == 2
    assert main(["push", "specs/minimal.yaml", "--grafana-url", "http://127.0.0.1:9", "--token-file", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].endswith("empty:1:1: error: the token file is empty (write the Grafana service-account token into it)")
    assert err[1].endswith("nope:1:1: error: cannot read the token file: No such file or directory (write the Grafana token into it)")


def test_push_with_no_overwrite_is_refused_when_grafana_has_a_newer_version(token_file, capsys):
    with FakeGrafana(token=TOKEN) as grafana:
        base = ["push", "specs/minimal.yaml", "--grafana-url", grafana.base_url, "--token-file", token_file]
        assert main(base) == 0
        assert main(base) == 0  # Grafana now holds version 2; the compiled JSON carries none
        assert main([*base, "--no-overwrite"]) == 1
    assert "412" in capsys.readouterr().err
