"""Test kit of the leansim tests: times, and an algorithm that records its order events."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import leansim

leansim.install()

from AlgorithmImports import QCAlgorithm

from leansim.orders import OrderEvent
from leansim.symbols import Symbol

# Tuesday 2024-01-02: 15:00 UTC is 10:00 in New York (open); 22:00 UTC is after the close.
OPEN = datetime(2024, 1, 2, 15, 0, tzinfo=timezone.utc)
CLOSED = datetime(2024, 1, 2, 22, 0, tzinfo=timezone.utc)


class Recorder(QCAlgorithm):
    """Subscribes to SPY and records every order event with the tag LEAN reports for it."""

    spy: Symbol
    events: list[OrderEvent]
    log: list[tuple[str, int, float, str, str]]
    threads: list[str]

    def initialize(self) -> None:
        self.spy = self.add_equity("SPY").symbol
        self.events = []
        self.log = []
        self.threads = []

    def on_order_event(self, order_event: OrderEvent) -> None:
        self.events.append(order_event)
        order = self.transactions.get_order_by_id(order_event.order_id)
        self.log.append((order_event.status.name, order_event.order_id, order_event.fill_quantity,
                         order.tag if order else "", order_event.message))
        self.threads.append(threading.current_thread().name)

    def statuses(self) -> list[str]:
        return [entry[0] for entry in self.log]
