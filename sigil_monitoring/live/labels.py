"""Label values a simulated service exposes, chosen so every matcher of the spec selects something.

The spec names labels but rarely lists their values; the values it does give are in its
matchers (``where: {operation: encode}``, ``{regex: "5.."}``, ``{not: gc}``). For each series the
service queries, a label gets a value all of that series' matchers on it accept and, for each
negation, a value it rejects — chosen and checked with ``Matcher.matches`` (the promtool test
generator's ``label_values`` does the choosing), so an incident on ``code=~"5.."`` really lands
on a series that selector selects. A label nothing pins gets one made-up value.

>>> from sigil_monitoring import load_spec
>>> from sigil_monitoring.ir.build import build_model
>>> service = build_model([load_spec("specs/sigil-dna.yaml")]).services[0]
>>> errors = next(m for m in service.metrics if m.key == "errors")
>>> label_values(service, [errors.name], "operation"), selector_labels(service)
(['gc-other', 'gc', 'encode'], {'job': 'sigil-dna'})
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence

from ..compilers.prometheus.sli import sli_series
from ..ir.dashboard import panel_series
from ..ir.model import Series, Service, condition_series
from ..values.label_values import satisfying, violating
from ..values.matchers import Matcher


def series_matches(series: Series, labels: tuple[tuple[str, str], ...]) -> bool:
    """Whether a series with ``labels`` is selected by ``series``' matchers (a missing label is "")."""
    present = dict(labels)
    return all(m.matches(present.get(m.label, "")) for m in series.matchers)


def service_series(service: Service) -> Iterator[Series]:
    """Every ``Series`` the service's alerts, SLOs and panels query."""
    for alert in service.alerts:
        yield from condition_series(alert.condition)
    for slo in service.slos:
        yield from sli_series(slo.sli)
    for panel in service.dashboard.panels():
        yield from panel_series(panel.content)


def _values(group: Sequence[Matcher], rejected: bool) -> list[str]:
    """A value the whole group accepts, for each negation a value it alone rejects, and (with
    ``rejected``) a value the first positive matcher rejects."""
    out = [satisfying(group)]
    out += [violating(m, [o for o in group if o is not m]) for m in group if m.op in ("!=", "!~")]
    if rejected:
        out += [violating(m, []) for m in group if m.op in ("=", "=~")][:1]
    return [v for v in out if v]


def label_values(
    service: Service, metrics: Collection[str], label: str, default: Sequence[str] | None = None
) -> list[str]:
    """The values the simulator gives ``label`` of the family the catalog names ``metrics`` read
    (a histogram and a counter on its ``_count`` are one family), in first-seen order; ``default``
    (else one made-up value) when no matcher pins the label."""
    # An alert or SLI that reads the family without pinning the label (a total over all codes)
    # needs series a pinned matcher rejects (requests that are not 5xx), or an error ratio on the
    # only series there is would be 100 %.
    conditions = [*(s for a in service.alerts for s in condition_series(a.condition))]
    conditions += [s for slo in service.slos for s in sli_series(slo.sli)]
    total = any(s.metric.name in metrics and all(m.label != label for m in s.narrowed) for s in conditions)
    values: list[str] = []
    for series in service_series(service):
        group = [m for m in series.matchers if m.label == label]
        if series.metric.name in metrics and group:
            values += _values(group, rejected=total)
    return list(dict.fromkeys(values)) or list(default or [f"{label}-1"])


def selector_labels(service: Service) -> dict[str, str]:
    """A value for every label of the service selector that satisfies its matchers."""
    out: dict[str, str] = {}
    for label in dict.fromkeys(m.label for m in service.selector):
        group = [m for m in service.selector if m.label == label]
        if all(m.matches("") for m in group):
            continue  # e.g. {not: canary}: leaving the label out satisfies it, as a real target would
        value = satisfying(group)
        if value is None:
            raise ValueError(f"no value satisfies the selector on {label}: {', '.join(m.text() for m in group)}")
        out[label] = value
    return out
