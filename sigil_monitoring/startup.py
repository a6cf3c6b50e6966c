"""A lean start and a fast exit for the command line (it runs on every commit, so both are measured).

- ``without_pydantic_plugins``: pydantic looks for plugins through ``importlib.metadata`` when it
  builds its first validator. Importing that module and scanning the installed packages costs
  about 69 M instructions of the ~1,030 M of ``validate`` (callgrind, sigil-dna); the documented
  ``PYDANTIC_DISABLE_PLUGINS=__all__`` skips only the scan (-14 M), because pydantic's loader
  imports ``importlib.metadata`` at its top. The command line uses no pydantic plugin, so it
  stands in a loader that reports none. Any other name asked of the stand-in loads the real
  loader, so a newer pydantic that needs more from it still gets it.
- ``msgspec_without_typing_extensions``: msgspec's ``_utils`` takes ``get_type_hints`` and
  ``Required`` from ``typing_extensions`` when it can, and that module imports ``inspect`` (with
  ``ast``, ``dis``, ``tokenize``): 37 M instructions of a ~650 M fresh compile (callgrind, msgspec
  alone 186 M against 149 M without it). On Python 3.11 and later both names *are* ``typing``'s
  (``typing_extensions`` re-exports them; its ``get_type_hints(include_extras=True)`` is
  ``typing.get_type_hints``), so msgspec is imported once with ``typing_extensions`` hidden and
  takes its documented fallback, the same functions. pydantic, imported later to explain an
  invalid spec, then imports ``typing_extensions`` as usual.
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


def msgspec_without_typing_extensions() -> None:
    """Import msgspec so that it takes ``typing.get_type_hints``, not ``typing_extensions``'s (the same on 3.11+)."""
    if "msgspec" in sys.modules or "typing_extensions" in sys.modules:
        return  # too late to matter, or already paid for by someone else
    sys.modules["typing_extensions"] = None  # type: ignore[assignment]  # what a Python without it does on import
    try:
        import msgspec  # noqa: F401
    except ModuleNotFoundError:
        pass  # msgspec itself missing: said in one line by the command that needs it (dependencies.report)
    finally:
        del sys.modules["typing_extensions"]


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
