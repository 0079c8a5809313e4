"""Short put spread (bull put spread): sell a put, buy a lower one on the same expiry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from strategies.base import AtomicExecutor, GroupResultLike, StructureStrategy
from strategies.chain import ChainRow, pick_wing
from strategies.selection import ChosenContract, LegRole, RiskBasis, Selection, Structure
from strategies.shape import put_spread_problem
from strategies.sizing import put_spread_max_loss
from strategies.skip import Skip, SkipReason


class PutSpreadStrategy(StructureStrategy):
    """Short put at the target delta (or distance), long put `wing_width` below it."""

    structure: ClassVar[Structure] = "put_spread"

    def _pick_legs(self, chain: Sequence[ChainRow], underlying_price: float) -> tuple[ChosenContract, ...] | Skip:
        short_put = self._short(chain, "put", underlying_price)
        if isinstance(short_put, Skip):
            return short_put
        long_put = pick_wing(chain, short_put.row, self.params.wing_width)
        if isinstance(long_put, Skip):
            return long_put
        return (
            ChosenContract(LegRole.SHORT_PUT, short_put.row, short_put.chosen_by),
            ChosenContract(LegRole.LONG_PUT, long_put.row, long_put.chosen_by),
        )

    def _shape_problem(self, legs: tuple[ChosenContract, ...]) -> str | None:
        short_put, long_put = (leg.row for leg in legs)
        return put_spread_problem(short_put, long_put)

    def _risk(self, legs: tuple[ChosenContract, ...], credit: float, underlying_price: float) -> tuple[float, RiskBasis] | Skip:
        short_put, long_put = (leg.row for leg in legs)
        width = short_put.strike - long_put.strike
        max_loss = put_spread_max_loss(width, credit, self.params.multiplier)
        if max_loss <= 0:
            return Skip(SkipReason.INCONSISTENT_PRICES, f"credit {credit:.2f} is not below the width {width:g}")
        return max_loss, "max_loss"

    def _submit(self, executor: AtomicExecutor, selection: Selection, quantity: int) -> GroupResultLike:
        return executor.execute_put_spread_atomic(
            selection.row(LegRole.SHORT_PUT).symbol,
            selection.row(LegRole.LONG_PUT).symbol,
            quantity,
            strategy=self.name,
        )
