"""The merge rules of templates: how one file's sections go onto what earlier files gave.

Mappings merge key by key (the later file wins on a scalar); a list of mappings that all carry a
``title`` (dashboard rows) or a ``name`` merges item by item on that key, new items appended; any
other list, and any value of another shape, is replaced whole; ``null`` removes what an earlier
file gave. Every value merged records where it was written (``Origins``), and a template's
placeholders are replaced as its values are copied (``Layer.scalar``).

>>> from sigil_monitoring.spec.source import Source
>>> base, spec = Source("base.yaml", ""), Source("spec.yaml", "")
>>> merged, origins = {}, {}
>>> first = {"a": {"x": 1, "y": 2}, "rows": [{"title": "T", "n": 1}]}
>>> merge(merged, Layer(base, {}, {}, print), first, (), (), origins)
>>> merge(merged, Layer(spec, None, {}, print), {"a": {"y": None}, "rows": [{"title": "T", "n": 2}]}, (), (), origins)
>>> merged, origins[("rows", "0", "n")][0].display, origins[("a", "x")][0].display
({'a': {'x': 1}, 'rows': [{'title': 'T', 'n': 2}]}, 'spec.yaml', 'base.yaml')
"""

from __future__ import annotations

import re
from typing import Any

from .source import Origin, Path, Source

NAME = r"[A-Za-z_][A-Za-z0-9_]*"  # a parameter's or a service field's name, as a placeholder names it
PLACEHOLDER = re.compile(rf"<<(params|service)\.({NAME})>>")
_IDENTITY = ("title", "name")  # the keys a list of mappings merges on, tried in this order


class Layer:
    """One file merged into the spec: its Source, what its placeholders stand for (a template) or
    None (the spec itself, whose text is taken as written), and the parameters it may name (its
    own and its bases')."""

    def __init__(
        self,
        source: Source,
        values: dict[str, tuple[Any, Origin]] | None,
        service: dict[str, Any],
        fail: Any,
        declared: frozenset[str] = frozenset(),
        uses: Uses | None = None,
        warn: Any = None,
        removed: set[Path] | None = None,
    ) -> None:
        self.source, self.values, self.service, self.fail = source, values, service, fail
        self.declared = declared
        self.uses: Uses = {} if uses is None else uses
        self.warn = fail if warn is None else warn  # (origin, text, at): a warning, not an error
        # The merged paths an earlier file's null removed (shared by the layers of one spec): a
        # template that removes what a sibling already removed (a diamond of bases) removes nothing
        # new, and is not told so.
        self.removed: set[Path] = set() if removed is None else removed

    def origin(self, path: Path) -> Origin:
        return (self.source, path)

    def scalar(self, text: str, path: Path, at: str = "value") -> tuple[Any, Origin]:
        """``text`` with its placeholders replaced, and where the result was written."""
        values = self.values
        if values is None or "<<" not in text:
            return text, (self.source, path)
        whole = PLACEHOLDER.fullmatch(text)
        if whole is not None:
            found = self._value(values, whole, path, at)
            return (text, (self.source, path)) if found is None else found
        return PLACEHOLDER.sub(lambda m: self._text(values, m, path, at), text), (self.source, path)

    def _value(
        self, values: dict[str, tuple[Any, Origin]], m: re.Match[str], path: Path, at: str
    ) -> tuple[Any, Origin] | None:
        space, name = m.group(1), m.group(2)
        if space == "params":
            if name not in self.declared:
                self.fail(
                    (self.source, path),
                    f"{m.group()}: the template declares no parameter {name} "
                    "(declare it under parameters:, or fix the name)",
                    at,
                )
                return None
            return values.get(name)  # None: required and not given, said at the spec's extend
        if name not in self.service:
            self.fail(
                (self.source, path),
                f"{m.group()}: the spec's service: has no {name} "
                f"(set service.{name} in the spec, or remove the reference)",
                at,
            )
            return None
        return self.service[name], (self.source, path)

    def _text(self, values: dict[str, tuple[Any, Origin]], m: re.Match[str], path: Path, at: str) -> str:
        found = self._value(values, m, path, at)
        if found is None:
            return m.group()
        value = found[0]
        if isinstance(value, dict | list):
            self.fail(
                (self.source, path),
                f"{m.group()}: a mapping or list cannot stand inside text (use the placeholder as the whole value)",
                at,
            )
            return m.group()
        return ("true" if value else "false") if isinstance(value, bool) else str(value)


Origins = dict[Path, Origin]
# A value that is a parameter's, placed by a template's whole-value placeholder: under its merged
# path, the placeholder and where it was written (an error in the value is reported where the
# parameter was given, and a fix of its form goes where the placeholder is: ``Source.used_by``).
Uses = dict[Path, tuple[str, Origin]]


def _key(layer: Layer, key: object, path: Path) -> str:
    text = str(key)
    return str(layer.scalar(text, path + (text,), "key")[0]) if "<<" in text else text


def _put(layer: Layer, node: Any, fpath: Path, mpath: Path, origins: Origins) -> Any:
    """``node`` resolved (a fresh copy), each of its values' origin recorded under its merged path."""
    if isinstance(node, dict):
        origins[mpath] = layer.origin(fpath)
        out: dict[Any, Any] = {}
        for key, value in node.items():
            k = _key(layer, key, fpath)
            out[k] = _put(layer, value, fpath + (str(key),), mpath + (k,), origins)
        return out
    if isinstance(node, list):
        origins[mpath] = layer.origin(fpath)
        return [_put(layer, v, fpath + (str(i),), mpath + (str(i),), origins) for i, v in enumerate(node)]
    if isinstance(node, str):
        value, origin = layer.scalar(node, fpath)
        origins[mpath] = origin
        if origin[0] is not layer.source:  # a whole-value placeholder of a parameter
            layer.uses[mpath] = (node, layer.origin(fpath))
        return value
    origins[mpath] = layer.origin(fpath)
    return node


def _forget(origins: Origins, uses: Uses, path: Path) -> None:
    for recorded in (origins, uses):
        for key in [k for k in recorded if k[: len(path)] == path]:
            del recorded[key]


def _identity(items: list[Any]) -> str | None:
    """The key a list of mappings merges on: title or name when every item has it."""
    for key in _IDENTITY:
        if items and all(isinstance(i, dict) and isinstance(i.get(key), str) for i in items):
            return key
    return None


def _removes_nothing(layer: Layer, fpath: Path, mpath: Path, key: str, siblings: dict[Any, Any]) -> None:
    """A ``null`` with nothing under its name to remove: a typo of the name, most likely, which
    would leave in place what it was meant to remove; or a removal that outlived what a template
    gave (a warning, an error under ``--strict``: harmless, and the whole fleet would stop on it)."""
    import difflib  # for an error's "did you mean" only: not on a valid spec's path

    close = difflib.get_close_matches(key, [str(name) for name in siblings], n=1)
    hint = f"did you mean '{close[0]}'?" if close else "remove the line, or name what a template gives"
    layer.warn(
        layer.origin(fpath),
        f"{'.'.join(mpath)}: null removes nothing: no template this file extends gives it ({hint})",
        "key",
    )


def merge(into: dict[Any, Any], layer: Layer, node: dict[Any, Any], fpath: Path, mpath: Path, origins: Origins) -> None:
    for key, value in node.items():
        k = _key(layer, key, fpath)
        fp, mp = fpath + (str(key),), mpath + (k,)
        old = into.get(k)
        if value is None:  # an explicit removal of what an earlier file gave
            if k in into:
                layer.removed.add(mp)
            elif mp not in layer.removed:
                _removes_nothing(layer, fp, mp, k, into)
            into.pop(k, None)
            _forget(origins, layer.uses, mp)
        elif isinstance(value, dict) and isinstance(old, dict):
            origins[mp] = layer.origin(fp)
            merge(old, layer, value, fp, mp, origins)
        elif isinstance(value, list) and isinstance(old, list) and (by := _identity(old)) and _identity(value) == by:
            origins[mp] = layer.origin(fp)
            index = {item[by]: i for i, item in enumerate(old)}
            for i, item in enumerate(value):
                name = layer.scalar(item[by], fp + (str(i), by))[0]
                if name in index:
                    merge(old[index[name]], layer, item, fp + (str(i),), mp + (str(index[name]),), origins)
                else:
                    index[name] = len(old)
                    old.append(_put(layer, item, fp + (str(i),), mp + (str(len(old)),), origins))
        else:
            _forget(origins, layer.uses, mp)
            into[k] = _put(layer, value, fp, mp, origins)
