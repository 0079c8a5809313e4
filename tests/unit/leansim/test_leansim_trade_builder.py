"""`algorithm.trade_builder`: LEAN's default fill-to-fill, first-in-first-out round trips
(Common/Statistics/TradeBuilder.cs)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from leansim.enums import SecurityType
from leansim.symbols import Symbol
from leansim.trade_builder import TradeBuilder, TradeDirection

T0 = datetime(2015, 12, 23, 15, tzinfo=timezone.utc)
GOOG = Symbol.create("GOOG", SecurityType.EQUITY, "usa")


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_a_closing_fill_closes_the_oldest_trades_first_and_splits_a_partly_closed_one() -> None:
    builder = TradeBuilder()
    builder.process_fill(1, GOOG, at(0), 10, 100.0, 1.0)
    builder.process_fill(2, GOOG, at(1), 10, 110.0, 1.0)
    builder.process_fill(3, GOOG, at(2), -15, 120.0, 1.0)
    first, second = builder.closed_trades
    assert (first.entry_price, first.quantity, first.profit_loss, first.total_fees) == (100.0, 10, 200.0, 2.0)
    assert (second.entry_price, second.quantity, second.profit_loss, second.total_fees) == (110.0, 5, 50.0, 1.0)
    assert first.order_ids == {1, 3} and second.order_ids == {2, 3}
    assert builder.has_open_position(GOOG)
    builder.process_fill(4, GOOG, at(3), -5, 90.0, 1.0)
    last = builder.closed_trades[-1]
    # the rest of order 2's trade: its fee went with the part closed first; order 4's fee is added
    assert (last.quantity, last.profit_loss, last.total_fees, last.exit_time) == (5, -100.0, 1.0, at(3))
    assert not builder.has_open_position(GOOG)


def test_a_fill_larger_than_the_position_reverses_it_and_an_orders_fee_counts_once() -> None:
    builder = TradeBuilder()
    builder.process_fill(1, GOOG, at(0), 10, 100.0, 1.0)
    builder.process_fill(2, GOOG, at(1), -4, 90.0, 1.0)
    builder.process_fill(2, GOOG, at(2), -16, 90.0, 1.0)  # order 2's second fill: no fee again
    closed = builder.closed_trades
    assert [(t.quantity, t.profit_loss, t.total_fees) for t in closed] == [(4, -40.0, 2.0), (6, -60.0, 0.0)]
    builder.process_fill(3, GOOG, at(3), 10, 80.0, 1.0)
    short = builder.closed_trades[-1]
    assert (short.direction, short.quantity, short.entry_price, short.profit_loss, short.total_fees) == (
        TradeDirection.SHORT, 10, 90.0, 100.0, 1.0)
    assert short.is_win and not closed[0].is_win


def test_profit_is_scaled_by_the_multiplier_and_excursions_come_from_market_prices() -> None:
    option = Symbol.create("OPT", SecurityType.EQUITY, "usa")  # a 100 multiplier is all that matters here
    builder = TradeBuilder()
    builder.process_fill(1, option, at(0), -1, 5.0, 1.0, multiplier=100)  # a short option
    builder.set_market_price(option, 7.0)
    builder.set_market_price(option, 3.0)
    builder.set_market_price(option, 4.0)
    builder.process_fill(2, option, at(5), 1, 4.0, 1.0, multiplier=100)
    [trade] = builder.closed_trades
    assert (trade.direction, trade.profit_loss, trade.mae, trade.mfe) == (TradeDirection.SHORT, 100.0, -200.0, 200.0)
    assert trade.end_trade_drawdown == 200.0  # the worst fall from a best profit: 0 to -2.00 at 7.00
    assert trade.duration == timedelta(minutes=5)
