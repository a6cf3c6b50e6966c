"""The floor of a set-atomic write of an output folder that already exists (issue 23's fleet rows).

Usage: python benchmarks/swap_floor.py OUT_DIR

``compile`` never changes an output folder in place: it builds the new set beside it and
exchanges the two (output/write.py), so that a crash leaves the old set or the new one, never a
mix. The new set starts from the spare, the set the last exchange replaced (output/spare.py), so
one changed spec of 1,000 creates and removes only the entries that changed. What no such write
can skip is finding the files the user put in the output folder, which the new set must carry:
every folder of OUT_DIR is listed once. This is that work and nothing else, in plain Python with
``str`` paths (``os.scandir``, no ``stat``). No compile, no hash, no manifest, no fsync; OUT_DIR
is left as it was.

Until the spare (2026-12-06) this script measured the old floor: link every file into a new
folder tree and remove the old tree (0.47-0.94 s for 1,000 services, 9-15 % of a fresh compile).
"""

from __future__ import annotations

import os
import sys


def main(out: str) -> int:
    entries, stack = 0, [out]
    while stack:
        with os.scandir(stack.pop()) as found:
            for entry in found:
                entries += 1
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
    return entries


if __name__ == "__main__":
    main(sys.argv[1])
