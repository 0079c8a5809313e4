"""Test kit for strategies/: synthetic chains with defaulted fields, and a recording executor.

Chains come from a Bachelier model (normal moves of `sigma` points) so deltas and prices are
consistent: with S=100 and sigma=6, |delta| 0.16 sits at strikes 106 (call) and 94 (put).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from atomic.pricing import Pricing
from atomic.structures import StructureSpec
from strategies.chain import ChainRow, Right

TODAY = date(2024, 6, 7)  # a Friday
SPOT = 100.0


def symbol_for(right: Right, strike: float, expiry: date) -> str:
    """A readable stand-in for a LEAN Symbol."""
    return f"SPY {expiry.isoformat()} {right[0].upper()}{strike:g}"


def row(
    right: Right,
    strike: float,
    *,
    expiry: date = TODAY,
    bid: float | None = 1.00,
    ask: float | None = 1.10,
    delta: float | None = None,
) -> ChainRow:
    """One contract with defaulted fields."""
    return ChainRow(symbol_for(right, strike, expiry), right, strike, expiry, bid, ask, delta)


def _phi(x: float) -> float:
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def _cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def bachelier(right: Right, strike: float, spot: float, sigma: float) -> tuple[float, float]:
    """(price, delta) of an option when the underlying moves normally with `sigma` points."""
    d = (spot - strike) / sigma
    call = (spot - strike) * _cdf(d) + sigma * _phi(d)
    if right == "call":
        return call, _cdf(d)
    return call - (spot - strike), _cdf(d) - 1


def model_row(
    right: Right,
    strike: float,
    *,
    spot: float = SPOT,
    sigma: float = 6.0,
    expiry: date = TODAY,
    half_spread: float = 0.02,
    with_delta: bool = True,
) -> ChainRow:
    """A contract priced by the Bachelier model, bid/ask `half_spread` around the model price."""
    price, delta = bachelier(right, strike, spot, sigma)
    bid = round(max(0.01, price - half_spread), 2)
    ask = round(max(bid + 0.01, price + half_spread), 2)
    return row(right, strike, expiry=expiry, bid=bid, ask=ask, delta=round(delta, 4) if with_delta else None)


def model_chain(
    strikes: Iterable[float] = range(80, 121),
    *,
    spot: float = SPOT,
    sigma: float = 6.0,
    expiry: date = TODAY,
    with_deltas: bool = True,
    rights: tuple[Right, ...] = ("call", "put"),
) -> list[ChainRow]:
    """Every strike in `strikes` for every right, one expiry."""
    return [
        model_row(right, float(strike), spot=spot, sigma=sigma, expiry=expiry, with_delta=with_deltas)
        for strike in strikes
        for right in rights
    ]


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def replace_row(rows: list[ChainRow], right: Right, strike: float, **changes: Any) -> list[ChainRow]:
    """`rows` with the (right, strike) contract's fields changed."""
    from dataclasses import replace

    return [replace(r, **changes) if (r.right, r.strike) == (right, strike) else r for r in rows]


@dataclass(frozen=True)
class FakeGroupResult:
    """What the fake executor returns; like the executor's GroupResult, truthy only when FILLED."""

    group_id: str
    status: str
    reason: str = ""

    def __bool__(self) -> bool:
        return self.status == "FILLED"


@dataclass
class ExecutorCall:
    method: str  # the structure's spec name
    symbols: tuple[object, ...]
    quantity: int  # structures
    strategy: str
    legs: tuple[tuple[object, int], ...] = ()
    pricing: Pricing | None = None


@dataclass
class FakeExecutor:
    """Implements the strategies' AtomicExecutor protocol and records every call, checking the
    legs against the structure's spec as the executor does. Every group gets `status` (FILLED as in
    a backtest, PENDING as live, REJECTED with `reason` as a refusal).
    """

    status: str = "FILLED"
    reason: str = ""
    calls: list[ExecutorCall] = field(default_factory=list)

    def execute_atomic(
        self, legs: Sequence[tuple[Any, int]], strategy: str = "", structure: StructureSpec | None = None,
        pricing: Pricing | None = None,
    ) -> FakeGroupResult:
        assert structure is not None, "strategies always pass their structure's spec"
        assert pricing is not None, "strategies always pass their entry's pricing"
        [(_, first), *_] = legs
        structures = first // structure.legs[0].ratio
        assert [q for _, q in legs] == [leg.ratio * structures for leg in structure.legs]
        self.calls.append(ExecutorCall(structure.name, tuple(s for s, _ in legs), structures, strategy, tuple(legs),
                                       pricing))
        return FakeGroupResult(f"g{len(self.calls)}", self.status, self.reason)


class ExplodingExecutor:
    """Proves a skipped trade never reaches the executor: any call fails the test."""

    def execute_atomic(self, *args: Any, **kwargs: Any) -> FakeGroupResult:
        raise AssertionError("executor must not be called")
