"""Each fault kind of leansim.faults actually happens."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from leansim_kit import OPEN, Recorder

from leansim import (
    CancelLosesRace,
    DelayFill,
    DoubleReport,
    DuplicateEvents,
    FaultPlan,
    LostEvents,
    MarketClosed,
    Match,
    NeverFill,
    PartialFill,
    RefuseCancel,
    Reject,
    Simulator,
    StoreSaveFails,
)
from leansim.enums import OptionRight, OptionStyle, OrderStatus, OrderType
from leansim.orders import Leg
from leansim.symbols import Symbol


def _sim(*faults: object, mode: str = "backtest") -> Simulator:
    return Simulator(start=OPEN, faults=FaultPlan(tuple(faults)), mode=mode)  # type: ignore[arg-type]


def _spread() -> list[Leg]:
    expiry = datetime(2024, 1, 19)
    long_put = Symbol.create_option("SPY", "usa", OptionStyle.AMERICAN, OptionRight.PUT, 90.0, expiry)
    short_put = Symbol.create_option("SPY", "usa", OptionStyle.AMERICAN, OptionRight.PUT, 95.0, expiry)
    return [Leg.create(long_put, 1), Leg.create(short_put, -1)]


def test_reject_gives_an_invalid_event_with_the_message() -> None:
    sim = _sim(Reject("no liquidity"))
    algo = sim.start(Recorder)
    ticket = algo.market_order(algo.spy, 1, tag="g/leg")
    assert ticket.status == OrderStatus.INVALID
    assert algo.log == [("INVALID", 1, 0.0, "g/leg", "no liquidity")]
    assert sim.positions == {}


def test_reject_matches_the_rollback_order_by_tag_only() -> None:
    sim = _sim(Reject("rollback refused", Match(tag_contains="/rollback/")))
    algo = sim.start(Recorder)
    assert algo.market_order(algo.spy, 1, tag="g1/open/0").status == OrderStatus.FILLED
    assert algo.market_order(algo.spy, -1, tag="g1/rollback/0").status == OrderStatus.INVALID
    assert algo.market_order(algo.spy, -1, tag="g1/rollback/0").status == OrderStatus.FILLED  # times=1


def test_reject_on_a_combo_invalidates_every_leg() -> None:
    sim = _sim(Reject("combo refused", Match(nth=2)))
    algo = sim.start(Recorder)
    tickets = algo.combo_market_order(_spread(), 1)
    assert [t.status for t in tickets] == [OrderStatus.INVALID] * 2
    assert algo.statuses() == ["INVALID", "INVALID"]


def test_role_matches_closing_orders() -> None:
    sim = _sim(Reject("closing refused", Match(role="closing"), times=None))
    algo = sim.start(Recorder)
    assert algo.market_order(algo.spy, 2).status == OrderStatus.FILLED
    assert algo.market_order(algo.spy, 1).status == OrderStatus.FILLED
    assert algo.market_order(algo.spy, -1).status == OrderStatus.INVALID


def test_partial_fill_with_remainder_never() -> None:
    sim = _sim(PartialFill(4, remainder="never"))
    algo = sim.start(Recorder)
    ticket = algo.market_order(algo.spy, 10)
    assert algo.statuses() == ["SUBMITTED", "PARTIALLY_FILLED"]
    assert ticket.quantity_filled == 4 and ticket.status == OrderStatus.PARTIALLY_FILLED
    sim.advance(600)
    assert ticket.quantity_filled == 4 and sim.position(algo.spy) == 4
    ticket.cancel()
    assert ticket.status == OrderStatus.CANCELED


def test_partial_fill_fraction_then_remainder_later() -> None:
    sim = _sim(PartialFill(0.5, remainder=90))
    algo = sim.start(Recorder)
    ticket = algo.market_order(algo.spy, 10)
    assert ticket.quantity_filled == 5
    sim.advance(60)  # the 10:01 slice scans the brokerage: too early for the remainder
    assert ticket.quantity_filled == 5
    sim.advance(60)  # the 10:02 slice, 120 s after the partial fill
    assert ticket.quantity_filled == 10 and ticket.status == OrderStatus.FILLED
    assert algo.statuses() == ["SUBMITTED", "PARTIALLY_FILLED", "FILLED"]


def test_partial_fill_of_a_combo_fills_whole_structures_on_every_leg() -> None:
    sim = _sim(PartialFill(1, remainder="never"))
    algo = sim.start(Recorder)
    tickets = algo.combo_market_order(_spread(), 3)
    assert [t.quantity_filled for t in tickets] == [1, -1]
    assert [t.status for t in tickets] == [OrderStatus.PARTIALLY_FILLED] * 2


def test_delay_fill() -> None:
    sim = _sim(DelayFill(90))
    algo = sim.start(Recorder)
    ticket = algo.market_order(algo.spy, 1)
    assert algo.statuses() == ["SUBMITTED"]
    sim.advance(60)  # the 10:01 slice: still inside the delay
    assert ticket.status == OrderStatus.SUBMITTED
    sim.advance(59)  # past the delay, but a backtest scans the brokerage only at time slices
    assert ticket.status == OrderStatus.SUBMITTED
    sim.advance(1)  # the 10:02 slice
    assert ticket.status == OrderStatus.FILLED


def test_never_fill() -> None:
    sim = _sim(NeverFill(Match(symbol="SPY")))
    algo = sim.start(Recorder)
    ticket = algo.market_order(algo.spy, 1)
    sim.advance(3600, step=60)
    assert ticket.status == OrderStatus.SUBMITTED and sim.positions == {}


def test_cancel_loses_the_race_to_a_fill() -> None:
    sim = _sim(NeverFill(), CancelLosesRace())
    algo = sim.start(Recorder)
    ticket = algo.market_order(algo.spy, 2)
    response = ticket.cancel()
    assert response.is_success
    assert algo.statuses() == ["SUBMITTED", "CANCEL_PENDING", "FILLED"]
    assert ticket.status == OrderStatus.FILLED and sim.position(algo.spy) == 2


def test_duplicate_events_in_live_mode_reach_the_algorithm_twice_but_count_once() -> None:
    sim = _sim(DuplicateEvents(), mode="live")
    algo = sim.start(Recorder)
    ticket = algo.market_order(algo.spy, 3)
    sim.advance(1)
    assert algo.statuses() == ["SUBMITTED", "SUBMITTED", "FILLED", "FILLED"]
    assert ticket.quantity_filled == 3 and algo.portfolio[algo.spy].quantity == 3


@pytest.mark.parametrize("fault", [DuplicateEvents(), DoubleReport(), LostEvents(), RefuseCancel()],
                         ids=lambda f: type(f).__name__)
def test_live_brokerage_faults_are_refused_in_backtests(fault: object) -> None:
    with pytest.raises(ValueError, match=f"{type(fault).__name__} models a live brokerage"):
        _sim(fault)


def test_a_double_report_is_a_second_fill_event_with_a_fresh_id_that_lean_applies() -> None:
    """Unlike DuplicateEvents, LEAN cannot tell the second report from a fill: order, ticket,
    portfolio and the brokerage's account all count it."""
    sim = _sim(DoubleReport(), mode="live")
    algo = sim.start(Recorder)
    ticket = algo.market_order(algo.spy, 3)
    sim.advance(1)
    assert algo.statuses() == ["SUBMITTED", "FILLED", "FILLED"]
    fills = [e for e in algo.events if e.fill_quantity]
    assert [e.fill_quantity for e in fills] == [3, 3] and fills[0].id != fills[1].id
    assert ticket.quantity_filled == 6 and algo.portfolio[algo.spy].quantity == 6 == sim.position(algo.spy)
    assert algo.market_order(algo.spy, 1).quantity == 1  # times=1: the next order is reported once
    sim.advance(1)
    assert sim.position(algo.spy) == 7


def test_a_double_report_booked_once_shows_in_lean_but_not_in_the_account() -> None:
    sim = _sim(DoubleReport(booked_once=True), mode="live")
    algo = sim.start(Recorder)
    ticket = algo.market_order(algo.spy, 3)
    sim.advance(1)
    assert algo.statuses() == ["SUBMITTED", "FILLED", "FILLED"]
    assert ticket.quantity_filled == 6 and algo.portfolio[algo.spy].quantity == 6
    assert sim.position(algo.spy) == 3


def test_a_refused_cancel_restores_the_status_with_an_error_and_no_event() -> None:
    """LEAN answered the cancel; the brokerage refuses it once: the order works on, the ticket's
    cancel request holds the error, and a second cancel goes through."""
    sim = _sim(NeverFill(), RefuseCancel(), mode="live")
    algo = sim.start(Recorder)
    ticket = algo.market_order(algo.spy, 2)
    sim.advance(1)
    assert ticket.cancel().is_success
    sim.advance(1)
    assert algo.statuses() == ["SUBMITTED", "CANCEL_PENDING"]
    assert ticket.status == OrderStatus.SUBMITTED and ticket.cancel_request.response.is_error
    assert ticket.cancel().is_success
    sim.advance(1)
    assert ticket.status == OrderStatus.CANCELED


def test_lost_events_are_applied_by_lean_but_never_reach_the_algorithm() -> None:
    sim = _sim(LostEvents(), PartialFill(1, remainder=1), mode="live")
    algo = sim.start(Recorder)
    ticket = algo.market_order(algo.spy, 3)
    sim.advance(3)
    assert algo.statuses() == ["SUBMITTED"]  # both fills lost
    assert [(e.status, e.fill_quantity) for e in ticket.order_events] == [
        (OrderStatus.SUBMITTED, 0), (OrderStatus.PARTIALLY_FILLED, 1), (OrderStatus.FILLED, 2)]
    assert ticket.status == OrderStatus.FILLED and ticket.quantity_filled == 3
    assert algo.portfolio[algo.spy].quantity == 3 == sim.position(algo.spy)


def test_market_closed_window_turns_market_orders_into_market_on_open() -> None:
    window_end = OPEN + timedelta(minutes=30)
    sim = _sim(MarketClosed(start=OPEN, end=window_end, symbols=("SPY",)))
    algo = sim.start(Recorder)
    assert not algo.securities[algo.spy].exchange.exchange_open
    ticket = algo.market_order(algo.spy, 1)
    assert ticket.order_type == OrderType.MARKET_ON_OPEN
    sim.advance(3600, step=60)
    assert ticket.status == OrderStatus.SUBMITTED  # the session already opened today
    sim.advance_to(datetime(2024, 1, 3, 14, 31, tzinfo=timezone.utc), step=300)  # 09:31: the first bar
    assert ticket.status == OrderStatus.FILLED


def test_store_save_fails_returns_false_on_the_nth_save() -> None:
    sim = _sim(StoreSaveFails(nth=2))
    algo = sim.start(Recorder)
    assert algo.object_store.save("a/1", "x") is True
    assert algo.object_store.save("a/2", "y") is False
    assert algo.object_store.save("a/3", "z") is True
    assert algo.object_store.keys == ["a/1", "a/3"]
    assert sim.store_stats.failed_saves == 1
