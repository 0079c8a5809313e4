"""The executor's host as five narrow ports, so the core never touches LEAN directly.

- `OrderGateway`: contracts, orders out, their events back.
- `Account`: what the brokerage holds: positions, margin, open orders.
- `MarketClock`: the algorithm clock, exchange hours and underlying prices.
- `KeyValueStore` (atomic.persistence): the ObjectStore.
- `Alerts`: the operator's log and alerts.

`Ports` bundles them. `atomic.compose` wires LEAN's adapters (atomic.lean_broker) into one; tests
wire in-memory fakes the same way. Only atomic.lean_broker imports AlgorithmImports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from atomic.contract import Contract
from atomic.model import ExpiryFill, OrderUpdate
from atomic.persistence import KeyValueStore
from atomic.pricing import Quote
from atomic.tags import OrderTag


@dataclass(frozen=True)
class PlacedOrder:
    """What LEAN returned for one submitted order (a combo returns one per leg)."""

    order_id: int
    contract_key: str
    broker_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class BrokerOrder:
    """An order LEAN reports as open: after a live restart it has a new id and no tag."""

    order_id: int
    contract_key: str
    quantity: int
    broker_ids: tuple[str, ...]
    tag: OrderTag | None
    option: bool = True  # in an option contract (where a lost group record leaves its orders)


class OrderGateway(Protocol):
    """The contracts the algorithm trades, the orders sent on them and the events that come back."""

    def describe(self, symbol: object) -> Contract:
        """The Contract for a LEAN Symbol; InvalidGroupError when it is not one."""
        ...

    def knows(self, contract_key: str) -> bool:
        """Whether the key names a contract the shell can trade, subscribed or not (recovery checks
        persisted keys; orders subscribe a contract the algorithm has not)."""
        ...

    def place_market(self, contract_key: str, quantity: int, tag: str) -> PlacedOrder:
        """Submit asynchronously; in a backtest the order's events arrive before this returns."""
        ...

    def place_limit(self, contract_key: str, quantity: int, limit_price: float, tag: str) -> PlacedOrder:
        """Submit a limit order asynchronously (a priced leg); it fills on later data."""
        ...

    def place_combo(self, legs: Sequence[tuple[str, int]], structures: int, limit_price: float | None, tag: str) -> list[PlacedOrder]: ...

    def update_limit(self, order_id: int, limit_price: float) -> str | None:
        """Move an open order's limit (a combo leg's moves its whole combo); the error, if refused."""
        ...

    def cancel(self, order_id: int) -> str | None:
        """Ask LEAN to cancel, without a tag (a tag would overwrite ours); the error, if refused."""
        ...

    def translate(self, order_event: object) -> OrderUpdate | ExpiryFill:
        """A LEAN OrderEvent in the core's terms (tag read from the ticket or the order); a fill of
        LEAN's own option exercise order at expiry is an ExpiryFill (its whole quantity)."""
        ...

    def recorded_events(self, order_id: int) -> list[OrderUpdate] | None:
        """Every event LEAN's own record of the order holds, translated (None for an unknown id).
        LEAN records an event before it calls on_order_event, so this also holds events whose
        delivery was lost."""
        ...

    def cancel_refused(self, order_id: int) -> str | None:
        """Why the brokerage refused the order's latest cancel after LEAN had accepted it, or None.
        Live, LEAN answers cancel() before its transaction thread sends the request on; a refusal
        then restores the order's status and emits no order event: only the ticket's cancel
        request shows it."""
        ...


class Account(Protocol):
    """What the brokerage account holds: positions, margin and open orders."""

    def holdings(self, contract_key: str) -> int: ...

    def option_holdings(self) -> list[tuple[Contract, int]]:
        """Every option contract the portfolio holds, with its signed quantity (recovery names the
        ones no group record accounts for)."""
        ...

    def underlying_of(self, contract_key: str) -> tuple[Contract, int] | None:
        """An option contract's underlying and the brokerage's position in it (None when unknown)."""
        ...

    def margin_remaining(self) -> float: ...

    def open_orders(self) -> list[BrokerOrder]: ...


class MarketClock(Protocol):
    """The market as the algorithm sees it: its clock, exchange hours and prices."""

    def now(self) -> datetime:
        """The algorithm clock (UTC); never the wall clock."""
        ...

    def market_refusal(self, contract_keys: Sequence[str], minutes: int) -> str | None:
        """Why orders placed now could hang (exchange closed or closing within `minutes`), or None."""
        ...

    def underlying_price(self, contract: Contract) -> float | None: ...

    def quote(self, contract_key: str) -> Quote | None:
        """The contract's bid, ask and minimum price variation now; None without a two-sided quote."""
        ...


class Alerts(Protocol):
    """The operator's channel."""

    def alert(self, subject: str, message: str) -> None:
        """Tell the operator: error log always, notify in live mode."""
        ...

    def log(self, message: str) -> None: ...


@dataclass(frozen=True)
class Ports:
    """Everything the executor needs from its host, wired in one place (atomic.compose): each
    caller uses the narrow port it needs."""

    orders: OrderGateway
    account: Account
    market: MarketClock
    store: KeyValueStore
    alerts: Alerts
    live_mode: bool
