"""An SLO's (or a threshold alert's) Prometheus files rendered once per shape, then filled in.

An SLO writes one rule file and one promtool test per burn tier; a threshold alert, one test.
At 10,000 SLOs those 35,000 files were half of the compile, and most records of a big spec
differ from another only by their *names*: the record's own, its alerts', their runbook anchors
and panel ids, its metrics' names and keys (``slo_names``, ``alert_names``). Two records have the
same *shape* when replacing the first's names by the second's, wherever they stand in its model
record (``ir.model.Slo``, ``ir.model.Alert``), gives the second. The first record of a shape is
built and rendered in full and kept as a skeleton: its files' bytes with each name replaced by a
placeholder. The second is built in full too and compared, byte for byte (its files and its
rules' collision keys), with the skeleton filled in with its names. Only when they are equal is
the skeleton *proven*, and every later record of that shape takes it, filled in. A candidate
whose names met other text by chance is replaced by the next record's (``_ATTEMPTS``).

One comparison proves that the output moves with the names for that pair; what makes it hold
for every later record of the shape (three adversarial reviews broke earlier versions, each way
below; their specs are tests):

- **Names stand only where they name.** A letter name may stand in the record only as a whole
  ``name`` or ``key`` (the record's, an alert's, a metric's), as a runbook link's whole anchor or
  in a summary of words (``_NAMING``); a panel id only as the alert's panel and in its dashboard
  link (``_panel_free``). A name found anywhere else (an annotation, a label, ``where``, a
  description, a metric's help) keeps its record on the full path: there its value could
  decide the output (a template's ``$labels.x``, the value a test feeds to satisfy a matcher,
  how a key sorts among fixed ones). So does any template in the record (``in{{ $labels.slo }}``
  gives the SLO's name to the text around it).
- **Names stand apart.** A name joined to a letter or digit of other text, in the record or in
  the files (a key ``abc_b`` inside ``abc_bucket``, a panel 4 in ``4m``), lies across a boundary
  the shape cannot see: such a skeleton is never proven (``_joined``). A classic histogram's
  ``_bucket``, ``_count`` and ``_sum`` series count among the names, so a counter that is a
  histogram's ``_count`` makes another shape than one that is not.
- **Names that quote alike.** Only names of ASCII letters, digits, ``_`` and ``-``, starting
  with a letter and written plain by YAML (not ``yes``, ``null``, ``inf``), or of digits alone,
  are filled in: they need no escape in a YAML or PromQL string.
- **Names that look alike.** The shape includes each name's pattern (letters by case, ``e`` and
  ``E`` apart because they make numbers, digits alike, other characters as they are), how the
  names sort among themselves and which name holds which: text that depends on a name's length,
  its characters' classes, their order, one name inside another or two names being one is the
  same across a shape.
- **Everything else is equal.** The shape is the record's JSON with its names replaced, and what
  JSON does not say (``_lost_in_json``: the kind of its SLI or condition, a promql test's
  float): the objective, windows, tiers, selectors, labels, texts and every other field are
  equal; the service is the same (one ``Skeletons`` per service), and what the files read of it
  (its name, labels, selector, rate window, dashboard uid) is the same for all its records.
- **A name equal to the candidate's** (two SLOs of one metric) proves nothing of where it goes:
  the record is built in full and the shape waits for another.

``ENABLED`` turns it off: ``tests/test_skeleton.py`` compiles specs both ways and compares every
byte, on the project's specs, the benchmark's, the review's counterexamples and drawn names.

>>> pattern("op7-availability"), pattern("Op12LatencyFastBurn")
('aa0-aaaaaaaaaaaa', 'Aa00AaaeaaaAaaaAaaa')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final, Generic, TypeVar, assert_never

import msgspec

from ...ir.model import Alert, BurnAlert, PromqlCondition, Series, Slo, condition_series
from ...output.render import scalar
from .recording import CLASSIC
from .rules import Labels, RuleKeys
from .sli import sli_series

ENABLED = True

Record = TypeVar("Record", Slo, Alert)
Files = list[tuple[str, bytes]]  # a record's rendered files: path, bytes

_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
# A placeholder is NUL, the name's index in control characters (``_INDEX``: 0-9 as \x0e-\x17),
# NUL: no rendered file and no record's JSON holds a NUL or those characters (YAML and JSON write
# them escaped), so a placeholder never meets text that was there before, and holds no letter or
# digit a later name could match. (Not a private-use character: a regular expression's class of
# those builds a 65,536-entry map when imported, 4 M instructions of every compile.)
_INDEX: Final = str.maketrans("0123456789", "\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17")
_INDEX_BACK: Final = str.maketrans("\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17", "0123456789")
_PLACEHOLDER: Final = re.compile("\x00([\x0e-\x17]+)\x00")
# A name of digits alone (a panel id) is hollowed out only where it is a whole number: not in
# "14.4" or "2592000000", which hold its digits by chance.
_NUMBER: Final = re.compile(r"(?<![0-9.])[0-9]+(?![0-9.])")
# Where a letter name may stand in a record's JSON, hollowed: a whole ``name`` or ``key`` (of
# the record, an alert, a metric: no other struct of the model has such a field), the whole
# anchor of a runbook link (of that field only: at the end of a matcher's value, "#hkc", a name
# decides which value a test feeds), or anywhere in a summary with a space outside escapes. A
# summary is static text (never read as a template), and YAML quotes a text with an inner space
# whatever letters, digits, ``_`` and ``-`` fill it: no such text is a number, a YAML word or a
# duration, and no such name makes a ``: `` or `` #`` (``render._string``). The derived summaries
# name the metric: "p95 lat3 is above 1s."
_NAMING: Final = re.compile(
    r'"(?:name|key)":"\x00[\x0e-\x17]+\x00"|"runbook_url":"[^"\\]*#\x00[\x0e-\x17]+\x00"'
    r'|"summary":"[^"\\]*\S [^"\\]*"'
)
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


def _names(record: Slo | Alert) -> tuple[str, ...] | None:
    match record:
        case Slo():
            return slo_names(record)
        case Alert():
            return alert_names(record)
        case _:
            assert_never(record)


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
    """``found`` and the metrics of ``series``, longest first; None if one is not safe to fill in.

    A classic histogram's series count among its names (``_bucket``, ``_count``, ``_sum``): the
    files compare them with other names (a ratio of a counter over a histogram's ``_count``
    feeds one series when they are the same), and a name may lie across the histogram's name
    and its suffix (a key ``abc_b`` in ``abc_bucket``): as names, both show in the shape."""
    for s in series:
        found.update((s.metric.name, s.metric.key))
        if s.metric.type == CLASSIC:
            found.update(f"{s.metric.name}{suffix}" for suffix in ("_bucket", "_count", "_sum"))
    names = tuple(sorted(found, key=lambda n: (-len(n), n)))
    safe = all(n.isdigit() and n.isascii() or _NAME.fullmatch(n) and scalar(n, 0) == n for n in names)
    return names if safe else None


def _hollow(text: str, names: tuple[str, ...], numbers: bool = True, letters: bool = True) -> str:
    """``text`` with each of ``names`` (longest first) replaced by its placeholder; a name of
    digits only where it is a whole number, and only if ``numbers``; the others if ``letters``."""
    digits: dict[str, str] = {}
    for index, name in enumerate(names):
        if name.isdigit():
            digits[name] = _placeholder(index)
        elif letters and name in text:
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
    # Only the panel's number: a letter name in the link (the dashboard's) stays for _only_naming.
    return msgspec.structs.replace(alert, panel_id=0, dashboard_url=_hollow(alert.dashboard_url, names, letters=False))


def _only_naming(hollowed: str, names: tuple[str, ...]) -> bool:
    """Whether every letter name stands in the hollowed JSON only where it names (``_NAMING``),
    apart from letters and digits (``_joined``), and no text of the record is a template (where
    ``$labels.slo`` gives the SLO's name to text around it: "in" and "finity" make a number);
    a panel id's placeholders stand where ``_panel_free`` put them."""
    if "{{" in hollowed or _joined(hollowed):
        return False
    rest = _NAMING.sub("", hollowed)
    return all(names[_index(found)].isdigit() for found in _PLACEHOLDER.findall(rest))


def _lost_in_json(record: Slo | Alert) -> tuple[str, str | None]:
    """What the record's JSON cannot say, which joins the shape: the kind of its SLI or condition
    (the model's unions are untagged: a rate and a value condition write the same keys, told
    apart today only by their metrics' types), and the model's one float, a promql alert's
    expected test value (JSON writes NaN and infinities as null; ``.inf`` and ``.nan`` in a spec
    give the test's description another value)."""
    if isinstance(record, Slo):
        return type(record.sli).__name__, None
    condition = record.condition
    value = condition.test.value if isinstance(condition, PromqlCondition) and condition.test else None
    return type(condition).__name__, None if value is None else repr(value)


def _joined(hollowed: str) -> bool:
    """Whether a name stands joined to a letter or a digit of other text (a key ``abc_b`` in
    ``abc_bucket``, a panel 4 in ``4m``): its text lies across a boundary the shape does not see,
    and no proof holds for such a skeleton. (Split at the placeholders' NULs, the only ones in
    ``hollowed``: a regular expression trying every position took a third of finding a shape.)

    >>> _joined(f"{_placeholder(0)}ucket"), _joined(f"slo-{_placeholder(0)}.rules.yml")
    (True, False)
    """
    parts = hollowed.split("\x00")  # text, index, text, index, ..., text
    return any(parts[i - 1][-1:].isalnum() or parts[i + 1][:1].isalnum() for i in range(1, len(parts), 2))


def _placeholder(index: int) -> str:
    return f"\x00{str(index).translate(_INDEX)}\x00"


def _index(found: str) -> int:
    """The index a placeholder's characters (``_PLACEHOLDER``'s group) stand for."""
    return int(found.translate(_INDEX_BACK))


class _Template:
    """A text with placeholders, kept as a format string: filling it in is one ``str.format``."""

    __slots__ = ("_format", "_constant")

    def __init__(self, text: str) -> None:
        escaped = text.replace("{", "{{").replace("}", "}}")
        self._format = _PLACEHOLDER.sub(lambda found: f"{{{_index(found[1])}}}", escaped)
        self._constant = text if self._format == escaped else None  # no name in it: filled, it is itself

    def fill(self, names: tuple[str, ...]) -> str:
        return self._constant if self._constant is not None else self._format.format(*names)


class _Skeleton:
    """One record's files with its names hollowed out (``_hollow``), ready to fill in; the keys
    of its rules too, each distinct label set once (an SLO's 16 records share one)."""

    def __init__(self, files: Files, keys: RuleKeys, names: tuple[str, ...]) -> None:
        hollowed = [(_hollow(p, names), _hollow(d.decode(), names)) for p, d in files]
        self.sound = not any(_joined(p) or _joined(d) for p, d in hollowed)
        self._files = [(_Template(p), _Template(d)) for p, d in hollowed]
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
    shape; ``files(record)`` gives a record's files. ``build(record)`` is the full path: the
    record's files built and rendered, and its rules' keys.
    """

    def __init__(self, build: Callable[[Record], tuple[Files, RuleKeys]]) -> None:
        self._build: Callable[[Record], tuple[Files, RuleKeys]] = build
        # shape -> its candidate: the first record's files, keys and names, the candidates refused so far
        self._candidate: dict[object, tuple[Files, RuleKeys, tuple[str, ...], int]] = {}
        self._proven: dict[object, _Skeleton | None] = {}  # shape -> its proven skeleton, or None: refused

    def files(self, record: Record) -> tuple[Files, RuleKeys]:
        names = _names(record) if ENABLED else None
        if names is None:
            return self._build(record)
        hollowed = _hollow(msgspec.json.encode(_panel_free(record, names)).decode(), names, numbers=False)
        if not _only_naming(hollowed, names):
            return self._build(record)
        shape = (
            tuple(pattern(n) for n in names),
            tuple(sorted(range(len(names)), key=names.__getitem__)),
            # which name lies inside which (longest first: only a later one can lie in an earlier)
            tuple((i, j) for i, inner in enumerate(names) for j in range(i) if inner in names[j]),
            hollowed,
            _lost_in_json(record),
        )
        if shape in self._proven:
            proven = self._proven[shape]
            return self._build(record) if proven is None else proven.fill(names)
        files, keys = self._build(record)
        found = self._candidate.get(shape)
        if found is None:
            # Kept as built: most shapes of a small spec have one record, and need no skeleton.
            self._candidate[shape] = (files, keys, names, 0)
            return files, keys
        first_files, first_keys, its_names, refused = found
        # A name equal to the candidate's proves nothing of where it goes: wait for another record.
        if any(a == b for a, b in zip(names, its_names, strict=True)):
            return files, keys
        candidate = _Skeleton(first_files, first_keys, its_names)
        if candidate.sound and candidate.fill(names) == (files, keys):
            self._proven[shape] = candidate
            del self._candidate[shape]
        elif refused + 1 < _ATTEMPTS:
            # The candidate's names met other text by chance (a panel id 2 in "2m"): try this record's.
            self._candidate[shape] = (files, keys, names, refused + 1)
        else:
            self._proven[shape] = None
            del self._candidate[shape]
        return files, keys


# How many candidates of one shape may be refused before its SLOs all take the full path.
_ATTEMPTS = 3
