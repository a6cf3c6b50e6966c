"""``diff OLD NEW`` on two versions of a spec prints exactly tests/diff_cases/<case>/expected.txt.

Each case folder holds old.yaml and new.yaml; rewrite the expected text with
``pytest tests/test_semdiff_golden.py --update-golden`` and review it like code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sigil_monitoring.cli import main

CASES = sorted(p for p in (Path(__file__).parent / "diff_cases").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_diff_of_two_spec_versions_prints_the_golden_domain_changes(case, monkeypatch, capsys, update_golden):
    monkeypatch.chdir(case)
    code = main(["diff", "old.yaml", "new.yaml"])
    out, err = capsys.readouterr()
    if update_golden:
        (case / "expected.txt").write_text(out)
    assert err == ""
    assert out == (case / "expected.txt").read_text()
    assert code == (1 if out else 0)


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_the_json_report_holds_the_same_changes_as_the_text(case, monkeypatch, capsys):
    monkeypatch.chdir(case)
    assert main(["diff", "old.yaml", "new.yaml", "--format", "json"]) == 1
    changes = json.loads(capsys.readouterr().out)["changes"]
    expected = [line.strip() for line in (case / "expected.txt").read_text().splitlines() if line.startswith("  ")]
    assert [c["text"] for c in changes if c["what"] != "file"] == expected
    headers = [
        line.split(" (")[0] for line in (case / "expected.txt").read_text().splitlines() if not line.startswith(" ")
    ]
    assert sorted({c["file"] for c in changes}) == headers


def test_a_spec_compared_with_itself_prints_nothing_and_exits_0(monkeypatch, capsys):
    monkeypatch.chdir(CASES[0])
    assert main(["diff", "old.yaml", "old.yaml"]) == 0
    assert capsys.readouterr() == ("", "")
