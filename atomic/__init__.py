"""All-or-nothing execution of multi-leg option groups for LEAN algorithms."""

from atomic.errors import InvalidGroupError, PersistenceError
from atomic.executor import EnhancedAtomicOrderExecutor, GroupResult
from atomic.model import GroupStatus
from atomic.views import GroupView, LegView

__all__ = [
    "EnhancedAtomicOrderExecutor",
    "GroupResult",
    "GroupStatus",
    "GroupView",
    "InvalidGroupError",
    "LegView",
    "PersistenceError",
]
