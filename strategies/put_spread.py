"""Short put spread (bull put credit spread): sell a put, buy a lower one on the same expiry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from atomic.structures import PUT_SPREAD, StructureSpec
from strategies.base import StructureStrategy
from strategies.chain import ChainRow, Picked, pick_wing
from strategies.skip import Skip


class PutSpreadStrategy(StructureStrategy):
    """Short put at the target delta (or distance), long put `wing_width` below it."""

    spec: ClassVar[StructureSpec] = PUT_SPREAD

    def _pick_legs(self, chain: Sequence[ChainRow], underlying_price: float) -> dict[str, Picked] | Skip:
        short_put = self._short(chain, "put", underlying_price)
        if isinstance(short_put, Skip):
            return short_put
        long_put = pick_wing(chain, short_put.row, self.params.wing_width)
        if isinstance(long_put, Skip):
            return long_put
        return {"short_put": short_put, "long_put": long_put}
