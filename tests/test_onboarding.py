"""The onboarding page tours every row and panel of the dashboard, words each alert as the runbook
does, and gives the runbook's own silence and rollback commands (golden/*/onboarding.md hold the
bytes; these tests hold the properties, on every spec of the repository)."""

from __future__ import annotations

import re

import pytest
from conftest import ALL_SPECS, REPO

from sigil_monitoring import compile_spec, load_spec
from sigil_monitoring.compilers import onboarding, runbook
from sigil_monitoring.escape import markdown_inline
from sigil_monitoring.ir.build import build_model


def _service(path):
    return build_model([load_spec(path.relative_to(REPO))]).services[0]


def _sections(text: str, level: str = "##") -> dict[str, str]:
    parts = re.split(rf"^{level} (.+)$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _policy_rows(page: str) -> dict[str, list[str]]:
    """Alert name -> the cells of its row in the policy table."""
    table = _sections(page)["The alert policy"]
    rows = {}
    for line in table.splitlines():
        if m := re.match(r"^\| \[(\w+)\]\(runbook\.md#\w+\) \| (.+) \|$", line):
            rows[m.group(1)] = re.split(r" (?<!\\)\| ", m.group(2))
    return rows


def _code_lines(page: str) -> set[str]:
    return {line for block in re.findall(r"```sh\n(.*?)```", page, flags=re.S) for line in block.splitlines()}


@pytest.mark.parametrize("spec_path", ALL_SPECS, ids=lambda p: p.stem)
def test_every_row_and_panel_is_toured_in_the_dashboards_order(spec_path, monkeypatch):
    monkeypatch.chdir(REPO)
    service = _service(spec_path)
    page = onboarding.render_service(service)
    rows = re.findall(r"^### Row \d+: (.+?)(?: \(collapsed: click its title to open it\))?$", page, flags=re.M)
    assert rows == [markdown_inline(r.title) for r in service.dashboard.rows]
    tour = _sections(page)["The dashboard"]
    panels = re.findall(r"^#### (.+)$", tour, flags=re.M)
    assert panels == [markdown_inline(p.title) for p in service.dashboard.panels()]
    # Each panel says its unit, what normal is and what watches it.
    for heading in ("**Unit:**", "**Normal:**", "**Watched by:**"):
        assert tour.count(heading) == len(panels)


@pytest.mark.parametrize("spec_path", ALL_SPECS, ids=lambda p: p.stem)
def test_the_policy_table_words_each_alert_and_its_receivers_as_the_runbook_does(spec_path, monkeypatch):
    monkeypatch.chdir(REPO)
    service = _service(spec_path)
    page, book = onboarding.render_service(service), _sections(runbook.render_service(service))
    rows = _policy_rows(page)
    names = [a.name for a in service.alerts] + [b.name for s in service.slos for b in s.alerts]
    assert list(rows) == names
    for name, (severity, when, for_, goes_to, _quiet) in rows.items():
        fires = re.search(r"^\*\*Severity:\*\* (\w+) · \*\*Fires when:\*\* (.+)\.$", book[name], flags=re.M)
        assert fires.group(1) == severity
        # The runbook says "<condition> for 5m" (or "(at once)"), the table splits the two.
        held = "(at once)" if for_ == "0s (at once)" else f"for {for_}"
        assert f" {held}" in fires.group(2)
        # A table cell escapes the pipes the runbook's paragraph keeps (GFM splits cells on them).
        assert fires.group(2).replace(f" {held}", "", 1).replace("|", "\\|") == when, (name, fires.group(2), when)
        runbook_goes_to = re.search(r"^\*\*Goes to:\*\* (.+)\.$", book[name], flags=re.M).group(1)
        assert goes_to == runbook_goes_to.replace("|", "\\|")


@pytest.mark.parametrize("spec_path", ALL_SPECS, ids=lambda p: p.stem)
def test_the_silence_and_rollback_commands_are_the_runbooks_own(spec_path, monkeypatch):
    monkeypatch.chdir(REPO)
    service = _service(spec_path)
    page, book = onboarding.render_service(service), runbook.render_service(service)
    commands = _code_lines(page)
    # Its own two: the drill with its report file, and the picture of the dashboard.
    own = {line for line in commands if "sigil-monitoring drill " in line and "--report" in line}
    own |= {line for line in commands if line.startswith("sigil-monitoring preview ")}
    assert len(own) == 2
    assert commands - own <= _code_lines(book)
    assert any(line.startswith("amtool silence add") for line in commands)
    assert any(" rollback " in line for line in commands)


def test_the_sigil_dna_tour_names_the_alert_and_the_normal_of_a_watched_panel(monkeypatch):
    monkeypatch.chdir(REPO)
    page = onboarding.render_service(_service(REPO / "specs" / "sigil-dna.yaml"))
    panel = _sections(_sections(page)["The dashboard"], "####")["Db up"]
    assert "**Watched by:** [DatabaseDown](runbook.md#databasedown) (critical)" in panel
    assert "**Normal:** DatabaseDown stays quiet; it fires when `dnastore_db_up` is below 1 for 2m." in panel
    burn = _sections(_sections(page)["The dashboard"], "####")["SLO encode-latency: burn rate"]
    assert "EncodeLatencyFastBurn (critical) fires when SLO `encode-latency` burns its error budget fast" in burn


def test_a_targets_section_chooses_the_page_like_any_other_output(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    text = (REPO / "specs" / "minimal.yaml").read_text()
    for targets, expected in (("{runbook: {}}", []), ("{onboarding: {}}", ["hello/onboarding.md"])):
        spec = tmp_path / "minimal.yaml"
        spec.write_text(f"{text}\ntargets: {targets}\n")
        written = sorted(compile_spec(load_spec(spec)))
        assert [p for p in written if p.endswith("onboarding.md")] == expected
    # Without a targets section it is a default output, beside the runbook.
    assert "hello/onboarding.md" in compile_spec(load_spec("specs/minimal.yaml"))
