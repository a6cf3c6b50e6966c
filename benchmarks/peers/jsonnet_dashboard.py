"""Peer: evaluate a grafonnet-style jsonnet file with go-jsonnet (gojsonnet) or jrsonnet (rjsonnet).

Usage: go|rs OUT.json [FILE.jsonnet [TABLE.json]] [--jpath DIR]. Without FILE, dashboard.jsonnet
(sigil-dna). With TABLE, its JSON is the file's top-level argument ``mixin`` (k8s_dashboards.jsonnet
takes the kubernetes-mixin-sized table that way: read here, every panel is built in jsonnet).
``--jpath DIR`` adds a library folder (a jsonnet-bundler ``vendor/`` holding the real grafonnet,
for grafonnet_dashboard.jsonnet).
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    args, jpath = sys.argv[1:], [str(HERE)]
    if "--jpath" in args:
        at = args.index("--jpath")
        jpath.append(args[at + 1])
        del args[at : at + 2]
    engine, out = args[0], args[1]
    source = args[2] if len(args) > 2 else str(HERE / "dashboard.jsonnet")
    tla = {"mixin": Path(args[3]).read_text()} if len(args) > 3 else {}
    if engine == "go":
        import _gojsonnet

        text = _gojsonnet.evaluate_file(source, jpathdir=jpath, tla_codes=tla)
    else:
        import rjsonnet

        text = rjsonnet.evaluate_file(source, jpathdir=jpath, tla_codes=tla)
    Path(out).write_text(text)
