"""The documentation: README.md is the front page, every chapter lives once in the mkdocs site.

The site (mkdocs.yml, docs/) builds with --strict, so a broken link, anchor or nav entry fails
here; no paragraph is written twice, so two copies cannot drift apart; the field reference is
what tools/gen_spec_reference.py generates from the committed schema.
"""

from __future__ import annotations

import doctest
import importlib.util
import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import REPO

DOCS = REPO / "docs"
README = REPO / "README.md"
# Long enough that a repeat is a copied paragraph, not a shared phrase or a short table row.
MIN_PARAGRAPH = 120
INSTALL_AND_COMPILE = (
    "python3 -m venv .venv && .venv/bin/pip install -q -e . && "
    ".venv/bin/sigil-monitoring compile specs/sigil-dna.yaml --out build/"
)
INSTALL_AND_TEST = "bash tools/install-test-deps.sh && .venv/bin/python -m pytest -q"


def pages() -> list[Path]:
    return [README, *sorted(DOCS.rglob("*.md"))]


def paragraphs(markdown: str) -> list[str]:
    """The prose units of a Markdown page, whitespace normalised: paragraphs, list items, table rows.

    Fenced code is left out: an example (a command, a spec) may rightly be shown on two pages.

    >>> paragraphs("One\\nparagraph.\\n\\n- an item\\n  going on\\n- another\\n\\n```sh\\nls\\n```\\n| a | b |\\n")
    ['One paragraph.', '- an item going on', '- another', '| a | b |']
    """
    units: list[list[str]] = []
    current: list[str] = []
    fenced = False
    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            fenced = not fenced
            units.append(current)
            current = []
            continue
        if fenced:
            continue
        new_unit = not stripped or stripped.startswith("|") or re.match(r"([-*]|\d+\.) ", stripped)
        if new_unit:
            units.append(current)
            current = []
        if stripped:
            current.append(stripped)
        if stripped.startswith("|"):
            units.append(current)
            current = []
    units.append(current)
    return [" ".join(" ".join(unit).split()) for unit in units if unit]


def test_no_paragraph_appears_twice_in_the_readme_and_the_docs():
    places: dict[str, list[str]] = defaultdict(list)
    for page in pages():
        for paragraph in paragraphs(page.read_text(encoding="utf-8")):
            if len(paragraph) >= MIN_PARAGRAPH:
                places[paragraph].append(str(page.relative_to(REPO)))
    repeated = {text[:100]: where for text, where in places.items() if len(where) > 1}
    assert not repeated, f"write each paragraph once and link to it: {json.dumps(repeated, indent=1)}"


def test_the_site_builds_with_strict_checks_and_no_network(tmp_path):
    try:
        import material  # noqa: F401 - only whether it is installed
        import mkdocs  # noqa: F401 - only whether it is installed
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("mkdocs-material is not installed (pip install -e '.[test]')")
    site = tmp_path / "site"
    # No proxy reachable, so a plugin that fetches anything (fonts, social cards) fails the build.
    env = {
        **os.environ,
        "NO_MKDOCS_2_WARNING": "1",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
    }
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(REPO / "mkdocs.yml"), "-d", str(site)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    built = {p.relative_to(site).as_posix() for p in site.rglob("index.html")}
    assert {"index.html", "spec-reference/index.html", "prometheus/index.html"} <= built


def test_every_docs_page_is_in_the_nav():
    nav = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    listed = set(re.findall(r":\s*([\w./-]+\.md)\s*$", nav, re.M))
    assert listed == {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}


def load_tool(name: str):
    """A module of tools/ (not a package: the scripts run as files)."""
    spec = importlib.util.spec_from_file_location(name, REPO / "tools" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_generator():
    return load_tool("gen_spec_reference")


def test_the_field_reference_is_generated_from_the_committed_schema():
    generator = load_generator()
    schema = json.loads((REPO / "schemas" / "spec.schema.json").read_text(encoding="utf-8"))
    assert (DOCS / "spec-reference.md").read_text(encoding="utf-8") == generator.render(schema), (
        "docs/spec-reference.md is stale: run .venv/bin/python tools/gen_spec_reference.py"
    )
    # Every section of the schema is on the page, with every key it has.
    page = generator.render(schema)
    for name, definition in schema["$defs"].items():
        assert f"{{#{name.lower()}}}" in page
        for key in definition.get("properties", {}):
            assert f"| `{key}` |" in page, (name, key)


@pytest.mark.parametrize("tool", ["gen_spec_reference", "mkdocs_hooks"])
def test_the_docs_tools_examples_hold(tool):
    result = doctest.testmod(load_tool(tool))
    assert result.attempted > 0 and result.failed == 0


def test_the_readme_is_a_front_page_that_opens_with_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    # First and unchanged: the README promises that these two commands work on a fresh machine.
    assert text.startswith(
        f"# sigil-monitoring\n\n```sh\n{INSTALL_AND_COMPILE}\n```\n\n```sh\n{INSTALL_AND_TEST}\n```\n"
    )
    assert (REPO / ".ci" / "run").read_text(encoding="utf-8").rstrip().endswith(INSTALL_AND_TEST)


def test_the_readme_links_resolve_and_reach_every_docs_chapter():
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    missing = [t for t in targets if not t.startswith("http") and not (REPO / t).exists()]
    assert not missing
    nav = set(re.findall(r":\s*([\w./-]+\.md)\s*$", (REPO / "mkdocs.yml").read_text(encoding="utf-8"), re.M))
    assert {f"docs/{page}" for page in nav} <= set(targets), "the front page links every chapter"


def test_the_docs_pages_the_code_and_tests_name_exist():
    named = set()
    for source in [*(REPO / "sigil_monitoring").rglob("*.py"), *(REPO / "tests").glob("*.py")]:
        named |= set(re.findall(r"\bdocs/([\w-]+\.md)", source.read_text(encoding="utf-8")))
    assert named, "the code points readers at docs pages"
    assert not {name for name in named if not (DOCS / name).exists()}


def test_the_front_page_tour_shows_what_the_commands_print_and_write(tmp_path, monkeypatch, capsys):
    from sigil_monitoring.cli import main

    text = README.read_text(encoding="utf-8")
    session = re.search(r"```console\n(.*?)```", text, re.S)
    assert session, "the tour shows a validate and a compile"
    monkeypatch.chdir(REPO)
    out = tmp_path / "build"
    for command, printed in re.findall(r"^\$ sigil-monitoring (.+)\n((?:[^$].*\n)*)", session.group(1), re.M):
        argv = [str(p.relative_to(REPO)) for p in sorted(REPO.glob("specs/*.yaml"))] if "*" in command else []
        args = [a for a in command.split() if "*" not in a] + argv
        args = [str(out) + "/" if a == "build/" else a for a in args]
        main(args)
        captured = capsys.readouterr()
        assert (captured.out + captured.err).replace(f"{out}/", "build/") == printed
    tree = re.search(r"What comes out.*?```\n(.*?)```", text, re.S)
    assert tree, "the tour lists what comes out"
    for line in tree.group(1).splitlines():
        pattern = line.split()[0].removeprefix("build/")
        for name in re.sub(r"\{,([^}]*)\}", "", pattern), re.sub(r"\{,([^}]*)\}", r"\1", pattern):
            assert list(out.glob(name)), f"the tour lists {line.split()[0]}, which compile does not write"
