"""Risk arithmetic on a group's legs: which shorts are covered, and a margin estimate.

Coverage is what makes a structure defined-risk. It follows the pairs LEAN's option strategy
matcher forms and margins (Common/Securities/Option/StrategyMatcher/OptionStrategyDefinitions.cs,
Common/Securities/Option/OptionStrategyPositionGroupBuyingPowerModel.cs):
- a short option is covered by a long option of the same underlying, right, multiplier and expiry,
  at any strike (bull/bear call and put spreads, both legs of butterflies and condors); the spread
  requirement per covered contract is the strike difference on the losing side, never negative
  (`GetLongCallShortCallStrikeDifferenceMargin`, `GetShortPutLongPutStrikeDifferenceMargin`):
  a credit spread needs its width, a debit spread nothing beyond the debit;
- a long option of the same strike and a later expiry covers it too, with no requirement (Call and
  Put Calendar Spread, margin 0); a long that expires first does not (Short Calendar Spread: the
  short is margined naked). LEAN defines no diagonal spread, so a later long at another strike
  does not cover.
Each short contract is matched ratio by ratio (a long covers as many shorts as it has contracts):
the most shorts covered, then the smallest total requirement. The same routine measures naked-short
exposure (the danger this library exists to prevent) and estimates margin for the buying-power
pre-check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from atomic.contract import Contract, Right

Position = tuple[Contract, int]  # a contract and a signed quantity


@dataclass(frozen=True)
class Coverage:
    """Short contracts split into those covered by a protective long (with the per-share spread
    requirement, the losing side's strike difference) and not."""

    covered: tuple[tuple[Contract, int, float], ...]  # short contract, contracts covered, requirement
    uncovered: tuple[tuple[Contract, int], ...]


def coverage(positions: Sequence[Position]) -> Coverage:
    """Match each short option against the longs that can cover it (quantities are netted per
    contract first; stock is ignored)."""
    contracts = {c.key: c for c, _ in positions if c.is_option}
    net = dict.fromkeys(contracts, 0)
    for contract, quantity in positions:
        if contract.is_option:
            net[contract.key] += quantity
    shorts = [(contracts[key], -q) for key, q in net.items() if q < 0]
    longs = [(contracts[key], q) for key, q in net.items() if q > 0]
    widths = {(i, j): width for i, (short, _) in enumerate(shorts) for j, (long, _) in enumerate(longs)
              if (width := spread_requirement(short, long)) is not None}
    covered = []
    left = [need for _, need in shorts]
    for i, j, count in _best_cover([q for _, q in shorts], [q for _, q in longs], widths):
        covered.append((shorts[i][0], count, widths[i, j]))
        left[i] -= count
    uncovered = tuple((short, need) for (short, _), need in zip(shorts, left) if need)
    return Coverage(tuple(covered), uncovered)


def naked_short_contracts(positions: Sequence[Position]) -> int:
    """Short option contracts that no long leg of the same positions protects."""
    return sum(quantity for _, quantity in coverage(positions).uncovered)


def spread_requirement(short: Contract, long: Contract) -> float | None:
    """Per-share requirement of `short` covered by `long`, or None when `long` cannot cover it."""
    if (long.right != short.right or long.underlying != short.underlying or long.multiplier != short.multiplier
            or short.right is None or short.strike is None or long.strike is None
            or short.expiry is None or long.expiry is None):
        return None
    if long.expiry == short.expiry:
        difference = long.strike - short.strike if short.right == "call" else short.strike - long.strike
        return max(0.0, difference)
    if long.expiry > short.expiry and long.strike == short.strike:
        return 0.0  # a calendar spread
    return None


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
    """A conservative margin estimate: the spread requirement for covered shorts, the naked-option
    rule for the rest; never negative. It is strict where LEAN is looser, never lax: both sides of
    an iron condor are counted (LEAN margins one), and a long butterfly is margined as the two
    spreads it is made of (LEAN: none)."""
    result = coverage(positions)
    total = sum(width * count * short.multiplier for short, count, width in result.covered)
    for short, count in result.uncovered:
        assert short.right is not None  # coverage only lists options
        requirement = naked_short_requirement(short.right, short.strike or underlying_price, underlying_price)
        total += requirement * count * short.multiplier
    return total


def _best_cover(shorts: list[int], longs: list[int], widths: dict[tuple[int, int], float]) -> list[tuple[int, int, int]]:
    """(short index, long index, contracts) covering the most short contracts at the least total
    requirement, given the quantities and the requirement of each eligible (short, long) pair: a
    min-cost max-flow (successive shortest paths; a group has a handful of contracts, so
    Bellman-Ford on the residual graph is plenty)."""
    n = len(shorts)
    source, sink = n + len(longs), n + len(longs) + 1
    edges_of: list[list[int]] = [[] for _ in range(sink + 1)]
    head: list[int] = []
    capacity: list[int] = []
    cost: list[int] = []

    def add_edge(start: int, end: int, room: int, price: int) -> None:
        for a, b, c, p in ((start, end, room, price), (end, start, 0, -price)):  # edge e, its reverse e ^ 1
            edges_of[a].append(len(head))
            head.append(b)
            capacity.append(c)
            cost.append(p)

    for i, quantity in enumerate(shorts):
        add_edge(source, i, quantity, 0)
    for j, quantity in enumerate(longs):
        add_edge(n + j, sink, quantity, 0)
    for (i, j), width in widths.items():
        add_edge(i, n + j, min(shorts[i], longs[j]), round(width * 1000))  # exact integer costs
    while True:
        distance: list[float] = [float("inf")] * (sink + 1)
        via = [-1] * (sink + 1)
        distance[source] = 0
        for _ in range(sink):
            changed = False
            for node, edges in enumerate(edges_of):
                for e in edges:
                    if capacity[e] > 0 and distance[node] + cost[e] < distance[head[e]]:
                        distance[head[e]] = distance[node] + cost[e]
                        via[head[e]] = e
                        changed = True
            if not changed:
                break
        if via[sink] < 0:
            break
        path, node = [], sink
        while node != source:
            path.append(via[node])
            node = head[via[node] ^ 1]
        push = min(capacity[e] for e in path)
        for e in path:
            capacity[e] -= push
            capacity[e ^ 1] += push
    return [(i, head[e] - n, capacity[e ^ 1]) for i in range(n) for e in edges_of[i]
            if e % 2 == 0 and capacity[e ^ 1] > 0]
