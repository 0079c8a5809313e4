"""An option chain as plain rows, and the pure choices a strategy makes from it.

No LEAN import here: `lean_chain.py` turns LEAN's `OptionChain` into `ChainRow`s, so every choice
(expiry, short strike, wing, liquidity) is testable on chains built in a few lines. Every choice
that can fail returns a `Skip` saying why instead of raising.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from strategies.skip import Skip, SkipReason

Right = Literal["call", "put"]
# How a leg's strike was chosen, kept on the leg so a report can say it.
ChosenBy = Literal["delta", "distance", "width", "at_the_money"]
# Float slack when comparing prices, so a spread exactly at its limit is not refused over 1e-17.
_PRICE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class ChainRow:
    """One listed contract with its top of book and, when LEAN computed it, its delta.

    `symbol` is opaque here (a LEAN `Symbol` in production, any token in tests); it is only handed
    back to the executor. A missing side of the book is None, never 0.
    """

    symbol: object
    right: Right
    strike: float
    expiry: date
    bid: float | None
    ask: float | None
    delta: float | None

    def __post_init__(self) -> None:
        if self.right not in ("call", "put"):
            raise ValueError(f"right must be 'call' or 'put', got {self.right!r}")
        if not (math.isfinite(self.strike) and self.strike > 0):
            raise ValueError(f"strike must be a positive number, got {self.strike!r}")

    @property
    def has_two_sided_quote(self) -> bool:
        """Both sides quoted above zero: the only book a market order can be trusted on."""
        return self.bid is not None and self.ask is not None and self.bid > 0 and self.ask > 0

    @property
    def mid(self) -> float | None:
        """Midpoint of a two-sided quote, None otherwise."""
        if self.bid is None or self.ask is None or not self.has_two_sided_quote:
            return None
        return (self.bid + self.ask) / 2

    @property
    def spread(self) -> float | None:
        """Ask minus bid of a two-sided quote (negative when crossed), None otherwise."""
        if self.bid is None or self.ask is None or not self.has_two_sided_quote:
            return None
        return self.ask - self.bid

    def otm_amount(self, underlying_price: float) -> float:
        """How far out of the money the strike is (negative when in the money)."""
        if self.right == "call":
            return self.strike - underlying_price
        return underlying_price - self.strike

    def is_otm(self, underlying_price: float) -> bool:
        """Strictly out of the money: an at-the-money strike is never a short of a credit structure."""
        return self.otm_amount(underlying_price) > 0


@dataclass(frozen=True)
class Picked:
    """A chosen contract and how it was chosen."""

    row: ChainRow
    chosen_by: ChosenBy


# --- Expiry ---------------------------------------------------------------------------------------


def expiries(rows: Iterable[ChainRow]) -> list[date]:
    """The distinct expiries of `rows`, earliest first."""
    return sorted({row.expiry for row in rows})


def pick_expiry(rows: Sequence[ChainRow], today: date, max_days_to_expiry: int) -> date | Skip:
    """Today's expiry when one is listed (0DTE), else the nearest later one within the limit.

    Expiries before `today` are ignored: a chain may still list contracts that stopped trading.
    """
    if not rows:
        return Skip(SkipReason.EMPTY_CHAIN, "the option chain has no contracts")
    live = [expiry for expiry in expiries(rows) if expiry >= today]
    if not live:
        return Skip(SkipReason.NO_EXPIRY, f"every listed expiry is before {today.isoformat()}")
    nearest = live[0]
    days = (nearest - today).days
    if days > max_days_to_expiry:
        return Skip(
            SkipReason.NO_EXPIRY,
            f"nearest expiry {nearest.isoformat()} is {days} days out, beyond the {max_days_to_expiry}-day limit",
        )
    return nearest


def rows_expiring(rows: Iterable[ChainRow], expiry: date) -> list[ChainRow]:
    """The rows of one expiry: every structure here trades a single expiry."""
    return [row for row in rows if row.expiry == expiry]


# --- Strikes --------------------------------------------------------------------------------------


def pick_short(
    rows: Sequence[ChainRow],
    right: Right,
    underlying_price: float,
    target_delta: float,
    distance_pct: float,
) -> Picked | Skip:
    """The out-of-the-money contract of `right` nearest the target.

    By |delta| when every out-of-the-money candidate of that side has a delta (a partial set would
    let one stray greek decide), else by strike distance `distance_pct` from the underlying price.
    Ties go to the strike further out of the money, the safer short.
    """
    candidates = [row for row in rows if row.right == right and row.is_otm(underlying_price)]
    if not candidates:
        return Skip(SkipReason.NO_OTM_STRIKE, f"no out-of-the-money {right} at underlying {underlying_price:g}")
    deltas = [row.delta for row in candidates]
    if all(delta is not None for delta in deltas):
        def delta_gap(row: ChainRow) -> tuple[float, float]:
            assert row.delta is not None
            return (abs(abs(row.delta) - target_delta), -row.otm_amount(underlying_price))

        return Picked(min(candidates, key=delta_gap), "delta")
    sign = 1.0 if right == "call" else -1.0
    target_strike = underlying_price * (1.0 + sign * distance_pct)
    best = min(candidates, key=lambda row: (abs(row.strike - target_strike), -row.otm_amount(underlying_price)))
    return Picked(best, "distance")


def pick_wing(rows: Sequence[ChainRow], short: ChainRow, width: float) -> Picked | Skip:
    """The protective contract: same right and expiry, further out of the money than `short`, with
    the listed strike nearest `width` points away. Ties go to the narrower wing (less at risk).

    A wing far from `width` is still taken: sizing then sees the wider structure's larger max loss.
    """
    sign = 1.0 if short.right == "call" else -1.0
    candidates = [
        row
        for row in rows
        if row.right == short.right and row.expiry == short.expiry and sign * (row.strike - short.strike) > 0
    ]
    if not candidates:
        return Skip(SkipReason.NO_WING, f"no {short.right} listed beyond the short strike {short.strike:g}")
    target_strike = short.strike + sign * width
    best = min(candidates, key=lambda row: (abs(row.strike - target_strike), abs(row.strike - short.strike)))
    return Picked(best, "width")


def pick_at_the_money(rows: Sequence[ChainRow], right: Right, underlying_price: float) -> Picked | Skip:
    """The contract of `right` with the strike nearest the underlying price (ties to the lower
    strike): a butterfly's body, a debit vertical's long leg."""
    candidates = [row for row in rows if row.right == right]
    if not candidates:
        return Skip(SkipReason.NO_OTM_STRIKE, f"no {right} listed near the underlying {underlying_price:g}")
    return Picked(min(candidates, key=lambda row: (abs(row.strike - underlying_price), row.strike)), "at_the_money")


def pick_equal_wings(rows: Sequence[ChainRow], body: ChainRow, width: float) -> tuple[Picked, Picked] | Skip:
    """A butterfly's wings: the contracts of `body`'s right and expiry equally far below and above
    it, at the listed distance nearest `width` (ties to the narrower)."""
    strikes = {row.strike: row for row in rows if row.right == body.right and row.expiry == body.expiry}
    widths = [strike - body.strike for strike in strikes if strike > body.strike and 2 * body.strike - strike in strikes]
    if not widths:
        return Skip(SkipReason.NO_WING, f"no {body.right} pair listed equally far either side of {body.strike:g}")
    chosen = min(widths, key=lambda w: (abs(w - width), w))
    return Picked(strikes[body.strike - chosen], "width"), Picked(strikes[body.strike + chosen], "width")


# --- Liquidity ------------------------------------------------------------------------------------


def spread_limit(mid: float, max_spread_dollars: float, max_spread_fraction: float) -> float:
    """The widest acceptable bid/ask spread for a contract priced `mid`.

    The larger of the two limits: the dollar limit lets a cheap wing through when its spread is wide
    in relative terms but costs pennies; the fraction lets an expensive contract have the wider
    spread its price implies. Taking the smaller would refuse nearly every 0DTE wing.
    """
    return max(max_spread_dollars, max_spread_fraction * mid)


def liquidity_problem(row: ChainRow, max_spread_dollars: float, max_spread_fraction: float) -> Skip | None:
    """Why `row` is too illiquid to trade with a market order, or None when it is fine."""
    label = f"{row.right} {row.strike:g} {row.expiry.isoformat()}"
    if not row.has_two_sided_quote or row.bid is None or row.ask is None:
        return Skip(SkipReason.NO_QUOTE, f"{label} has no two-sided quote (bid {row.bid}, ask {row.ask})")
    if row.ask < row.bid:
        return Skip(SkipReason.CROSSED_QUOTE, f"{label} quote is crossed (bid {row.bid:g} > ask {row.ask:g})")
    mid = (row.bid + row.ask) / 2
    spread = row.ask - row.bid
    limit = spread_limit(mid, max_spread_dollars, max_spread_fraction)
    if spread > limit + _PRICE_TOLERANCE:
        return Skip(SkipReason.WIDE_SPREAD, f"{label} spread {spread:.2f} exceeds the limit {limit:.2f}")
    return None
