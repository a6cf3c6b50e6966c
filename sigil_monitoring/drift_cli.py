"""The ``check`` and ``diff`` commands (drift detection and semantic diff); see issue 6."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def register(sub: Any, specs: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add the drift commands to the CLI (none yet)."""
