"""Test alerts: post each alert with exactly the labels the real one carries, so Alertmanager routes
it to the real receivers, and its real annotations marked as a test; resolve it afterwards.

Labels are untouched (routing, grouping and inhibition see the real alert). Annotations keep
their keys and links — ``runbook_url`` and ``dashboard_url`` are what on-call clicks — with the
summary prefixed ``[TEST]``, the ``$value``/``$labels`` templates Prometheus would expand filled
with placeholders, and a ``sigil_test`` annotation saying who sent it. ``endsAt`` is set to the
resolve time too, so the alert resolves even if this process is killed before it can say so.

>>> from sigil_monitoring import load_spec
>>> from sigil_monitoring.ir.build import build_model
>>> model = build_model([load_spec("specs/sigil-dna.yaml")])
>>> [alert] = [a for a in synthetic_alerts(model) if a.name == "DatabaseDown"]
>>> alert.labels["severity"], alert.annotations["summary"]
('critical', '[TEST] The DNA store database does not answer.')
>>> alert.annotations["description"]
'[TEST] The DNA store database does not answer. Current value: (test value) (threshold 1). Service sigil-dna.'
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta

import msgspec

from ..compilers.prometheus import alerts as alert_rules
from ..compilers.prometheus import slo as slo_rules
from ..compilers.prometheus.rules import AlertingRule
from ..escape import one_line
from ..ir.build import build_model
from ..ir.model import Model
from ..spec.document import Spec

TEST_PREFIX = "[TEST] "
TEST_NOTE = "Test alert sent by sigil-monitoring fire-test to check that notifications arrive; no action needed."


class SyntheticAlert(msgspec.Struct, frozen=True):
    name: str
    labels: dict[str, str]
    annotations: dict[str, str]

    def payload(self, starts: datetime, ends: datetime, generator: str) -> dict[str, object]:
        return {
            "labels": self.labels,
            "annotations": self.annotations,
            "generatorURL": generator,
            "startsAt": _rfc3339(starts),
            "endsAt": _rfc3339(ends),
        }


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _expand(template: str) -> str:
    """Fill what Prometheus would: conditionals on labels dropped, values and labels as placeholders."""
    text = re.sub(r"\{\{\s*if [^}]*\}\}.*?\{\{\s*end\s*\}\}", "", template, flags=re.S)
    text = re.sub(r"\{\{\s*\$value[^}]*\}\}", "(test value)", text)
    return re.sub(r"\{\{\s*\$labels\.(\w+)\s*\}\}", r"(\1)", text)


def _test_alert(rule: AlertingRule) -> SyntheticAlert:
    annotations = dict(rule.annotations)
    annotations["summary"] = TEST_PREFIX + annotations["summary"]
    annotations["description"] = TEST_PREFIX + _expand(annotations["description"])
    annotations["sigil_test"] = TEST_NOTE
    return SyntheticAlert(rule.alert, {**dict(rule.labels), "alertname": rule.alert}, annotations)


def synthetic_alerts(model: Model) -> list[SyntheticAlert]:
    """Every alert of every service, as the compiled rules would send it, marked as a test."""
    out = []
    for service in model.services:
        out += [_test_alert(r) for r in alert_rules.alerting_rules(service)]
        out += [_test_alert(slo_rules.burn_rule(service, slo, b)) for slo in service.slos for b in slo.alerts]
    return out


def post(alertmanager_url: str, alerts: list[dict[str, object]], timeout: float) -> None:
    """POST to Alertmanager's /api/v2/alerts within ``timeout`` seconds, retries included
    (proxies from the environment apply: this may be production); ``RemoteError`` on failure."""
    from ..remote.http import Budget, Client

    what = f"Alertmanager at {alertmanager_url}"
    Client(alertmanager_url, Budget(timeout), what=what, retries=1).request("POST", "/api/v2/alerts", alerts)


def fire_test(
    specs: list[Spec],
    alertmanager_url: str,
    names: Iterable[str] | None,
    resolve_after: float,
    say: Callable[[str], None],
    timeout: float,
    silence_hold: float | None = None,
) -> int:
    """Send the test alerts, wait ``resolve_after`` seconds, resolve them; returns how many were sent
    (0 when Alertmanager could not be reached or, with ``silence_hold``, a step of the silence
    proof failed: ``silence_proof``). Sending and resolving each get ``timeout`` seconds."""
    from ..remote.http import RemoteError, advice
    from .silence_proof import SilenceFailure, prove_silences

    model = build_model(specs)
    wanted = set(names) if names else None
    chosen = [
        a for a in synthetic_alerts(model) if wanted is None or {a.name, f"{a.labels.get('service')}/{a.name}"} & wanted
    ]
    start = datetime.now(UTC)
    generator = alertmanager_url.rstrip("/") + "/#/alerts"
    ends = start + timedelta(seconds=resolve_after + (silence_hold or 0))

    def firing(alerts: Sequence[SyntheticAlert]) -> None:
        post(alertmanager_url, [a.payload(start, ends, generator) for a in alerts], timeout)

    try:
        if silence_hold is None:
            firing(chosen)
        else:
            prove_silences(model.services, chosen, alertmanager_url, firing, say, silence_hold, timeout)
    except (RemoteError, SilenceFailure) as err:
        if isinstance(err, RemoteError):
            say(f"fire-test: error: cannot post the test alerts: {err} ({advice(err.kind, '--alertmanager-url')})")
        else:
            say(f"fire-test: error: the runbook's silence did not work as it says: {err}")
        if silence_hold is not None:  # some may have been posted: resolve them, leave no test page firing
            _resolve(alertmanager_url, chosen, start, generator, ends, say, timeout)
        return 0
    say(
        one_line(
            f"sent {len(chosen)} test alert(s): {', '.join(a.name for a in chosen)}; resolving in {resolve_after:g}s"
        )
    )
    try:
        time.sleep(resolve_after)
    finally:  # also on Ctrl-C: on-call must not be left with a firing test page
        _resolve(alertmanager_url, chosen, start, generator, ends, say, timeout)
    return len(chosen)


def _resolve(
    alertmanager_url: str,
    alerts: Sequence[SyntheticAlert],
    start: datetime,
    generator: str,
    ends: datetime,
    say: Callable[[str], None],
    timeout: float,
) -> None:
    from ..remote.http import RemoteError

    now = datetime.now(UTC)
    try:
        post(alertmanager_url, [a.payload(start, now, generator) for a in alerts], timeout)
        say(f"resolved {len(alerts)} test alert(s)")
    except RemoteError as err:
        say(f"fire-test: error: cannot resolve the test alerts: {err}; they end by themselves at {_rfc3339(ends)}")
