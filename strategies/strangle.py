"""Short strangle: sell an out-of-the-money call and put on one expiry. Undefined risk, so it is
sized on its spec's margin estimate instead of a max loss.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from atomic.structures import STRANGLE, StructureSpec
from strategies.base import StructureStrategy
from strategies.chain import ChainRow, Picked
from strategies.skip import Skip


class StrangleStrategy(StructureStrategy):
    """Both shorts at the target delta (or distance); `wing_width` is unused (no wings)."""

    spec: ClassVar[StructureSpec] = STRANGLE

    def _pick_legs(self, chain: Sequence[ChainRow], underlying_price: float) -> dict[str, Picked] | Skip:
        short_call = self._short(chain, "call", underlying_price)
        if isinstance(short_call, Skip):
            return short_call
        short_put = self._short(chain, "put", underlying_price)
        if isinstance(short_put, Skip):
            return short_put
        return {"short_call": short_call, "short_put": short_put}
