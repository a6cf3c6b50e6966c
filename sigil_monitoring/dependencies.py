"""A Python that lacks our dependencies: run the command in the checkout's own environment, or say
in one line what is missing and the command that installs all of it.

Why: a module missing from the Python that runs sigil-monitoring (an install older than a new
dependency, a hand-made environment, a Python built without part of its standard library) is the
installation's fault, neither the spec's (exit 2) nor a bug (exit 70).

- ``python3 -m sigil_monitoring …`` in a checkout runs the package from the source tree with
  whatever ``python3`` is first on the PATH, usually not the ``.venv`` the README's first command
  made. When that Python lacks a dependency and the checkout's ``.venv/bin/python`` exists, the
  command is run again there, same arguments and working directory (``rerun_in_checkout``): the
  documented entry point works after the first command without activating the environment.
  ``SIGIL_MONITORING_RERUN`` marks the second run, so a ``.venv`` that lacks the module too
  reports it instead of looping.
- Otherwise the command line prints one line and exits 1 (``Exit.ENVIRONMENT``), naming every
  dependency this Python lacks, not only the first import that failed (one fix, not one per
  run), and the command that installs them into the very Python that ran: ``pip install -e
  <checkout>`` when the package runs from a checkout, otherwise the requirements with the
  versions our package metadata asks for.

>>> print(missing(ModuleNotFoundError(name="_ctypes"), python="python3"))
the Python module '_ctypes' is missing (it is part of Python's standard library: use a complete Python 3.11 or newer)
>>> _dependency("ruamel.yaml[oldlibyaml]>=0.18"), _dependency("promql-parser>=0.12 ; python_version >= '3.8'")
(('ruamel.yaml', "'ruamel.yaml[oldlibyaml]>=0.18'"), ('promql_parser', "'promql-parser>=0.12'"))
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

from .exits import Exit

PACKAGE = "sigil-monitoring"
RERUN = "SIGIL_MONITORING_RERUN"


def _dependency(requirement: str) -> tuple[str, str]:
    """(the module a requirement provides, the requirement as an install argument)."""
    spec = requirement.split(";")[0].replace(" ", "")  # without its environment marker
    distribution = re.match(r"[A-Za-z0-9._-]+", spec)
    return (distribution[0] if distribution else spec).replace("-", "_"), shlex.quote(spec)


def _checkout() -> Path | None:
    """The source checkout this package is imported from (a ``pyproject.toml`` naming us beside
    it), or None when it is installed elsewhere. Not resolved: a copied or linked tree is its own."""
    root = Path(__file__).absolute().parent.parent
    try:
        text = (root / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return None
    return root if re.search(rf'^name\s*=\s*"{PACKAGE}"', text, re.M) else None


def _requirements(checkout: Path | None) -> list[str]:
    """Our required dependencies (no extras): from the package's metadata where this Python finds
    it, else from the checkout's ``pyproject.toml``."""
    import importlib.metadata  # only on this error path: it is slow to import

    try:
        return [r for r in importlib.metadata.requires(PACKAGE) or [] if "extra ==" not in r]
    except importlib.metadata.PackageNotFoundError:  # run from a checkout never installed here
        if checkout is None:
            return []
        import tomllib

        with open(checkout / "pyproject.toml", "rb") as file:
            return list(tomllib.load(file).get("project", {}).get("dependencies", []))


def _importable(module: str) -> bool:
    if module in sys.modules:
        return sys.modules[module] is not None
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a missing parent package (ruamel of ruamel.yaml)
        return False


def rerun_in_checkout(exc: ModuleNotFoundError) -> None:
    """Run the command again with the checkout's ``.venv`` Python when this one lacks a dependency
    (returns only when there is none to run, or this already is the second run)."""
    checkout = _checkout()
    if checkout is None or os.environ.get(RERUN) or (exc.name or "").split(".")[0] in sys.stdlib_module_names:
        return
    venv = checkout / ".venv"
    python = venv / "bin" / "python"
    if not os.access(python, os.X_OK) or Path(sys.prefix).absolute() == venv.absolute():
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(python, [str(python), "-m", "sigil_monitoring", *sys.argv[1:]], {**os.environ, RERUN: "1"})


def missing(exc: ModuleNotFoundError, python: str | None = None) -> str:
    """What to print (after ``error:``) for ``exc``: every missing dependency and how to install them."""
    module = exc.name or "?"
    if module.split(".")[0] in sys.stdlib_module_names:
        return (
            f"the Python module {module!r} is missing "
            "(it is part of Python's standard library: use a complete Python 3.11 or newer)"
        )
    python = python or sys.executable or "python3"
    checkout = _checkout()
    wanted = dict(map(_dependency, _requirements(checkout)))
    top = module.split(".")[0]
    failed = next((m for m in wanted if m == module or m.split(".")[0] == top), None)
    absent = [failed or module] + [m for m in wanted if m != failed and not _importable(m)]
    names = ", ".join(map(repr, absent))
    what = f"the Python module {names} is missing" if len(absent) == 1 else f"the Python modules {names} are missing"
    if checkout is not None:  # the checkout's own install brings every dependency at once
        install = f"-e {shlex.quote(str(checkout))}"
    else:
        install = " ".join(wanted.get(m) or shlex.quote(m.split(".")[0].replace("_", "-")) for m in absent)
    return f"{what} (install {'it' if len(absent) == 1 else 'them'}: {python} -m pip install {install})"


def report(exc: ModuleNotFoundError, command: str | None = None) -> Exit:
    """Run the command in the checkout's environment if it has one, else print the one line for
    ``exc`` on stderr and return the exit code."""
    rerun_in_checkout(exc)
    sys.stderr.write(f"sigil-monitoring{f' {command}' if command else ''}: error: {missing(exc)}\n")
    return Exit.ENVIRONMENT
