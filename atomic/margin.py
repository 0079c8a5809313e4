"""Risk arithmetic on a group's legs: which shorts are covered, and a margin estimate.

Coverage is what makes a structure defined-risk: a short call is covered by a long call of the same
expiry at a higher strike, a short put by a long put at a lower strike. The same routine measures
naked-short exposure (the danger this library exists to prevent) and estimates margin for the
buying-power pre-check.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from atomic.contract import Contract

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


def estimated_margin(positions: Sequence[Position], underlying_price: float) -> float:
    """A conservative margin estimate: spread width for covered shorts, the CBOE naked-option rule
    (max(20% of the underlying less the out-of-the-money amount, 10% of the strike)) for the rest.
    Both sides of an iron condor are counted, which overstates it by one side: a pre-check may be
    strict, never lax."""
    result = coverage(positions)
    total = sum(width * count * short.multiplier for short, count, width in result.covered)
    for short, count in result.uncovered:
        strike = short.strike or underlying_price
        out_of_money = max(0.0, strike - underlying_price) if short.right == "call" else max(0.0, underlying_price - strike)
        total += max(0.2 * underlying_price - out_of_money, 0.1 * strike) * count * short.multiplier
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
