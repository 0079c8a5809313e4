"""Checks on any group's legs, run before anything happens (a structure's shape: atomic/structures.py).

Each failure names the leg and the rule, so a strategy author sees at once what to fix.
"""

from __future__ import annotations

from collections.abc import Sequence

from atomic.contract import Contract
from atomic.errors import InvalidGroupError

LegRequest = tuple[Contract, int]


def validate_legs(legs: Sequence[LegRequest], max_legs: int) -> None:
    """Generic rules for any group: size, integer quantities, distinct contracts, one underlying."""
    if not 2 <= len(legs) <= max_legs:
        raise InvalidGroupError(f"a group needs 2 to {max_legs} legs, got {len(legs)}")
    seen: dict[str, int] = {}
    for index, (contract, quantity) in enumerate(legs):
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity == 0:
            raise InvalidGroupError(f"leg {index} ({contract.ticker}): quantity must be a non-zero integer, got {quantity!r}")
        if contract.key in seen:
            raise InvalidGroupError(f"leg {index} ({contract.ticker}): same contract as leg {seen[contract.key]}")
        seen[contract.key] = index
    underlying = legs[0][0].underlying
    for index, (contract, _) in enumerate(legs):
        if contract.underlying != underlying:
            raise InvalidGroupError(
                f"leg {index} ({contract.ticker}): underlying {contract.underlying} differs from leg 0's {underlying}"
            )


def validate_structure_quantity(quantity: object) -> int:
    """The number of structures of a named strategy: a positive integer."""
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        raise InvalidGroupError(f"quantity must be a positive integer number of structures, got {quantity!r}")
    return quantity
