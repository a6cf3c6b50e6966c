"""An SLO's Prometheus files rendered once per shape, then filled in with each SLO's names.

An SLO writes one rule file and one promtool test per burn tier. At 10,000 SLOs those 30,000
files were half of the compile, and most SLOs of a big spec differ from another only by their
names: the SLO's, its alerts', their runbook anchors, its metrics'. Two SLOs have the same
*shape* when replacing the first's names by the second's, wherever they occur in its model
record (``ir.model.Slo``), gives the second's record. For the first SLO of a shape the files
are built and rendered as ever, and kept as a skeleton: their bytes with each name replaced by a
placeholder. The second is built and rendered as ever too, and compared with the skeleton filled
in with its names; only when the two are byte for byte equal is the skeleton *proven*, and every
later SLO of that shape takes it, filled in. A shape whose second SLO differs keeps the full path
for all of its SLOs.

What makes filling in safe beyond that one comparison:

- **Names that quote alike.** Only names of letters, digits, ``_`` and ``-``, starting with a
  letter, that YAML writes plain (not ``yes``, ``null`` or a number) are filled in: such a name
  needs no escape in a YAML or PromQL string and never turns plain text into quoted text. Any
  other name keeps its SLO on the full path.
- **Names that look alike.** The shape includes each name's pattern (every letter by case, ``e``
  and ``E`` apart because they make numbers, every digit alike, other characters as they are)
  and the names' sorted order: text that depends on a name's length, its characters' classes or
  how names sort against each other is the same for every SLO of one shape.
- **Everything else is equal.** The shape is the record's JSON with the names replaced, so the
  objective, windows, tiers, selectors, labels, texts and panel are equal; the service is the
  same (one ``Skeletons`` per service).

``ENABLED`` turns it off: ``tests/test_skeleton.py`` compiles specs of many SLOs both ways and
compares every byte, and compares filled-in files with their full path on drawn names.

>>> pattern("op7-availability"), pattern("Op12LatencyFastBurn")
('aa0-aaaaaaaaaaaa', 'Aa00AaaeaaaAaaaAaaa')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Final, Generic, TypeVar

import msgspec

from ...ir.model import Alert, BurnAlert, Series, Slo, condition_series
from ...output.bundle import Artifact
from ...output.render import scalar
from .rules import Labels
from .sli import sli_series

ENABLED = True

# What a rendered file of one SLO is: its path and bytes, and the (name, labels) of its rules
# for ``rules.check_collisions``.
Files = list[tuple[str, bytes]]
RuleKeys = list[tuple[str, Labels]]
Record = TypeVar("Record", Slo, Alert)

_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
# A placeholder is NUL, a private-use character whose code says the name's index, NUL: no rendered
# file and no record's JSON holds a NUL (YAML and JSON write it escaped), so a placeholder never
# meets text that was there before, and holds no letter or digit a later name could match.
_FIRST: Final = 0xE000
_PLACEHOLDER: Final = re.compile("\x00([\ue000-\uf8ff])\x00")
# A name of digits alone (a panel id) is hollowed out only where it is a whole number: not in
# "14.4" or "2592000000", which hold its digits by chance.
_NUMBER: Final = re.compile(r"(?<![0-9.])[0-9]+(?![0-9.])")
_PATTERN: Final = str.maketrans(
    {
        **{c: "a" for c in "abcdfghijklmnopqrstuvwxyz"},
        **{c: "A" for c in "ABCDFGHIJKLMNOPQRSTUVWXYZ"},
        **{c: "0" for c in "0123456789"},
    }
)


def pattern(name: str) -> str:
    """The classes of ``name``'s characters (module docstring); names of one shape share theirs."""
    return name.translate(_PATTERN)


def slo_names(slo: Slo) -> tuple[str, ...] | None:
    """The names that tell ``slo`` apart from another SLO of its shape, longest first, or None
    when one of them cannot be filled in safely (module docstring)."""
    found = {slo.name}
    for burn in slo.alerts:
        _alert_names(found, burn.name, burn.runbook_url, burn.panel_id)
    return _checked(found, sli_series(slo.sli))


def alert_names(alert: Alert) -> tuple[str, ...] | None:
    """``slo_names`` for a threshold alert: its own, its anchor's, its panel's and its metrics'."""
    found: set[str] = set()
    _alert_names(found, alert.name, alert.runbook_url, alert.panel_id)
    return _checked(found, condition_series(alert.condition))


def _alert_names(found: set[str], name: str, runbook_url: str, panel_id: int | None) -> None:
    found.add(name)
    if "#" in runbook_url and (anchor := runbook_url.rpartition("#")[2]):
        found.add(anchor)
    if panel_id is not None:
        found.add(str(panel_id))


def _checked(found: set[str], series: tuple[Series, ...]) -> tuple[str, ...] | None:
    """``found`` and the metrics of ``series``, longest first; None if one is not safe to fill in."""
    for s in series:
        found.update((s.metric.name, s.metric.key))
    names = tuple(sorted(found, key=lambda n: (-len(n), n)))
    safe = all(n.isdigit() and n.isascii() or _NAME.fullmatch(n) and scalar(n, 0) == n for n in names)
    return names if safe and len(names) <= 0xF8FF - _FIRST else None


def _hollow(text: str, names: tuple[str, ...], numbers: bool = True) -> str:
    """``text`` with each of ``names`` (longest first) replaced by its placeholder; a name of
    digits only where it is a whole number, and only if ``numbers``."""
    digits: dict[str, str] = {}
    for index, name in enumerate(names):
        if name.isdigit():
            digits[name] = _placeholder(index)
        elif name in text:
            text = text.replace(name, _placeholder(index))
    if digits and numbers:
        text = _NUMBER.sub(lambda found: digits.get(found[0], found[0]), text)
    return text


def _panel_free(record: Record, names: tuple[str, ...]) -> Record:
    """``record`` with the panel of each alert hollowed out of its link and its id set to 0, for
    its shape: looking for a panel id among every number of the record's JSON was a tenth of a
    compile of 10,000 SLOs. The id is one of ``names``, so the shape keeps its pattern."""
    if isinstance(record, Slo):
        return msgspec.structs.replace(record, alerts=tuple(_panel_free_alert(b, names) for b in record.alerts))
    return _panel_free_alert(record, names)


AlertRecord = TypeVar("AlertRecord", BurnAlert, Alert)


def _panel_free_alert(alert: AlertRecord, names: tuple[str, ...]) -> AlertRecord:
    if alert.panel_id is None:
        return alert
    return msgspec.structs.replace(alert, panel_id=0, dashboard_url=_hollow(alert.dashboard_url, names))


def _placeholder(index: int) -> str:
    return f"\x00{chr(_FIRST + index)}\x00"


class _Template:
    """A text with placeholders, kept as a format string: filling it in is one ``str.format``."""

    __slots__ = ("_format", "_constant")

    def __init__(self, text: str) -> None:
        escaped = text.replace("{", "{{").replace("}", "}}")
        self._format = _PLACEHOLDER.sub(lambda found: f"{{{ord(found[1]) - _FIRST}}}", escaped)
        self._constant = text if self._format == escaped else None  # no name in it: filled, it is itself

    def fill(self, names: tuple[str, ...]) -> str:
        return self._constant if self._constant is not None else self._format.format(*names)


class _Skeleton:
    """One record's files with its names hollowed out (``_hollow``), ready to fill in; the keys
    of its rules too, each distinct label set once (an SLO's 16 records share one)."""

    def __init__(self, files: Files, keys: RuleKeys, names: tuple[str, ...]) -> None:
        self._files = [(_Template(_hollow(p, names)), _Template(_hollow(d.decode(), names))) for p, d in files]
        label_sets: dict[Labels, int] = {}
        for _, labels in keys:
            label_sets.setdefault(labels, len(label_sets))
        self._labels = [tuple((k, _Template(_hollow(v, names))) for k, v in labels) for labels in label_sets]
        self._keys = [(_Template(_hollow(n, names)), label_sets[labels]) for n, labels in keys]

    def fill(self, names: tuple[str, ...]) -> tuple[Files, RuleKeys]:
        files = [(p.fill(names), d.fill(names).encode()) for p, d in self._files]
        labels = [tuple((k, v.fill(names)) for k, v in label_set) for label_set in self._labels]
        return files, [(n.fill(names), labels[index]) for n, index in self._keys]


class Skeletons(Generic[Record]):
    """The skeletons of one service's files of one kind of record (an SLO, a threshold alert), by
    shape; ``files(record)`` gives a record's files.

    ``build(record)`` is the full path: the record's files built and rendered, and its rules'
    keys; ``names_of(record)``: its names (``slo_names``, ``alert_names``).
    """

    def __init__(
        self,
        build: Callable[[Record], tuple[Files, RuleKeys]],
        names_of: Callable[[Record], tuple[str, ...] | None],
    ) -> None:
        self._build: Callable[[Record], tuple[Files, RuleKeys]] = build
        self._names_of: Callable[[Record], tuple[str, ...] | None] = names_of
        # shape -> (its candidate skeleton, the names it was made with, the candidates refused so far)
        self._candidate: dict[object, tuple[_Skeleton, tuple[str, ...], int]] = {}
        self._proven: dict[object, _Skeleton | None] = {}  # shape -> its proven skeleton, or None: refused

    def files(self, record: Record) -> tuple[Files, RuleKeys]:
        names = self._names_of(record) if ENABLED else None
        if names is None:
            return self._build(record)
        shape = (
            tuple(pattern(n) for n in names),
            tuple(sorted(range(len(names)), key=names.__getitem__)),
            _hollow(msgspec.json.encode(_panel_free(record, names)).decode(), names, numbers=False),
        )
        if shape in self._proven:
            proven = self._proven[shape]
            return self._build(record) if proven is None else proven.fill(names)
        files, keys = self._build(record)
        found = self._candidate.get(shape)
        if found is None:
            self._candidate[shape] = (_Skeleton(files, keys, names), names, 0)
            return files, keys
        candidate, its_names, refused = found
        # A name equal to the candidate's proves nothing of where it goes: wait for another SLO.
        if any(a == b for a, b in zip(names, its_names, strict=True)):
            return files, keys
        if candidate.fill(names) == (files, keys):
            self._proven[shape] = candidate
            del self._candidate[shape]
        elif refused + 1 < _ATTEMPTS:
            # The candidate's names met other text by chance (a panel id 2 in "2m"): try this SLO's.
            self._candidate[shape] = (_Skeleton(files, keys, names), names, refused + 1)
        else:
            self._proven[shape] = None
            del self._candidate[shape]
        return files, keys


# How many candidates of one shape may be refused before its SLOs all take the full path.
_ATTEMPTS = 3


def artifacts(files: Files, source: str) -> Iterator[Artifact]:
    """The rendered files as artifacts (``Artifact.render`` returns their bytes as they are)."""
    for path, data in files:
        yield Artifact(path, data, "rendered", source)
