"""Short strangle: sell an out-of-the-money call and put on one expiry. Undefined risk, so it is
sized on a margin estimate instead of a max loss.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import ClassVar

from strategies.base import AtomicExecutor, GroupResultLike, StructureStrategy
from strategies.chain import ChainRow, pick_short
from strategies.selection import Leg, LegRole, Selection, Structure, mid_credit, natural_credit
from strategies.shape import strangle_problem
from strategies.sizing import strangle_margin
from strategies.skip import Skip, SkipReason


class StrangleStrategy(StructureStrategy):
    """Both shorts at the target delta (or distance); `wing_width` is unused (no wings)."""

    structure: ClassVar[Structure] = "strangle"

    def select(self, rows: Sequence[ChainRow], underlying_price: float, today: date) -> Selection | Skip:
        """The two short legs, or why not (see `Skip`)."""
        found = self._expiry_rows(rows, underlying_price, today)
        if isinstance(found, Skip):
            return found
        expiry, chain = found
        p = self.params
        short_call = pick_short(chain, "call", underlying_price, p.target_short_delta, p.short_strike_distance_pct)
        if isinstance(short_call, Skip):
            return short_call
        short_put = pick_short(chain, "put", underlying_price, p.target_short_delta, p.short_strike_distance_pct)
        if isinstance(short_put, Skip):
            return short_put
        call_leg = Leg(LegRole.SHORT_CALL, short_call.row, short_call.chosen_by)
        put_leg = Leg(LegRole.SHORT_PUT, short_put.row, short_put.chosen_by)
        legs = (call_leg, put_leg)
        illiquid = self._illiquid(legs)
        if illiquid is not None:
            return illiquid
        shape = strangle_problem(short_call.row, short_put.row)
        if shape is not None:
            return Skip(SkipReason.BAD_SHAPE, shape)
        margin = strangle_margin(
            short_call.row.strike,
            short_put.row.strike,
            call_leg.natural_price,
            put_leg.natural_price,
            underlying_price,
            p.multiplier,
        )
        return Selection(
            strategy=self.name,
            structure=self.structure,
            expiry=expiry,
            underlying_price=underlying_price,
            legs=legs,
            net_credit=natural_credit(legs),
            mid_credit=mid_credit(legs),
            max_loss=margin,
            risk_basis="margin_estimate",
        )

    def _submit(self, executor: AtomicExecutor, selection: Selection, quantity: int) -> GroupResultLike:
        return executor.execute_strangle_atomic(
            selection.leg(LegRole.SHORT_CALL).symbol,
            selection.leg(LegRole.SHORT_PUT).symbol,
            quantity,
            strategy=self.name,
        )
