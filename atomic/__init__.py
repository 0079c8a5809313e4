"""All-or-nothing execution of multi-leg option groups for LEAN algorithms.

The executor (the LEAN shell) is loaded on first use of its names, so importing a core module
(`atomic.model`, ...) or recovery never loads the shell, which itself imports recovery."""

from __future__ import annotations

from typing import TYPE_CHECKING

from atomic.errors import InvalidGroupError, PersistenceError
from atomic.model import GroupStatus
from atomic.pricing import Limit, Market, Walk
from atomic.structures import StructureSpec
from atomic.views import GroupView, LegView

if TYPE_CHECKING:
    from atomic.executor import EnhancedAtomicOrderExecutor, GroupResult

__all__ = [
    "EnhancedAtomicOrderExecutor",
    "GroupResult",
    "GroupStatus",
    "GroupView",
    "InvalidGroupError",
    "LegView",
    "Limit",
    "Market",
    "PersistenceError",
    "StructureSpec",
    "Walk",
]


def __getattr__(name: str) -> object:
    if name in ("EnhancedAtomicOrderExecutor", "GroupResult"):
        from atomic import executor

        return getattr(executor, name)
    raise AttributeError(f"module 'atomic' has no attribute {name!r}")
