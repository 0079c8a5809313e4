"""Short iron condor: a short put spread and a short call spread on one expiry, defined risk."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from atomic.structures import IRON_CONDOR, StructureSpec
from strategies.base import StructureStrategy
from strategies.chain import ChainRow, Picked, pick_wing
from strategies.skip import Skip


class IronCondorStrategy(StructureStrategy):
    """Shorts at the target delta (or distance) on both sides, wings `wing_width` further out."""

    spec: ClassVar[StructureSpec] = IRON_CONDOR

    def _pick_legs(self, chain: Sequence[ChainRow], underlying_price: float) -> dict[str, Picked] | Skip:
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
        return {"short_call": short_call, "long_call": long_call, "short_put": short_put, "long_put": long_put}
