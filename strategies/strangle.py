"""Short strangle: sell an out-of-the-money call and put on one expiry. Undefined risk, so it is
sized on a margin estimate instead of a max loss.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from strategies.base import AtomicExecutor, GroupResultLike, StructureStrategy
from strategies.chain import ChainRow
from strategies.selection import ChosenContract, LegRole, RiskBasis, Selection, Structure
from strategies.shape import strangle_problem
from strategies.sizing import strangle_margin
from strategies.skip import Skip


class StrangleStrategy(StructureStrategy):
    """Both shorts at the target delta (or distance); `wing_width` is unused (no wings)."""

    structure: ClassVar[Structure] = "strangle"

    def _pick_legs(self, chain: Sequence[ChainRow], underlying_price: float) -> tuple[ChosenContract, ...] | Skip:
        short_call = self._short(chain, "call", underlying_price)
        if isinstance(short_call, Skip):
            return short_call
        short_put = self._short(chain, "put", underlying_price)
        if isinstance(short_put, Skip):
            return short_put
        return (
            ChosenContract(LegRole.SHORT_CALL, short_call.row, short_call.chosen_by),
            ChosenContract(LegRole.SHORT_PUT, short_put.row, short_put.chosen_by),
        )

    def _shape_problem(self, legs: tuple[ChosenContract, ...]) -> str | None:
        short_call, short_put = (leg.row for leg in legs)
        return strangle_problem(short_call, short_put)

    def _risk(self, legs: tuple[ChosenContract, ...], credit: float, underlying_price: float) -> tuple[float, RiskBasis] | Skip:
        call_leg, put_leg = legs
        margin = strangle_margin(call_leg.row.strike, put_leg.row.strike, call_leg.natural_price, put_leg.natural_price,
                                 underlying_price, self.params.multiplier)
        return margin, "margin_estimate"

    def _submit(self, executor: AtomicExecutor, selection: Selection, quantity: int) -> GroupResultLike:
        return executor.execute_strangle_atomic(
            selection.row(LegRole.SHORT_CALL).symbol,
            selection.row(LegRole.SHORT_PUT).symbol,
            quantity,
            strategy=self.name,
        )
