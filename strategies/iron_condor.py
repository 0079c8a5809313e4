"""Short iron condor: a short put spread and a short call spread on one expiry, defined risk."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from strategies.base import AtomicExecutor, GroupResultLike, StructureStrategy
from strategies.chain import ChainRow, pick_wing
from strategies.selection import ChosenContract, LegRole, RiskBasis, Selection, Structure
from strategies.shape import iron_condor_problem
from strategies.sizing import iron_condor_max_loss
from strategies.skip import Skip, SkipReason


class IronCondorStrategy(StructureStrategy):
    """Shorts at the target delta (or distance) on both sides, wings `wing_width` further out."""

    structure: ClassVar[Structure] = "iron_condor"

    def _pick_legs(self, chain: Sequence[ChainRow], underlying_price: float) -> tuple[ChosenContract, ...] | Skip:
        short_call = self._short(chain, "call", underlying_price)
        if isinstance(short_call, Skip):
            return short_call
        short_put = self._short(chain, "put", underlying_price)
        if isinstance(short_put, Skip):
            return short_put
        long_call = pick_wing(chain, short_call.row, self.params.wing_width)
        if isinstance(long_call, Skip):
            return long_call
        long_put = pick_wing(chain, short_put.row, self.params.wing_width)
        if isinstance(long_put, Skip):
            return long_put
        return (
            ChosenContract(LegRole.SHORT_CALL, short_call.row, short_call.chosen_by),
            ChosenContract(LegRole.LONG_CALL, long_call.row, long_call.chosen_by),
            ChosenContract(LegRole.SHORT_PUT, short_put.row, short_put.chosen_by),
            ChosenContract(LegRole.LONG_PUT, long_put.row, long_put.chosen_by),
        )

    def _shape_problem(self, legs: tuple[ChosenContract, ...]) -> str | None:
        sc, lc, sp, lp = (leg.row for leg in legs)
        return iron_condor_problem(lp, sp, sc, lc)

    def _risk(self, legs: tuple[ChosenContract, ...], credit: float, underlying_price: float) -> tuple[float, RiskBasis] | Skip:
        sc, lc, sp, lp = (leg.row for leg in legs)
        call_width, put_width = lc.strike - sc.strike, sp.strike - lp.strike
        max_loss = iron_condor_max_loss(call_width, put_width, credit, self.params.multiplier)
        if max_loss <= 0:
            return Skip(SkipReason.INCONSISTENT_PRICES,
                        f"credit {credit:.2f} is not below the wider width {max(call_width, put_width):g}")
        return max_loss, "max_loss"

    def _submit(self, executor: AtomicExecutor, selection: Selection, quantity: int) -> GroupResultLike:
        return executor.execute_iron_condor_atomic(
            selection.row(LegRole.SHORT_CALL).symbol,
            selection.row(LegRole.LONG_CALL).symbol,
            selection.row(LegRole.SHORT_PUT).symbol,
            selection.row(LegRole.LONG_PUT).symbol,
            quantity,
            strategy=self.name,
        )
