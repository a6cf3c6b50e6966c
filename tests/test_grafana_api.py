"""push_dashboard against the local fake of Grafana's documented dashboard API."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from fake_grafana import FakeGrafana

from sigil_monitoring.live.net import free_port, http_json
from sigil_monitoring.live.sinks import Handler, LocalHTTPServer
from sigil_monitoring.remote.grafana_api import GrafanaError, push_dashboard
from sigil_monitoring.remote.http import RemoteError

TOKEN = "glsa_S3cretT0kenValue_0123456789"


@pytest.fixture(autouse=True)
def _no_proxy_for_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    # The client honours *_proxy variables (right for real Grafana); the fake is local.
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture()
def grafana() -> Iterator[FakeGrafana]:
    with FakeGrafana(token=TOKEN) as server:
        yield server


def dashboard(title: str = "DNA store", uid: str | None = "dnastore-overview", **extra: Any) -> dict[str, Any]:
    return {"uid": uid, "title": title, "schemaVersion": 42, "panels": [], **extra}


def api(grafana: FakeGrafana, method: str, path: str, body: Any = None) -> Any:
    """Direct call to the fake (endpoints the client does not wrap), with the token."""
    req = urllib.request.Request(
        grafana.url(path),
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=5) as resp:
        return json.loads(resp.read())


def test_create_returns_documented_fields_and_keeps_uid(grafana: FakeGrafana) -> None:
    # id 12345 comes from another install; Grafana would answer 404 for it, so the client must send null.
    result = push_dashboard(grafana.base_url, TOKEN, dashboard(id=12345), folder_uid="platform")
    assert result == {
        "id": 1,
        "uid": "dnastore-overview",
        "url": "/d/dnastore-overview/dna-store",
        "status": "success",
        "version": 1,
        "slug": "dna-store",
    }
    stored = api(grafana, "GET", "/api/dashboards/uid/dnastore-overview")
    assert stored["dashboard"]["title"] == "DNA store"
    assert stored["meta"]["folderUid"] == "platform"
    assert stored["meta"]["version"] == 1
    assert grafana.calls == [("POST", "/api/dashboards/db"), ("GET", "/api/dashboards/uid/dnastore-overview")]


def test_update_increments_version_and_keeps_id(grafana: FakeGrafana) -> None:
    first = push_dashboard(grafana.base_url, TOKEN, dashboard())
    second = push_dashboard(grafana.base_url, TOKEN, dashboard(title="DNA store v2"), message="second")
    third = push_dashboard(grafana.base_url + "/", TOKEN, dashboard(title="DNA store v3"))
    assert [first["version"], second["version"], third["version"]] == [1, 2, 3]
    assert first["id"] == second["id"] == third["id"]
    assert third["slug"] == "dna-store-v3"
    versions = api(grafana, "GET", "/api/dashboards/uid/dnastore-overview/versions")
    assert [v["version"] for v in versions] == [3, 2, 1]
    assert versions[1]["message"] == "second"


def test_stale_version_without_overwrite_is_a_412_version_mismatch(grafana: FakeGrafana) -> None:
    push_dashboard(grafana.base_url, TOKEN, dashboard())
    push_dashboard(grafana.base_url, TOKEN, dashboard(title="changed by someone else"))  # now version 2
    with pytest.raises(GrafanaError) as info:
        push_dashboard(grafana.base_url, TOKEN, dashboard(version=1), overwrite=False)
    assert info.value.status == 412
    assert "version-mismatch" in str(info.value)
    assert "changed by someone else" in info.value.message
    # Nothing was saved; with the current version the same push succeeds.
    assert api(grafana, "GET", "/api/dashboards/uid/dnastore-overview")["meta"]["version"] == 2
    assert push_dashboard(grafana.base_url, TOKEN, dashboard(version=2), overwrite=False)["version"] == 3


def test_same_title_in_folder_without_overwrite_is_a_412_name_exists(grafana: FakeGrafana) -> None:
    push_dashboard(grafana.base_url, TOKEN, dashboard(uid="a"), folder_uid="f")
    with pytest.raises(GrafanaError) as info:
        push_dashboard(grafana.base_url, TOKEN, dashboard(uid="b"), folder_uid="f", overwrite=False)
    assert (info.value.status, "name-exists" in str(info.value)) == (412, True)
    # Another folder is fine.
    assert push_dashboard(grafana.base_url, TOKEN, dashboard(uid="b"), folder_uid="g", overwrite=False)["uid"] == "b"


def test_wrong_token_is_401(grafana: FakeGrafana) -> None:
    with pytest.raises(GrafanaError) as info:
        push_dashboard(grafana.base_url, "wrong-token", dashboard())
    assert info.value.status == 401
    assert info.value.message == "Unauthorized"
    assert grafana.dashboards == {}


@pytest.mark.parametrize("token", ["", "glsa_t\u00f6ken", "glsa a", "glsa\r\nX-Evil: 1"])
def test_an_empty_or_header_unsafe_token_is_refused_before_any_request(grafana: FakeGrafana, token: str) -> None:
    with pytest.raises(GrafanaError) as info:
        push_dashboard(grafana.base_url, token, dashboard())
    assert info.value.status == 0 and "token" in info.value.message
    assert token.strip() == "" or token not in str(info.value)
    assert grafana.calls == []


def test_token_never_appears_in_error_text(grafana: FakeGrafana) -> None:
    push_dashboard(grafana.base_url, TOKEN, dashboard())
    push_dashboard(grafana.base_url, TOKEN, dashboard(title="v2"))
    errors = []
    for call in (
        lambda: push_dashboard(grafana.base_url, TOKEN, dashboard(version=1), overwrite=False),
        lambda: push_dashboard(grafana.base_url, TOKEN + "x", dashboard()),
        lambda: push_dashboard(f"http://127.0.0.1:{free_port()}", TOKEN, dashboard(), timeout=2),
    ):
        with pytest.raises(GrafanaError) as info:
            call()
        errors.append(info.value)
    assert [e.status for e in errors] == [412, 401, 0]
    for err in errors:
        assert TOKEN not in f"{err} {err!r} {err.args} {err.message}"
        assert err.__cause__ is None and err.__suppress_context__  # no chained urllib error


def test_token_echoed_by_server_is_masked() -> None:
    class Echo(LocalHTTPServer):
        def handle(self, handler: Handler) -> None:
            handler.read_body()
            handler.reply(403, {"message": f"denied for {handler.headers['Authorization']}"})

    with Echo() as server, pytest.raises(GrafanaError) as info:
        push_dashboard(server.base_url, TOKEN, dashboard())
    assert info.value.status == 403
    assert TOKEN not in str(info.value) and "denied for Bearer ***" in str(info.value)


def test_redirect_is_not_followed_so_the_token_is_not_resent() -> None:
    with FakeGrafana(token=TOKEN) as target:

        class Redirect(LocalHTTPServer):
            def handle(self, handler: Handler) -> None:
                handler.read_body()
                handler.send_response(301)
                handler.send_header("Location", target.url("/api/dashboards/db"))
                handler.send_header("Content-Length", "0")
                handler.end_headers()

        with Redirect() as server, pytest.raises(GrafanaError) as info:
            push_dashboard(server.base_url, TOKEN, dashboard())
        assert info.value.status == 301
        assert target.url("/api/dashboards/db") in info.value.message
        assert target.calls == []


def test_missing_title_is_a_400_with_grafanas_message(grafana: FakeGrafana) -> None:
    with pytest.raises(GrafanaError) as info:
        push_dashboard(grafana.base_url, TOKEN, dashboard(title=""))
    assert (info.value.status, info.value.message) == (400, "Dashboard title cannot be empty")


def test_generated_uid_when_none_given(grafana: FakeGrafana) -> None:
    result = push_dashboard(grafana.base_url, TOKEN, dashboard(uid=None))
    assert result["uid"] and result["url"] == f"/d/{result['uid']}/dna-store"


def test_restore_creates_a_new_version_with_old_content(grafana: FakeGrafana) -> None:
    push_dashboard(grafana.base_url, TOKEN, dashboard(title="Original"))
    push_dashboard(grafana.base_url, TOKEN, dashboard(title="Broken edit"))
    restored = api(grafana, "POST", "/api/dashboards/uid/dnastore-overview/restore", {"version": 1})
    assert restored["status"] == "success" and restored["version"] == 3
    current = api(grafana, "GET", "/api/dashboards/uid/dnastore-overview")
    assert current["dashboard"]["title"] == "Original"
    assert current["meta"]["version"] == current["dashboard"]["version"] == 3
    versions = api(grafana, "GET", "/api/dashboards/uid/dnastore-overview/versions")
    assert [(v["version"], v["restoredFrom"]) for v in versions] == [(3, 1), (2, 0), (1, 0)]
    old = api(grafana, "GET", "/api/dashboards/uid/dnastore-overview/versions/2")
    assert old["data"]["title"] == "Broken edit"
    # A push after the restore continues the version sequence.
    assert push_dashboard(grafana.base_url, TOKEN, dashboard())["version"] == 4


def test_fake_reports_unknown_dashboard_and_version_as_404(grafana: FakeGrafana) -> None:
    push_dashboard(grafana.base_url, TOKEN, dashboard())
    for path, body in (
        ("/api/dashboards/uid/nope", None),
        ("/api/dashboards/uid/dnastore-overview/versions/9", None),
        ("/api/dashboards/uid/dnastore-overview/restore", {"version": 9}),
    ):
        with pytest.raises(urllib.error.HTTPError) as info:
            api(grafana, "GET" if body is None else "POST", path, body)
        assert info.value.code == 404
    # Reads need the token too.
    with pytest.raises(RemoteError) as info:
        http_json("GET", grafana.url("/api/dashboards/uid/dnastore-overview"))
    assert (info.value.kind, info.value.status) == ("status", 401)


def test_an_echoed_token_is_masked_before_the_message_is_cut() -> None:
    class LongEcho(LocalHTTPServer):
        def handle(self, handler: Handler) -> None:
            handler.read_body()
            # The token straddles the 300-character cut: masking after cutting would leave a prefix.
            handler.reply(403, {"message": "x" * 290 + handler.headers["Authorization"]})

    with LongEcho() as server, pytest.raises(GrafanaError) as info:
        push_dashboard(server.base_url, TOKEN, dashboard())
    assert TOKEN[:8] not in str(info.value) and len(info.value.message) <= 300


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ([], "with a JSON list where a JSON object was expected"),
        (b'"a string"', "with a JSON string where a JSON object was expected"),
        (42, "with a JSON number where a JSON object was expected"),
        (b"not json", 'with "not json", not JSON'),
        (b"a string", 'with "a string", not JSON'),
        (b"<!DOCTYPE html><html><body>Login</body></html>", "with an HTML page, not JSON"),
        (b"", "with an empty body where a JSON object was expected"),
    ],
)
def test_a_200_reply_that_is_not_an_object_is_a_one_line_error_saying_what_came(body: Any, said: str) -> None:
    class Odd(LocalHTTPServer):
        def handle(self, handler: Handler) -> None:
            handler.read_body()
            handler.reply(200, body)

    with Odd() as server, pytest.raises(GrafanaError) as info:
        push_dashboard(server.base_url, TOKEN, dashboard())
    assert (info.value.status, info.value.reason) == (0, "malformed")
    assert said in info.value.message and "\n" not in str(info.value)


def test_only_5xx_and_connection_errors_are_retried_with_backoff(grafana: FakeGrafana) -> None:
    from sigil_monitoring.remote.grafana_api import Transport

    transport = Transport(grafana.base_url, TOKEN, retries=2, backoff=0.01)
    grafana.fail_next = [500, 503]
    assert transport.request("GET", "/api/folders", expect=list) == []
    assert len(grafana.calls) == 3
    grafana.fail_next = [429, 500]
    with pytest.raises(GrafanaError) as info:
        transport.request("GET", "/api/folders", expect=list)
    assert info.value.status == 429 and len(grafana.calls) == 4
    unreachable = Transport(f"http://127.0.0.1:{free_port()}", TOKEN, retries=1, backoff=0.01, timeout=2)
    with pytest.raises(GrafanaError) as info:
        unreachable.request("GET", "/api/folders")
    assert (info.value.status, info.value.reason) == (0, "refused")
    assert info.value.message.endswith("refused the connection: nothing listens on that port")


def test_folders_are_listed_fetched_and_created_by_uid(grafana: FakeGrafana) -> None:
    from sigil_monitoring.remote.grafana_api import Legacy, Transport

    legacy = Legacy(Transport(grafana.base_url, TOKEN))
    assert legacy.ensure_folder("sigil", "Sigil") is True
    assert legacy.ensure_folder("sigil", "Sigil") is False
    assert api(grafana, "GET", "/api/folders") == [{"id": 1, "uid": "sigil", "title": "Sigil"}]
    with pytest.raises(urllib.error.HTTPError) as info:
        api(grafana, "POST", "/api/folders", {"uid": "sigil", "title": "Again"})
    assert info.value.code == 409


def test_versions_carry_number_author_message_and_time(grafana: FakeGrafana) -> None:
    from sigil_monitoring.remote.grafana_api import Legacy, Transport

    push_dashboard(grafana.base_url, TOKEN, dashboard(), message="first")
    push_dashboard(grafana.base_url, TOKEN, dashboard(title="second title"), message="second")
    versions = Legacy(Transport(grafana.base_url, TOKEN)).versions("dnastore-overview")
    assert [(v.version, v.created_by, v.message) for v in versions] == [(2, "admin", "second"), (1, "admin", "first")]
    assert all(v.created.endswith("+00:00") for v in versions)


def test_the_k8s_api_conflicts_on_a_stale_resource_version() -> None:
    from sigil_monitoring.remote.grafana_api import Transport
    from sigil_monitoring.remote.grafana_k8s import K8s, discover

    with FakeGrafana(token=TOKEN, k8s_versions=("v1",)) as server:
        transport = Transport(server.base_url, TOKEN, retries=0)
        assert discover(transport) == ("v1", None)
        k8s = K8s(transport, "v1")
        assert k8s.get("dnastore-overview") is None
        k8s.save("dnastore-overview", dashboard(), "f", "one", None, force=False)
        first = k8s.get("dnastore-overview")
        assert first is not None and (first.version, first.folder_uid, first.updated_by) == (1, "f", "admin")
        k8s.save("dnastore-overview", dashboard(title="two"), "f", "two", first, force=False)
        with pytest.raises(GrafanaError) as info:
            k8s.save(
                "dnastore-overview", dashboard(title="three"), "f", "three", first, force=False
            )  # first's resourceVersion is stale
        assert (info.value.status, info.value.reason) == (409, "Conflict")
        assert k8s.save("dnastore-overview", dashboard(title="three"), "f", "three", first, force=True).version == 3
        assert [(v.version, v.message) for v in k8s.versions("dnastore-overview")] == [
            (3, "three"),
            (2, "two"),
            (1, "one"),
        ]
        assert k8s.version_data("dnastore-overview", 1)["title"] == "DNA store"
        with pytest.raises(GrafanaError) as info:
            k8s.save("dnastore-overview", dashboard(), "f", "dup", None, force=False)
        assert (info.value.status, info.value.reason) == (409, "AlreadyExists")
    with FakeGrafana(token=TOKEN) as legacy_only:
        assert discover(Transport(legacy_only.base_url, TOKEN)) == (None, None)


def test_a_server_that_speaks_no_http_is_a_one_line_error() -> None:
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def garbage() -> None:
        for _ in range(1):  # a server that speaks another protocol is not retried
            conn, _ = listener.accept()
            conn.recv(65536)
            conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
            conn.close()

    thread = threading.Thread(target=garbage, daemon=True)
    thread.start()
    from sigil_monitoring.remote.grafana_api import Transport

    try:
        with pytest.raises(GrafanaError) as info:
            Transport(f"http://127.0.0.1:{listener.getsockname()[1]}", TOKEN, retries=1, backoff=0.01).request(
                "GET", "/api/health"
            )
    finally:
        thread.join(timeout=5)
        listener.close()
    assert (info.value.status, info.value.reason) == (0, "malformed")
    assert info.value.message.endswith("did not answer in HTTP (BadStatusLine: SSH-2.0-OpenSSH_9.2\\r\\n)")
    assert "\n" not in str(info.value) and TOKEN not in str(info.value)
