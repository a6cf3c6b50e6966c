"""``records.Record`` behaves as the frozen dataclasses it replaces, and the commands define none.

Each semantic is checked against the stdlib dataclass of the same fields: eq, hash, order, repr,
construction errors, ``replace``/``asdict``/``fields``. The import checks run the real entry point
in a fresh interpreter (``-X importtime``), as tests/test_fast_spec_imports.py does for pydantic.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import REPO

from sigil_monitoring import records
from sigil_monitoring.records import FrozenInstanceError, Record, field

SPEC = "specs/sigil-dna.yaml"


class Point(Record, order=True):
    x: int
    y: int = 0
    tags: tuple[str, ...] = field(default_factory=tuple)
    note: str = field(default="", compare=False, repr=False)
    unit: ClassVar[str] = "px"


@dataclasses.dataclass(frozen=True, order=True)
class DPoint:
    x: int
    y: int = 0
    tags: tuple[str, ...] = dataclasses.field(default_factory=tuple)
    note: str = dataclasses.field(default="", compare=False, repr=False)
    unit: ClassVar[str] = "px"


class Draft(Record, frozen=False):
    title: str
    items: list[int] = field(default_factory=list)


class Checked(Record):
    pattern: str
    length: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "length", len(self.pattern))


def test_construction_equality_hash_and_repr_are_a_dataclass_s():
    pairs = [
        (Point(1), DPoint(1)),
        (Point(1, 2, ("a",), "n"), DPoint(1, 2, ("a",), "n")),
        (Point(x=3, note="z"), DPoint(x=3, note="z")),
    ]
    for mine, theirs in pairs:
        assert repr(mine) == repr(theirs).replace("DPoint", "Point")
        assert hash(mine) == hash(theirs)
    assert Point(1, note="a") == Point(1, note="b") and Point(1) != Point(2) and Point(1) != DPoint(1)
    assert sorted([Point(2), Point(1, 5), Point(1)]) == [Point(1), Point(1, 5), Point(2)]
    with pytest.raises(TypeError):
        assert Point(1) < DPoint(2)  # type: ignore[operator]
    assert Point.unit == "px" and records.fields(Point)[2].name == "tags" and len(records.fields(Point(1))) == 4
    assert Point.__match_args__ == ("x", "y", "tags", "note")  # type: ignore[attr-defined]


def test_construction_errors_name_the_fields():
    with pytest.raises(TypeError, match=r"unknown fields \['z'\], missing fields \['x'\]"):
        Point(z=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"unknown fields \['z'\], missing fields \[\]"):
        Point(1, z=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="multiple values"):
        Point(1, x=2)  # type: ignore[misc]
    with pytest.raises(TypeError, match="at most 4 positional"):
        Point(1, 2, (), "", 5)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="missing fields"):
        Checked(pattern="a", length=1)  # type: ignore[call-arg]


def test_frozen_mutable_post_init_factories():
    p = Point(1)
    with pytest.raises(FrozenInstanceError, match="frozen"):
        p.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del p.x  # type: ignore[misc]
    a, b = Draft("t"), Draft("t")
    a.items.append(1)
    a.title = "u"
    assert b.items == [] and a == Draft("u", [1]) and Draft.__hash__ is None
    c = Checked("abc")
    assert c.length == 3 and repr(c) == "Checked(pattern='abc')" and records.replace(c, pattern="ab").length == 2
    assert records.replace(Point(1, tags=("a",)), y=4) == Point(1, 4, ("a",))
    assert records.asdict(Draft("t", [1])) == {"title": "t", "items": [1]}


def _imported(*args: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sigil_monitoring", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}


def test_compile_and_validate_define_no_dataclass(tmp_path: Path):
    # ``dataclasses`` compiles six methods per class at import; the records module is what is used.
    compiled = _imported("compile", "-q", SPEC, "--out", str(tmp_path / "out"))
    assert "sigil_monitoring.records" in compiled and "dataclasses" not in compiled
    assert "dataclasses" not in _imported("validate", "-q", SPEC)


def test_a_cached_property_is_no_field():
    from functools import cached_property

    class Cached(Record):
        n: int

        @cached_property
        def double(self) -> int:
            return self.n * 2

    a, b = Cached(2), Cached(2)
    assert (
        a.double == 4 and a == b and hash(a) == hash(b) and repr(a).endswith(".Cached(n=2)")
    )  # the qualname, as a dataclass
