"""Whatever JSON a server answers, with whatever status, the commands that read it (history, push,
rollback, lint) end in one of their own outcomes: exit 0 or 1, never an internal error (70), and
nothing printed holds a control character the server sent."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples

from sigil_monitoring.cli import main
from sigil_monitoring.live.sinks import Handler, LocalHTTPServer

MINIMAL = str(REPO / "specs" / "minimal.yaml")
GRAFANA_KEYS = ["dashboard", "meta", "versions", "version", "uid", "url", "data", "items", "metadata", "spec"]
GRAFANA_KEYS += ["annotations", "generation", "name", "createdBy", "created", "message", "status", "folderUid"]
PROMETHEUS_KEYS = ["status", "data", "resultType", "result", "metric", "value", "groups", "rules", "name", "type"]
WORDS = ["success", "error", "vector", "recording", "v1", "hello", "\x1b[2J", "1"]


def replies(keys: list[str]) -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers() | st.sampled_from(WORDS) | st.text(max_size=5)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(keys), inner, max_size=5),
        max_leaves=12,
    )


class Scripted(LocalHTTPServer):
    """Answers every request with the next (status, body) of its script, then repeats the last."""

    def __init__(self, script: list[tuple[int, Any]]) -> None:
        super().__init__()
        self.script, self._lock = list(script), threading.Lock()

    def handle(self, handler: Handler) -> None:
        handler.read_body()
        with self._lock:
            status, body = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        handler.reply(status, json.dumps(body))


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(args)
    out, err = capsys.readouterr()
    assert rc in (0, 1), err
    assert not any(c in out + err for c in ("\x1b", "\x07", "\x9b")), (out, err)


@settings(max_examples=examples(0.1), deadline=None, suppress_health_check=list(HealthCheck))
@given(
    script=st.lists(st.tuples(st.sampled_from([200, 200, 200, 404, 409, 412, 500]), replies(GRAFANA_KEYS)), min_size=1),
    command=st.sampled_from([["history"], ["push"], ["push", "--dry-run"], ["rollback", "--previous"]]),
)
def test_any_grafana_reply_ends_in_exit_0_or_1(
    script: list[tuple[int, Any]], command: list[str], tmp_path_factory: pytest.TempPathFactory, capsys: Any
) -> None:
    token = Path(tmp_path_factory.mktemp("token")) / "token"
    token.write_text("glsa_token")
    with Scripted(script) as server:
        grafana = ["--grafana-url", server.base_url, "--token-file", str(token), "--retries", "0", "--timeout", "5"]
        _run([command[0], MINIMAL, *command[1:], *grafana], capsys)


@settings(max_examples=examples(0.1), deadline=None, suppress_health_check=list(HealthCheck))
@given(
    script=st.lists(st.tuples(st.sampled_from([200, 200, 200, 400, 422, 503]), replies(PROMETHEUS_KEYS)), min_size=1)
)
def test_any_prometheus_reply_ends_lint_in_exit_0_or_1(script: list[tuple[int, Any]], capsys: Any) -> None:
    with Scripted(script) as server:
        _run(
            ["lint", str(REPO / "specs" / "sigil-dna.yaml"), "--prometheus-url", server.base_url, "--timeout", "5"],
            capsys,
        )
