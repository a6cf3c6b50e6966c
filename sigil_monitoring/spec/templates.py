"""Shared templates: a spec that ``extend``\\s template files gets their sections merged under its own.

A template (``apiVersion: sigil-monitoring/v1``, ``kind: Template``) declares typed
``parameters`` and holds any spec section (``metrics``, ``slos``, ``alerts``, ``dashboard``,
``routing``, ``targets``, ``service``) written against them. A spec names its templates by path,
relative to the spec's own file, and gives the parameters' values::

    extend: [templates/http-api.yaml]
    params: {objective: 99.5%}

**Placeholders** are ``<<params.NAME>>`` and ``<<service.FIELD>>`` (a field of the spec's own
``service:``), in template values and keys only. A value that is exactly one placeholder takes
the parameter's typed value (a number stays a number, ``labels`` a mapping); inside longer text
it is written as text. ``<<`` was chosen because nothing a spec carries uses it: ``${x}`` and
``$x`` are Grafana variables, ``{{ }}`` Go templates (alert descriptions, Alertmanager), ``{...}``
and ``[...]`` PromQL selectors and ranges, ``%`` needs quoting in YAML; PromQL has no ``<<``
operator, and YAML reads ``<<`` as a merge key only when it is the whole key.

**Merge rules**, applied template by template in ``extend`` order, then the spec itself:
mappings merge key by key (the later file wins on a scalar); a list of mappings that all carry a
``title`` (dashboard rows) or a ``name`` merges item by item on that key, new items appended; any
other list, and any value of another shape, is replaced whole; ``null`` removes what an earlier
file gave (``slos: {latency: null}``).

**Positions**: every value of the merged document remembers the file and path where it was
written (``Source.origins``), so an error is reported in the template or in the spec, wherever
the offending text is; a value that is a whole placeholder is reported where the parameter's
value was written (the spec's ``params:`` or the template's ``default:``).

>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "base.yaml").write_text(
...     "apiVersion: sigil-monitoring/v1\\nkind: Template\\n"
...     "parameters: {objective: {type: percentage, default: 99.9%}}\\n"
...     "slos:\\n  availability: {objective: <<params.objective>>, sli: {bad: errors, total: requests}}\\n")
>>> spec = ("apiVersion: sigil-monitoring/v1\\nextend: [base.yaml]\\nparams: {objective: 99.5%}\\n"
...     "service: {name: api, selector: {job: api}}\\n"
...     "metrics: {requests: {name: http_requests_total, type: counter},"
...     " errors: {name: http_errors_total, type: counter}}\\n")
>>> from sigil_monitoring.spec.loader import parse_spec
>>> loaded = parse_spec(spec, str(folder / "api.yaml"))
>>> str(loaded.slos["availability"].objective), loaded._source.locate(("slos", "availability", "objective"))[1:]
('99.5', (3, 21))
"""

from __future__ import annotations

import os
import re
from pathlib import Path as FilePath
from typing import Any, Literal, assert_never

import msgspec

from ..errors import Diagnostic, SpecError, display_path
from .source import Origin, Path, Source

KIND = "Template"
ParamType = Literal["string", "duration", "percentage", "number", "boolean", "labels"]
PARAM_TYPES: tuple[ParamType, ...] = ("string", "duration", "percentage", "number", "boolean", "labels")
PLACEHOLDER = re.compile(r"<<(params|service)\.([A-Za-z_][A-Za-z0-9_]*)>>")
_PERCENT = re.compile(r"^(100(\.0+)?|\d{1,2}(\.\d+)?)%$")
_IDENTITY = ("title", "name")  # the keys a list of mappings merges on, tried in this order
_OWN_KEYS = ("extend", "params")  # the spec's keys that name templates; not part of the merged spec
_READ: dict[tuple[str, bytes], Template] = {}  # templates read in this process, by path and text


class Param(msgspec.Struct, frozen=True):
    """A declared parameter: its type, and its default with where it was written (None: required)."""

    type: ParamType
    default: tuple[Any, Origin] | None


class Template(msgspec.Struct, frozen=True):
    """One template file, read and checked: its declared parameters and its spec sections."""

    source: Source
    params: dict[str, Param]
    sections: dict[str, Any]
    sha256: str


def sections() -> tuple[str, ...]:
    """The spec sections a template may hold: the spec's own keys, but its version.

    >>> sections()
    ('service', 'metrics', 'slos', 'alerts', 'dashboard', 'routing', 'targets')
    """
    from .document import Spec

    # The encoded names, read without evaluating the annotations (text at run time, see document.py).
    return tuple(name for name in Spec.__struct_encode_fields__ if name != "apiVersion")


def type_problem(kind: ParamType, value: object) -> str | None:
    """Why ``value`` is not of the parameter type ``kind``; None when it is.

    >>> type_problem("percentage", "99.9%"), type_problem("duration", "5 minutes")
    (None, "'5 minutes' is not a duration such as 5m or 1h30m")
    """
    match kind:
        case "string":
            ok = isinstance(value, str)
        case "duration":
            from ..values.units import Duration

            try:
                Duration.parse(value, zero_ok=True)
                ok = True
            except ValueError:
                return f"{value!r} is not a duration such as 5m or 1h30m"
        case "percentage":
            ok = isinstance(value, str) and _PERCENT.match(value) is not None
        case "number":
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        case "boolean":
            ok = isinstance(value, bool)
        case "labels":
            ok = isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
        case _:
            assert_never(kind)
    return None if ok else f"{value!r} is not a {kind}{_EXAMPLE[kind]}"


_EXAMPLE: dict[ParamType, str] = {
    "string": " (quote it)",
    "duration": " such as 5m",
    "percentage": " such as 99.9%",
    "number": " such as 0.5",
    "boolean": " (true or false)",
    "labels": " mapping such as {job: api}",
}


def _where(origin: Origin, at: str = "value") -> tuple[str, int, int]:
    source, path = origin
    return (source.display, *source.position(path, at))


def read_template(data: bytes, shown: str) -> Template:
    """The template whose file (shown as ``shown``) holds ``data``: parsed, its parameters checked."""
    import hashlib

    from .yaml_io import YamlProblem, decode, load, one_line

    try:
        text = decode(data)
        doc = load(text)
    except YamlProblem as problem:
        raise SpecError([Diagnostic(shown, problem.line, problem.col, one_line(problem.message))]) from None
    source = Source(shown, text, tree=doc if hasattr(doc, "lc") else None)
    problems: list[Diagnostic] = []

    def fail(where: Path, text: str, at: str = "value") -> None:
        problems.append(Diagnostic(*_where((source, where), at), one_line(text)))

    if not isinstance(doc, dict) or doc.get("kind") != KIND or doc.get("apiVersion") != "sigil-monitoring/v1":
        raise SpecError(
            [
                Diagnostic(
                    shown, 1, 1, "not a template (start it with apiVersion: sigil-monitoring/v1 and kind: Template)"
                )
            ]
        )
    allowed = sections()
    for key in doc:
        if key not in ("apiVersion", "kind", "description", "parameters", *allowed):
            fail(
                (str(key),), f"{key}: a template holds no such key (use one of {', '.join(allowed)}, parameters)", "key"
            )
    params: dict[str, Param] = {}
    declared = doc.get("parameters") or {}
    if not isinstance(declared, dict):
        fail(("parameters",), "parameters: a mapping of name -> {type, default, description} is expected")
        declared = {}
    for name, body in declared.items():
        at: Path = ("parameters", str(name))
        if not isinstance(body, dict) or body.get("type") not in PARAM_TYPES:
            fail(at + ("type",), f"parameter {name}: give its type, one of {', '.join(PARAM_TYPES)}")
            continue
        extra = set(body) - {"type", "default", "description"}
        for key in sorted(map(str, extra)):
            fail(at + (key,), f"parameter {name}: no such key {key} (use type, default, description)", "key")
        kind: ParamType = body["type"]
        default = None
        if "default" in body:
            if (why := type_problem(kind, body["default"])) is not None:
                fail(at + ("default",), f"parameter {name}: the default {why}")
            default = (body["default"], (source, at + ("default",)))
        params[str(name)] = Param(kind, default)
    if problems:
        raise SpecError(problems)
    body = {k: v for k, v in doc.items() if k in allowed}
    return Template(source, params, body, hashlib.sha256(text.encode("utf-8")).hexdigest())


class _Layer:
    """One file merged into the spec: its Source, and what its placeholders stand for (a
    template) or None (the spec itself, whose text is taken as written)."""

    def __init__(
        self, source: Source, values: dict[str, tuple[Any, Origin]] | None, service: dict[str, Any], fail: Any
    ) -> None:
        self.source, self.values, self.service, self.fail = source, values, service, fail

    def origin(self, path: Path) -> Origin:
        return (self.source, path)

    def scalar(self, text: str, path: Path, at: str = "value") -> tuple[Any, Origin]:
        """``text`` with its placeholders replaced, and where the result was written."""
        if self.values is None or "<<" not in text:
            return text, (self.source, path)
        whole = PLACEHOLDER.fullmatch(text)
        if whole is not None:
            found = self._value(whole, path, at)
            return (text, (self.source, path)) if found is None else found
        return PLACEHOLDER.sub(lambda m: self._text(m, path, at), text), (self.source, path)

    def _value(self, m: re.Match[str], path: Path, at: str) -> tuple[Any, Origin] | None:
        space, name = m.group(1), m.group(2)
        if space == "params":
            assert self.values is not None
            if name not in self.values:
                self.fail(
                    (self.source, path),
                    f"{m.group()}: the template declares no parameter {name} "
                    "(declare it under parameters:, or fix the name)",
                    at,
                )
                return None
            return self.values[name]
        if name not in self.service:
            self.fail(
                (self.source, path),
                f"{m.group()}: the spec's service: has no {name} "
                f"(set service.{name} in the spec, or remove the reference)",
                at,
            )
            return None
        return self.service[name], (self.source, path)

    def _text(self, m: re.Match[str], path: Path, at: str) -> str:
        found = self._value(m, path, at)
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


def _key(layer: _Layer, key: object, path: Path) -> str:
    text = str(key)
    return str(layer.scalar(text, path + (text,), "key")[0]) if "<<" in text else text


def _put(layer: _Layer, node: Any, fpath: Path, mpath: Path, origins: Origins) -> Any:
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
        value, origins[mpath] = layer.scalar(node, fpath)
        return value
    origins[mpath] = layer.origin(fpath)
    return node


def _forget(origins: Origins, path: Path) -> None:
    for key in [k for k in origins if k[: len(path)] == path]:
        del origins[key]


def _identity(items: list[Any]) -> str | None:
    """The key a list of mappings merges on: title or name when every item has it."""
    for key in _IDENTITY:
        if items and all(isinstance(i, dict) and isinstance(i.get(key), str) for i in items):
            return key
    return None


def _merge(
    into: dict[Any, Any], layer: _Layer, node: dict[Any, Any], fpath: Path, mpath: Path, origins: Origins
) -> None:
    for key, value in node.items():
        k = _key(layer, key, fpath)
        fp, mp = fpath + (str(key),), mpath + (k,)
        old = into.get(k)
        if value is None:  # an explicit removal of what an earlier file gave
            into.pop(k, None)
            _forget(origins, mp)
        elif isinstance(value, dict) and isinstance(old, dict):
            origins[mp] = layer.origin(fp)
            _merge(old, layer, value, fp, mp, origins)
        elif isinstance(value, list) and isinstance(old, list) and (by := _identity(old)) and _identity(value) == by:
            origins[mp] = layer.origin(fp)
            index = {item[by]: i for i, item in enumerate(old)}
            for i, item in enumerate(value):
                name = layer.scalar(item[by], fp + (str(i), by))[0]
                if name in index:
                    _merge(old[index[name]], layer, item, fp + (str(i),), mp + (str(index[name]),), origins)
                else:
                    index[name] = len(old)
                    old.append(_put(layer, item, fp + (str(i),), mp + (str(len(old)),), origins))
        else:
            _forget(origins, mp)
            into[k] = _put(layer, value, fp, mp, origins)


def template_path(spec: str, entry: str) -> FilePath:
    """The file an ``extend`` entry of the spec shown as ``spec`` names: relative to the spec's folder.

    >>> template_path("specs/api.yaml", "../templates/http-api.yaml").as_posix()
    'templates/http-api.yaml'
    """
    return FilePath(os.path.normpath(FilePath(spec).parent / entry))


def _template(spec: Source, entry: object) -> Template | str:
    """The template an ``extend`` entry names (a path relative to the spec's file), or why it cannot
    be read (said at the entry); a ``SpecError`` positioned in the template for a broken template."""
    from .yaml_io import read_spec

    if not isinstance(entry, str) or not entry.strip():
        return "an extend entry is the path of a template file, relative to the spec (e.g. templates/http-api.yaml)"
    path = template_path(spec.display, entry)
    try:
        data = read_spec(path)
    except SpecError as exc:  # unreadable: the reader's message, at the line that names the file
        return f"{entry}: {exc.diagnostics[0].message.replace('the spec is', 'the template is')}"
    key = (str(path), data)
    if key not in _READ:  # once per file text in a process: 1,000 specs share a handful of templates
        _READ[key] = read_template(data, display_path(path))
    return _READ[key]


def expand(doc: dict[Any, Any], source: Source) -> tuple[dict[Any, Any], Source]:
    """The spec ``doc`` with its templates merged in, and a Source that knows where each value was
    written; a ``SpecError`` with every problem of the spec's ``extend``/``params`` and its templates."""
    problems: list[Diagnostic] = []

    def fail(origin: Origin, text: str, at: str = "value") -> None:
        from .yaml_io import one_line

        problems.append(Diagnostic(*_where(origin, at), one_line(text)))

    entries = doc["extend"]
    entries = [entries] if isinstance(entries, str) else entries
    if not isinstance(entries, list):
        fail((source, ("extend",)), "extend: give a list of template files (e.g. [templates/http-api.yaml])")
        raise SpecError(problems)
    given = doc.get("params") or {}
    if not isinstance(given, dict):
        fail((source, ("params",)), "params: a mapping of parameter name -> value is expected")
        given = {}
    templates: list[Template] = []
    unread = False  # a template that did not load: its parameters are unknown, not undeclared
    for i, entry in enumerate(entries):
        try:
            found = _template(source, entry)
        except SpecError as exc:
            problems.extend(exc.diagnostics)
            unread = True
            continue
        if isinstance(found, str):
            fail((source, ("extend", str(i))), found)
            unread = True
        else:
            templates.append(found)
    declared: dict[str, tuple[ParamType, Template]] = {}
    for template in templates:
        for name, param in template.params.items():
            if name in declared and declared[name][0] != param.type:
                fail(
                    (template.source, ("parameters", name, "type")),
                    f"parameter {name} is a {param.type} here but a {declared[name][0]} in "
                    f"{declared[name][1].source.display} (give the two one type)",
                )
            declared.setdefault(name, (param.type, template))
    values: dict[str, tuple[Any, Origin]] = {}
    for name, value in given.items():
        where: Origin = (source, ("params", str(name)))
        if name not in declared and unread:
            continue
        if name not in declared:
            known = ", ".join(sorted(declared)) or "none"
            fail(where, f"params.{name}: no template of extend declares this parameter (declared: {known})", "key")
        elif (why := type_problem(declared[name][0], value)) is not None:
            fail(where, f"params.{name}: {why}")
        else:
            values[str(name)] = (value, where)
    own = {k: v for k, v in doc.items() if k not in _OWN_KEYS}
    given_service = own.get("service")
    service: dict[str, Any] = given_service if isinstance(given_service, dict) else {}
    merged: dict[Any, Any] = {}
    origins: Origins = {}
    for i, template in enumerate(templates):
        mine = dict(values)
        for name, param in template.params.items():
            if name in mine:
                continue
            if param.default is None:
                fail(
                    (source, ("extend", str(i))),
                    f"{template.source.display} needs params.{name} (a {param.type}; give it under params:)",
                )
            else:
                mine[name] = param.default
        _merge(merged, _Layer(template.source, mine, service, fail), template.sections, (), (), origins)
    _merge(merged, _Layer(source, None, service, fail), own, (), (), origins)
    if problems:
        raise SpecError(problems)
    # The merged spec keeps the spec's own key order first (apiVersion, service...), then the rest.
    ordered = {k: merged[k] for k in own if k in merged} | merged
    shown = tuple((t.source.display, t.sha256) for t in templates)
    return ordered, Source(source.display, source.text, tree=source.tree, origins=origins, templates=shown)
