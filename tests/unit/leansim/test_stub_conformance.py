"""The double may not invent LEAN API: every public name on a LEAN-named class it exports must exist
on the same-named class of LEAN's official stubs (quantconnect-stubs), bases included."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import textwrap
from functools import lru_cache
from pathlib import Path

import pytest

from leansim.algorithm_imports import LEAN_CLASSES

StubIndex = dict[str, list[tuple[set[str], list[str]]]]


def _stub_roots() -> list[Path]:
    spec = importlib.util.find_spec("QuantConnect")
    assert spec is not None and spec.submodule_search_locations, "quantconnect-stubs is not installed"
    quantconnect = Path(next(iter(spec.submodule_search_locations)))
    return [quantconnect, quantconnect.parent / "System"]


@lru_cache(maxsize=1)
def stub_index() -> StubIndex:
    """Class name -> [(names defined in that class, base class names)] over every stub file."""
    index: StubIndex = {}
    for root in _stub_roots():
        for path in root.rglob("*.pyi"):
            for node in ast.parse(path.read_text(encoding="utf-8")).body:
                if isinstance(node, ast.ClassDef):
                    index.setdefault(node.name, []).append((_stub_members(node), [_base_name(b) for b in node.bases]))
    return index


def _stub_members(node: ast.ClassDef) -> set[str]:
    names: set[str] = set()
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(item.name)
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            names.add(item.target.id)
        elif isinstance(item, ast.Assign):
            names.update(target.id for target in item.targets if isinstance(target, ast.Name))
    return names


def _base_name(base: ast.expr) -> str:
    if isinstance(base, ast.Subscript):
        base = base.value
    return ast.unparse(base).split(".")[-1]


def stub_members(class_name: str, index: StubIndex) -> set[str] | None:
    """Every name of the stub classes called `class_name`, following their declared bases."""
    if class_name not in index:
        return None
    names: set[str] = set()
    seen: set[str] = set()
    todo = [class_name]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for members, bases in index.get(name, []):
            names |= members
            todo.extend(bases)
    return names


def double_members(cls: type) -> set[str]:
    """Public names the double defines on `cls` and on its own (non-builtin) base classes."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if klass.__module__ in ("builtins", "enum", "typing", "abc"):
            continue
        names.update(vars(klass))
        names.update(getattr(klass, "__annotations__", {}))
        names.update(_self_assignments(klass))
    return {name for name in names if not name.startswith("_")}


def _self_assignments(klass: type) -> set[str]:
    """Attributes set as `self.x = ...` anywhere in the class's own source."""
    try:
        source = textwrap.dedent(inspect.getsource(klass))
    except (OSError, TypeError):
        return set()
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                found.add(target.attr)
    return found


def invented_names(cls: type, index: StubIndex) -> set[str]:
    """Names on `cls` that LEAN's same-named stub class does not have (all of them if no such class)."""
    allowed = stub_members(cls.__name__, index)
    mine = double_members(cls)
    return mine if allowed is None else mine - allowed


@pytest.mark.parametrize("name", sorted(LEAN_CLASSES))
def test_every_exported_class_exists_in_the_stubs_with_only_stub_names(name: str) -> None:
    cls = LEAN_CLASSES[name]
    assert name in stub_index(), f"{name} is not a LEAN class"
    assert invented_names(cls, stub_index()) == set()


def test_the_checker_catches_an_invented_method() -> None:
    class OrderTicket:  # a LEAN name with one misspelt method
        def cancel(self) -> None: ...

        def cancel_orderr(self) -> None: ...

    assert invented_names(OrderTicket, stub_index()) == {"cancel_orderr"}


def test_the_checker_catches_an_invented_attribute_and_an_invented_class() -> None:
    class OrderEvent:
        def __init__(self) -> None:
            self.fill_quantity = 0.0
            self.tagg = ""

    class QCAlgorithmX:
        def market_order(self) -> None: ...

    assert invented_names(OrderEvent, stub_index()) == {"tagg"}
    assert invented_names(QCAlgorithmX, stub_index()) == {"market_order"}
