"""sigil-monitoring: one YAML spec of a service compiled into its whole monitoring.

>>> from sigil_monitoring import load_spec, compile_spec
>>> bundle = compile_spec(load_spec("specs/minimal.yaml"))
>>> sorted(path for path in bundle if path.startswith("hello/"))[:2]
['hello/grafana/hello.json', 'hello/onboarding.md']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .startup import msgspec_without_typing_extensions

# Before any of our modules imports msgspec: every entry point (the CLI, the library) passes here.
msgspec_without_typing_extensions()

if TYPE_CHECKING:
    from .errors import Diagnostic, SpecError
    from .output.bundle import Artifact, Bundle
    from .output.pipeline import compile_spec, compile_specs
    from .output.write import write_bundle
    from .spec.document import Spec
    from .spec.loader import load_spec, parse_spec

# The public API, imported on first use: `python -m sigil_monitoring validate` then loads the spec
# models only, not the compilers and the writer (the CLI runs on every commit).
_EXPORTS = {
    "Artifact": "output.bundle",
    "Bundle": "output.bundle",
    "Diagnostic": "errors",
    "SpecError": "errors",
    "compile_spec": "output.pipeline",
    "compile_specs": "output.pipeline",
    "Spec": "spec.document",
    "load_spec": "spec.loader",
    "parse_spec": "spec.loader",
    "write_bundle": "output.write",
}
__all__ = [
    "Artifact",
    "Bundle",
    "Diagnostic",
    "Spec",
    "SpecError",
    "compile_spec",
    "compile_specs",
    "load_spec",
    "parse_spec",
    "write_bundle",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'sigil_monitoring' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
