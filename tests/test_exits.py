"""Exit codes are declared once (``sigil_monitoring/exits.py``) and only named elsewhere: no
command returns a bare number, no module declares its own ``EXIT_...`` constants."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "sigil_monitoring"
# The code that decides what a process exits with: the commands, the entry points, push's verdicts.
DECIDERS = [*sorted((PACKAGE / "cli").glob("*.py")), *sorted((PACKAGE / "remote").glob("*.py")), PACKAGE / "startup.py"]


def _bare_codes(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        value = None
        if isinstance(node, ast.Return):
            value = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if name in ("SystemExit", "exit", "_exit") and node.args:
                value = node.args[0]
        if isinstance(value, ast.Constant) and type(value.value) is int:
            found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {ast.unparse(node)}")
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
            found += [f"{path.relative_to(PACKAGE.parent)}:{node.lineno}: {n}" for n in names if n.startswith("EXIT_")]
    return found


def test_exit_codes_are_named_not_numbers():
    assert len(DECIDERS) > 8
    found = [line for path in DECIDERS for line in _bare_codes(path)]
    assert not found, "use sigil_monitoring.exits.Exit:\n" + "\n".join(found)
