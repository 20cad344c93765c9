"""An import-linter contract: no module uses another module's private (``_underscored``) names.

A leading underscore says "this may change without notice"; a name another module needs is made
public, with a docstring, in the module that owns it. The contract reads each module of the
package and reports

- ``from regija.x import _name`` (a private name taken from another module), and
- ``x._name`` where ``x`` is another module imported under that name (``from regija import x``,
  ``import regija.x as x``).

Dunder names (``__version__``) are not private. Django's documented ``_meta`` is an attribute of
models, not of modules, so it is never reported.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _resolve(module: str, level: int, target: str | None, is_package: bool) -> str:
    if level == 0:
        return target or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join(base + ([target] if target else []))


def problems_in(module: str, source: str, is_package: bool, graph_modules: set[str]) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    tree = ast.parse(source)
    module_aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            origin = _resolve(module, node.level, node.module, is_package)
            if origin == module:
                continue
            for alias in node.names:
                full = f"{origin}.{alias.name}"
                if full in graph_modules:
                    module_aliases[alias.asname or alias.name] = full
                elif _private(alias.name) and origin in graph_modules:
                    found.append((node.lineno, f"imports the private name {alias.name} from {origin}"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name in graph_modules:
                    module_aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in module_aliases
            and module_aliases[node.value.id] != module
        ):
            found.append(
                (node.lineno, f"uses the private name {node.attr} of {module_aliases[node.value.id]}")
            )
    return found


def _source_of(module: str) -> tuple[Path | None, bool]:
    """The file of a module, found without importing it (a package's __init__ may need Django set up)."""
    top, *rest = module.split(".")
    spec = importlib.util.find_spec(top)
    if spec is None or not spec.submodule_search_locations:
        return None, False
    base = Path(next(iter(spec.submodule_search_locations))).joinpath(*rest)
    if (base / "__init__.py").is_file():
        return base / "__init__.py", True
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py"), False
    return None, False


class PrivateNamesContract(Contract):
    """Configuration: ``packages`` – the packages whose modules are checked (and whose names count)."""

    type_name = "private_names"

    packages = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        prefixes = tuple(self.packages)  # type: ignore[arg-type]
        modules = {m for m in graph.modules if m.startswith(prefixes)}
        problems = []
        for module in sorted(modules):
            path, is_package = _source_of(module)
            if path is None:
                continue
            source = path.read_text(encoding="utf-8")
            for line, text in problems_in(module, source, is_package, modules):
                problems.append(f"{module}:{line} {text}")
        return ContractCheck(kept=not problems, metadata={"problems": problems})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for problem in check.metadata["problems"]:
            output.print_error(problem, bold=False)
        output.new_line()
        output.print("Make the name public (no underscore, with a docstring) in the module that owns it.")
