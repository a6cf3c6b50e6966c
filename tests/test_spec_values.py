"""Values that reach secrets: a URL that holds one is refused, and the error never repeats it."""

from __future__ import annotations

from pathlib import Path

from sigil_monitoring.cli import main

REPO = Path(__file__).resolve().parent.parent
SECRET_CASES = {
    "grafana-link-with-credentials": "password",
    "pagerduty-key-in-url-path": "0123456789abcdef0123456789abcdef",
    "webhook-url-is-slack-webhook": "XXXXXXXXXXXXXXXX",
}


def test_a_url_holding_a_secret_is_refused_without_repeating_the_secret(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    rc = main(["validate", *(f"tests/invalid/{case}.yaml" for case in SECRET_CASES)])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.splitlines()) == len(SECRET_CASES)
    for secret in SECRET_CASES.values():
        assert secret not in err
