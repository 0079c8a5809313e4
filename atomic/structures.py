"""Option structures, each declared once: its legs with signed ratios, its shape rule and its risk.

A `StructureSpec` is what the executor validates a group against (`execute_atomic(...,
structure=spec)` and the named `execute_*_atomic` verbs) and what a strategy selects, prices and
sizes by (strategies/base.py), so a new structure is one declaration here plus, when its strikes
are picked differently, a small strategy class. Pure: no LEAN, no executor.

The shape rule is data: the rights (from the legs), one expiry, the strikes' order from low to
high (strict unless a pair may touch), and widths that must be equal (a butterfly's wings). The
worst loss of a defined-risk structure follows from its legs: the payoff at expiry is piecewise
linear with kinks at the strikes, so the loss is largest at a strike or at zero, and is unbounded
only when the calls sold outnumber the calls bought. An undefined-risk structure declares a margin
rule instead, and is sized on that estimate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from atomic.contract import Contract, Right
from atomic.errors import InvalidGroupError
from atomic.margin import naked_short_requirement

# What a structure's risk figure measures: a true worst case, or a margin estimate for undefined risk.
RiskBasis = Literal["max_loss", "margin_estimate"]
T = TypeVar("T")
# Float slack when comparing strike widths (97.5 to 100 against 100 to 102.5).
_STRIKE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class LegRole:
    """A leg's place in its structure: its name, its right, and the contracts one structure holds
    (signed: -2 sells two, +1 buys one)."""

    name: str
    right: Right
    ratio: int

    @property
    def is_short(self) -> bool:
        return self.ratio < 0


@dataclass(frozen=True)
class LegPrice:
    """What a margin rule reads of one leg: its strike and its natural premium per share."""

    strike: float
    premium: float


# Per-share margin estimate of one structure from its legs (by role name) and the underlying price.
MarginRule = Callable[[Mapping[str, LegPrice], float], float]


@dataclass(frozen=True)
class StructureSpec:
    """One structure: legs (in the order the named executor verb and the strategy list them), the
    shape rule, whether it is bought for a debit, and, for undefined risk, its margin rule."""

    name: str
    legs: tuple[LegRole, ...]
    # Role names from the lowest strike to the highest; adjacent roles must differ in strike...
    strike_order: tuple[str, ...]
    # ...unless listed here (lower, higher): a strangle's put may share the call's strike.
    may_touch: tuple[tuple[str, str], ...] = ()
    # Pairs of (lower, higher) role pairs whose strike widths must be equal.
    equal_widths: tuple[tuple[tuple[str, str], tuple[str, str]], ...] = ()
    # Paid for (a butterfly, a debit vertical): a credit structure refuses a debit, a debit one a credit.
    debit: bool = False
    # None for defined risk (sized by its worst loss at expiry); else the margin estimate sizing uses.
    margin: MarginRule | None = None

    def __post_init__(self) -> None:
        names = [leg.name for leg in self.legs]
        if len(set(names)) != len(names) or sorted(self.strike_order) != sorted(names):
            raise ValueError(f"{self.name}: strike_order {self.strike_order} must name each leg {names} once")
        if any(leg.ratio == 0 for leg in self.legs):
            raise ValueError(f"{self.name}: a leg's ratio must not be 0")
        if self.margin is None and self._upside_slope() < 0:
            raise ValueError(f"{self.name}: more calls sold than bought is undefined risk: declare a margin rule")

    @property
    def label(self) -> str:
        """The name as error messages and logs spell it ("iron condor")."""
        return self.name.replace("_", " ")

    def role(self, name: str) -> LegRole:
        for leg in self.legs:
            if leg.name == name:
                return leg
        raise KeyError(f"{self.name} has no {name} leg")

    # --- building and checking a group ----------------------------------------------------------

    def quantities(self, items: Sequence[T], structures: int) -> list[tuple[T, int]]:
        """`items` (one per leg, in the legs' order) paired with their signed quantities."""
        if len(items) != len(self.legs):
            raise InvalidGroupError(f"{self.label}: {len(self.legs)} legs expected, got {len(items)}")
        return [(item, leg.ratio * structures) for item, leg in zip(items, self.legs)]

    def check_group(self, legs: Sequence[tuple[Contract, int]]) -> list[tuple[Contract, int]]:
        """Check `legs` ((contract, signed quantity), in the spec's order) are whole structures of
        this shape, and return them protective legs first: the order the executor places them, so a
        short is never sent ahead of the long that covers it.

        Raises InvalidGroupError naming the leg and the rule broken."""
        if len(legs) != len(self.legs):
            raise InvalidGroupError(f"{self.label}: {len(self.legs)} legs expected "
                                    f"({', '.join(leg.name for leg in self.legs)}), got {len(legs)}")
        first_quantity, first = legs[0][1], self.legs[0]
        structures = first_quantity // first.ratio if isinstance(first_quantity, int) else 0
        for (contract, quantity), leg in zip(legs, self.legs):
            if structures <= 0 or quantity != leg.ratio * structures:
                raise InvalidGroupError(f"{self.label}: {leg.name} ({contract.ticker}) quantity {quantity!r} is not "
                                        f"{leg.ratio:+d} per structure (legs {[q for _, q in legs]})")
        self.validate({leg.name: contract for (contract, _), leg in zip(legs, self.legs)})
        return sorted(legs, key=lambda pair: pair[1] < 0)

    def validate(self, contracts: Mapping[str, Contract]) -> None:
        """The shape rule: each leg's right, one expiry, the strike order, the equal widths.

        Raises InvalidGroupError naming the leg and the rule broken."""
        if set(contracts) != {leg.name for leg in self.legs}:
            raise InvalidGroupError(f"{self.label}: legs {sorted(contracts)} are not {[leg.name for leg in self.legs]}")
        for leg in self.legs:
            contract = contracts[leg.name]
            if contract.right != leg.right:
                found = contract.right or "not an option"
                raise InvalidGroupError(f"{leg.name} ({contract.ticker}) must be a {leg.right}, got {found}")
        if len({contract.expiry for contract in contracts.values()}) != 1:
            listing = ", ".join(f"{leg.name} {contracts[leg.name].expiry}" for leg in self.legs)
            raise InvalidGroupError(f"all legs must share one expiry, got {listing}")
        strikes = {name: _strike(name, contract) for name, contract in contracts.items()}
        for low, high in zip(self.strike_order, self.strike_order[1:]):
            if (low, high) in self.may_touch:
                if strikes[low] > strikes[high]:
                    raise InvalidGroupError(f"{self.label}: {low} strike {strikes[low]:g} must not exceed "
                                            f"{high} strike {strikes[high]:g}")
            elif not strikes[low] < strikes[high]:
                raise InvalidGroupError(f"{self.label}: {low} strike {strikes[low]:g} must be below "
                                        f"{high} strike {strikes[high]:g}")
        for (a, b), (c, d) in self.equal_widths:
            if abs((strikes[b] - strikes[a]) - (strikes[d] - strikes[c])) > _STRIKE_TOLERANCE:
                raise InvalidGroupError(f"{self.label}: widths must be equal, {a} to {b} is {strikes[b] - strikes[a]:g}, "
                                        f"{c} to {d} is {strikes[d] - strikes[c]:g}")

    # --- risk -------------------------------------------------------------------------------------

    def risk(self, prices: Mapping[str, LegPrice], net_credit: float, underlying_price: float) -> tuple[float, RiskBasis]:
        """Per share: the worst loss at expiry (`net_credit` is negative for a debit), or the margin
        rule's estimate for undefined risk. A worst loss of 0 or less means the quotes cannot be right."""
        if self.margin is not None:
            return self.margin(prices, underlying_price), "margin_estimate"
        return self.max_loss({name: price.strike for name, price in prices.items()}, net_credit), "max_loss"

    def max_loss(self, strikes: Mapping[str, float], net_credit: float) -> float:
        """Per-share worst loss at expiry of a defined-risk structure: minus the lowest of credit plus
        payoff, over an underlying at zero and at each strike (the payoff's kinks)."""
        if self._upside_slope() < 0:
            raise ValueError(f"{self.name} has undefined risk: use its margin rule")
        points = [0.0, *strikes.values()]
        return -min(net_credit + self._payoff(strikes, price) for price in points)

    def _payoff(self, strikes: Mapping[str, float], price: float) -> float:
        total = 0.0
        for leg in self.legs:
            strike = strikes[leg.name]
            total += leg.ratio * (max(0.0, price - strike) if leg.right == "call" else max(0.0, strike - price))
        return total

    def _upside_slope(self) -> int:
        """Payoff per point of the underlying above every strike: calls bought less calls sold."""
        return sum(leg.ratio for leg in self.legs if leg.right == "call")


def _strike(name: str, contract: Contract) -> float:
    if contract.strike is None:
        raise InvalidGroupError(f"{name} ({contract.ticker}) has no strike")
    return contract.strike


def short_strangle_margin(prices: Mapping[str, LegPrice], underlying_price: float) -> float:
    """Per-share margin estimate of a short strangle: the larger side's naked requirement plus the
    other side's premium (only one side can finish in the money), as LEAN's
    `OptionStrategyPositionGroupBuyingPowerModel` margins it (Common/Securities/Option/). An estimate:
    brokers add house rules; the executor's buying-power check has the last word."""
    call, put = prices["short_call"], prices["short_put"]
    call_requirement = naked_short_requirement("call", call.strike, underlying_price, call.premium)
    put_requirement = naked_short_requirement("put", put.strike, underlying_price, put.premium)
    if call_requirement >= put_requirement:
        return call_requirement + put.premium
    return put_requirement + call.premium


# --- the declared structures --------------------------------------------------------------------------

IRON_CONDOR = StructureSpec(
    "iron_condor",
    legs=(LegRole("short_call", "call", -1), LegRole("long_call", "call", 1),
          LegRole("short_put", "put", -1), LegRole("long_put", "put", 1)),
    strike_order=("long_put", "short_put", "short_call", "long_call"),
    may_touch=(("short_put", "short_call"),),  # an iron butterfly
)
PUT_SPREAD = StructureSpec(
    "put_spread",
    legs=(LegRole("short_put", "put", -1), LegRole("long_put", "put", 1)),
    strike_order=("long_put", "short_put"),
)
STRANGLE = StructureSpec(
    "strangle",
    legs=(LegRole("short_call", "call", -1), LegRole("short_put", "put", -1)),
    strike_order=("short_put", "short_call"),
    may_touch=(("short_put", "short_call"),),  # a straddle
    margin=short_strangle_margin,
)
# LEAN's OptionStrategyDefinitions.ButterflyCall (+1, -2, +1, equal wings): margin 0 beyond the debit.
CALL_BUTTERFLY = StructureSpec(
    "call_butterfly",
    legs=(LegRole("lower_call", "call", 1), LegRole("middle_call", "call", -2), LegRole("upper_call", "call", 1)),
    strike_order=("lower_call", "middle_call", "upper_call"),
    equal_widths=((("lower_call", "middle_call"), ("middle_call", "upper_call")),),
    debit=True,
)
# LEAN's OptionStrategyDefinitions.BullCallSpread: long the lower call, short the higher one.
BULL_CALL_SPREAD = StructureSpec(
    "bull_call_spread",
    legs=(LegRole("long_call", "call", 1), LegRole("short_call", "call", -1)),
    strike_order=("long_call", "short_call"),
    debit=True,
)
