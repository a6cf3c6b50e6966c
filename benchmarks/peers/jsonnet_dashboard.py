"""Peer: evaluate a grafonnet-style jsonnet file with go-jsonnet (gojsonnet) or jrsonnet (rjsonnet).

Usage: go|rs OUT.json [FILE.jsonnet TABLE.json]. Without FILE, dashboard.jsonnet (sigil-dna).
With TABLE, its JSON is the file's top-level argument ``mixin`` (k8s_dashboards.jsonnet takes the
kubernetes-mixin-sized table that way: read here, every panel is built in jsonnet).
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    engine, out = sys.argv[1], sys.argv[2]
    source = sys.argv[3] if len(sys.argv) > 3 else str(HERE / "dashboard.jsonnet")
    tla = {"mixin": Path(sys.argv[4]).read_text()} if len(sys.argv) > 4 else {}
    if engine == "go":
        import _gojsonnet

        text = _gojsonnet.evaluate_file(source, jpathdir=[str(HERE)], tla_codes=tla)
    else:
        import rjsonnet

        text = rjsonnet.evaluate_file(source, jpathdir=[str(HERE)], tla_codes=tla)
    Path(out).write_text(text)
