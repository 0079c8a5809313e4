"""Bull call debit spread: buy the call at the money, sell one `wing_width` higher. Bought for a
debit, which is also its worst loss."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from atomic.structures import BULL_CALL_SPREAD, StructureSpec
from strategies.base import StructureStrategy
from strategies.chain import ChainRow, Picked, pick_at_the_money, pick_wing
from strategies.skip import Skip


class BullCallSpreadStrategy(StructureStrategy):
    """Long call nearest the underlying, short call the listed strike nearest `wing_width` above."""

    spec: ClassVar[StructureSpec] = BULL_CALL_SPREAD

    def _pick_legs(self, chain: Sequence[ChainRow], underlying_price: float) -> dict[str, Picked] | Skip:
        long_call = pick_at_the_money(chain, "call", underlying_price)
        if isinstance(long_call, Skip):
            return long_call
        short_call = pick_wing(chain, long_call.row, self.params.wing_width)
        if isinstance(short_call, Skip):
            return short_call
        return {"long_call": long_call, "short_call": short_call}
