"""The plain floor of issue 23: interpreter start, ruamel's load of the same YAML, the same bytes written with fsync.

Usage: python benchmarks/plain_floor.py SPEC PRECOMPUTED.py OUT_DIR

Unlike ``floor.py`` (our loader and our writer, so it imports msgspec and pays for the checks a
loader of this spec must make and for the atomic folder swap), this is the least a program that
reads the spec and writes the compiled files could do: ``ruamel.yaml``'s C loader, and each file
written and fsynced where it belongs, then its folders fsynced. No checks, no stage, no swap.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

from ruamel.yaml import YAML


def main(spec: str, precomputed: str, out: str) -> None:
    YAML(typ="safe").load(Path(spec).read_bytes())
    module_spec = importlib.util.spec_from_file_location("sigil_floor_bundle", precomputed)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    folders = set()
    for rel, data in module.FILES.items():
        path = Path(out, rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        folders.add(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
    for folder in folders:
        fd = os.open(folder, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)


if __name__ == "__main__":
    main(*sys.argv[1:4])
