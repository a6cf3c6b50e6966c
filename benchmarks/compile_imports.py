"""What a compile costs before it does anything: importing every module it imports.

Usage:
    python benchmarks/compile_imports.py --record LIST -- ARGS...   run ``sigil_monitoring ARGS``
                                                                    and write the modules it imported to LIST
    python benchmarks/compile_imports.py LIST                       import those modules, in that order, and stop

Issue 23 asks a fresh compile of sigil-dna for at most twice the plain floor (interpreter start,
ruamel's load, the same bytes written). This job is the part of that compile no change of its
work can remove: the interpreter, msgspec, ruamel.yaml, the standard modules and our own, as the
compile imports them (``sigil_monitoring`` first, so ``startup`` keeps ``typing_extensions`` out
as it does for the compile). ``run.py`` prints its ratio to the plain floor next to that goal.
"""

from __future__ import annotations

import importlib
import sys


def record(listing: str, args: list[str]) -> None:
    """Run the CLI with ``args`` in this process and write the modules it imported to ``listing``."""
    before = set(sys.modules)
    # As ``python -m sigil_monitoring`` runs (startup.run), without its exit that skips atexit
    # and everything after it here.
    from sigil_monitoring import startup
    from sigil_monitoring.cli import main

    startup.without_pydantic_plugins()
    if main(args) != 0:
        raise SystemExit(f"sigil_monitoring {' '.join(args)} failed")
    # Only a module under its own name: an entry that is None (a failed import remembered), has
    # no spec, or is another name for a module (``ruamel.yaml.clib._ruamel_yaml`` is
    # ``_ruamel_yaml``) is nothing an import statement loads.
    names = [
        name
        for name, module in sys.modules.items()
        if name not in before and getattr(getattr(module, "__spec__", None), "name", None) == name
    ]
    with open(listing, "w", encoding="utf-8") as out:
        out.write("".join(f"{name}\n" for name in names))


def import_all(listing: str) -> None:
    with open(listing, encoding="utf-8") as names:
        for name in names.read().split():
            importlib.import_module(name)


if __name__ == "__main__":
    if sys.argv[1] == "--record":
        record(sys.argv[2], sys.argv[4:])
    else:
        import_all(sys.argv[1])
