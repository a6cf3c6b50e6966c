"""What the compiler asks of spec objects beyond their fields, without pydantic.

Both the pydantic models and the generated plain classes (``_fast_generated.py``) inherit these
mixins, so ``Sli.kind`` or ``Condition.refs()`` is one implementation
whichever path built the spec. The mixins keep ``__slots__`` empty so the plain classes stay
slotted.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .rules import CONDITION_KINDS, PANEL_KINDS, RECEIVER_KINDS

if TYPE_CHECKING:
    from .refs import MetricRef


class MetricBehaviour:
    __slots__ = ()

    @property
    def bucket_bounds(self) -> list[Decimal]:
        return [Decimal(repr(b)) for b in getattr(self, "buckets") or []]


class SliBehaviour:
    __slots__ = ()

    @property
    def kind(self) -> str:
        if self.total is not None:  # type: ignore[attr-defined]
            return "ratio"
        if self.latency is not None:  # type: ignore[attr-defined]
            return "latency"
        if self.up is not None:  # type: ignore[attr-defined]
            return "up"
        return "error_ratio"

    def refs(self) -> list[tuple[str, MetricRef]]:
        return [
            (name, ref)
            for name in ("bad", "good", "total", "latency", "up")
            if (ref := getattr(self, name)) is not None
        ]


class ConditionBehaviour:
    __slots__ = ()

    @property
    def kind(self) -> str:
        for kind in CONDITION_KINDS:
            if getattr(self, kind) is not None:
                return kind
        raise AssertionError("validated condition has a kind")

    @property
    def is_gauge_ratio(self) -> bool:
        """``{value: used, of: limit}``: the gauge as a share of another gauge."""
        return getattr(self, "value") is not None and getattr(self, "of") is not None

    def refs(self) -> list[tuple[str, MetricRef]]:
        found = [
            (k, getattr(self, k)) for k in ("of", "rate", "state", "value", "absent") if getattr(self, k) is not None
        ]
        ratio: Any = getattr(self, "ratio")
        if ratio is not None:
            found += [("ratio.bad", ratio.bad), ("ratio.total", ratio.total)]
        return found


class AlertBehaviour:
    __slots__ = ()

    @property
    def inhibit_targets(self) -> frozenset[str]:
        """What this alert silences: ``symptoms`` and/or ``slos``."""
        return frozenset(getattr(self, "inhibits"))


class PanelBehaviour:
    __slots__ = ()

    @property
    def kind(self) -> str:
        return next(k for k in PANEL_KINDS if getattr(self, k) is not None)

    def refs(self) -> list[tuple[str, MetricRef]]:
        names = (
            "heatmap",
            "percentiles",
            "histogram",
            "rate",
            "error_ratio",
            "timeline",
            "stat",
            "gauge",
            "total",
            "of",
        )
        return [(n, r) for n in names if (r := getattr(self, n)) is not None]


class ReceiverBehaviour:
    __slots__ = ()

    @property
    def kind(self) -> str:
        return next(k for k in RECEIVER_KINDS if getattr(self, k) is not None)
