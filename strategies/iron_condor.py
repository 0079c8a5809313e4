"""Short iron condor: a short put spread and a short call spread on one expiry, defined risk."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import ClassVar

from strategies.base import AtomicExecutor, GroupResultLike, StructureStrategy
from strategies.chain import ChainRow, pick_short, pick_wing
from strategies.selection import Leg, LegRole, Selection, Structure, mid_credit, natural_credit
from strategies.shape import iron_condor_problem
from strategies.sizing import iron_condor_max_loss
from strategies.skip import Skip, SkipReason


class IronCondorStrategy(StructureStrategy):
    """Shorts at the target delta (or distance) on both sides, wings `wing_width` further out."""

    structure: ClassVar[Structure] = "iron_condor"

    def select(self, rows: Sequence[ChainRow], underlying_price: float, today: date) -> Selection | Skip:
        """The four legs, or why not (see `Skip`)."""
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
        long_call = pick_wing(chain, short_call.row, p.wing_width)
        if isinstance(long_call, Skip):
            return long_call
        long_put = pick_wing(chain, short_put.row, p.wing_width)
        if isinstance(long_put, Skip):
            return long_put
        legs = (
            Leg(LegRole.SHORT_CALL, short_call.row, short_call.chosen_by),
            Leg(LegRole.LONG_CALL, long_call.row, long_call.chosen_by),
            Leg(LegRole.SHORT_PUT, short_put.row, short_put.chosen_by),
            Leg(LegRole.LONG_PUT, long_put.row, long_put.chosen_by),
        )
        illiquid = self._illiquid(legs)
        if illiquid is not None:
            return illiquid
        shape = iron_condor_problem(long_put.row, short_put.row, short_call.row, long_call.row)
        if shape is not None:
            return Skip(SkipReason.BAD_SHAPE, shape)
        credit = natural_credit(legs)
        if credit <= 0:
            return Skip(SkipReason.NO_CREDIT, f"natural credit {credit:.2f} is not positive")
        call_width = long_call.row.strike - short_call.row.strike
        put_width = short_put.row.strike - long_put.row.strike
        max_loss = iron_condor_max_loss(call_width, put_width, credit, p.multiplier)
        if max_loss <= 0:
            return Skip(
                SkipReason.INCONSISTENT_PRICES,
                f"credit {credit:.2f} is not below the wider width {max(call_width, put_width):g}",
            )
        return Selection(
            strategy=self.name,
            structure=self.structure,
            expiry=expiry,
            underlying_price=underlying_price,
            legs=legs,
            net_credit=credit,
            mid_credit=mid_credit(legs),
            max_loss=max_loss,
        )

    def _submit(self, executor: AtomicExecutor, selection: Selection, quantity: int) -> GroupResultLike:
        return executor.execute_iron_condor_atomic(
            selection.leg(LegRole.SHORT_CALL).symbol,
            selection.leg(LegRole.LONG_CALL).symbol,
            selection.leg(LegRole.SHORT_PUT).symbol,
            selection.leg(LegRole.LONG_PUT).symbol,
            quantity,
            strategy=self.name,
        )
