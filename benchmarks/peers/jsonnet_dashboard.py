"""Peer: evaluate dashboard.jsonnet with go-jsonnet (gojsonnet) or jrsonnet (rjsonnet); usage: go|rs OUT.json."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    engine, out = sys.argv[1], sys.argv[2]
    if engine == "go":
        import _gojsonnet

        text = _gojsonnet.evaluate_file(str(HERE / "dashboard.jsonnet"))
    else:
        import rjsonnet

        text = rjsonnet.evaluate_file(str(HERE / "dashboard.jsonnet"), jpathdir=[str(HERE)])
    Path(out).write_text(text)
