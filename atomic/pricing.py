"""Price control: how a group's entry (or close) is priced, and the arithmetic of net prices.

A policy is a small frozen object passed to the executor (`pricing=`):

- `Market()`: market orders (one combo market order in combo mode), as before price control.
- `Limit(net_price)`: one net price per structure for the whole group, never moved.
- `Walk(step, every_seconds, max_concession, start="mid")`: starts at the structure's net mid and
  concedes `step` more toward the natural price every `every_seconds` of algorithm time; past the
  natural it goes on to marketable (one tick through every leg's natural) and rests there; once the
  next concession would exceed `max_concession` it gives up (an entry rolls back, a close goes on at
  market). Each step is priced from the quotes of its time, so the walk follows a market that
  moves, never paying more than `max_concession` past the mid it started from.

Net prices are per structure, in LEAN's combo convention: positive pays, negative receives. For a
close the price is what the close pays (closing a credit spread pays, closing a debit one receives).

In combo mode the group's one combo limit order carries the net price. In legged mode each leg gets a
limit of its own: its mid, plus its share of the group's concession from the net mid, shared in
proportion to the legs' half-spreads, so every leg is the same fraction of the way to its natural
price and the legs' prices add up to the net; what is conceded past the natural is shared by tick
instead, so each leg crosses its natural by its own ticks. Prices are rounded toward the mid (never
conceding more than asked): a leg's to its contract's minimum price variation, a combo's to the
smallest of its legs' (LEAN's RoundOrderPrices for ComboLimit,
Engine/TransactionHandlers/BrokerageTransactionHandler.cs).

Pure: no LEAN, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from atomic.errors import InvalidGroupError

# Float noise allowed when a price is compared with a tick (prices are decimals in LEAN).
_EPSILON = 1e-9


@dataclass(frozen=True)
class Market:
    """Market orders: fill now at whatever the market asks."""

    def describe(self) -> str:
        return "Market()"


@dataclass(frozen=True)
class Limit:
    """One net limit price per structure (positive pays, negative receives), never moved."""

    net_price: float

    def __post_init__(self) -> None:
        if not isinstance(self.net_price, (int, float)) or isinstance(self.net_price, bool) or not math.isfinite(self.net_price):
            raise InvalidGroupError(f"Limit: net_price must be a finite number, got {self.net_price!r}")

    def describe(self) -> str:
        return f"Limit({self.net_price:g})"


@dataclass(frozen=True)
class Walk:
    """Start at the net mid, concede `step` per structure every `every_seconds` of algorithm time,
    give up when the concession would exceed `max_concession`. Once a step passes the natural price
    the concession stops growing at `marketable_concession` (one tick through every leg's natural),
    where the walk rests until its give-up time: a limit AT the natural is not marketable in LEAN,
    which fills a limit only once the market crosses it strictly (see marketable_concession).

    Each step re-anchors on the quotes of its time (their mid plus the step's concession), as a
    trader working a spread does: a walk anchored on the submission quotes never fills once the
    market drifts past its natural. `max_concession` from the starting mid stays the hard limit:
    a market that runs further holds the price there until the walk gives up."""

    step: float
    every_seconds: float
    max_concession: float
    start: str = "mid"

    def __post_init__(self) -> None:
        for name in ("step", "every_seconds", "max_concession"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
                raise InvalidGroupError(f"Walk: {name} must be a finite number, got {value!r}")
        if self.step <= 0 or self.every_seconds <= 0:
            raise InvalidGroupError(f"Walk: step and every_seconds must be positive, got {self.step!r}, {self.every_seconds!r}")
        if self.max_concession < 0:
            raise InvalidGroupError(f"Walk: max_concession must not be negative, got {self.max_concession!r}")
        if self.start != "mid":
            raise InvalidGroupError(f"Walk: start must be 'mid' (the only start implemented), got {self.start!r}")

    @property
    def last_step(self) -> int:
        """The last step whose concession stays within max_concession."""
        return math.floor(self.max_concession / self.step + _EPSILON)

    def step_at(self, elapsed_seconds: float) -> int:
        """The step due `elapsed_seconds` after the walk started (0 at the start)."""
        return max(0, math.floor(elapsed_seconds / self.every_seconds + _EPSILON))

    def describe(self) -> str:
        return f"Walk({self.step:g}, {self.every_seconds:g}s, max {self.max_concession:g})"


Pricing = Market | Limit | Walk


def as_pricing(pricing: object, limit_price: float | None = None) -> Pricing:
    """The policy a caller asked for. `limit_price=` (the argument before price control) is read as
    `Limit(limit_price)`; InvalidGroupError for both at once or for something that is no policy."""
    if limit_price is not None:
        if pricing is not None:
            raise InvalidGroupError(f"give either pricing= or the older limit_price=, not both (got {pricing!r} and {limit_price!r})")
        return Limit(limit_price)
    if pricing is None:
        return Market()
    if not isinstance(pricing, (Market, Limit, Walk)):
        raise InvalidGroupError(f"pricing must be Market(), Limit(net_price) or Walk(...), got {pricing!r}")
    return pricing


def pricing_to_dict(pricing: Pricing) -> dict[str, Any]:
    if isinstance(pricing, Limit):
        return {"policy": "limit", "net_price": pricing.net_price}
    if isinstance(pricing, Walk):
        return {"policy": "walk", "step": pricing.step, "every_seconds": pricing.every_seconds,
                "max_concession": pricing.max_concession, "start": pricing.start}
    return {"policy": "market"}


def pricing_from_dict(data: dict[str, Any] | None) -> Pricing:
    """The stored policy (a record written before price control is Market())."""
    if not data or data.get("policy") == "market":
        return Market()
    if data["policy"] == "limit":
        return Limit(float(data["net_price"]))
    if data["policy"] == "walk":
        return Walk(float(data["step"]), float(data["every_seconds"]), float(data["max_concession"]), str(data["start"]))
    raise ValueError(f"unknown pricing policy {data['policy']!r}")


@dataclass(frozen=True)
class Quote:
    """A contract's bid and ask, and its minimum price variation (symbol properties)."""

    bid: float
    ask: float
    tick: float

    @property
    def mid(self) -> float:
        return (self.bid + self.ask) / 2

    @property
    def half_spread(self) -> float:
        return max(self.ask - self.bid, 0.0) / 2

    def to_list(self) -> list[float]:
        return [self.bid, self.ask, self.tick]

    @classmethod
    def from_list(cls, values: Sequence[float]) -> Quote:
        bid, ask, tick = (float(v) for v in values)
        return cls(bid, ask, tick)


@dataclass(frozen=True)
class Prices:
    """What a priced group's orders ask: the combo's net limit (LEAN's sign: the structure's net, for
    the order's quantity) and each leg's limit (legged mode)."""

    combo: float
    legs: tuple[float, ...]


def net_mid(ratios: Sequence[int], quotes: Sequence[Quote]) -> float:
    """The structure's net mid: positive pays."""
    return sum(r * q.mid for r, q in zip(ratios, quotes))


def natural_concession(ratios: Sequence[int], quotes: Sequence[Quote]) -> float:
    """How far the natural price (every leg crossing its spread) is from the net mid, per structure."""
    return sum(abs(r) * q.half_spread for r, q in zip(ratios, quotes))


def marketable_concession(ratios: Sequence[int], quotes: Sequence[Quote]) -> float:
    """The natural plus one minimum price variation on every leg, per structure: the smallest
    concession whose limits fill at a still quote, legged or combo. LEAN fills a buy limit only once
    the ask bar's low is strictly below it, a combo limit once the legs' net is (LimitFill and
    ComboLimitFill, Common/Orders/Fills/FillModel.cs), so a limit at a still natural never fills. A
    marketable limit trades at the quotes (LEAN fills at the bar's low, at most the limit): the
    ticks bound the price, a still quote does not charge them."""
    return natural_concession(ratios, quotes) + sum(abs(r) * q.tick for r, q in zip(ratios, quotes))


def prices_for(ratios: Sequence[int], quotes: Sequence[Quote], side: int, pays: float) -> Prices:
    """Limits that pay `pays` per structure for an order of `side` (+1 buys the structure, -1 sells
    it): the combo's net, and each leg's share, rounded toward the mid. Up to the natural the legs
    share the concession by half-spread; past it, by tick."""
    concession = pays - side * net_mid(ratios, quotes)
    within = min(concession, natural_concession(ratios, quotes))
    beyond = concession - within
    by_spread = _shares(ratios, [q.half_spread for q in quotes])
    by_tick = _shares(ratios, [q.tick for q in quotes])
    legs = []
    for ratio, quote, spread_share, tick_share in zip(ratios, quotes, by_spread, by_tick):
        sign = 1 if ratio * side > 0 else -1  # this leg's order buys (+1) or sells (-1)
        price = quote.mid + sign * (within * spread_share + beyond * tick_share)
        legs.append(max(_toward_mid(price, quote.tick, sign), quote.tick))
    combo_tick = min(q.tick for q in quotes)
    return Prices(side * _toward_mid(pays, combo_tick, 1), tuple(legs))


def walk_pays(walk: Walk, step: int, ratios: Sequence[int], quotes: Sequence[Quote], side: int,
              start_mid: float | None = None) -> float:
    """What the walk pays per structure at `step`, priced from `quotes` (the legs' quotes at the
    step): their mid plus the step's concession, at most marketable, and never more than
    max_concession past `start_mid`, the net mid the walk started from (None: that of `quotes`)."""
    mid = net_mid(ratios, quotes)
    start = mid if start_mid is None else start_mid
    concession = min(step * walk.step, marketable_concession(ratios, quotes))
    return min(side * mid + concession, side * start + walk.max_concession)


def _shares(ratios: Sequence[int], weights: Sequence[float]) -> list[float]:
    """Each contract's share of a per-structure amount, in proportion to `weights` (equal shares when
    every weight is zero: locked quotes, or no tick)."""
    total = sum(abs(r) * w for r, w in zip(ratios, weights))
    if total <= _EPSILON:
        weights, total = [1.0] * len(weights), float(sum(abs(r) for r in ratios))
    return [w / total for w in weights]


def _toward_mid(price: float, tick: float, sign: int) -> float:
    """`price` on the tick grid, rounded so the order pays no more than asked: a buy (sign +1) rounds
    down, a sell up."""
    if tick <= 0:
        return price
    units = math.floor(price / tick + _EPSILON) if sign > 0 else math.ceil(price / tick - _EPSILON)
    return round(units * tick, 10)
