"""Backtest order semantics of the double, as LEAN behaves (see lean-semantics.md)."""

from __future__ import annotations

from datetime import datetime, timezone

from leansim_kit import CLOSED, OPEN, Recorder

from leansim import Simulator
from leansim.enums import OptionRight, OptionStyle, OrderResponseErrorCode, OrderStatus, OrderType
from leansim.orders import Leg
from leansim.symbols import Symbol


def _contracts() -> list[Symbol]:
    expiry = datetime(2024, 1, 19)
    return [
        Symbol.create_option("SPY", "usa", OptionStyle.AMERICAN, right, strike, expiry)
        for right, strike in ((OptionRight.PUT, 90.0), (OptionRight.PUT, 95.0), (OptionRight.CALL, 105.0), (OptionRight.CALL, 110.0))
    ]


def test_market_order_events_arrive_inside_the_call_before_the_ticket_is_returned() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    ticket = algo.market_order(algo.spy, 10, asynchronous=True, tag="group-1/leg-0")
    assert algo.statuses() == ["SUBMITTED", "FILLED"]
    assert [entry[3] for entry in algo.log] == ["group-1/leg-0", "group-1/leg-0"]
    assert algo.events[0].ticket is ticket and ticket.status == OrderStatus.FILLED
    assert ticket.order_id == 1 and ticket.quantity_filled == 10 and ticket.average_fill_price == 100.01
    assert algo.portfolio[algo.spy].quantity == 10 and sim.position(algo.spy) == 10
    order = algo.transactions.get_order_by_id(1)
    assert order is not None and order.broker_id and all(isinstance(b, str) for b in order.broker_id)


def test_get_order_by_id_returns_a_clone() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    algo.market_order(algo.spy, 1, tag="mine")
    clone = algo.transactions.get_order_by_id(1)
    assert clone is not None
    clone.status = OrderStatus.CANCELED
    assert algo.transactions.get_order_by_id(1).status == OrderStatus.FILLED  # type: ignore[union-attr]


def test_orders_in_initialize_are_refused_as_warming_up() -> None:
    class OrdersTooEarly(Recorder):
        def initialize(self) -> None:
            super().initialize()
            self.early = self.market_order(self.spy, 1)

    sim = Simulator(start=OPEN)
    algo = sim.start(OrdersTooEarly)
    assert algo.early.status == OrderStatus.INVALID
    assert algo.early.submit_request.response.error_code == OrderResponseErrorCode.ALGORITHM_WARMING_UP
    assert algo.log == [] and any("warm up" in message for message in sim.logs_at("ERROR"))
    assert algo.market_order(algo.spy, 1).order_id == 1  # ids start at 1 once running


def test_limit_order_fills_on_a_later_step_when_marketable() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    ticket = algo.limit_order(algo.spy, 5, 99.0, tag="limit")
    assert ticket.status == OrderStatus.SUBMITTED
    sim.advance(5)
    assert ticket.status == OrderStatus.SUBMITTED
    sim.set_quote("SPY", 98.5, 98.9)
    sim.advance(54)  # 10:00:59: no time slice yet, so no scan
    assert ticket.status == OrderStatus.SUBMITTED
    sim.advance(1)  # the 10:01 slice: the ask bar (a point at 98.9) is below the limit
    assert ticket.status == OrderStatus.FILLED and ticket.average_fill_price == 98.9


def test_combo_market_order_fills_every_leg_in_the_same_call() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    lp, sp, sc, lc = _contracts()
    tickets = algo.combo_market_order([Leg.create(lp, 1), Leg.create(sp, -1), Leg.create(sc, -1), Leg.create(lc, 1)], 2, tag="condor")
    assert [t.status for t in tickets] == [OrderStatus.FILLED] * 4
    assert algo.statuses() == ["SUBMITTED"] * 4 + ["FILLED"] * 4
    assert [t.quantity for t in tickets] == [2, -2, -2, 2]
    order = algo.transactions.get_order_by_id(tickets[0].order_id)
    assert order is not None and order.type == OrderType.COMBO_MARKET
    manager = order.group_order_manager
    assert manager is not None and manager.count == 4 and manager.quantity == 2 and manager.order_ids == {1, 2, 3, 4}


def test_market_order_while_closed_becomes_market_on_open_and_fills_at_the_open() -> None:
    sim = Simulator(start=CLOSED)
    algo = sim.start(Recorder)
    ticket = algo.market_order(algo.spy, 3, tag="overnight")
    assert ticket.order_type == OrderType.MARKET_ON_OPEN and ticket.status == OrderStatus.SUBMITTED
    sim.advance_to(datetime(2024, 1, 3, 14, 30, tzinfo=timezone.utc), step=60)
    assert ticket.status == OrderStatus.SUBMITTED  # not before the first bar of the session
    sim.advance(60)  # the 09:31 slice: its bar opened after the order (FillModel.MarketOnOpenFill)
    assert ticket.status == OrderStatus.FILLED
    assert ticket.order_events[-1].utc_time == datetime(2024, 1, 3, 14, 31, tzinfo=timezone.utc)


def test_combo_while_closed_is_not_converted_and_waits_for_the_open() -> None:
    sim = Simulator(start=CLOSED)
    algo = sim.start(Recorder)
    lp, sp, _, _ = _contracts()
    tickets = algo.combo_market_order([Leg.create(lp, 1), Leg.create(sp, -1)], 1)
    assert [t.order_type for t in tickets] == [OrderType.COMBO_MARKET] * 2
    assert [t.status for t in tickets] == [OrderStatus.SUBMITTED] * 2
    sim.advance_to(datetime(2024, 1, 3, 14, 31, tzinfo=timezone.utc), step=60)
    assert [t.status for t in tickets] == [OrderStatus.FILLED] * 2


def test_cancel_an_open_order_gives_cancel_pending_then_canceled() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    ticket = algo.limit_order(algo.spy, 1, 50.0, tag="keep-me")
    response = ticket.cancel()
    assert response.is_success
    assert algo.statuses() == ["SUBMITTED", "CANCEL_PENDING", "CANCELED"]
    assert ticket.tag == "keep-me"
    again = ticket.cancel()
    assert again.is_error and again.error_code == OrderResponseErrorCode.REQUEST_CANCELED


def test_cancel_of_a_closed_order_is_refused_but_a_tag_still_overwrites() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    ticket = algo.market_order(algo.spy, 1, tag="group-7")
    response = ticket.cancel("why")
    assert response.is_error and response.error_code == OrderResponseErrorCode.INVALID_ORDER_STATUS
    assert ticket.tag == "why"  # LEAN sets the tag before checking the status


def test_tagged_cancel_overwrites_the_tag() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    ticket = algo.limit_order(algo.spy, 1, 50.0, tag="group-9")
    algo.transactions.cancel_order(ticket.order_id, "timeout")
    assert algo.transactions.get_order_by_id(ticket.order_id).tag == "timeout"  # type: ignore[union-attr]
    assert algo.log[-1][3] == "timeout"


def test_transactions_cancel_order_without_tag_blanks_the_tag_like_lean() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    ticket = algo.limit_order(algo.spy, 1, 50.0, tag="group-9")
    algo.transactions.cancel_order(ticket.order_id)
    assert ticket.tag == "" and ticket.status == OrderStatus.CANCELED


def test_cancel_open_orders_writes_its_own_tag() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    ticket = algo.limit_order(algo.spy, 1, 50.0, tag="group-3")
    algo.transactions.cancel_open_orders()
    assert ticket.tag.startswith("Canceled by CancelOpenOrders() at 2024-01-02T15:00:00")


def test_unknown_order_cancel_and_queries() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    ticket = algo.transactions.cancel_order(42)
    assert ticket.cancel_request is not None and ticket.cancel_request.response.error_code == OrderResponseErrorCode.UNABLE_TO_FIND_ORDER
    limit = algo.limit_order(algo.spy, 1, 50.0)
    algo.market_order(algo.spy, 1)
    assert [o.id for o in algo.transactions.get_open_orders()] == [limit.order_id]
    assert [t.order_id for t in algo.transactions.get_open_order_tickets(algo.spy)] == [limit.order_id]
    assert len(algo.transactions.get_orders()) == 2 and len(algo.transactions.get_order_tickets()) == 2
    broker_id = algo.transactions.get_order_by_id(limit.order_id).broker_id[0]  # type: ignore[union-attr]
    assert [o.id for o in algo.transactions.get_orders_by_brokerage_id(broker_id)] == [limit.order_id]
    assert algo.transactions.market_order_fill_timeout.total_seconds() == 0


def test_insufficient_buying_power_is_invalid() -> None:
    sim = Simulator(start=OPEN, cash=1_000)
    algo = sim.start(Recorder)
    ticket = algo.market_order(algo.spy, 1_000)
    assert ticket.status == OrderStatus.INVALID
    assert algo.statuses() == ["INVALID"] and "Insufficient buying power" in algo.log[0][4]
