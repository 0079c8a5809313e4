"""Risk arithmetic on a group's legs: which shorts are covered, and a margin estimate.

Coverage is what makes a structure defined-risk: a short call is covered by a long call of the same
expiry at a higher strike, a short put by a long put at a lower strike. The same routine measures
naked-short exposure (the danger this library exists to prevent) and estimates margin for the
buying-power pre-check.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from atomic.contract import Contract, Right

Position = tuple[Contract, int]  # a contract and a signed quantity


@dataclass(frozen=True)
class Coverage:
    """Short contracts split into those covered by a protective long (with the strike width) and not."""

    covered: tuple[tuple[Contract, int, float], ...]  # short contract, contracts covered, width
    uncovered: tuple[tuple[Contract, int], ...]


def coverage(positions: Sequence[Position]) -> Coverage:
    """Match each short option against protective longs, nearest strike first."""
    longs = {c.key: q for c, q in positions if q > 0 and c.is_option}
    by_key = {c.key: c for c, _ in positions}
    covered: list[tuple[Contract, int, float]] = []
    uncovered: list[tuple[Contract, int]] = []
    for short, quantity in positions:
        if quantity >= 0 or not short.is_option:
            continue
        need = -quantity
        for key in sorted(_protectors(short, by_key.values()), key=lambda k: abs((by_key[k].strike or 0) - (short.strike or 0))):
            take = min(need, longs.get(key, 0))
            if take:
                longs[key] -= take
                need -= take
                covered.append((short, take, abs((by_key[key].strike or 0) - (short.strike or 0))))
        if need:
            uncovered.append((short, need))
    return Coverage(tuple(covered), tuple(uncovered))


def naked_short_contracts(positions: Sequence[Position]) -> int:
    """Short option contracts that no long leg of the same positions protects."""
    return sum(quantity for _, quantity in coverage(positions).uncovered)


# Reg-T / CBOE naked short option: 20% of the underlying less the out-of-the-money amount, at
# least 10% of the underlying (calls) or of the strike (puts), plus the premium.
NAKED_UNDERLYING_RATE = 0.20
NAKED_MINIMUM_RATE = 0.10


def naked_short_requirement(right: Right, strike: float, underlying_price: float, premium: float = 0.0) -> float:
    """Per-share margin of one naked short option, Reg-T / CBOE style (an estimate: brokers add
    house rules)."""
    otm = max(0.0, strike - underlying_price) if right == "call" else max(0.0, underlying_price - strike)
    floor_base = underlying_price if right == "call" else strike
    return premium + max(NAKED_UNDERLYING_RATE * underlying_price - otm, NAKED_MINIMUM_RATE * floor_base)


def estimated_margin(positions: Sequence[Position], underlying_price: float) -> float:
    """A conservative margin estimate: spread width for covered shorts, the naked-option rule for
    the rest. Both sides of an iron condor are counted, which overstates it by one side: a
    pre-check may be strict, never lax."""
    result = coverage(positions)
    total = sum(width * count * short.multiplier for short, count, width in result.covered)
    for short, count in result.uncovered:
        assert short.right is not None  # coverage only lists options
        requirement = naked_short_requirement(short.right, short.strike or underlying_price, underlying_price)
        total += requirement * count * short.multiplier
    return total


def _protectors(short: Contract, contracts: Iterable[Contract]) -> list[str]:
    result = []
    for candidate in contracts:
        if candidate.right != short.right or candidate.expiry != short.expiry or candidate.key == short.key:
            continue
        if candidate.strike is None or short.strike is None:
            continue
        if (short.right == "call" and candidate.strike > short.strike) or (short.right == "put" and candidate.strike < short.strike):
            result.append(candidate.key)
    return result
