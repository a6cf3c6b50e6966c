"""The floor: what any compiler of this spec must at least do, with the compiling taken out.

Usage: python benchmarks/floor.py SPEC PRECOMPUTED.py OUT_DIR

Reads and parses SPEC the way sigil-monitoring does (UTF-8 check, libyaml, alias guard), imports
the bundle that compiling SPEC produces from a precomputed module (``FILES = {path: bytes}``,
``INPUTS = {...}``, written by run.py), and writes it with sigil-monitoring's writer (fsync of
every file, one atomic folder swap): the same YAML load and the same bytes written.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from sigil_monitoring.output.bundle import Bundle
from sigil_monitoring.output.write import write_bundle
from sigil_monitoring.spec.yaml_io import decode, load


def main(spec: str, precomputed: str, out: str) -> None:
    load(decode(Path(spec).read_bytes()))
    module_spec = importlib.util.spec_from_file_location("sigil_floor_bundle", precomputed)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    write_bundle(Bundle(module.FILES, inputs=module.INPUTS), out)


if __name__ == "__main__":
    main(*sys.argv[1:4])
