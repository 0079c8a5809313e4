"""The library's dependencies point one way: the pure core (model, decisions, persistence, margin, ...)
imports neither LEAN nor the executor; recovery sits beside the core and never imports the executor
or the LEAN shell; and no module of atomic/ or recovery/ is part of an import cycle."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("atomic", "recovery")
SHELL = {"atomic.executor", "atomic.lean_broker", "atomic"}  # `atomic` re-exports the executor


def _imports() -> dict[str, set[str]]:
    """Module -> the project modules it imports (at any level, TYPE_CHECKING blocks included)."""
    graph: dict[str, set[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).glob("*.py")):
            module = package if path.stem == "__init__" else f"{package}.{path.stem}"
            names: set[str] = set()
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module:
                    names.add(node.module)
                elif isinstance(node, ast.Import):
                    names.update(alias.name for alias in node.names)
            graph[module] = names
    return graph


def test_the_core_and_recovery_never_import_the_shell_or_lean() -> None:
    graph = _imports()
    offending = {module: sorted(names & (SHELL | {"AlgorithmImports"}))
                 for module, names in graph.items()
                 if module not in SHELL and names & (SHELL | {"AlgorithmImports"})}
    assert offending == {}


def test_no_import_cycle() -> None:
    graph = {module: {name for name in names if name in _imports()} for module, names in _imports().items()}
    cycles = []
    for start in graph:
        seen, todo = set(), list(graph[start])
        while todo:
            module = todo.pop()
            if module == start:
                cycles.append(start)
                break
            if module not in seen:
                seen.add(module)
                todo += graph.get(module, set())
    assert cycles == []
