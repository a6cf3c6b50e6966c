"""``Memo``: the module-level caches of test generation, each emptied whole when full.

A compile's test files repeat a few values over and over (the text of a number, of a series, of a
duration; an SLO tier's error ratios): each is computed once and kept here. A long-lived process
(the library, a fleet compile) compiles many specs, so every cache is bounded, and emptying it
whole when full is the cheapest bound: nothing has to be ordered by use.

>>> texts: Memo[int, str] = Memo(2)
>>> texts.keep(1, "one"), texts.keep(2, "two"), texts.get(1)
('one', 'two', 'one')
>>> texts.keep(3, "three"), sorted(texts)  # full: emptied, then kept
('three', [3])
"""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Memo(dict[K, V]):
    """A dict that ``keep`` empties when it holds ``limit`` entries; read it as a dict (``get``)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def keep(self, key: K, value: V) -> V:
        """Keep ``value`` under ``key`` (emptying the memo first when full); ``value``."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value
