"""The library's dependencies point one way: the pure core (model, decisions, persistence, journal,
margin, ...) imports neither LEAN nor the executor; recovery sits beside the core and never imports
the executor or the LEAN shell; no two modules of atomic/ and recovery/ depend on each other; and
importing a core or recovery module never loads the shell."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("atomic", "recovery")
SHELL = {"atomic.executor", "atomic.lean_broker", "atomic.compose"}  # compose wires the shell: the composition root


def _modules() -> dict[str, Path]:
    """Every module of the packages (their __init__ excepted: a package's face re-exports, it is not a layer)."""
    return {f"{package}.{path.stem}": path for package in PACKAGES
            for path in sorted((ROOT / package).glob("*.py")) if path.stem != "__init__"}


def _imports() -> dict[str, set[str]]:
    """Module -> the names it imports anywhere (deferred and TYPE_CHECKING imports are dependencies too)."""
    graph: dict[str, set[str]] = {}
    for module, path in _modules().items():
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)  # `from atomic import executor`
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        graph[module] = names
    return graph


def test_the_core_and_recovery_never_import_the_shell_or_lean() -> None:
    offending = {module: sorted(names & (SHELL | {"AlgorithmImports"}))
                 for module, names in _imports().items()
                 if module not in SHELL and names & (SHELL | {"AlgorithmImports"})}
    assert offending == {}


def test_no_two_modules_depend_on_each_other() -> None:
    graph = {module: names & set(_modules()) for module, names in _imports().items()}
    cycles = []
    for start in graph:
        seen: set[str] = set()
        todo = list(graph[start])
        while todo:
            module = todo.pop()
            if module == start:
                cycles.append(start)
                break
            if module not in seen:
                seen.add(module)
                todo += graph[module]
    assert cycles == []


def test_importing_the_core_or_recovery_first_never_loads_the_shell() -> None:
    """In a fresh interpreter, as LEAN or a tool may import them in any order."""
    for module in ("recovery", "recovery.plan", "atomic.model", "atomic.journal", "atomic.decisions"):
        script = f"import sys, {module}; sys.exit(sorted(m for m in sys.modules if m in {sorted(SHELL)!r}) or None)"
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"import {module}: {done.stderr.strip().splitlines()[-1:]}"
