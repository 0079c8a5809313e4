"""How the synthetic market turns a model price into a quote: spread, ticks, sizes, noise.

The double's own: LEAN has no counterpart.

Scalar and numpy forms of each rule live side by side so `SyntheticMarket.quote` (one contract)
and `SyntheticMarket.chain` (thousands) agree. Randomness here is a stateless integer hash of
(seed, contract, minute), not a generator, so any minute can be priced in any order and still come
out the same: the market is lazy and deterministic at once.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

UInt64Array = npt.NDArray[np.uint64]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_MASK = (1 << 64) - 1
_TICK_BREAK_CENTS = 300  # $3.00: penny ticks below, nickel ticks from there up
_EPS = 1e-9  # keeps a price that is a whole number of cents from rounding one tick away


# --- deterministic noise (splitmix64 finaliser) ---------------------------------------------------


def mix(x: int) -> int:
    """A well-spread 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def mix_array(x: UInt64Array) -> UInt64Array:
    """`mix` elementwise (uint64 arithmetic wraps exactly as the masked scalar one)."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def unit(h: int) -> float:
    """A hash as a uniform number in [0, 1)."""
    return (h >> 11) * 2.0**-53


def unit_array(h: UInt64Array) -> FloatArray:
    return (h >> np.uint64(11)).astype(np.float64) * 2.0**-53


# --- prices to quotes ----------------------------------------------------------------------------


def bid_ask_cents(center: float, half_spread: float) -> tuple[int | None, int]:
    """Bid rounded down and ask rounded up to the tick ($0.01 under $3, $0.05 from $3).

    The bid is None when it would be under one cent; the ask is at least one cent and always
    above the bid, so `bid <= center <= ask` holds.
    """
    bid = math.floor((center - half_spread) * 100.0 + _EPS)
    if bid >= _TICK_BREAK_CENTS:
        bid -= bid % 5
    ask = max(math.ceil((center + half_spread) * 100.0 - _EPS), 1)
    if ask > _TICK_BREAK_CENTS:
        ask += -ask % 5
    if bid < 1:
        return None, ask
    if ask <= bid:
        ask = bid + (5 if bid >= _TICK_BREAK_CENTS else 1)
    return bid, ask


def bid_ask_cents_array(center: FloatArray, half_spread: FloatArray) -> tuple[IntArray, IntArray]:
    """`bid_ask_cents` elementwise; a missing bid is 0."""
    bid = np.floor((center - half_spread) * 100.0 + _EPS).astype(np.int64)
    bid = np.where(bid >= _TICK_BREAK_CENTS, bid - bid % 5, bid)
    bid = np.where(bid < 1, 0, bid)
    ask = np.maximum(np.ceil((center + half_spread) * 100.0 - _EPS).astype(np.int64), 1)
    ask = np.where(ask > _TICK_BREAK_CENTS, ask + (-ask) % 5, ask)
    bumped = bid + np.where(bid >= _TICK_BREAK_CENTS, 5, 1)
    ask = np.where((bid > 0) & (ask <= bid), bumped, ask)
    return bid, ask


def size(h: int, low: int, high: int) -> float:
    """A displayed size in [low, high], from a hash."""
    return float(low + (h % (high - low + 1)))


def size_array(h: UInt64Array, low: int, high: int) -> FloatArray:
    return low + (h % np.uint64(high - low + 1)).astype(np.float64)
