"""A missing Python module, said in one line with the command that installs it.

Why: a module missing from the Python that runs sigil-monitoring (an install older than a new
dependency, a hand-made environment, a Python built without part of its standard library) is the
installation's fault, neither the spec's (exit 2) nor a bug (exit 70): wherever the import fails,
the command line prints this one line and exits 1 (``Exit.ENVIRONMENT``). The install command
names the Python that ran, so it installs where the module was missing, and the version our
package metadata asks for.

>>> print(missing(ModuleNotFoundError(name="prometheus_client"), python="python3"))
the Python module 'prometheus_client' is missing (install it: python3 -m pip install 'prometheus-client>=0.20')
>>> print(missing(ModuleNotFoundError(name="_ctypes"), python="python3"))
the Python module '_ctypes' is missing (it is part of Python's standard library: use a complete Python 3.11 or newer)
"""

from __future__ import annotations

import re
import shlex
import sys

from .exits import Exit

PACKAGE = "sigil-monitoring"


def _normal(name: str) -> str:
    """A distribution or module name as pip compares them (PEP 503), dots included."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement(module: str) -> str | None:
    """Our requirement (e.g. ``prometheus-client>=0.20``) that provides ``module``, if one does."""
    import importlib.metadata  # only on this error path: it is slow to import

    try:
        requires = importlib.metadata.requires(PACKAGE) or []
    except importlib.metadata.PackageNotFoundError:  # run from a checkout that was never installed
        requires = []
    specs: dict[str, str] = {}
    for line in requires:
        spec = line.split(";")[0].strip()  # the requirement, without its environment marker
        if name := re.match(r"[A-Za-z0-9._-]+", spec):
            specs.setdefault(_normal(name[0]), spec.replace(" ", ""))
    top = _normal(module.split(".")[0])
    exact = specs.get(_normal(module)) or specs.get(top)
    # A namespace package's top level (ruamel) is not a distribution; ruamel.yaml is.
    return exact or next((spec for name, spec in specs.items() if name.startswith(top + "-")), None)


def missing(exc: ModuleNotFoundError, python: str | None = None) -> str:
    """What to print (after ``error:``) for ``exc``: the module and how to install it."""
    module = exc.name or "?"
    what = f"the Python module {module!r} is missing"
    if module.split(".")[0] in sys.stdlib_module_names:
        return f"{what} (it is part of Python's standard library: use a complete Python 3.11 or newer)"
    install = _requirement(module) or module.split(".")[0].replace("_", "-")
    return f"{what} (install it: {python or sys.executable or 'python3'} -m pip install {shlex.quote(install)})"


def report(exc: ModuleNotFoundError, command: str | None = None) -> Exit:
    """Print the one line for ``exc`` on stderr; the exit code to return."""
    sys.stderr.write(f"sigil-monitoring{f' {command}' if command else ''}: error: {missing(exc)}\n")
    return Exit.ENVIRONMENT
