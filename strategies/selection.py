"""The frozen leg spec a strategy hands to the executor: which contracts, at what quotes, for what
credit and risk. Building it never places anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal

from strategies.chain import ChainRow, ChosenBy

Structure = Literal["iron_condor", "put_spread", "strangle"]
# What `Selection.max_loss` measures: a true worst case, or a margin estimate for undefined risk.
RiskBasis = Literal["max_loss", "margin_estimate"]


class LegRole(StrEnum):
    """A leg's place in its structure; every structure here is short its inner strikes."""

    SHORT_CALL = "short_call"
    LONG_CALL = "long_call"
    SHORT_PUT = "short_put"
    LONG_PUT = "long_put"

    @property
    def is_short(self) -> bool:
        return self in (LegRole.SHORT_CALL, LegRole.SHORT_PUT)

    @property
    def ratio(self) -> int:
        """Signed contracts per structure: -1 sold, +1 bought."""
        return -1 if self.is_short else 1


@dataclass(frozen=True)
class ChosenContract:
    """One chosen contract, its role, and how its strike was chosen."""

    role: LegRole
    row: ChainRow
    chosen_by: ChosenBy

    @property
    def natural_price(self) -> float:
        """What a market order should get per share: the bid when selling, the ask when buying."""
        price = self.row.bid if self.role.is_short else self.row.ask
        if price is None:
            raise ValueError(f"{self.role} has no quote; check liquidity before pricing")
        return price

    @property
    def mid_price(self) -> float:
        mid = self.row.mid
        if mid is None:
            raise ValueError(f"{self.role} has no two-sided quote; check liquidity before pricing")
        return mid


def natural_credit(legs: Sequence[ChosenContract]) -> float:
    """Per-share credit at natural prices (shorts at the bid, longs at the ask): what market orders
    get, so risk is sized on the credit actually likely, not the hopeful mid.
    """
    return sum(-leg.role.ratio * leg.natural_price for leg in legs)


def mid_credit(legs: Sequence[ChosenContract]) -> float:
    """Per-share credit at mid prices, for reports and limit prices."""
    return sum(-leg.role.ratio * leg.mid_price for leg in legs)


@dataclass(frozen=True)
class Selection:
    """A structure ready for the executor: its legs (one expiry), credit and risk per structure."""

    strategy: str
    structure: Structure
    expiry: date
    underlying_price: float
    legs: tuple[ChosenContract, ...]
    # Per share, at natural prices (see natural_credit); mid_credit is the same at mid prices.
    net_credit: float
    mid_credit: float
    # Dollars per structure; a margin estimate when risk_basis says so.
    max_loss: float
    risk_basis: RiskBasis = "max_loss"

    def row(self, role: LegRole) -> ChainRow:
        """The chain row of the contract in `role`; KeyError when the structure has no such leg."""
        for leg in self.legs:
            if leg.role is role:
                return leg.row
        raise KeyError(f"{self.structure} has no {role} leg")

    def describe(self) -> str:
        """One line for the algorithm's log."""
        legs = ", ".join(f"{leg.role} {leg.row.strike:g} ({leg.chosen_by})" for leg in self.legs)
        return (
            f"{self.strategy} {self.structure} {self.expiry.isoformat()} [{legs}] "
            f"credit {self.net_credit:.2f} (mid {self.mid_credit:.2f}), {self.risk_basis} {self.max_loss:.2f}"
        )
