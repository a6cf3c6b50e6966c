"""The CLI with the loader's input limits raised, for the 10,000-SLO spec (2.7 MB, ~200,000 values).

Usage: python benchmarks/big_cli.py compile -q SPEC --out DIR

The loader's limits (``spec/yaml_io.py``: 1 MiB, 100,000 values) refuse such a spec; until they
are configurable from the command line, the benchmark raises them here, before the CLI runs.
Everything else is the ordinary ``sigil-monitoring`` command.
"""

from __future__ import annotations

from sigil_monitoring.spec import yaml_io
from sigil_monitoring.startup import run

yaml_io.MAX_BYTES = 256 * 1024 * 1024
yaml_io.MAX_NODES = 50_000_000

if __name__ == "__main__":
    run()  # the console entry point itself, as `sigil-monitoring` runs
