"""The command line's exit codes, declared once (every command and ``remote.ship`` return these).

>>> int(Exit.USAGE), int(Exit.INTERNAL)
(2, 70)
>>> Exit.ENVIRONMENT is Exit.FINDINGS  # one code, two reasons: the message on stderr tells which
True
"""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    """What a ``sigil-monitoring`` process tells its caller."""

    OK = 0
    # Drift, lint findings, failed drill alerts, a push Grafana refused: the command ran and the
    # answer is "no".
    FINDINGS = 1
    # The filesystem, the network or a missing dependency refused (not the user's spec, not a
    # bug). The same code as FINDINGS, as it always was: CI scripts test for "not 0", and a 1 that
    # means "look at stderr" is what they expect.
    ENVIRONMENT = 1
    USAGE = 2  # a wrong argument or an invalid spec: every error on stderr
    INTERNAL = 70  # a bug in sigil-monitoring (EX_SOFTWARE of sysexits.h)
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as shells report it
