"""Invalid specs are data: tests/invalid/<case>.yaml gives exactly the lines in <case>.err.

Every case also proves the rest of the contract: exit code 2, no traceback, and an existing
output folder left byte for byte as it was.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from sigil_monitoring.cli import main

INVALID = Path(__file__).parent / "invalid"
CASES = sorted(INVALID.glob("*.yaml"))
REPO = INVALID.parent.parent


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


def test_there_are_enough_invalid_cases_to_cover_every_error_class():
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_invalid_spec_reports_its_exact_errors_and_touches_nothing(case, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    out = tmp_path / "build"
    out.mkdir()
    (out / "keep.txt").write_text("user file\n")
    before = _snapshot(out)

    rc = main(["compile", case.relative_to(REPO).as_posix(), "--out", str(out)])

    captured = capsys.readouterr()
    expected = case.with_suffix(".err").read_text(encoding="utf-8")
    assert rc == 2
    assert captured.err == expected
    assert captured.out == ""
    assert "Traceback" not in captured.err
    assert _snapshot(out) == before
    for line in captured.err.splitlines():
        assert line.startswith(f"{case.relative_to(REPO).as_posix()}:") and ": error: " in line
        assert line.rstrip().endswith(")"), "every message says how to fix it, in parentheses"


def test_a_secret_written_inline_is_never_repeated_in_the_error(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    main(
        [
            "validate",
            "tests/invalid/inline-slack-url.yaml",
            "tests/invalid/inline-pagerduty-key.yaml",
            "tests/invalid/pagerduty-url-with-credentials.yaml",
            "tests/invalid/secret-pasted-into-a-file-field.yaml",
        ]
    )
    err = capsys.readouterr().err
    assert "SECRETSECRET" not in err and "0123456789abcdef" not in err and "SECRET@" not in err and "CANARY" not in err
    assert "api_url_file" in err and "routing_key_file" in err


def test_errors_of_several_specs_are_reported_together(monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    rc = main(
        ["validate", "tests/invalid/bad-duration.yaml", "specs/minimal.yaml", "tests/invalid/unknown-receiver.yaml"]
    )
    err = capsys.readouterr().err.splitlines()
    assert rc == 2
    assert [line.split(":")[0] for line in err] == [
        "tests/invalid/bad-duration.yaml",
        "tests/invalid/unknown-receiver.yaml",
    ]


def test_a_file_over_the_size_limit_is_refused(tmp_path, capsys):
    big = tmp_path / "big.yaml"
    big.write_text("apiVersion: sigil-monitoring/v1\n" + "# padding\n" * 110_000)
    assert main(["validate", str(big)]) == 2
    err = capsys.readouterr().err
    assert err.endswith(
        "big.yaml:1:1: error: the file is 1100032 bytes, over the 1048576-byte limit (split the spec or trim "
        "it, or raise SIGIL_MONITORING_MAX_BYTES)\n"
    )


def test_a_missing_file_is_a_spec_error_not_a_traceback(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "error: cannot read the file: No such file or directory (check the path)" in capsys.readouterr().err


def test_two_specs_for_one_service_are_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO)
    copy = tmp_path / "copy.yaml"
    copy.write_bytes((REPO / "specs" / "minimal.yaml").read_bytes())
    assert main(["validate", "specs/minimal.yaml", str(copy)]) == 2
    assert (
        "service 'hello' is also defined in specs/minimal.yaml (give each spec its own service name)"
        in capsys.readouterr().err
    )
