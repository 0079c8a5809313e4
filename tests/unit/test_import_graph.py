"""The library's dependencies point one way: the pure core (model, decisions, persistence, journal,
margin, ...) imports neither LEAN nor the executor; recovery sits beside the core and never imports
the executor or the LEAN shell; no two modules of atomic/ and recovery/ depend on each other; and
importing a core or recovery module never loads the shell.

leansim, the LEAN double, has no import cycle either, and each of its modules names the LEAN file it
stands for, so that a reader can check one against the other."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

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


def _on_a_cycle(graph: Mapping[str, set[str]]) -> list[str]:
    """The modules from which the imports lead back to themselves."""
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
                todo += graph.get(module, set())
    return sorted(cycles)


def test_no_two_modules_depend_on_each_other() -> None:
    graph = {module: names & set(_modules()) for module, names in _imports().items()}
    assert _on_a_cycle(graph) == []


def test_importing_the_core_or_recovery_first_never_loads_the_shell() -> None:
    """In a fresh interpreter, as LEAN or a tool may import them in any order."""
    for module in ("recovery", "recovery.plan", "atomic.model", "atomic.journal", "atomic.decisions"):
        script = f"import sys, {module}; sys.exit(sorted(m for m in sys.modules if m in {sorted(SHELL)!r}) or None)"
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"import {module}: {done.stderr.strip().splitlines()[-1:]}"


# --- leansim ---------------------------------------------------------------------------------------

LEANSIM = ROOT / "leansim"
# A fetched LEAN (a clone of QuantConnect/Lean, bare or not), as tests/oracle/lean_oracle.py reads it.
LEAN = Path(os.environ.get("LEAN_REPO", "/work/.mirror/QuantConnect+Lean/repo"))
# A path into LEAN's repository, as a docstring cites it: Common/Orders/Fills/FillModel.cs.
LEAN_PATH = re.compile(r"(?<![\w/.-])(?:Algorithm(?:\.\w+)?|Brokerages|Common|Data|Engine|Indicators|Launcher)/[\w./-]*\w")


def _leansim_modules() -> dict[str, Path]:
    """Every module of leansim, a package by its package's name (leansim.market)."""
    modules = {}
    for path in sorted(LEANSIM.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _leansim_imports() -> dict[str, dict[str, set[str]]]:
    """Module -> kind -> the leansim modules it imports. Kinds: "module" (run when the module loads),
    "deferred" (inside a function: a dependency all the same, run later) and "typing" (under
    `if TYPE_CHECKING:`, never run). `from leansim import algorithm` depends on the module
    leansim.algorithm, not on the package's face."""
    modules = _leansim_modules()
    graph: dict[str, dict[str, set[str]]] = {}
    for module, path in modules.items():
        tree = ast.parse(path.read_text())
        kinds: dict[int, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                kinds.update((id(inner), "typing") for child in node.body for inner in ast.walk(child))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                kinds.update((id(inner), kinds.get(id(inner), "deferred")) for inner in ast.walk(node) if inner is not node)
        edges: dict[str, set[str]] = {"module": set(), "deferred": set(), "typing": set()}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in modules else node.module
                           for alias in node.names]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            edges[kinds.get(id(node), "module")].update(t for t in targets if t in modules and t != module)
        graph[module] = edges
    return graph


def test_leansim_has_no_import_cycle_when_it_runs() -> None:
    """Imports run at load time or inside a function count alike: a deferred import that closes a
    cycle only hides it."""
    graph = {module: kinds["module"] | kinds["deferred"] for module, kinds in _leansim_imports().items()}
    assert _on_a_cycle(graph) == []


def test_leansim_has_no_import_cycle_in_its_annotations_either() -> None:
    """An import under TYPE_CHECKING never runs, so it cannot fail at load time; but two modules that
    name each other still cannot be read, changed or type-checked apart, so it counts here too. A
    module that needs something of another that depends on it names it by a Protocol of its own."""
    graph = {module: set().union(*kinds.values()) for module, kinds in _leansim_imports().items()}
    assert _on_a_cycle(graph) == []


def test_every_leansim_module_names_the_lean_file_it_stands_for() -> None:
    unnamed = [module for module, path in _leansim_modules().items()
               if not LEAN_PATH.search(doc := ast.get_docstring(ast.parse(path.read_text())) or "")
               and "the double's own" not in doc.lower()]
    assert unnamed == [], "say which LEAN file each stands for, or that it is the double's own"


def test_every_lean_path_a_leansim_docstring_cites_exists_in_lean() -> None:
    listing = subprocess.run(["git", "-C", str(LEAN), "ls-tree", "-r", "--name-only", "HEAD"],
                             capture_output=True, text=True, timeout=120) if LEAN.is_dir() else None
    if listing is None or listing.returncode != 0:
        pytest.skip(f"no fetched LEAN at {LEAN} (set LEAN_REPO to a clone of QuantConnect/Lean)")
    files = set(listing.stdout.splitlines())
    folders = {str(parent) for file in files for parent in Path(file).parents}
    cited = {}
    for module, path in _leansim_modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                for lean_path in LEAN_PATH.findall(ast.get_docstring(node, clean=False) or ""):
                    cited.setdefault(lean_path, module)
    assert cited, "the pattern finds no LEAN path at all"
    assert {path: module for path, module in cited.items() if path not in files | folders} == {}
