"""The seed's "never do this" loop, as an executor the demo algorithm can run with unchanged.

The double's own: LEAN has no counterpart.

`NaiveExecutor` offers the atomic executor's verb the strategies call (`execute_atomic`, with the
same signature), and does what the project's seed did: one `market_order` per leg, in the caller's
order (an iron condor's short call, long call, short put, long put: sells first), with no
write-ahead record, no timeout and no rollback. Whatever fills,
stays. The scenario runner puts it where the algorithm constructs the atomic executor to show what
the atomic executor prevents, on the same data and the same faults.

It keeps its own per-group record of the tickets (its "fills"), which the runner measures.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from leansim.enums import OrderStatus

FLATTEN_TAG = "naive/flatten delivered shares"  # no group's: the report shares its fills out (leansim.expiry_shares)


class NaiveStatus(str, Enum):
    """What became of a naive group, read from its tickets (nothing decides it: it just happens)."""

    PENDING = "PENDING"  # some leg's order is still open at the brokerage
    FILLED = "FILLED"  # every leg filled completely
    PARTIAL = "PARTIAL"  # orders closed with legs filled unevenly: left unbalanced
    REJECTED = "REJECTED"  # orders closed and nothing filled


@dataclass
class NaiveLeg:
    """One leg: its symbol, signed quantity and the ticket of the single order sent for it."""

    symbol: Any
    quantity: int
    ticket: Any = None

    @property
    def filled(self) -> int:
        return int(round(float(self.ticket.quantity_filled))) if self.ticket is not None else 0

    @property
    def open(self) -> bool:
        return self.ticket is not None and self.ticket.status.name not in ("FILLED", "CANCELED", "INVALID")


@dataclass
class NaiveGroup:
    """The legs one verb call placed."""

    group_id: str
    strategy: str
    created_at: datetime
    legs: list[NaiveLeg] = field(default_factory=list)
    asked_pricing: str = ""  # the price the caller asked for and the loop ignored ("" for none)

    @property
    def pricing(self) -> str:
        """What priced the orders: always market orders, with what was asked when it was not."""
        return f"Market (asked {self.asked_pricing})" if self.asked_pricing and self.asked_pricing != "Market()" else "Market()"

    @property
    def complete(self) -> bool:
        return all(leg.filled == leg.quantity for leg in self.legs)

    @property
    def flat(self) -> bool:
        return all(leg.filled == 0 for leg in self.legs)

    @property
    def status(self) -> NaiveStatus:
        if self.complete:
            return NaiveStatus.FILLED
        if any(leg.open for leg in self.legs):
            return NaiveStatus.PENDING
        return NaiveStatus.REJECTED if self.flat else NaiveStatus.PARTIAL


class NaiveResult:
    """The caller's handle: `group_id`, a live `status`, truthy once every leg filled."""

    def __init__(self, group: NaiveGroup) -> None:
        self._group = group
        self.group_id = group.group_id

    @property
    def status(self) -> NaiveStatus:
        return self._group.status

    @property
    def reason(self) -> str:
        return ""

    @property
    def view(self) -> NaiveGroup:
        return self._group

    def __bool__(self) -> bool:
        return self._group.complete

    def __repr__(self) -> str:
        return f"NaiveResult({self.group_id}, {self.status.value})"


class NaiveExecutor:
    """One market order per leg, in the caller's order; nothing persisted, nothing reversed."""

    def __init__(self, algorithm: Any) -> None:
        self._algorithm = algorithm
        self._ids = itertools.count(1)
        self.groups: list[NaiveGroup] = []
        self._listeners: list[Callable[[NaiveResult], None]] = []
        self._pending: list[NaiveGroup] = []  # not told to the listeners yet
        self._non_option_symbols: tuple[int, list[Any]] = (-1, [])  # (portfolio size, its non-option symbols)
        self._placing = False  # a backtest fills each leg inside market_order, before the next is sent

    # --- the atomic executor's verb ------------------------------------------------------------

    def execute_atomic(
        self, legs: Sequence[tuple[Any, int]], strategy: str = "", limit_price: float | None = None,
        on_complete: Any = None, structure: Any = None, pricing: Any = None,
    ) -> NaiveResult:
        """One market order per leg in the caller's order (a strategy lists a structure's shorts
        first: its spec's leg order); the structure is not checked, nor are its legs reordered.

        A price (`pricing`, `limit_price`) is taken as the seed's loop would: it has none, and sends
        market orders whatever the caller asked. The group records what was asked, so the report
        shows the comparison's entries as the market orders they were."""
        asked = pricing if pricing is not None else limit_price
        return self._place(strategy, [(symbol, int(quantity)) for symbol, quantity in legs],
                           "" if asked is None else _describe(asked))

    # --- the rest of the surface the demo algorithm calls -----------------------------------------

    def add_listener(self, callback: Callable[[NaiveResult], None]) -> None:
        """Call `callback(result)` once a group's orders have all closed (FILLED, PARTIAL or REJECTED),
        as the atomic executor tells its listeners of a group's final status."""
        self._listeners.append(callback)

    def on_order_event(self, order_event: Any) -> None:
        """The loop never acts on its orders; it only tells its listeners which groups have ended."""
        if not self._placing:
            self._tell_ended()

    def check_timeouts(self) -> None:
        """No timeout, no rollback. Only the underlying an exercise or assignment delivered is sold or
        bought back once its exchange is open, with a plain market order (an order still open a minute
        later is cancelled and sent again), as the atomic executor flattens an ASSIGNED group's: the two
        runs then hold the same kind of position after an expiry."""
        algorithm = self._algorithm
        for symbol in self._non_options():
            held = int(algorithm.portfolio[symbol].quantity)
            if not held or not algorithm.securities[symbol].exchange.exchange_open:
                continue
            pending = algorithm.transactions.get_open_orders(symbol)
            for order in pending:
                if order.status is not OrderStatus.CANCEL_PENDING and algorithm.utc_time - order.time >= timedelta(minutes=1):
                    algorithm.transactions.cancel_order(order.id)
            if not pending:
                algorithm.market_order(symbol, -held, tag=FLATTEN_TAG)

    def _non_options(self) -> list[Any]:
        """The portfolio's symbols without an underlying (options are most keys), re-listed only
        when securities were added (the double never removes one)."""
        portfolio = self._algorithm.portfolio
        if self._non_option_symbols[0] != len(portfolio):
            self._non_option_symbols = (len(portfolio), [s for s in portfolio.keys() if not s.has_underlying])
        return self._non_option_symbols[1]

    def check_and_recover_incomplete_orders(self) -> str:
        return "naive executor: nothing persisted, nothing to recover"

    def held_groups(self) -> list[NaiveGroup]:
        """None for exit rules to watch: the seed's loop never closes a structure (main.py's exits
        recognise only the atomic executor's FILLED groups), so its structures are held to expiry."""
        return []

    def open_groups(self) -> list[NaiveGroup]:
        """Groups still holding an uneven position (the algorithm's end-of-run self-check reads this)."""
        return [group for group in self.groups if not (group.complete or group.flat)]

    # --- internals --------------------------------------------------------------------------------

    def _place(self, strategy: str, legs: list[tuple[Any, int]], asked: str) -> NaiveResult:
        group = NaiveGroup(f"naive-{next(self._ids)}", strategy, self._algorithm.utc_time, asked_pricing=asked)
        self.groups.append(group)
        self._pending.append(group)
        self._placing = True
        try:
            for index, (symbol, quantity) in enumerate(legs):
                leg = NaiveLeg(symbol, quantity)
                group.legs.append(leg)
                leg.ticket = self._algorithm.market_order(symbol, quantity, tag=f"naive/{group.group_id}/{index}")
        finally:
            self._placing = False
        self._tell_ended()
        return NaiveResult(group)

    def _tell_ended(self) -> None:
        ended = [group for group in self._pending if group.status is not NaiveStatus.PENDING]
        if ended:
            self._pending = [group for group in self._pending if group.status is NaiveStatus.PENDING]
        for group in ended:
            for listener in self._listeners:
                listener(NaiveResult(group))


def _describe(asked: Any) -> str:
    """A policy's own description (atomic.pricing), or a bare limit price."""
    describe = getattr(asked, "describe", None)
    return str(describe()) if callable(describe) else f"Limit({asked:g})"
