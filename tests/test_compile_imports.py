"""A compile imports neither ctypes nor subprocess and forks nothing (issue 23).

``ctypes.util.find_library`` imported subprocess and forked ``ldconfig`` on every compile; the
writer now reaches ``renameat2`` only to replace a folder that holds files (``write._write_locked``),
so a first compile and an unchanged one import no ``ctypes`` at all. Each command runs in a fresh
interpreter through the real entry point; ``-X importtime`` lists every module it imported, and
``subprocess``/``os.fork`` are not imported by anything else on the path, so no fork can happen.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REPO
from test_fast_spec_imports import _imported  # the command in a fresh interpreter, with -X importtime

SPEC = "specs/sigil-dna.yaml"
FORBIDDEN = ("ctypes", "subprocess", "multiprocessing")


def _forbidden(modules: set[str]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in FORBIDDEN}


def test_a_first_compile_imports_no_ctypes_or_subprocess(tmp_path: Path):
    out = tmp_path / "out"
    modules = _imported("compile", "-q", SPEC, "--out", str(out))
    assert (out / "sigil-dna" / "runbook.md").is_file()
    assert "sigil_monitoring.output.write" in modules  # the writer ran in this process
    assert not _forbidden(modules)


def test_an_unchanged_compile_imports_no_ctypes_or_subprocess(tmp_path: Path):
    out = tmp_path / "out"
    _imported("compile", "-q", SPEC, "--out", str(out))
    assert not _forbidden(_imported("compile", "-q", SPEC, "--out", str(out)))


def test_replacing_a_folder_with_files_still_exchanges_it_atomically(tmp_path: Path):
    """The exception the module docstring names: an existing set is swapped with renameat2."""
    out = tmp_path / "out"
    _imported("compile", "-q", SPEC, "--out", str(out))
    (out / "sigil-dna" / "runbook.md").write_text("edited by hand\n")
    modules = _imported("compile", "-q", SPEC, "--out", str(out))
    assert "ctypes" in modules and "subprocess" not in modules and "ctypes.util" not in modules


# What issue 23's floor part took out of a first compile (callgrind, sigil-dna, instructions):
# typing_extensions with inspect, ast, dis and tokenize (msgspec's preferred source of
# get_type_hints, 27 M; startup.msgspec_without_typing_extensions), gotemplate (4 M: sigil-dna
# has no templated text) and difflib (a "did you mean" of an error). ``-X importtime`` also lists
# the refused attempt at typing_extensions itself, so the modules it would bring stand for it.
NOT_IMPORTED = ("inspect", "ast", "dis", "tokenize", "difflib", "sigil_monitoring.gotemplate")


def test_a_first_compile_imports_none_of_what_it_does_not_use(tmp_path: Path):
    out = tmp_path / "out"
    modules = _imported("compile", "-q", SPEC, "--out", str(out))
    assert (out / "sigil-dna" / "runbook.md").is_file()
    assert sorted(modules & set(NOT_IMPORTED)) == []


def test_msgspec_takes_typings_get_type_hints_and_pydantic_still_gets_typing_extensions():
    code = (
        "import sys, typing, sigil_monitoring, msgspec._utils as u; "
        "assert u._get_type_hints is typing.get_type_hints and 'typing_extensions' not in sys.modules; "
        "import pydantic, typing_extensions; print(typing_extensions.__name__)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == "typing_extensions\n"
