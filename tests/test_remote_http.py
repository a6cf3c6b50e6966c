"""The one HTTP client against hostile servers (tests/fake_hostile.py): every failure is one
terminal-safe line of its own kind, within the time budget, never an internal error; and the
commands that talk to servers (lint, history, push, fire-test) say so in one line, exit 1."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO
from fake_hostile import Hostile

from sigil_monitoring.cli import main
from sigil_monitoring.live.net import free_port
from sigil_monitoring.live.sinks import Handler, LocalHTTPServer
from sigil_monitoring.remote.budget import UrlError
from sigil_monitoring.remote.http import MAX_DEPTH, Budget, Client, RemoteError, check_url

TOKEN = "glsa_S3cretT0kenValue_0123456789"
MINIMAL = str(REPO / "specs" / "minimal.yaml")
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\r")


def client(url: str, seconds: float = 5, **kw: object) -> Client:
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    return Client(url, Budget(seconds), what=f"Grafana at {url}", secret=TOKEN, headers=bearer, **kw)  # type: ignore[arg-type]


@pytest.fixture()
def hostile(request: pytest.FixtureRequest) -> Iterator[Hostile]:
    with Hostile(request.param) as server:
        yield server


def failure(server: Hostile, seconds: float = 5, expect: type = dict, **kw: object) -> RemoteError:
    with pytest.raises(RemoteError) as info:
        client(server.base_url, seconds, **kw).json("GET", "/api/x", expect=expect)
    text = str(info.value)
    assert "\n" not in text and not any(c in text for c in RAW_CONTROLS) and TOKEN not in text
    return info.value


@pytest.mark.parametrize("hostile", ["dribble", "dribble-head"], indirect=True)
def test_a_server_dribbling_bytes_is_cut_off_at_the_deadline_not_per_read(hostile: Hostile) -> None:
    start = time.monotonic()
    err = failure(hostile, seconds=1.5, retries=3)
    assert err.kind == "timeout" and time.monotonic() - start < 3
    assert str(err) == f"Grafana at {hostile.base_url} gave no complete answer within the time limit of 1.5 s"


@pytest.mark.parametrize("hostile", ["status"], indirect=True)
def test_retries_stop_when_the_command_budget_is_spent(hostile: Hostile) -> None:
    start = time.monotonic()
    err = failure(hostile, seconds=1.5, retries=20, backoff=0.2)
    assert err.kind == "status" and err.status == 502 and time.monotonic() - start < 2.5
    assert 2 <= len(hostile.hits) < 10


@pytest.mark.parametrize(
    ("hostile", "kind", "said"),
    [
        ("endless", "too-large", "sent a reply larger than 8 MiB; stopped reading"),
        ("deep", "too-deep", f"with JSON nested deeper than {MAX_DEPTH} levels; not read"),
        ("html", "malformed", "answered GET /api/x with an HTML page, not JSON"),
        ("list", "malformed", "answered GET /api/x with a JSON list where a JSON object was expected"),
        ("status", "status", 'answered GET /api/x with HTTP 502: "bad gateway \\x1b]0;pwned\\x07\\x1b[2J'),
        ("bad-chunk", "malformed", "did not answer in HTTP (IncompleteRead: IncompleteRead(0 bytes read))"),
        ("bad-location", "redirect", "answered HTTP 302 with a Location that is not a URL: 'http://[::1'"),
    ],
    indirect=["hostile"],
)
def test_each_bad_reply_is_one_line_of_its_own_kind(hostile: Hostile, kind: str, said: str) -> None:
    err = failure(hostile, retries=2, backoff=0.01)
    assert err.kind == kind and said in str(err), str(err)
    assert len(hostile.hits) == (3 if kind == "status" else 1)  # only 5xx and no answer are retried


def test_a_redirect_to_another_origin_is_refused_and_the_token_stays_home() -> None:
    with Hostile("list") as elsewhere, Hostile("away", target=elsewhere.base_url) as server:
        err = failure(server, retries=2)
        assert err.kind == "redirect" and elsewhere.hits == [] and len(server.hits) == 1
        assert f"redirected to {elsewhere.base_url}/api/x, another origin; not followed" in str(err)


def test_a_redirect_within_the_origin_is_followed_with_the_token() -> None:
    with Hostile("same") as server:
        assert client(server.base_url).json("GET", "/api/x") == {"moved": True}
        assert [(path, headers["Authorization"]) for path, headers in server.hits] == [
            ("/api/x", f"Bearer {TOKEN}"),
            ("/moved", f"Bearer {TOKEN}"),
        ]


def test_refused_and_tls_failures_are_worded_as_such() -> None:
    port = free_port()
    with pytest.raises(RemoteError) as info:
        client(f"http://127.0.0.1:{port}").json("GET", "/")
    assert (info.value.kind, str(info.value)) == (
        "refused",
        f"Grafana at http://127.0.0.1:{port} refused the connection: nothing listens on that port",
    )
    with Hostile("list") as plain, pytest.raises(RemoteError) as info:
        client(f"https://127.0.0.1:{plain.port}").json("GET", "/")
    assert info.value.kind == "tls" and str(info.value).startswith(
        "TLS failure talking to Grafana at https://127.0.0.1:"
    )


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://grafana", "grafana:3000", "127.0.0.1:9090", "//x"])
def test_only_http_and_https_urls_are_taken(url: str) -> None:
    with pytest.raises(UrlError) as info:
        check_url(url, "--prometheus-url")
    assert str(info.value).startswith("--prometheus-url must start with http:// or https:// and name a host")


def test_the_environments_proxy_is_used_except_for_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    class Proxy(LocalHTTPServer):
        seen: list[str] = []

        def handle(self, handler: Handler) -> None:
            self.seen.append(handler.path)
            handler.reply(200, {"via": "proxy"})

    with Proxy() as proxy, Hostile("same") as local:
        monkeypatch.setenv("http_proxy", proxy.base_url)
        monkeypatch.delenv("no_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        assert client("http://grafana.invalid").json("GET", "/api/x") == {"via": "proxy"}
        assert proxy.seen == ["http://grafana.invalid/api/x"]
        assert client(local.base_url).json("GET", "/moved") == {"moved": True} and len(proxy.seen) == 1


# The commands: one line on stderr, exit 1, whatever the server does.


@pytest.mark.parametrize(
    "hostile",
    ["dribble", "endless", "deep", "html", "list", "prom-error", "status", "bad-location", "bad-chunk"],
    indirect=True,
)
def test_lint_against_a_hostile_prometheus_is_one_line_exit_1(hostile: Hostile, capsys: pytest.CaptureFixture[str]):
    rc = main(["lint", MINIMAL, "--prometheus-url", hostile.base_url, "--timeout", "2"])
    err = capsys.readouterr().err
    assert rc == 1 and err.startswith("sigil-monitoring lint: error: ") and err.count("\n") == 1, err
    assert not any(c in err for c in RAW_CONTROLS)
    if hostile.mode == "prom-error":
        assert "answered GET /api/v1/metadata with an error: execution: query timed out\\x1b]0;pwned" in err


@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        (["--prometheus-url", "file:///etc/passwd"], {}, "--prometheus-url must start with http:// or https://"),
        (["--prometheus-url", "prometheus:9090"], {}, "--prometheus-url must start with http:// or https://"),
        ([], {}, "no Prometheus URL: give --prometheus-url URL or set $PROMETHEUS_URL"),
        ([], {"PROMETHEUS_URL": "ftp://p"}, "--prometheus-url must start with http:// or https://"),
        (["--prometheus-url", "http://p", "--timeout", "0"], {}, "--timeout must be a number of seconds"),
        (["--prometheus-url", "http://p"], {"SIGIL_TIMEOUT": "soon"}, "SIGIL_TIMEOUT must be a number of seconds"),
    ],
)
def test_a_bad_url_or_time_limit_is_a_one_line_usage_error(
    args: list[str], env: dict[str, str], said: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("PROMETHEUS_URL", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main(["lint", MINIMAL, *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"sigil-monitoring lint: error: {said}") and err.count("\n") == 1


def test_the_time_limit_comes_from_sigil_timeout(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SIGIL_TIMEOUT", "1.5")
    with Hostile("dribble") as server:
        start = time.monotonic()
        assert main(["lint", MINIMAL, "--prometheus-url", server.base_url]) == 1
    assert time.monotonic() - start < 4
    assert capsys.readouterr().err == (
        f"sigil-monitoring lint: error: Prometheus at {server.base_url} gave no complete answer within the time "
        "limit of 1.5 s (raise --timeout or $SIGIL_TIMEOUT if the server is only slow)\n"
    )


def test_lint_findings_carry_no_escape_sequence_from_prometheus(capsys: pytest.CaptureFixture[str]):
    with Hostile("prometheus") as server:
        for fmt in ("text", "github", "json"):
            assert main(["lint", MINIMAL, "--prometheus-url", server.base_url, "--format", fmt]) == 1
            out = capsys.readouterr().out
            assert "declared counter but Prometheus has it as gauge" in out and "pwned" in out
            assert not any(c in out for c in RAW_CONTROLS)


@pytest.fixture()
def token_file(tmp_path: Path) -> str:
    path = tmp_path / "token"
    path.write_text(TOKEN)
    return str(path)


def test_history_push_and_grafanas_errors_print_no_escape_sequence(token_file: str, capsys: pytest.CaptureFixture[str]):
    with Hostile("grafana") as server:
        common = ["--grafana-url", server.base_url, "--token-file", token_file, "--api", "legacy"]
        assert main(["history", MINIMAL, *common]) == 0
        out = capsys.readouterr().out
        assert "  v2  2026-12-06T00:00:00Z  eve\\x1b]0;pwned\\x07\\x1b[2J\\x9b1m\\r\\nsigil-monitoring 9.9.9" in out
        assert main(["push", MINIMAL, *common]) == 0
        out = capsys.readouterr().out
        assert f"saved version 1 at {server.base_url}/d/x\\x1b]0;pwned" in out
        assert main(["push", MINIMAL, *common, "--folder-uid", "f"]) == 1
        captured = capsys.readouterr()
        assert "Grafana API error 400: refused \\x1b]0;pwned\\x07" in captured.err and captured.err.count("\n") == 1
        for text in (out, captured.out, captured.err):
            assert not any(c in text for c in RAW_CONTROLS)


def test_fire_test_against_a_failing_alertmanager_is_one_escaped_line(capsys: pytest.CaptureFixture[str]):
    with Hostile("status") as server:
        rc = main(["fire-test", MINIMAL, "--alertmanager-url", server.base_url, "--timeout", "3"])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1 and not any(c in err for c in RAW_CONTROLS), err
    assert err.startswith(f"fire-test: error: cannot post the test alerts: Alertmanager at {server.base_url} answered")


def test_lint_puts_empty_recording_rules_down_to_loading_when_the_server_cannot_list_rules() -> None:
    from sigil_monitoring import load_spec
    from sigil_monitoring.live.lint import lint

    with Hostile("frontend") as server:
        [finding] = lint([load_spec(REPO / "specs" / "sigil-dna.yaml")], server.base_url, Budget(10))
    assert finding.message.startswith("this Prometheus has no /api/v1/rules, and no data from the compiled recording")
    assert (
        "alert EncodeAvailabilityFastBurn" in finding.affects
        and "panel 'SLO encode-latency: burn rate'" in finding.affects
    )


def test_lint_waits_for_the_first_evaluation_of_rules_prometheus_has_just_loaded() -> None:
    # Right after a reload, Prometheus lists the rules with health "unknown" and they return
    # nothing; an empty rule then is not a finding. Without the wait this lint reports every record.
    from sigil_monitoring import compile_spec, load_spec
    from sigil_monitoring.live.lint import lint

    spec = load_spec(REPO / "specs" / "sigil-dna.yaml")
    records = sorted(
        {
            line.split("record:", 1)[1].strip()
            for path, text in compile_spec(spec).items()
            if path.endswith(".rules.yml")
            for line in text.decode().splitlines()
            if "record:" in line
        }
    )
    with Hostile("reloaded", pause=1.5) as server:
        server.records = records
        assert lint([spec], server.base_url, Budget(10)) == []
        assert time.monotonic() - server.started >= 1.5
