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

from ..ir.model import Slo, UpSli
from .drill_mode import SCRAPE

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


UP_RING = 64  # targets an up SLI's burn fails in turn (a job's targets), when no group_by keeps them apart
SCRAPE_SECONDS = SCRAPE.ms / 1000  # a drill scrape, one sample of each up series


def ring_size(slo: Slo) -> int:
    """Targets an up SLI's burn spreads its failed scrapes over: a job's targets for a label-less
    up gauge (one per target, as Prometheus's ``up``), else each series on its own (a ``group_by``
    averages each group apart; the drill adds no series of labels it would have to invent)."""
    up = slo.sli.up.metric if isinstance(slo.sli, UpSli) else None
    return UP_RING if up is not None and not up.labels and not slo.group_by else 1


def up_unreliable(slo: Slo, burn: float) -> str | None:
    """Why failed scrapes (0/1 only, ``simulator.up_fails``) cannot hold ``slo``'s up SLI on the
    expected side of every window pair, or None when they can.

    A window of ``w`` seconds holds ``w`` or ``w + 1`` scrapes of each of ``n`` targets, and
    within one failure the burn's share of them failed; each pair must stay on its side
    whatever the window's luck: the expected tiers crossed on both windows, the others below
    on at least one.

    >>> from sigil_monitoring import load_spec
    >>> from sigil_monitoring.ir.build import build_model
    >>> from sigil_monitoring.live.drill_mode import drill_model
    >>> spec = load_spec("specs/examples/kafka-consumer.yaml")
    >>> slo = drill_model(build_model([spec]), "http://127.0.0.1:9", "/tmp/x").services[0].slos[0]
    >>> up_unreliable(slo, multiple(slo, "slow")) is None
    True
    """
    share, n, budget = effective(slo, burn) * float(slo.error_budget), ring_size(slo), float(slo.error_budget)
    fires = expected(slo, burn)

    def low(seconds: float) -> float:  # the least failed share a window can show
        scrapes = seconds / SCRAPE_SECONDS
        return math.floor(share * scrapes * n) / ((scrapes + 1) * n)

    def high(seconds: float) -> float:  # the most
        scrapes = seconds / SCRAPE_SECONDS
        return math.ceil(share * (scrapes + 1) * n) / (scrapes * n)

    for b in slo.alerts:
        pairs = [(w.long.ms / 1000, w.short.ms / 1000, float(w.factor) * budget, w.factor) for w in b.windows]
        if b.name in fires and not any(min(low(lw), low(sw)) > t for lw, sw, t, _ in pairs):
            lw, sw, t, f = pairs[0]
            return (
                f"{b.name} needs {f}x the budget over {sw:g}s and {lw:g}s windows, but {n} up series failing "
                f"{share:.2%} of {SCRAPE_SECONDS:g}s scrapes (0 or 1, never in between) may show as little as "
                f"{min(low(lw), low(sw)):.2%}"
            )
        if b.name not in fires and any(min(high(lw), high(sw)) > t for lw, sw, t, _ in pairs):
            lw, sw, t, f = next(p for p in pairs if min(high(p[0]), high(p[1])) > p[2])
            return (
                f"{b.name} must stay quiet below {f}x the budget ({t:.2%} failed), but {n} up series failing "
                f"{share:.2%} of {SCRAPE_SECONDS:g}s scrapes (0 or 1, never in between) may show "
                f"{min(high(lw), high(sw)):.2%} over its {sw:g}s and {lw:g}s windows: too short to average "
                "failed scrapes into this burn"
            )
    return None
