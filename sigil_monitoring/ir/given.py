"""``given``: a field the spec's rules require for the kind at hand, taken without a narrowing assert.

The loader checked the spec, so a ``None`` here is a bug in sigil-monitoring, reported as one.

>>> given(3, "a quantile")
3
>>> given(None, "a quantile")
Traceback (most recent call last):
...
ValueError: a quantile is missing after validation: a bug in sigil-monitoring
"""

from __future__ import annotations

from typing import TypeVar

_T = TypeVar("_T")


def given(value: _T | None, what: str) -> _T:
    """``value``, which the spec's rules require here (the loader checked it): None is a bug."""
    if value is None:
        raise ValueError(f"{what} is missing after validation: a bug in sigil-monitoring")
    return value
