"""Checks on a group's legs and on the shape of the named structures, run before anything happens.

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


def validate_iron_condor(short_call: Contract, long_call: Contract, short_put: Contract, long_put: Contract) -> None:
    """One expiry; long put < short put <= short call < long call; calls are calls, puts are puts."""
    named = {"short_call": short_call, "long_call": long_call, "short_put": short_put, "long_put": long_put}
    _require_rights(named, calls=("short_call", "long_call"), puts=("short_put", "long_put"))
    _require_one_expiry(named)
    lp, sp, sc, lc = (_strike(n, c) for n, c in (("long_put", long_put), ("short_put", short_put),
                                                  ("short_call", short_call), ("long_call", long_call)))
    if not lp < sp:
        raise InvalidGroupError(f"iron condor: long_put strike {lp:g} must be below short_put strike {sp:g}")
    if not sp <= sc:
        raise InvalidGroupError(f"iron condor: short_put strike {sp:g} must not exceed short_call strike {sc:g}")
    if not sc < lc:
        raise InvalidGroupError(f"iron condor: long_call strike {lc:g} must be above short_call strike {sc:g}")


def validate_put_spread(short_put: Contract, long_put: Contract) -> None:
    """Two puts of one expiry, the long (protective) strike below the short one."""
    named = {"short_put": short_put, "long_put": long_put}
    _require_rights(named, calls=(), puts=("short_put", "long_put"))
    _require_one_expiry(named)
    if not _strike("long_put", long_put) < _strike("short_put", short_put):
        raise InvalidGroupError(
            f"put spread: long_put strike {long_put.strike:g} must be below short_put strike {short_put.strike:g}"
        )


def validate_strangle(short_call: Contract, short_put: Contract) -> None:
    """A call and a put of one expiry, the put strike not above the call strike."""
    named = {"short_call": short_call, "short_put": short_put}
    _require_rights(named, calls=("short_call",), puts=("short_put",))
    _require_one_expiry(named)
    if not _strike("short_put", short_put) <= _strike("short_call", short_call):
        raise InvalidGroupError(
            f"strangle: short_put strike {short_put.strike:g} must not exceed short_call strike {short_call.strike:g}"
        )


def _require_rights(named: dict[str, Contract], calls: tuple[str, ...], puts: tuple[str, ...]) -> None:
    for name, contract in named.items():
        expected = "call" if name in calls else "put"
        if contract.right != expected:
            found = contract.right or "not an option"
            raise InvalidGroupError(f"{name} ({contract.ticker}) must be a {expected}, got {found}")


def _require_one_expiry(named: dict[str, Contract]) -> None:
    expiries = {contract.expiry for contract in named.values()}
    if len(expiries) != 1:
        listing = ", ".join(f"{name} {c.expiry}" for name, c in named.items())
        raise InvalidGroupError(f"all legs must share one expiry, got {listing}")


def _strike(name: str, contract: Contract) -> float:
    if contract.strike is None:
        raise InvalidGroupError(f"{name} ({contract.ticker}) has no strike")
    return contract.strike
