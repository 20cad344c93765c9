"""governance sits below calls, search, interchange, reports and portal: it imports none of them."""

from __future__ import annotations

import ast
from pathlib import Path

import regija

SRC = Path(regija.__file__).resolve().parent
ABOVE = ("calls", "search", "interchange", "reports", "portal")
# the management commands move to the apps above later; until then they may reach up
MOVING = {"management/commands/import_governance.py"}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_governance_imports_nothing_above_it():
    app = SRC / "governance"
    wrong = [
        f"{path.relative_to(app)} imports {module}"
        for path in sorted(app.rglob("*.py"))
        if "migrations" not in path.parts and str(path.relative_to(app)) not in MOVING
        for module in sorted(imported_modules(path))
        if module.split(".")[:2] in [["regija", name] for name in ABOVE]
    ]
    assert not wrong, wrong


def test_the_file_reading_base_is_core_only():
    for name in ("files", "filetypes", "rowsync"):
        modules = imported_modules(SRC / "core" / f"{name}.py")
        assert all(m.startswith("regija.core") for m in modules if m.startswith("regija")), (name, modules)
