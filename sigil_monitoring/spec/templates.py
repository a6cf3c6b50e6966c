"""Shared templates: a spec that ``extend``\\s template files gets their sections merged under its own.

A template (``apiVersion: sigil-monitoring/v1``, ``kind: Template``) declares typed
``parameters`` and holds any spec section (``metrics``, ``slos``, ``alerts``, ``dashboard``,
``routing``, ``targets``, ``service``) written against them; it may itself ``extend`` templates
(org defaults -> http-api -> a team's variant). A spec names its templates by path, relative to
the spec's own file, and gives the parameters' values::

    extend: [templates/http-api.yaml]
    params: {objective: 99.5%}

**Order**: the templates are merged depth first, left to right, each template after the
templates it extends and the extending file over them; a template reached twice (a diamond) is
merged once, at its first place; the spec comes last. A cycle is an error at the ``extend``
entry that closes it (``_chain``).

**Parameters** are one set per spec: every template of the chain sees the spec's ``params``;
a parameter the spec does not give takes the default of the last template in merge order that
declares one (an extending template may give its base's parameter a default by declaring it
again, with the same type). A template may name its own parameters and its bases'.

**Placeholders** are ``<<params.NAME>>`` and ``<<service.FIELD>>`` (a field of the spec's own
``service:``), in template values and keys only. A value that is exactly one placeholder takes
the parameter's typed value (a number stays a number, ``labels`` a mapping); inside longer text
it is written as text. ``<<`` was chosen because nothing a spec carries uses it: ``${x}`` and
``$x`` are Grafana variables, ``{{ }}`` Go templates (alert descriptions, Alertmanager), ``{...}``
and ``[...]`` PromQL selectors and ranges, ``%`` needs quoting in YAML; PromQL has no ``<<``
operator, and YAML reads ``<<`` as a merge key only when it is the whole key.

**Merge rules** (``template_merge.py``), applied template by template in that order, then the
spec itself: mappings merge key by key (the later file wins on a scalar); a list of mappings that
all carry a ``title`` (dashboard rows) or a ``name`` merges item by item on that key, new items
appended; any other list, and any value of another shape, is replaced whole; ``null`` removes
what an earlier file gave (``slos: {latency: null}``).

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
>>> _ = (folder / "team.yaml").write_text(
...     "apiVersion: sigil-monitoring/v1\\nkind: Template\\nextend: [base.yaml]\\n"
...     "service: {team: payments}\\n")
>>> spec = ("apiVersion: sigil-monitoring/v1\\nextend: [team.yaml]\\nparams: {objective: 99.5%}\\n"
...     "service: {name: api, selector: {job: api}}\\n"
...     "metrics: {requests: {name: http_requests_total, type: counter},"
...     " errors: {name: http_errors_total, type: counter}}\\n")
>>> from sigil_monitoring.spec.loader import parse_spec
>>> loaded = parse_spec(spec, str(folder / "api.yaml"))
>>> str(loaded.slos["availability"].objective), loaded._source.locate(("slos", "availability", "objective"))[1:]
('99.5', (3, 21))
>>> loaded.service.team, [pathlib.Path(name).name for name, _ in loaded._source.templates]
('payments', ['base.yaml', 'team.yaml'])
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path as FilePath
from typing import Any, assert_never

import msgspec

from ..errors import Diagnostic, SpecError, display_path
from .source import Origin, Path, Source
from .template_document import KIND, PARAM_TYPES, Extension, Parameter, ParamType, TemplateHeader, own_keys
from .template_merge import NAME, PLACEHOLDER

_PERCENT = re.compile(r"^(100(\.0+)?|\d{1,2}(\.\d+)?)%$")
_READ: dict[tuple[str, bytes], Template] = {}  # templates read in this process, by path and text
Fail = Callable[..., None]  # (origin, text, at="value"): one positioned problem


class Param(msgspec.Struct, frozen=True):
    """A declared parameter: its type, and its default with where it was written (None: required)."""

    type: ParamType
    default: tuple[Any, Origin] | None
    default_refused: bool = False  # a default was written but is not a value of the type (Template.problems)


class Template(msgspec.Struct, frozen=True):
    """One template file, read and checked: its declared parameters, its spec sections, and the
    ``extend`` entries it names itself (paths relative to it, as written)."""

    source: Source
    params: dict[str, Param]
    sections: dict[str, Any]
    sha256: str
    extends: object = ()  # one path or a list of them, as written
    # Problems that leave the template usable (a parameter's bad default, left out): reported
    # with every spec's, so that they hide none of the spec's own or of other templates.
    problems: tuple[Diagnostic, ...] = ()


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
    usable: list[Diagnostic] = []  # the template can still be merged (Template.problems)

    def fail(where: Path, text: str, at: str = "value") -> None:
        problems.append(Diagnostic(*_where((source, where), at), one_line(text)))

    def warn_usable(where: Path, text: str) -> None:
        usable.append(Diagnostic(*_where((source, where), "value"), one_line(text)))

    if not isinstance(doc, dict) or doc.get("kind") != KIND or doc.get("apiVersion") != "sigil-monitoring/v1":
        raise SpecError(
            [
                Diagnostic(
                    shown, 1, 1, "not a template (start it with apiVersion: sigil-monitoring/v1 and kind: Template)"
                )
            ]
        )
    allowed, header = sections(), own_keys(TemplateHeader)
    for key in doc:
        if key not in (*header, *allowed):
            known = ", ".join((*allowed, *header[2:]))  # after apiVersion and kind, which it has
            fail((str(key),), f"{key}: a template holds no such key (use one of {known})", "key")
    params: dict[str, Param] = {}
    declared = doc.get("parameters") or {}
    keys = own_keys(Parameter)
    if not isinstance(declared, dict):
        fail(("parameters",), f"parameters: a mapping of name -> {{{', '.join(keys)}}} is expected")
        declared = {}
    for name, body in declared.items():
        at: Path = ("parameters", str(name))
        if not isinstance(name, str) or not re.fullmatch(NAME, name):
            fail(at, f"parameter {name}: a name of letters, digits and _ (<<params.NAME>> names it)", "key")
        if not isinstance(body, dict) or body.get("type") not in PARAM_TYPES:
            fail(at + ("type",), f"parameter {name}: give its type, one of {', '.join(PARAM_TYPES)}")
            continue
        for key in sorted(map(str, set(body) - set(keys))):
            fail(at + (key,), f"parameter {name}: no such key {key} (use {', '.join(keys)})", "key")
        kind: ParamType = body["type"]
        default = None
        if "default" in body:
            found = PLACEHOLDER.search(body["default"]) if isinstance(body["default"], str) else None
            if found is not None:  # not expanded: it would reach the spec as text, and fail far from here
                warn_usable(
                    at + ("default",),
                    f"parameter {name}: a default is a value, not a placeholder ({found.group()}) (write the "
                    f"value, or leave the default out so that each spec gives params.{name})",
                )
            elif (why := type_problem(kind, body["default"])) is not None:
                warn_usable(at + ("default",), f"parameter {name}: the default {why}")
            else:
                default = (body["default"], (source, at + ("default",)))
        params[str(name)] = Param(kind, default, "default" in body and default is None)
    extends = doc.get("extend", [])
    _entries(extends, (source, ("extend",)), lambda origin, text: fail(origin[1], text))
    if problems:
        raise SpecError(problems + usable)
    body = {k: v for k, v in doc.items() if k in allowed}
    sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Template(source, params, body, sha256, extends, tuple(usable))


def template_path(owner: str, entry: str) -> FilePath:
    """The file an ``extend`` entry of the file shown as ``owner`` (a spec or a template) names:
    relative to that file's folder.

    >>> template_path("specs/api.yaml", "../templates/http-api.yaml").as_posix()
    'templates/http-api.yaml'
    """
    return FilePath(os.path.normpath(FilePath(owner).parent / entry))


def _entries(given: object, where: Origin, fail_at: Fail) -> list[object]:
    """The entries of an ``extend`` value (one path, or a list of them); [] and a problem otherwise."""
    if isinstance(given, str):
        return [given]
    if not isinstance(given, list):
        fail_at(where, "extend: give a list of template files (e.g. [templates/http-api.yaml])")
        return []
    return given


def _template(owner: Source, entry: object) -> Template | str:
    """The template an ``extend`` entry of ``owner`` names (a path relative to its file), or why it
    cannot be read (said at the entry); a ``SpecError`` positioned in the template for a broken one."""
    from .yaml_io import read_spec

    if not isinstance(entry, str) or not entry.strip():
        return "an extend entry is the path of a template file, relative to this file (e.g. templates/http-api.yaml)"
    path = template_path(owner.display, entry)
    try:
        data = read_spec(path)
    except SpecError as exc:  # unreadable: the reader's message, at the line that names the file
        return f"{entry}: {exc.diagnostics[0].message.replace('the spec is', 'the template is')}"
    key = (str(path), data)
    if key not in _READ:  # once per file text in a process: 1,000 specs share a handful of templates
        _READ[key] = read_template(data, display_path(path))
    return _READ[key]


class Chain(msgspec.Struct, frozen=True):
    """A spec's templates in merge order, what each may name, and whether any could not be read."""

    order: list[Template]
    top: dict[str, int]  # template -> the spec's extend entry it was reached by
    scope: dict[str, frozenset[str]]  # template -> the parameters it may name: its own and its bases'
    unread: bool  # a template that did not load: its parameters are unknown, not undeclared


def _entry_at(given: object, i: int) -> Path:
    """Where the ``i``-th entry of an ``extend`` value was written: the value itself when it is one path."""
    return ("extend",) if isinstance(given, str) else ("extend", str(i))


def _chain(source: Source, given: object, fail: Fail, problems: list[Diagnostic]) -> Chain:
    """The templates the spec ``source`` extends (``given``: its ``extend`` value), depth first, left
    to right, each after its bases and once; every problem of the walk positioned where written.

    A cycle is one problem, whichever file the walk entered it by: at the ``extend`` entry that
    leads back to the cycle's first file by name, so every spec that reaches it reports it alike."""
    order: list[Template] = []
    top: dict[str, int] = {}
    scope: dict[str, frozenset[str]] = {}
    unread = False
    walking: list[tuple[Template, int]] = []  # the templates being walked, and the entry each follows

    def visit(owner: Source, value: object, first: int | None) -> frozenset[str]:
        nonlocal unread
        entries = _entries(value, (owner, ("extend",)), fail)
        named: set[str] = set()
        for i, entry in enumerate(entries):
            at = _entry_at(value, i)
            try:
                found = _template(owner, entry)
            except SpecError as exc:
                problems.extend(exc.diagnostics)
                unread = True
                continue
            if isinstance(found, str):
                fail((owner, at), found)
                unread = True
                continue
            name = found.source.display
            if walking:
                walking[-1] = (walking[-1][0], i)
            loop = [t.source.display for t, _ in walking]
            if name in loop:
                _cycle(walking[loop.index(name) :], fail)
                unread = True
                continue
            if name not in scope:
                walking.append((found, 0))
                bases = visit(found.source, found.extends, i if first is None else first)
                walking.pop()
                if name not in scope:  # placed now, after its bases
                    problems.extend(found.problems)
                    scope[name] = frozenset(found.params) | bases
                    top[name] = i if first is None else first
                    order.append(found)
            named |= scope.get(name, frozenset())
        return frozenset(named)

    visit(source, given, None)
    return Chain(order, top, scope, unread)


def _cycle(members: list[tuple[Template, int]], fail: Fail) -> None:
    """One problem for the cycle ``members`` (each with the entry it follows to the next): at the
    entry that leads to the member first by name."""
    names = [t.source.display for t, _ in members]
    first = names.index(min(names))
    loop = names[first:] + names[:first]
    template, entry = members[first - 1]
    fail(
        (template.source, _entry_at(template.extends, entry)),
        f"extend: {' -> '.join([*loop, loop[0]])} is a cycle "
        f"(remove {loop[0]} from the extend of {template.source.display})",
    )


def extended_templates(shown: str, doc: dict[Any, Any]) -> list[str]:
    """The templates (as shown) the spec shown as ``shown`` merges, in merge order, through every
    template's own ``extend``: the compile request's record of its inputs. Problems are not
    reported here (the loader reports them); what can be read is listed."""
    problems: list[Diagnostic] = []
    chain = _chain(Source(shown, ""), doc.get("extend"), lambda *_: None, problems)
    return [template.source.display for template in chain.order]


def expand(doc: dict[Any, Any], source: Source) -> tuple[dict[Any, Any], Source]:
    """The spec ``doc`` with its templates merged in, and a Source that knows where each value was
    written; a ``SpecError`` with every problem of the spec's ``extend``/``params`` and its templates."""
    from .template_merge import Layer, Origins, Uses, merge
    from .yaml_io import one_line

    problems: list[Diagnostic] = []

    def fail(origin: Origin, text: str, at: str = "value") -> None:
        problems.append(Diagnostic(*_where(origin, at), one_line(text)))

    notes: list[Diagnostic] = []  # warnings of the merge, given with the spec's own (Source.merge_warnings)

    def warn(origin: Origin, text: str, at: str = "value") -> None:
        notes.append(Diagnostic(*_where(origin, at), one_line(text), "warning"))

    chain = _chain(source, doc["extend"], fail, problems)
    given = doc.get("params") or {}
    if not isinstance(given, dict):
        fail((source, ("params",)), "params: a mapping of parameter name -> value is expected")
        given = {}
    # One set of parameters per spec: a type per name; the default of the last template, in
    # merge order, that gives one (an extending template overrides its base's).
    declared: dict[str, tuple[ParamType, Template]] = {}
    defaults: dict[str, tuple[Any, Origin]] = {}
    refused: set[str] = set()  # a default that is no value of its type: said once, at the default
    for template in chain.order:
        for name, param in template.params.items():
            if name in declared and declared[name][0] != param.type:
                fail(
                    (template.source, ("parameters", name, "type")),
                    f"parameter {name} is a {param.type} here but a {declared[name][0]} in "
                    f"{declared[name][1].source.display} (give the two one type)",
                )
            declared.setdefault(name, (param.type, template))
            if param.default is not None:
                defaults[name] = param.default
            if param.default_refused:
                refused.add(name)
    values: dict[str, tuple[Any, Origin]] = {}
    for name, value in given.items():
        where: Origin = (source, ("params", str(name)))
        if name not in declared and chain.unread:
            continue
        if name not in declared:
            known = ", ".join(sorted(declared)) or "none"
            fail(where, f"params.{name}: no template of extend declares this parameter (declared: {known})", "key")
        elif (why := type_problem(declared[name][0], value)) is not None:
            fail(where, f"params.{name}: {why}")
        else:
            values[str(name)] = (value, where)
    for name, (kind, first) in declared.items():
        if name not in values and name not in defaults and name not in given and name not in refused:
            at = _entry_at(doc["extend"], chain.top[first.source.display])
            fail((source, at), f"{first.source.display} needs params.{name} (a {kind}; give it under params:)")
    values = defaults | values
    _unknown_document_keys(doc, source, fail)  # with the template's problems: a typo of params hides none
    own = {k: v for k, v in doc.items() if k not in own_keys(Extension)}
    given_service = own.get("service")
    service: dict[str, Any] = given_service if isinstance(given_service, dict) else {}
    merged: dict[Any, Any] = {}
    origins: Origins = {}
    uses: Uses = {}
    removed: set[Path] = set()
    for template in chain.order:
        scope = chain.scope[template.source.display]
        layer = Layer(template.source, values, service, fail, scope, uses, warn, removed)
        merge(merged, layer, template.sections, (), (), origins)
    merge(merged, Layer(source, None, service, fail, uses=uses, warn=warn, removed=removed), own, (), (), origins)
    if problems:
        raise SpecError(problems)
    # The merged spec keeps the spec's own key order first (apiVersion, service...), then the rest.
    ordered = {k: merged[k] for k in own if k in merged} | merged
    shown = tuple((t.source.display, t.sha256) for t in chain.order)
    return ordered, Source(
        source.display,
        source.text,
        tree=source.tree,
        origins=origins,
        templates=shown,
        uses=uses or None,
        merge_warnings=tuple(notes),
    )


def _unknown_document_keys(doc: dict[Any, Any], source: Source, fail: Callable[..., None]) -> None:
    """Keys of the spec no spec has: reported with its templates' problems, since a typo such as
    ``parms:`` would otherwise show only as every parameter missing."""
    from .document import Spec
    from .source import unknown_key

    keys = (*own_keys(Spec), *own_keys(Extension))
    for key in doc:
        if key not in keys:
            fail((source, (str(key),)), unknown_key(str(key), keys, ()), "key")


def check_template(data: bytes, shown: str) -> None:
    """A template file checked on its own (``validate`` of a template, the pre-commit hook): what
    ``read_template`` checks, the templates it extends (readable, no cycle), and that each
    ``<<params.NAME>>`` it writes is declared by it or a template it extends; a ``SpecError``
    with every problem."""
    from .yaml_io import one_line

    template = read_template(data, shown)
    problems: list[Diagnostic] = list(template.problems)

    def fail(origin: Origin, text: str, at: str = "value") -> None:
        problems.append(Diagnostic(*_where(origin, at), one_line(text)))

    chain = _chain(template.source, template.extends, fail, problems)
    scope = frozenset(template.params).union(*chain.scope.values())

    def walk(node: Any, path: Path) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            here = (*path, str(key))
            for text, at in ((key, "key"), (value, "value")):
                for m in PLACEHOLDER.finditer(text) if isinstance(text, str) else ():
                    if m.group(1) == "params" and m.group(2) not in scope and not chain.unread:
                        fail(
                            (template.source, here),
                            f"{m.group()}: the template declares no parameter {m.group(2)} "
                            "(declare it under parameters:, or fix the name)",
                            at,
                        )
            walk(value, here)

    walk(template.sections, ())
    if problems:
        raise SpecError(problems)
