"""The frozen leg spec a strategy hands to the executor: which contracts, at what quotes, for what
credit and risk. Building it never places anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from atomic.structures import LegRole, RiskBasis
from strategies.chain import ChainRow, ChosenBy

__all__ = ["ChosenContract", "LegRole", "RiskBasis", "Selection", "mid_credit", "natural_credit"]


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
            raise ValueError(f"{self.role.name} has no quote; check liquidity before pricing")
        return price

    @property
    def mid_price(self) -> float:
        mid = self.row.mid
        if mid is None:
            raise ValueError(f"{self.role.name} has no two-sided quote; check liquidity before pricing")
        return mid


def natural_credit(legs: Sequence[ChosenContract]) -> float:
    """Per-share credit at natural prices (shorts at the bid, longs at the ask), each leg times its
    ratio: what market orders get, so risk is sized on the credit actually likely, not the hopeful
    mid. Negative for a debit.
    """
    return sum(-leg.role.ratio * leg.natural_price for leg in legs)


def mid_credit(legs: Sequence[ChosenContract]) -> float:
    """Per-share credit at mid prices, for reports and limit prices."""
    return sum(-leg.role.ratio * leg.mid_price for leg in legs)


@dataclass(frozen=True)
class Selection:
    """A structure ready for the executor: its legs (one expiry, in its spec's order), credit and
    risk per structure."""

    strategy: str
    structure: str
    expiry: date
    underlying_price: float
    legs: tuple[ChosenContract, ...]
    # Per share, at natural prices (see natural_credit; negative for a debit); mid_credit at mid prices.
    net_credit: float
    mid_credit: float
    # Dollars per structure; a margin estimate when risk_basis says so.
    max_loss: float
    risk_basis: RiskBasis = "max_loss"

    def row(self, role: str) -> ChainRow:
        """The chain row of the contract in the role named `role`; KeyError when there is none."""
        for leg in self.legs:
            if leg.role.name == role:
                return leg.row
        raise KeyError(f"{self.structure} has no {role} leg")

    def describe(self) -> str:
        """One line for the algorithm's log."""
        legs = ", ".join(f"{leg.role.name} {leg.row.strike:g} ({leg.chosen_by})" for leg in self.legs)
        return (
            f"{self.strategy} {self.structure} {self.expiry.isoformat()} [{legs}] "
            f"credit {self.net_credit:.2f} (mid {self.mid_credit:.2f}), {self.risk_basis} {self.max_loss:.2f}"
        )
