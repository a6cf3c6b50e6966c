"""Spec source text and the map from a data path (``alerts.X.for``) to its line and column.

Positions come from libyaml's events (``positions.py``), or, for a text only ruamel's round-trip
loader reads as the loader does (tags, anchors, keys that are not text), from that loader, which is
pure Python and slow; the map is built only when there is an error or a warning to report.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

if TYPE_CHECKING:
    from .yaml_fast import Placed

Path = tuple[str, ...]
T = TypeVar("T")
# Where a value of a merged spec was written: the file's Source and the value's path in that file.
Origin = tuple["Source", Path]


def norm_path(path: tuple[object, ...]) -> Path:
    return tuple(str(p) for p in path)


class Source(msgspec.Struct):
    """The text of one spec file and, lazily, where each value of it stands."""

    display: str
    text: str
    tree: Any = None
    _positions: dict[Path, tuple[tuple[int, int], tuple[int, int]]] | None = None
    # Paths whose position libyaml's events place elsewhere than the round-trip tree (empty values,
    # ``positions.py``): asking for one loads the round-trip tree's positions instead.
    _unsure: frozenset[Path] = frozenset()
    # A spec that extends templates (spec/templates.py): where each value of the merged document
    # was written, and the templates it read, as (name shown, SHA-256 of the text) for the compile
    # request. None and () for a spec without ``extend``, whose values are all in this file.
    origins: dict[Path, Origin] | None = None
    templates: tuple[tuple[str, str], ...] = ()
    # Values placed by a template's whole-value placeholder of a parameter: under the merged path,
    # the placeholder's text and where it was written (``template_merge.Uses``, ``used_by``).
    uses: dict[Path, tuple[str, Origin]] | None = None
    # Warnings of the templates' merge (a null that removes nothing), given with the spec's own.
    merge_warnings: tuple[Any, ...] = ()  # errors.Diagnostic
    # The paths ``_positions`` holds when it was built for some paths only (``expect``); None: all.
    _covers: frozenset[Path] | None = None
    # ``_positions`` holds every path of up to this many parts, and no deeper one (``place``).
    _depth: int | None = None

    def __repr__(self) -> str:  # the tree and positions are caches, long and of no interest
        return f"Source(display={self.display!r}, text={self.text!r})"

    def place(self, placed: Placed) -> None:
        """Take the positions the one-pass load recorded (``yaml_fast.Placed``): every path of up to
        ``PLACED_DEPTH`` parts, those the warnings name, so that placing them walks nothing again.

        >>> from .yaml_fast import Placed
        >>> from .yaml_io import load
        >>> placed = Placed({}, set())
        >>> source = Source("a.yaml", "x:\\n  y: 1\\n")
        >>> _ = load(source.text, placed); source.place(placed)
        >>> source.position(("x", "y")), source.position(("x", "z")), source._covers
        ((2, 6), (1, 1), None)
        """
        from .yaml_fast import PLACED_DEPTH

        if placed.spans and self.tree is None:
            self._positions, self._unsure, self._depth = placed.spans, frozenset(placed.empty), PLACED_DEPTH

    def expect(self, paths: Iterable[tuple[object, ...]]) -> None:
        """Find the positions of ``paths`` (and their parents) only, before the first is asked for:
        a spec of 10,000 SLOs has a warning per SLO, and a map of all its 360,000 values took
        most of the time the warnings cost. A path asked for later that is not one of them
        builds the whole map; the answers are the same either way.

        >>> source = Source("a.yaml", "x:\\n  y: 1\\n  z: 2\\n")
        >>> source.expect([("x", "y")])
        >>> sorted(source._load_positions()), source.position(("x", "y")), source.position(("x", "z"))
        ([('x',), ('x', 'y')], (2, 6), (3, 6))
        """
        if self.tree is not None or self.origins is not None:
            return  # placed by the round-trip tree, or by other files (locate)
        asked = [norm_path(path) for path in paths]
        if self._positions is not None and (self._depth is None or all(len(p) <= self._depth for p in asked)):
            return  # built already: the whole map, for other paths, or the levels these are on (place)
        from .positions import positions as from_events

        wanted = frozenset(p[:cut] for p in asked for cut in range(1, len(p) + 1))
        fast = from_events(self.text, wanted)
        if fast is not None:
            self._positions, unsure = fast
            self._unsure, self._covers, self._depth = frozenset(unsure), wanted, None

    def position(self, path: tuple[object, ...], at: str = "value") -> tuple[int, int]:
        """1-based (line, col) of the key or value at ``path``, or of its nearest ancestor present."""
        p = norm_path(path)
        if p and (
            (self._covers is not None and p not in self._covers) or (self._depth is not None and len(p) > self._depth)
        ):  # not expected, or deeper than the load placed: build the whole map
            self._positions = self._covers = self._depth = None
        positions = self._load_positions()
        while p:
            if p in self._unsure:
                self._positions, self._unsure, self._covers = self._round_trip_positions(), frozenset(), None
                self._depth = None
                return self.position(path, at)
            if p in positions:
                key, value = positions[p]
                return key if at == "key" else value
            p = p[:-1]
            at = "key"  # a missing child is reported at its parent's key
        return (1, 1)

    def locate(self, path: tuple[object, ...], at: str = "value") -> tuple[str, int, int]:
        """``(file, line, col)`` of the key or value at ``path``: in this file, or, for a spec merged
        from templates, in the file (template or spec) where the value was written.

        >>> Source("a.yaml", "x:\\n  y: 1\\n").locate(("x", "y"))
        ('a.yaml', 2, 6)
        """
        if self.origins is None:
            return (self.display, *self.position(path, at))
        p = norm_path(path)
        found = _deepest(self.origins, p)
        if found is None:
            return (self.display, *self.position(path, at))
        (written, inside), cut = found
        return (written.display, *written.position(inside + p[cut:], at))

    def used_by(self, path: tuple[object, ...]) -> tuple[str, str, int, int] | None:
        """For a value at ``path`` that a template placed with a whole-value placeholder of a
        parameter: ``(placeholder, file, line, col)`` where the placeholder was written; else None.
        ``locate`` gives where the parameter's value was written (the spec's ``params``)."""
        found = _deepest(self.uses, norm_path(path)) if self.uses else None
        if found is None:
            return None
        (placeholder, (written, inside)), _ = found
        return (placeholder, written.display, *written.position(inside))

    def _load_positions(self) -> dict[Path, tuple[tuple[int, int], tuple[int, int]]]:
        if self._positions is None:
            from .positions import positions as from_events

            fast = from_events(self.text) if self.tree is None else None
            if fast is None:
                self._positions = self._round_trip_positions()
            else:
                self._positions, unsure = fast
                self._unsure = frozenset(unsure)
        return self._positions

    def _round_trip_positions(self) -> dict[Path, tuple[tuple[int, int], tuple[int, int]]]:
        from .yaml_io import load_round_trip

        positions: dict[Path, tuple[tuple[int, int], tuple[int, int]]] = {}
        try:
            _walk(self.tree if self.tree is not None else load_round_trip(self.text), (), positions)
        except Exception:  # a file that did not parse has no positions to give
            pass
        return positions


def _deepest(recorded: dict[Path, T], path: Path) -> tuple[T, int] | None:
    """What ``recorded`` holds for ``path`` or its deepest ancestor there, and that ancestor's length."""
    for cut in range(len(path), 0, -1):
        found = recorded.get(path[:cut])
        if found is not None:
            return found, cut
    return None


def _walk(node: Any, path: Path, out: dict[Path, tuple[tuple[int, int], tuple[int, int]]]) -> None:
    lc = getattr(node, "lc", None)
    if lc is None:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            kl, kc = lc.key(key)
            try:
                vl, vc = lc.value(key)
            except (KeyError, TypeError):
                vl, vc = kl, kc
            child = path + (str(key),)
            out[child] = ((kl + 1, kc + 1), (vl + 1, vc + 1))
            _walk(value, child, out)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            il, ic = lc.item(index)
            child = path + (str(index),)
            out[child] = ((il + 1, ic + 1), (il + 1, ic + 1))
            _walk(value, child, out)


def unknown_key(key: str, keys: Sequence[str], loc: tuple[Any, ...]) -> str:
    """The message of a key no model has at ``loc``: the nearest known key, or all of them.

    >>> unknown_key("parms", ("apiVersion", "service", "extend", "params"), ())
    "unknown key 'parms' in the document (did you mean 'params'?)"
    """
    import difflib  # for an error's "did you mean" only: not on a valid spec's path

    close = difflib.get_close_matches(key, list(keys), n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(keys)}"
    return f"unknown key '{key}' in {describe_path(loc)} ({hint})"


def describe_path(loc: tuple[Any, ...]) -> str:
    """A path into the document as the user reads it: ``slos.encode-latency.sli``."""
    return ".".join(str(p) for p in loc) or "the document"
