"""Long call butterfly: buy one lower call, sell two at the money, buy one upper call, wings equal.
Bought for a debit, which is also its worst loss."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from atomic.structures import CALL_BUTTERFLY, StructureSpec
from strategies.base import StructureStrategy
from strategies.chain import ChainRow, Picked, pick_at_the_money, pick_equal_wings
from strategies.skip import Skip


class CallButterflyStrategy(StructureStrategy):
    """Body at the call nearest the underlying, wings the listed width nearest `wing_width` either side."""

    spec: ClassVar[StructureSpec] = CALL_BUTTERFLY

    def _pick_legs(self, chain: Sequence[ChainRow], underlying_price: float) -> dict[str, Picked] | Skip:
        middle = pick_at_the_money(chain, "call", underlying_price)
        if isinstance(middle, Skip):
            return middle
        wings = pick_equal_wings(chain, middle.row, self.params.wing_width)
        if isinstance(wings, Skip):
            return wings
        lower, upper = wings
        return {"lower_call": lower, "middle_call": middle, "upper_call": upper}
