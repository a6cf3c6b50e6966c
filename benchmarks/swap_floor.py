"""The floor of a set-atomic write of an output folder that already exists (issue 23's fleet rows).

Usage: python benchmarks/swap_floor.py OUT_DIR

``compile`` never changes an output folder in place: it builds the new set beside it and
exchanges the two (output/write.py), so that a crash leaves the old set or the new one, never a
mix. When one spec of 1,000 changes, the new set still holds every other file: each is
hard-linked into the new folder (a folder made for each of its folders), and the old set is
removed after the exchange. This is that work and nothing else, in plain Python with ``str``
paths: walk OUT_DIR, link every file into a sibling folder, remove the sibling. No compile, no
hash, no manifest, no fsync; OUT_DIR is left as it was.
"""

from __future__ import annotations

import os
import shutil
import sys


def main(out: str) -> None:
    clone = f"{out.rstrip('/')}.swap-floor"
    shutil.rmtree(clone, ignore_errors=True)
    os.mkdir(clone)
    for root, dirs, files in os.walk(out):
        rel = root[len(out) :].lstrip("/")
        target = f"{clone}/{rel}" if rel else clone
        for name in dirs:
            os.mkdir(f"{target}/{name}")
        for name in files:
            os.link(f"{root}/{name}", f"{target}/{name}", follow_symlinks=False)
    shutil.rmtree(clone)


if __name__ == "__main__":
    main(sys.argv[1])
