"""errors.environment_error: what the environment refused, worded by what it is: a network wait or
refusal in network words (never "check the path and the file system"), a filesystem error about
its file; and the CLI prints either as one line, exit 1."""

from __future__ import annotations

import errno
import os
import socket
import ssl

import pytest
from conftest import REPO

from sigil_monitoring.cli import main
from sigil_monitoring.errors import environment_error


@pytest.mark.parametrize(
    ("exc", "said"),
    [
        (TimeoutError("timed out"), "network error: a network wait timed out: a server did not answer in time"),
        (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), "network error: a connection was refused"),
        (ConnectionResetError(errno.ECONNRESET, "reset"), "network error: a server closed the connection"),
        (OSError(errno.EHOSTUNREACH, "No route to host"), "network error: no route to the host"),
        (socket.gaierror(-2, "Name or service not known"), "network error: a host name could not be resolved"),
        (ssl.SSLError(1, "[SSL] record layer failure"), "network error: a TLS failure"),
    ],
)
def test_a_network_failure_is_worded_as_one(exc: OSError, said: str) -> None:
    line = environment_error(exc)
    assert line.startswith(said) and line.endswith("(check the server and the network)")
    assert "file system" not in line and "\n" not in line


@pytest.mark.parametrize(
    ("exc", "said"),
    [
        (OSError(errno.EROFS, os.strerror(errno.EROFS), "build"), "build: the file system is read-only"),
        (PermissionError(errno.EACCES, os.strerror(errno.EACCES), "out/x"), "out/x: permission denied"),
        (OSError(errno.EXDEV, os.strerror(errno.EXDEV), "a"), "a: invalid cross-device link (check the path and"),
        (TimeoutError(errno.ETIMEDOUT, "timed out", "/mnt/nfs/spec.yaml"), "/mnt/nfs/spec.yaml: timed out"),
    ],
)
def test_a_filesystem_error_keeps_its_file_and_wording(exc: OSError, said: str) -> None:
    assert environment_error(exc).startswith(said)


def test_a_network_timeout_reaching_the_cli_is_one_network_line_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The drill once ended with "error: .: timed out … (check the path and the file system)"."""

    def slow(*_args: object) -> None:
        raise TimeoutError("timed out")

    monkeypatch.setattr("sigil_monitoring.live.lint.lint", slow)
    assert main(["lint", str(REPO / "specs" / "minimal.yaml"), "--prometheus-url", "http://127.0.0.1:9"]) == 1
    assert capsys.readouterr().err == (
        "sigil-monitoring lint: error: network error: a network wait timed out: a server did not answer in time "
        "(check the server and the network)\n"
    )
