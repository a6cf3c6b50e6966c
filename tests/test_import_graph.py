"""The package's modules import each other without a cycle, at module and at function level.

The graph is read from the source, not from a run: every ``import`` and ``from ... import`` in
every module of ``sigil_monitoring``, wherever it stands (module top, inside a function or a
method, inside ``try``), so a lazy import inside a function counts like a top-level one: a cycle
broken only by deferring an import is still a cycle in the design.

What counts as an edge:

- ``from . import x`` (or ``from .pkg import x``) where ``x`` is a submodule is an edge to the
  submodule; where ``x`` is a name defined in the package, an edge to the package, whose module
  is its ``__init__.py``;
- relative imports are resolved against the importing module's package (an ``__init__.py``'s
  package is itself);
- importing ``a.b.c`` is an edge to ``a.b.c`` only, not to the packages ``a`` and ``a.b``
  around it: Python runs those first, but that is how packages work, not a dependency the code
  chose (a package ``__init__`` importing its own submodules would otherwise always be a cycle);
- imports under ``if TYPE_CHECKING:`` do not count: they never run, and every module has
  ``from __future__ import annotations``, so a type named "upwards" is text until a type checker
  (or, on the spec's error path, ``typing.get_type_hints``) reads it. The spec classes need this:
  their annotations are written in the pydantic vocabulary of ``spec/types.py``, which itself
  names the spec classes it builds on (see docs/architecture.md, "Validating without pydantic").

Imports by name at run time (``importlib.import_module``: the target registry in
``compilers/__init__.py``, the lazy public API in ``sigil_monitoring/__init__.py``) are calls, not
import statements, and are not seen. The test is generic: modules added later are walked the same way.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "sigil_monitoring"
ROOT = PACKAGE.name


def module_names(package: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package by dotted name; a package's ``__init__.py`` is the package."""
    names = {}
    for path in sorted(package.rglob("*.py")):
        parts = (package.name, *path.relative_to(package).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import node that can run, anywhere in ``tree``: module level, functions, methods,
    ``try``, ``if`` — all but the bodies of ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)  # the ``else:`` branch runs
        else:
            stack.extend(ast.iter_child_nodes(node))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """``name`` or its longest prefix that is a module of the package."""
    parts = name.split(".")
    while parts:
        if ".".join(parts) in modules:
            return ".".join(parts)
        parts.pop()
    return None


def edges_of(module: str, modules: dict[str, Path]) -> set[str]:
    """The modules of the package that ``module`` imports (itself excluded)."""
    path = modules[module]
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {m for alias in node.names if (m := _known(alias.name, modules))}
            continue
        if node.level:
            base = package.split(".")
            base = base[: len(base) - (node.level - 1)]
            source = ".".join([*base, *([node.module] if node.module else [])])
        else:
            source = node.module or ""
        for alias in node.names:
            submodule = f"{source}.{alias.name}"
            target = submodule if submodule in modules else _known(source, modules)
            if target is not None:
                found.add(target)
    found.discard(module)
    return found


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    modules = module_names(package)
    return {module: edges_of(module, modules) for module in modules}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (a shortest one from its first module) of each knot of mutually importing modules.

    >>> cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    [['a', 'b', 'c', 'a']]
    >>> cycles({"a": {"b"}, "b": set()})
    []
    """
    return sorted(_one_cycle(component, graph) for component in knots(graph))


def knots(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        # Iterative, so a deep graph cannot hit the recursion limit.
        work = [(node, iter(sorted(graph.get(node, ()))))]
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        while work:
            current, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[current] = min(low[current], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[current])
            if low[current] == index[current]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == current:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def _one_cycle(knot: list[str], graph: dict[str, set[str]]) -> list[str]:
    """A shortest path from the knot's first module back to itself (breadth first)."""
    inside, start = set(knot), knot[0]
    came_from: dict[str, str] = {}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node] & inside):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if child not in came_from:
                came_from[child] = node
                queue.append(child)
    return knot  # unreachable for a strongly connected component


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert len(graph) > 50, "the walk found the package's modules"
    found = [(_one_cycle(knot, graph), knot) for knot in knots(graph)]
    assert not found, "import cycles (a -> b -> ... -> a, and every module of the knot); break them:\n" + "\n".join(
        f"{' -> '.join(cycle)}\n    knot: {', '.join(knot)}" for cycle, knot in found
    )


def test_relative_imports_resolve_to_submodules_and_packages(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .sub import c\n"
    )
    (package / "a.py").write_text("def f():\n    from .sub import c\n    from . import b\n")
    (package / "b.py").write_text("from .sub import helper\n")
    (package / "sub" / "__init__.py").write_text("from .. import b\n")
    (package / "sub" / "c.py").write_text("import pkg.a\n")
    graph = import_graph(package)
    assert graph == {
        "pkg": set(),  # only a TYPE_CHECKING import
        "pkg.a": {"pkg.sub.c", "pkg.b"},
        "pkg.b": {"pkg.sub"},
        "pkg.sub": {"pkg.b"},
        "pkg.sub.c": {"pkg.a"},
    }
    assert cycles(graph) == [["pkg.a", "pkg.sub.c", "pkg.a"], ["pkg.b", "pkg.sub", "pkg.b"]]


def test_only_the_entry_points_import_the_command_line():
    """``cli/`` is the only code that imports commands; the library never imports the CLI."""
    graph = import_graph()
    entry_points = {f"{ROOT}.startup", f"{ROOT}.__main__"}
    importers = {
        module
        for module, targets in graph.items()
        if any(t == f"{ROOT}.cli" or t.startswith(f"{ROOT}.cli.") for t in targets)
        and not (module == f"{ROOT}.cli" or module.startswith(f"{ROOT}.cli."))
    }
    assert importers <= entry_points, f"library modules importing the CLI: {sorted(importers - entry_points)}"
