"""`algorithm.transactions`: LEAN's SecurityTransactionManager over the run's orders and tickets.

Stands for Common/Securities/SecurityTransactionManager.cs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from leansim.enums import CLOSED_STATUSES
from leansim.orders import Order
from leansim.symbols import Symbol
from leansim.tickets import CancelOrderRequest, OrderProcessor, OrderTicket

OrderFilter = Callable[[Order], bool] | Symbol | None
TicketFilter = Callable[[OrderTicket], bool] | Symbol | None


class SecurityTransactionManager:
    """Order queries and cancels. Orders returned are clones; tickets are the live objects."""

    def __init__(self, handler: OrderProcessor, live_mode: bool, is_warming_up: Callable[[], bool]) -> None:
        self._handler = handler
        self._is_warming_up = is_warming_up
        # LEAN: always zero in backtests; 5 s by default in live trading.
        self._market_order_fill_timeout = timedelta(seconds=5) if live_mode else timedelta(0)

    @property
    def utc_time(self) -> datetime:
        return self._handler.utc_time

    @property
    def market_order_fill_timeout(self) -> timedelta:
        return self._market_order_fill_timeout

    @market_order_fill_timeout.setter
    def market_order_fill_timeout(self, value: timedelta) -> None:
        self._market_order_fill_timeout = value

    @property
    def last_order_id(self) -> int:
        return self._handler.last_order_id

    @property
    def orders_count(self) -> int:
        return len(self._handler.orders)

    def cancel_order(self, order_id: int, order_tag: str | None = None) -> OrderTicket:
        """Cancel by id. As in LEAN, a missing tag is sent as "", which overwrites the order's tag."""
        self._refuse_while_warming_up()
        request = CancelOrderRequest(self.utc_time, order_id, order_tag if order_tag is not None else "")
        return self._handler.process_cancel(request)

    def cancel_open_orders(self, symbol: Symbol | None = None, tag: str | None = None) -> list[OrderTicket]:
        """Cancel every open order (of `symbol`). Without a symbol LEAN tags them with its own text."""
        if self._is_warming_up():
            raise RuntimeError("This operation is not allowed in Initialize or during warm up: CancelOpenOrders.")
        if symbol is None:
            stamp = self.utc_time.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"
            tag = f"Canceled by CancelOpenOrders() at {stamp}"
        tickets = self.get_open_order_tickets(symbol)
        for ticket in tickets:
            ticket.cancel(tag)
        return tickets

    def get_order_by_id(self, order_id: int) -> Order | None:
        order = self._handler.orders.get(order_id)
        return order.clone() if order is not None else None

    def get_orders_by_brokerage_id(self, brokerage_id: str) -> list[Order]:
        return [order.clone() for order in self._handler.orders.values() if brokerage_id in order.broker_id]

    def get_orders(self, filter: Callable[[Order], bool] | None = None) -> list[Order]:
        return [order.clone() for order in self._handler.orders.values() if filter is None or filter(order)]

    def get_open_orders(self, filter: OrderFilter = None) -> list[Order]:
        """Open orders, optionally of one Symbol or matching a predicate."""
        return [
            order.clone()
            for order in self._handler.orders.values()
            if order.status not in CLOSED_STATUSES and _matches(filter, order, order.symbol)
        ]

    def get_order_ticket(self, order_id: int) -> OrderTicket | None:
        return self._handler.tickets.get(order_id)

    def get_order_tickets(self, filter: Callable[[OrderTicket], bool] | None = None) -> list[OrderTicket]:
        return [ticket for ticket in self._handler.tickets.values() if filter is None or filter(ticket)]

    def get_open_order_tickets(self, filter: TicketFilter = None) -> list[OrderTicket]:
        return [
            ticket
            for ticket in self._handler.tickets.values()
            if ticket.status not in CLOSED_STATUSES and _matches(filter, ticket, ticket.symbol)
        ]

    def get_open_orders_remaining_quantity(self, filter: TicketFilter = None) -> float:
        return sum(ticket.quantity_remaining for ticket in self.get_open_order_tickets(filter))

    def _refuse_while_warming_up(self) -> None:
        if self._is_warming_up():
            raise RuntimeError(
                "This operation is not allowed in Initialize or during warm up: OrderRequest.Cancel. "
                "Please move this code to the OnWarmupFinished() method."
            )


def _matches(filter: object, item: object, symbol: Symbol) -> bool:
    if filter is None:
        return True
    if isinstance(filter, Symbol):
        return symbol == filter
    return bool(filter(item))  # type: ignore[operator]
