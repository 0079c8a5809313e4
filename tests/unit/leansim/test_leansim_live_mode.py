"""Live mode: submission returns at once; events arrive later, possibly from another thread."""

from __future__ import annotations

import threading
from datetime import timedelta

from leansim_kit import OPEN, Recorder

from leansim import Simulator
from leansim.enums import OrderStatus


def test_submission_returns_before_any_event() -> None:
    sim = Simulator(start=OPEN, mode="live")
    algo = sim.start(Recorder)
    ticket = algo.market_order(algo.spy, 1, tag="g/0")
    assert algo.statuses() == [] and ticket.status == OrderStatus.NEW
    assert sim.pending_events == 1
    sim.deliver()
    assert algo.statuses() == ["SUBMITTED"] and ticket.status == OrderStatus.SUBMITTED
    sim.advance(1)
    assert algo.statuses() == ["SUBMITTED", "FILLED"] and ticket.status == OrderStatus.FILLED
    assert algo.transactions.market_order_fill_timeout.total_seconds() == 5


def test_brokerage_fills_before_the_event_is_delivered() -> None:
    sim = Simulator(start=OPEN, mode="live")
    algo = sim.start(Recorder)
    algo.market_order(algo.spy, 1)
    sim.advance(1)
    assert sim.position("SPY") == 1 and algo.portfolio[algo.spy].quantity == 1
    algo.market_order(algo.spy, 1)
    sim.brokerage.scan(sim.now, sim._price_group)  # the brokerage fills; the events are still queued
    assert sim.position("SPY") == 2 and algo.portfolio[algo.spy].quantity == 1


def test_deliver_in_thread_calls_on_order_event_from_another_thread() -> None:
    sim = Simulator(start=OPEN, mode="live")
    algo = sim.start(Recorder)
    algo.market_order(algo.spy, 1)
    sim.deliver_in_thread()
    assert algo.statuses() == ["SUBMITTED"]
    assert algo.threads == ["leansim-brokerage"] and threading.current_thread().name != "leansim-brokerage"


def test_on_order_event_runs_after_the_handler_released_its_lock() -> None:
    """LEAN's HandleOrderEvents calls on_order_event outside `_lockHandleOrderEvent`: while a brokerage
    thread is inside the callback, another thread can still place an order."""
    sim = Simulator(start=OPEN, mode="live")
    algo = sim.start(Recorder)
    algo.market_order(algo.spy, 1)
    placed: list[int] = []
    waited: list[bool] = []

    def callback_places_from_another_thread(order_event: object) -> None:
        if waited:
            return
        other = threading.Thread(target=lambda: placed.append(algo.market_order(algo.spy, 1).order_id), daemon=True)
        other.start()
        other.join(2)
        waited.append(other.is_alive())  # still blocked if the handler held its lock over this call

    algo.on_order_event = callback_places_from_another_thread  # type: ignore[method-assign]
    sim.deliver_in_thread()
    assert waited == [False] and placed == [2]


def test_cancel_pending_is_told_before_the_brokerage_hears_of_the_cancel() -> None:
    sim = Simulator(start=OPEN, mode="live")
    algo = sim.start(Recorder)
    ticket = algo.limit_order(algo.spy, 1, 1.0)
    sim.deliver()
    seen: list[tuple[str, int]] = []
    original = algo.on_order_event

    def record_the_brokerage(order_event: object) -> None:
        seen.append((threading.current_thread().name, len(sim.open_broker_orders)))
        original(order_event)  # type: ignore[arg-type]

    algo.on_order_event = record_the_brokerage  # type: ignore[method-assign]
    assert ticket.cancel().is_success
    assert seen == [(threading.current_thread().name, 1)]  # on the caller's thread, order still open
    assert len(sim.open_broker_orders) == 1 and sim.pending_cancels == 1  # answered, not yet sent
    sim.deliver()  # the transaction thread sends it; the brokerage's CANCELED comes back
    assert sim.open_broker_orders == [] and sim.pending_cancels == 0
    assert algo.statuses()[-2:] == ["CANCEL_PENDING", "CANCELED"]


def test_a_cancel_after_the_brokerage_filled_fails_and_the_fill_arrives_later() -> None:
    sim = Simulator(start=OPEN, mode="live")
    algo = sim.start(Recorder)
    ticket = algo.limit_order(algo.spy, 1, 200.0)
    sim.deliver()
    sim.brokerage.scan(sim.now + timedelta(seconds=1), sim._price_group)  # filled at the brokerage
    response = ticket.cancel()
    assert response.is_success  # answered before the brokerage hears of it
    sim.deliver()  # the transaction thread sends it: refused, the order falls back, the fill arrives
    assert ticket.cancel_request is not None and ticket.cancel_request.response.is_error
    assert algo.statuses() == ["SUBMITTED", "CANCEL_PENDING", "FILLED"]


def test_a_cancel_is_answered_at_once_and_reaches_the_brokerage_on_the_next_step() -> None:
    sim = Simulator(start=OPEN, mode="live")
    algo = sim.start(Recorder)
    ticket = algo.limit_order(algo.spy, 1, 1.0)
    sim.advance(1)
    response = ticket.cancel()
    assert response.is_success and ticket.status == OrderStatus.CANCEL_PENDING
    assert algo.statuses() == ["SUBMITTED", "CANCEL_PENDING"]  # on the caller's thread, inside cancel()
    assert [o.status for o in sim.open_broker_orders] == [OrderStatus.SUBMITTED]
    assert ticket.cancel().is_error  # a second cancel while the first is in flight is refused
    sim.advance(1)
    assert sim.open_broker_orders == [] and ticket.status == OrderStatus.CANCELED
    assert algo.statuses() == ["SUBMITTED", "CANCEL_PENDING", "CANCELED"]


def test_notify_sends_only_in_live_mode() -> None:
    live = Simulator(start=OPEN, mode="live")
    assert live.start(Recorder).notify.email("ops@example.com", "subject", "body") is True
    backtest = Simulator(start=OPEN)
    assert backtest.start(Recorder).notify.sms("+100", "text") is False
    assert [(n.kind, n.sent) for n in live.notifications + backtest.notifications] == [("email", True), ("sms", False)]
