"""A lean start and a fast exit for the command line (it runs on every commit, so both are measured).

- ``without_pydantic_plugins``: pydantic looks for plugins through ``importlib.metadata`` when it
  builds its first validator. Importing that module and scanning the installed packages costs
  about 69 M instructions of the ~1,030 M of ``validate`` (callgrind, sigil-dna); the documented
  ``PYDANTIC_DISABLE_PLUGINS=__all__`` skips only the scan (-14 M), because pydantic's loader
  imports ``importlib.metadata`` at its top. The command line uses no pydantic plugin, so it
  stands in a loader that reports none. Any other name asked of the stand-in loads the real
  loader, so a newer pydantic that needs more from it still gets it.
- ``run`` turns the cyclic garbage collector off: the compiler makes almost no reference
  cycles (98 objects in 9 collections at 1,000 SLOs), but each collection walks every live
  object, and the live set grows with the spec: with it on, compiling 1,000 SLOs took 5.1-6.0 s
  of CPU, with it off 4.1 s. Reference counting still frees everything else at once.
- ``run``: a module missing from this Python is one line and exit 1 (``dependencies.report``)
  also when the command line itself cannot be imported; ``cli.main`` says it for every command.
- ``run``: the console entry point. After ``main`` returns and the output is flushed, exit
  with ``os._exit``: the interpreter's teardown (freeing every module and object one by one)
  costs about 50-70 M instructions and has nothing left to do for us: every file we write is
  closed and fsynced inside ``write_bundle``, and no atexit handler of ours exists.

>>> import sys
>>> without_pydantic_plugins()
>>> list(sys.modules["pydantic.plugin._loader"].get_plugins())
[]
"""

from __future__ import annotations

import gc
import os
import sys
import types
from typing import Any, NoReturn

_LOADER = "pydantic.plugin._loader"


class _NoPlugins(types.ModuleType):
    def get_plugins(self) -> tuple[()]:
        return ()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # the import system asks for __path__ and the like
            raise AttributeError(name)
        # Not one we stand in for: hand over to the real loader from now on.
        sys.modules.pop(_LOADER, None)
        import importlib

        return getattr(importlib.import_module(_LOADER), name)


def without_pydantic_plugins() -> None:
    """Make pydantic find no plugins without importing ``importlib.metadata`` (only before its first model)."""
    if _LOADER not in sys.modules:
        sys.modules[_LOADER] = _NoPlugins(_LOADER)


def run() -> NoReturn:
    """``sigil-monitoring``: ``cli.main``, then flush and exit without the interpreter's teardown."""
    try:
        from .cli import main
    except ModuleNotFoundError as exc:  # a dependency of the command line itself (msgspec, ...)
        from .dependencies import report

        sys.exit(report(exc))

    without_pydantic_plugins()
    gc.disable()
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed or broken pipe: let the normal exit report it
        sys.exit(code)
    os._exit(code)
