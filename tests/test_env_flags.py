"""``$PROMETHEUS_URL``, ``$ALERTMANAGER_URL``, ``$GRAFANA_URL`` and ``$GRAFANA_ADMIN_TOKEN`` are the
defaults of their flags in every command that has one (``cli.common.ENV_FLAGS``): each ``--help``
names the variable, the variable is used when the flag is not given, and neither is one line naming
both, exit 2. The commands are found in the parser, so a new command with such a flag is covered."""

from __future__ import annotations

import argparse

import pytest
from conftest import REPO
from fake_grafana import FakeGrafana

from sigil_monitoring.cli import build_parser, main
from sigil_monitoring.cli.common import ENV_FLAGS
from sigil_monitoring.live.net import free_port

SPEC = str(REPO / "specs" / "minimal.yaml")
TOKEN = "glsa_EnvDefaultT0ken_42"
# What each command needs besides its specs and the flags of the table, to get as far as a request.
EXTRA = {"rollback": ["--previous"], "fire-test": ["--resolve-after", "1s"]}
# A command that reads no spec: its own arguments instead of SPEC.
INSTEAD_OF_SPEC = {"init": ["--job", "api"]}
# What a command's missing-flag line adds: another way to give it its input.
ALTERNATIVE = {"init": ", or read an exporter's metrics with --from-metrics URL_OR_FILE"}


def _arguments(command: str) -> list[str]:
    return [*INSTEAD_OF_SPEC.get(command, [SPEC]), *EXTRA.get(command, [])]


def _commands() -> dict[str, argparse.ArgumentParser]:
    sub = build_parser()._subparsers._group_actions[0]  # type: ignore[union-attr]
    return dict(sub.choices)


def _flags(parser: argparse.ArgumentParser) -> list[str]:
    return [o for a in parser._actions for o in a.option_strings if o in ENV_FLAGS]


PAIRS = [(command, flag) for command, parser in _commands().items() for flag in _flags(parser)]
URL_PAIRS = [(c, f) for c, f in PAIRS if f != "--token-file"]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for entry in ENV_FLAGS.values():
        monkeypatch.delenv(entry.variable, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def test_every_command_that_talks_to_a_server_is_covered():
    commands = {c for c, _ in PAIRS}
    assert commands >= {"push", "history", "rollback", "lint", "fire-test", "init"}, commands
    assert {f for _, f in PAIRS} == set(ENV_FLAGS)


@pytest.mark.parametrize(("command", "flag"), PAIRS)
def test_help_names_the_variable_as_the_default(command: str, flag: str, capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"(default: ${ENV_FLAGS[flag].variable})" in help_text


@pytest.mark.parametrize(("command", "flag"), PAIRS)
def test_neither_flag_nor_variable_is_one_line_naming_both_exit_2(
    command: str, flag: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    for other in ENV_FLAGS:  # every other setting is given, so only this one is missing
        if other != flag:
            value = TOKEN if other == "--token-file" else f"http://127.0.0.1:{free_port()}"
            monkeypatch.setenv(ENV_FLAGS[other].variable, value)
    assert main([command, *_arguments(command)]) == 2
    err = capsys.readouterr().err
    entry = ENV_FLAGS[flag]
    assert err == (
        f"sigil-monitoring {command}: error: no {entry.what}: give {flag} {entry.metavar} or set ${entry.variable}"
        f"{ALTERNATIVE.get(command, '')}\n"
    )


@pytest.mark.parametrize(("command", "flag"), URL_PAIRS)
def test_the_variable_is_the_url_the_command_talks_to(
    command: str, flag: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens: the error names the URL it tried
    monkeypatch.setenv(ENV_FLAGS[flag].variable, url)
    monkeypatch.setenv(ENV_FLAGS["--token-file"].variable, TOKEN)
    assert main([command, *_arguments(command), "--timeout", "5"]) == 1
    err = capsys.readouterr().err
    assert f"at {url} refused the connection" in err and err.count("\n") == 1, err


@pytest.mark.parametrize("command", sorted({c for c, f in PAIRS if f == "--token-file"}))
def test_the_token_variable_is_the_token_sent(command: str, capsys: pytest.CaptureFixture[str], monkeypatch):
    with FakeGrafana(token=TOKEN) as server:
        monkeypatch.setenv("GRAFANA_URL", server.base_url)
        monkeypatch.setenv("GRAFANA_ADMIN_TOKEN", TOKEN)
        assert main(["push", SPEC]) == 0  # something to list and roll back
        main([command, *_arguments(command)])
        err = capsys.readouterr().err
        assert "Unauthorized" not in err and "401" not in err, err
