"""Another tool's YAML, read as that tool reads it, with the position of every value and a record
of which values a reader carried into our spec.

Every document of a file is read (OpenSLO and Sloth put several in one file, ``---`` apart) in
YAML 1.2, the version those tools' Go parsers follow for scalars: ``yes`` and ``on`` stay text,
and so does a timestamp (OpenSLO's unquoted ``startTime: 2022-01-01 12:00:00`` is a string to
it, where YAML 1.1 would make it a date).

A reader *takes* each value it carries; whatever it never took is lost, and ``leftovers`` names
each such value at its line and column, so the loss report is complete by construction: a field a
reader does not know cannot slip through unreported.

>>> docs = documents("version: prometheus/v1\\nservice: a\\nextra: {x: 1}\\n", "a.yml")
>>> doc = docs[0]
>>> doc.text("version"), doc.text("service"), doc.position()
('prometheus/v1', 'a', (1, 1))
>>> [str(d) for d in leftovers(docs, "Sloth")]
['a.yml:3:1: warning: extra: not carried by the Sloth reader (remove it, or write it into the converted spec)']
>>> documents("startTime: 2022-01-01 12:00:00\\non: yes\\n", "t.yml")[0].value
{'startTime': '2022-01-01 12:00:00', 'on': 'yes'}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from ..errors import Diagnostic, SpecError
from ..spec.source import describe_path

Path = tuple[str, ...]


class File(msgspec.Struct, frozen=True):
    """One file as read: its display name, text, and the paths (per document) a reader took."""

    display: str
    text: str
    taken: set[tuple[int, Path]] = msgspec.field(default_factory=set)
    lost: list[Diagnostic] = msgspec.field(default_factory=list)


class Node(msgspec.Struct, frozen=True):
    """A value of a document: its plain data (``value``), where it stands, and its file's record."""

    file: File
    document: int
    path: Path
    value: Any
    key_at: tuple[int, int]
    value_at: tuple[int, int]
    kids: dict[str, Node] | None = None

    @property
    def where(self) -> str:
        """The path as the user reads it: ``slos.0.sli.events``."""
        return describe_path(self.path)

    def position(self, at: str = "value") -> tuple[int, int]:
        return self.key_at if at == "key" else self.value_at

    def child(self, key: str | int) -> Node | None:
        """The child at ``key`` (a mapping key or a list index), or None; taking nothing."""
        return (self.kids or {}).get(str(key))

    def children(self) -> list[Node]:
        return list((self.kids or {}).values())

    def take(self, key: str | int | None = None) -> Node | None:
        """The child at ``key`` (this node itself when None), marked as carried, with all it holds."""
        node = self if key is None else self.child(key)
        if node is not None:
            node.file.taken.add((node.document, node.path))
        return node

    def text(self, key: str) -> str | None:
        """The child's value as text, taken; None when absent (or null)."""
        node = self.take(key)
        if node is None or node.value is None:
            return None
        value = node.value
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def lose(self, key: str | int | None, why: str, fix: str) -> None:
        """Report the child at ``key`` (this node when None) as lost: why, and what to do about it."""
        node = self if key is None else self.child(key)
        if node is None:
            return
        self.file.taken.add((node.document, node.path))
        line, col = node.key_at
        self.file.lost.append(Diagnostic(self.file.display, line, col, f"{node.where}: {why} ({fix})", "warning"))

    def error(self, why: str, at: str = "value") -> Diagnostic:
        """An error at this value (the source cannot be read as the tool defines it)."""
        line, col = self.position(at)
        return Diagnostic(self.file.display, line, col, f"{self.where}: {why}")


def documents(text: str, display: str) -> list[Node]:
    """Every non-empty document of ``text``, each as the root ``Node`` of its own tree."""
    from ruamel.yaml.error import YAMLError

    from ..spec.yaml_io import _check_depth, _check_size, _problem

    file = File(display, text)
    try:
        _check_depth(text)
        trees = list(_yaml12().load_all(text))
        _check_size(trees)  # aliases expand as they are walked: the loader's bound on values holds here too
    except YAMLError as exc:
        problem = _problem(exc)
        raise SpecError([Diagnostic(display, problem.line, problem.col, problem.message)]) from None
    except Exception as exc:  # noqa: BLE001 - e.g. YamlProblem from the depth guard
        line, col = getattr(exc, "line", 1), getattr(exc, "col", 1)
        raise SpecError([Diagnostic(display, line, col, getattr(exc, "message", str(exc)))]) from None
    return [
        _node(file, index, (), tree, _first(tree), _first(tree)) for index, tree in enumerate(trees) if tree is not None
    ]


def leftovers(roots: list[Node], tool: str) -> list[Diagnostic]:
    """Every value of ``roots`` no reader took (nor reported lost), at its key, as a warning, plus
    the losses the readers reported; in file order."""
    found: list[Diagnostic] = []
    files = {id(root.file): root.file for root in roots}
    for root in roots:
        if (root.document, root.path) not in root.file.taken:  # a document lost whole is reported once
            found += _untaken(root, tool)
    for file in files.values():
        found += file.lost
    return sorted(set(found))


def _untaken(node: Node, tool: str) -> Iterator[Diagnostic]:
    taken = node.file.taken
    for child in node.children():
        if (child.document, child.path) in taken or child.value in ({}, [], None):
            continue
        if any(doc == child.document and path[: len(child.path)] == child.path for doc, path in taken):
            yield from _untaken(child, tool)  # partly carried: name what was not
            continue
        line, col = child.key_at
        yield Diagnostic(
            node.file.display,
            line,
            col,
            f"{child.where}: not carried by the {tool} reader (remove it, or write it into the converted spec)",
            "warning",
        )


def _node(file: File, document: int, path: Path, tree: Any, key_at: tuple[int, int], value_at: tuple[int, int]) -> Node:
    lc = getattr(tree, "lc", None)
    children: dict[str, Node] | None = None
    value: Any
    if isinstance(tree, dict):
        children, value = {}, {}
        for key, item in tree.items():
            kl, kc = lc.key(key) if lc is not None else (value_at[0] - 1, value_at[1] - 1)
            try:
                vl, vc = lc.value(key) if lc is not None else (kl, kc)
            except (KeyError, TypeError):
                vl, vc = kl, kc
            child = _node(file, document, (*path, str(key)), item, (kl + 1, kc + 1), (vl + 1, vc + 1))
            children[str(key)] = child
            value[str(key)] = child.value
    elif isinstance(tree, list):
        children, value = {}, []
        for index, item in enumerate(tree):
            il, ic = lc.item(index) if lc is not None else (value_at[0] - 1, value_at[1] - 1)
            child = _node(file, document, (*path, str(index)), item, (il + 1, ic + 1), (il + 1, ic + 1))
            children[str(index)] = child
            value.append(child.value)
    else:
        value = _plain(tree)
    return Node(file, document, path, value, key_at, value_at, children)


def _plain(scalar: Any) -> Any:
    """ruamel's round-trip scalars (``ScalarFloat``, ``DoubleQuotedScalarString``...) as plain values."""
    if scalar is None or isinstance(scalar, bool):
        return scalar
    if isinstance(scalar, int):
        return int(scalar)
    if isinstance(scalar, float):
        return float(scalar)
    return str(scalar)


def _first(tree: Any) -> tuple[int, int]:
    lc = getattr(tree, "lc", None)
    return (lc.line + 1, lc.col + 1) if lc is not None else (1, 1)


_YAML: list[Any] = []


def _yaml12() -> Any:
    """ruamel's round-trip loader (it keeps positions), reading timestamps as the text they are."""
    if not _YAML:
        from ruamel.yaml import YAML
        from ruamel.yaml.constructor import RoundTripConstructor

        class TextTimestamps(RoundTripConstructor):
            """YAML 1.2's core schema has no timestamp type: the Go tools read one as a string."""

        TextTimestamps.add_constructor("tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)
        yaml = YAML(typ="rt")
        yaml.Constructor = TextTimestamps
        yaml.version = (1, 2)
        _YAML.append(yaml)
    return _YAML[0]
