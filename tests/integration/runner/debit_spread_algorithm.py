"""main.py trading a bull call debit spread instead of its iron condor: long the first call at or
above the underlying, short the next strike up, one structure on each entry. A structure whose
short leg is covered only from below, which atomic.margin once took for a naked short by design."""

from __future__ import annotations

from typing import Any

from main import AtomicOptionsAlgorithm
from strategies.base import StructureStrategy
from strategies.entry_pricing import EntryPricing
from strategies.lean_chain import chain_rows, underlying_price


class DebitSpreadAlgorithm(AtomicOptionsAlgorithm):
    def _build_strategies(self, pricing: EntryPricing) -> list[StructureStrategy]:
        return []

    def on_data(self, slice: Any) -> None:
        if not self.live_mode:
            self._executor.check_timeouts()
        if self._entry_due != self.time.date():
            return
        chain = slice.option_chains.get(self._option)
        price = underlying_price(chain) if chain is not None else None
        if price is None:
            return
        self._entry_due = None
        rows = chain_rows(chain)
        expiry = min(row.expiry for row in rows)
        calls = sorted((r for r in rows if r.right == "call" and r.expiry == expiry and r.strike >= price),
                       key=lambda r: r.strike)
        if len(calls) >= 2:
            self._executor.execute_atomic([(calls[0].symbol, 1), (calls[1].symbol, -1)], "bull_call_debit")
