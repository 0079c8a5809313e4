"""PascalCase attribute access, as pythonnet gives LEAN's Python algorithms (the double's own: no LEAN
file does this; pythonnet's member binding does).

Under LEAN every C# member answers to both its snake_case and its PascalCase name (`option.Symbol`,
`contract.Greeks.Delta`), and LEAN's own regression algorithms use both. One mixin gives the double's
classes the same: an attribute not found under a PascalCase name is looked up under its snake_case
form. Normal lookups never reach it (`__getattr__` runs only when they fail).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_WORD_BREAK = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


@lru_cache(maxsize=1024)
def snake_case(name: str) -> str:
    """ImpliedVolatility -> implied_volatility, ID -> id, OpenInterest -> open_interest."""
    return _WORD_BREAK.sub("_", name).lower()


class PascalCaseAttributes:
    """Mixin: `obj.SomeName` reads `obj.some_name` when the class has no `SomeName`."""

    def __getattr__(self, name: str) -> Any:
        if name[:1].isupper():
            snake = snake_case(name)
            if snake != name:
                return getattr(self, snake)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
