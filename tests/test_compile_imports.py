"""A compile imports neither ctypes nor subprocess and forks nothing (issue 23).

``ctypes.util.find_library`` imported subprocess and forked ``ldconfig`` on every compile; the
writer now reaches ``renameat2`` only to replace a folder that holds files (``write._write_locked``),
so a first compile and an unchanged one import no ``ctypes`` at all. Each command runs in a fresh
interpreter through the real entry point; ``-X importtime`` lists every module it imported, and
``subprocess``/``os.fork`` are not imported by anything else on the path, so no fork can happen.
"""

from __future__ import annotations

from pathlib import Path

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
