"""An in-memory host for the executor: its five ports (atomic.ports) without LEAN or the double.

`FakeBrokerage` holds one account's state and answers as every port; `ports()` wires it the way
atomic.compose wires LEAN's adapters. Orders never fill by themselves, as in live trading: a test
says what the brokerage reports (`fill`, `reject`, `cancelled`), and each event is recorded as LEAN
records it (on the order, for `recorded_events`) before it is delivered, unless it is `lost`.
Symbols are the builders' Contracts.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from atomic.contract import Contract
from atomic.errors import InvalidGroupError
from atomic.model import ExpiryFill, ExpiryKind, OrderState, OrderUpdate, delivery_of
from atomic.ports import BrokerOrder, PlacedOrder, Ports
from atomic.pricing import Quote
from atomic.tags import parse_tag
from atomic import EnhancedAtomicOrderExecutor
from builders import T0, UNDERLYING_PRICE, MemoryStore, config

_CLOSED = (OrderState.FILLED, OrderState.CANCELED, OrderState.INVALID)


@dataclass
class FakeOrder:
    """One order the fake brokerage received."""

    order_id: int
    contract: Contract
    quantity: int
    tag: str
    filled: int = 0
    state: OrderState = OrderState.SUBMITTED
    events: list[OrderUpdate] = field(default_factory=list)
    limit_price: float | None = None  # None: a market order


@dataclass
class EffectLog(MemoryStore):
    """The in-memory ObjectStore, noting each forced save ("persist") in the brokerage's effect log."""

    effects: list[str] = field(default_factory=list)

    def persist(self, key: str) -> None:
        super().persist(key)
        self.effects.append("persist")


class FakeBrokerage:
    """An account, a market and an order desk in memory; see the module docstring."""

    def __init__(self, *, live_mode: bool = True, now: datetime = T0) -> None:
        self.live_mode = live_mode
        self.clock = now
        self.store = EffectLog()
        self.effects = self.store.effects  # forced saves, sends and cancels, in the order they happened
        self.orders: dict[int, FakeOrder] = {}
        self.positions: dict[str, int] = {}
        self.contracts: dict[str, Contract] = {}
        self.margin = 1_000_000.0
        self.closed_reason: str | None = None
        self.alerts: list[tuple[str, str]] = []
        self.logs: list[str] = []
        self.deliver: Callable[[object], None] | None = None  # the executor's on_order_event
        self.quotes: dict[str, Quote] = {}  # contract key -> its quote (none: the contract has no quote)
        self.delivered: list[ExpiryFill] = []  # LEAN's exercise-order fills, as reported
        self._ids = itertools.count(1)
        self._event_ids = itertools.count(1)

    def ports(self) -> Ports:
        return Ports(orders=self, account=self, market=self, store=self.store, alerts=self, live_mode=self.live_mode)

    # --- what the brokerage reports (driven by the test) ------------------------------------------

    def fill(self, order_id: int, quantity: int | None = None, *, price: float = 1.0, lost: bool = False) -> None:
        """Fill `quantity` (signed as the order; the rest of the order by default)."""
        order = self.orders[order_id]
        quantity = order.quantity - order.filled if quantity is None else quantity
        order.filled += quantity
        self.positions[order.contract.key] = self.positions.get(order.contract.key, 0) + quantity
        state = OrderState.FILLED if order.filled == order.quantity else OrderState.PARTIALLY_FILLED
        self._report(order, state, quantity, price, "", lost)

    def reject(self, order_id: int, message: str = "rejected by the brokerage") -> None:
        self._report(self.orders[order_id], OrderState.INVALID, 0, 0.0, message, False)

    def cancelled(self, order_id: int) -> None:
        self._report(self.orders[order_id], OrderState.CANCELED, 0, 0.0, "", False)

    def expire(self, contract: Contract, kind: ExpiryKind, *, underlying: Contract | None = None,
               delivery_price: float = 0.0, quantity: int | None = None) -> int:
        """LEAN's exercise order at expiry for the whole position (or `quantity`): the option leg at 0,
        then, for `underlying` (physically settled, in the money), the delivery at `delivery_price`.
        Returns the exercise order's id; its events carry no tag."""
        order_id = next(self._ids)
        fill = -self.positions.get(contract.key, 0) if quantity is None else quantity
        message = {ExpiryKind.OTM: "OTM", ExpiryKind.EXERCISED: "Automatic Exercise", ExpiryKind.ASSIGNED: "Assigned"}[kind]
        self.positions[contract.key] = self.positions.get(contract.key, 0) + fill
        events = [ExpiryFill(order_id, next(self._event_ids), kind, contract, fill, 0.0, self.clock,
                             f"{message}. Underlying: {UNDERLYING_PRICE:g}", underlying)]
        if underlying is not None and kind is not ExpiryKind.OTM:
            self.contracts[underlying.key] = underlying
            shares = delivery_of(contract, fill)
            self.positions[underlying.key] = self.positions.get(underlying.key, 0) + shares
            events.append(ExpiryFill(order_id, next(self._event_ids), ExpiryKind.DELIVERY, underlying, shares,
                                     delivery_price, self.clock, "Option Assignment"))
        for event in events:
            self.delivered.append(event)
            assert self.deliver is not None
            self.deliver(event)
        return order_id

    def advance(self, seconds: float) -> None:
        self.clock += timedelta(seconds=seconds)

    def sent(self) -> list[tuple[str, int]]:
        """(contract ticker, signed quantity) of every order received, oldest first."""
        return [(order.contract.ticker, order.quantity) for order in self.orders.values()]

    def _report(self, order: FakeOrder, state: OrderState, quantity: int, price: float, message: str, lost: bool) -> None:
        order.state = state
        event = OrderUpdate(order.order_id, next(self._event_ids), state, quantity, price, self.clock, message,
                            parse_tag(order.tag), order.contract.key)
        order.events.append(event)
        if not lost and self.deliver is not None:
            self.deliver(event)

    # --- OrderGateway ----------------------------------------------------------------------------

    def describe(self, symbol: object) -> Contract:
        if not isinstance(symbol, Contract):
            raise InvalidGroupError(f"expected a Contract, got {type(symbol).__name__} {symbol!r}")
        self.contracts[symbol.key] = symbol
        return symbol

    def knows(self, contract_key: str) -> bool:
        return contract_key in self.contracts

    def place_market(self, contract_key: str, quantity: int, tag: str) -> PlacedOrder:
        order = self._open(contract_key, quantity, tag)
        self.effects.append(f"send {order.contract.ticker} {quantity:+d}")
        return PlacedOrder(order.order_id, contract_key)

    def place_limit(self, contract_key: str, quantity: int, limit_price: float, tag: str) -> PlacedOrder:
        order = self._open(contract_key, quantity, tag, limit_price)
        self.effects.append(f"limit {order.contract.ticker} {quantity:+d} @ {limit_price:g}")
        return PlacedOrder(order.order_id, contract_key)

    def place_combo(self, legs: Sequence[tuple[str, int]], structures: int, limit_price: float | None, tag: str) -> list[PlacedOrder]:
        orders = [self._open(key, ratio * structures, tag, limit_price) for key, ratio in legs]
        price = "" if limit_price is None else f" @ {limit_price:g}"
        self.effects.append("combo " + ", ".join(f"{o.contract.ticker} {o.quantity:+d}" for o in orders) + price)
        return [PlacedOrder(o.order_id, o.contract.key) for o in orders]

    def update_limit(self, order_id: int, limit_price: float) -> str | None:
        order = self.orders[order_id]
        if order.state in _CLOSED:
            return f"order {order_id} is {order.state.value}"
        order.limit_price = limit_price
        self.effects.append(f"update {order_id} @ {limit_price:g}")
        return None

    def _open(self, contract_key: str, quantity: int, tag: str, limit_price: float | None = None) -> FakeOrder:
        order = FakeOrder(next(self._ids), self.contracts[contract_key], quantity, tag, limit_price=limit_price)
        self.orders[order.order_id] = order
        return order

    def cancel(self, order_id: int) -> str | None:
        self.effects.append(f"cancel {order_id}")
        return None

    def translate(self, order_event: object) -> OrderUpdate | ExpiryFill:
        assert isinstance(order_event, (OrderUpdate, ExpiryFill))
        return order_event

    def recorded_events(self, order_id: int) -> list[OrderUpdate] | None:
        order = self.orders.get(order_id)
        return list(order.events) if order is not None else None

    def cancel_refused(self, order_id: int) -> str | None:
        return None  # this brokerage takes every cancel it is sent

    # --- Account ---------------------------------------------------------------------------------

    def holdings(self, contract_key: str) -> int:
        return self.positions.get(contract_key, 0)

    def option_holdings(self) -> list[tuple[Contract, int]]:
        return [(self.contracts[key], quantity) for key, quantity in self.positions.items()
                if quantity and self.contracts[key].is_option]

    def underlying_of(self, contract_key: str) -> tuple[Contract, int] | None:
        contract = self.contracts.get(contract_key)
        if contract is None or not contract.is_option:
            return None
        underlying = next((c for c in self.contracts.values() if not c.is_option and c.ticker == contract.underlying),
                          Contract(f"{contract.underlying} R735QTJ8XC9X", contract.underlying, contract.underlying))
        return underlying, self.positions.get(underlying.key, 0)

    def margin_remaining(self) -> float:
        return self.margin

    def open_orders(self) -> list[BrokerOrder]:
        return [BrokerOrder(o.order_id, o.contract.key, o.quantity, (), parse_tag(o.tag), o.contract.is_option)
                for o in self.orders.values() if o.state not in _CLOSED]

    # --- MarketClock -----------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock

    def market_refusal(self, contract_keys: Sequence[str], minutes: int) -> str | None:
        return self.closed_reason

    def underlying_price(self, contract: Contract) -> float | None:
        return UNDERLYING_PRICE

    def quote(self, contract_key: str) -> Quote | None:
        return self.quotes.get(contract_key)

    # --- Alerts ----------------------------------------------------------------------------------

    def alert(self, subject: str, message: str) -> None:
        self.alerts.append((subject, message))

    def log(self, message: str) -> None:
        self.logs.append(message)


def executor_on(brokerage: FakeBrokerage, **changes: object) -> EnhancedAtomicOrderExecutor:
    """An executor wired to `brokerage`'s ports, recovered (nothing to recover) and ready for groups."""
    executor = EnhancedAtomicOrderExecutor(None, config(**changes), brokerage.ports())
    brokerage.deliver = executor.on_order_event
    executor.check_and_recover_incomplete_orders()
    brokerage.effects.clear()
    return executor


def order_of(brokerage: FakeBrokerage, ticker: str, quantity: int) -> int:
    """The id of the one order for `quantity` of `ticker` the brokerage received."""
    (order_id,) = [o.order_id for o in brokerage.orders.values() if (o.contract.ticker, o.quantity) == (ticker, quantity)]
    return order_id
