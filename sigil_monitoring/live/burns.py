"""Which burn tiers an SLO burn incident must set off, from the multi-window burn maths.

A tier's alert fires when, for one of its window pairs, the error ratio over the long AND the
short window exceeds ``factor x error budget`` (``values/burn_rates.py``). An incident that holds
the error ratio at ``m x budget`` (from a normal tenth of the budget) makes the ratio over any
window a mixture of the two, never above ``m``: a pair with a factor above ``m`` can never be
crossed, one below it is crossed once the long window holds enough of the incident. So the fast
burn (1.5 x the highest page factor) sets off every tier, and the slow burn — the geometric
middle between the highest ticket factor and the lowest page factor — sets off the ticket tier
and can never page. ``MARGIN`` keeps every factor clearly on one side, and ``fill_seconds`` says
how long the drill-mode windows (10-40 s) take to cross, so the drill waits long enough.

>>> from sigil_monitoring import load_spec
>>> from sigil_monitoring.ir.build import build_model
>>> from sigil_monitoring.live.drill_mode import drill_model
>>> model = drill_model(build_model([load_spec("specs/sigil-dna.yaml")]), "http://127.0.0.1:9", "/tmp/x")
>>> slo = model.services[0].slos[0]
>>> round(multiple(slo, "slow"), 2), expected(slo, multiple(slo, "slow"))
(4.24, ('EncodeAvailabilitySlowBurn',))
>>> expected(slo, multiple(slo, "fast"))
('EncodeAvailabilityFastBurn', 'EncodeAvailabilitySlowBurn')
>>> round(fill_seconds(slo, "EncodeAvailabilitySlowBurn", multiple(slo, "slow")), 1)
8.7
"""

from __future__ import annotations

import math

from ..ir.model import Slo

MARGIN = 1.2  # every factor is at least this far (as a ratio) from the incident's multiple
NORMAL_SHARE = 0.1  # normal traffic burns a tenth of the budget (incidents.QUIET_SHARE)


def factors(slo: Slo, tier: str) -> list[float]:
    return [float(w.factor) for b in slo.alerts if b.tier == tier for w in b.windows]


def multiple(slo: Slo, speed: str) -> float:
    """The burn multiple of the fast (page) or slow (ticket, never page) incident of ``slo``."""
    page, ticket = factors(slo, "page"), factors(slo, "ticket")
    if speed == "fast" or not ticket:
        return max(page or ticket) * 1.5
    if page:
        return math.sqrt(max(ticket) * min(page))
    return max(ticket) * 1.5


def effective(slo: Slo, burn: float) -> float:
    """The multiple actually reached: an error ratio cannot exceed 1."""
    return min(1.0, burn * float(slo.error_budget)) / float(slo.error_budget)


def expected(slo: Slo, burn: float) -> tuple[str, ...]:
    """The burn alerts of ``slo`` a steady burn at ``burn`` x budget sets off (their names)."""
    m = effective(slo, burn)
    return tuple(b.name for b in slo.alerts if any(float(w.factor) < m for w in b.windows))


def ambiguous(slo: Slo, burn: float) -> list[str]:
    """Window pairs whose factor is within ``MARGIN`` of the multiple: the drill could not say
    whether they must fire (e.g. ``FastBurn 6``)."""
    m = effective(slo, burn)
    return [f"{b.name} {w.factor}" for b in slo.alerts for w in b.windows if m / MARGIN < float(w.factor) < m * MARGIN]


def fill_seconds(slo: Slo, alert: str, burn: float) -> float:
    """Seconds from the incident's start until ``alert``'s quickest crossed pair holds (long and
    short window both above the factor), from a normal tenth of the budget; inf if none does."""
    m = effective(slo, burn)
    times = [
        w.long.ms / 1000 * (float(w.factor) - NORMAL_SHARE) / (m - NORMAL_SHARE)
        for b in slo.alerts
        if b.name == alert
        for w in b.windows
        if float(w.factor) < m
    ]
    return min(times, default=math.inf)
