"""leansim's fill models, scan and close slice against LEAN's (Common/Orders/Fills/FillModel.cs,
Brokerages/Backtesting/BacktestingBrokerage.cs, Algorithm/QCAlgorithm.Trading.cs), on a tiny LEAN
data folder whose bars have a high and a low apart from their close."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from leansim_kit import Recorder

from leansim import Simulator
from leansim.enums import OptionRight, OptionStyle, OrderResponseErrorCode, OrderStatus, OrderType
from leansim.fills import FillModel, FillModelParameters
from leansim.market import lean_format as lf
from leansim.market.lean_folder import LeanDataFolder
from leansim.orders import Leg, MarketOrder
from leansim.symbols import Symbol

DAY = date(2024, 1, 5)  # a Friday; EST, so 09:30 New York is 14:30 UTC
NEXT = date(2024, 1, 8)  # the next session (Monday)
EXPIRY = date(2024, 1, 19)
Row = list[float | None]


def ny(hour: int, minute: int, second: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=timezone.utc) + timedelta(hours=5)


def bar_row(hour: int, minute: int, bid: tuple[float, float, float, float], ask: tuple[float, float, float, float]) -> Row:
    """A quote bar stamped at its start: bid OHLC, size, ask OHLC, size."""
    return [float((hour * 60 + minute) * 60_000), *bid, 10.0, *ask, 10.0]


# The 09:30 bars (read from 09:31 on, and fill-forwarded while no newer bar comes).
SPY_930 = bar_row(9, 30, (99.0, 99.2, 98.8, 99.1), (99.1, 99.3, 98.9, 99.2))
SPY_1559 = bar_row(15, 59, (101.0, 101.2, 100.8, 101.1), (101.1, 101.4, 101.0, 101.3))
SPY_NEXT_930 = bar_row(9, 30, (102.0, 102.5, 101.5, 102.2), (102.1, 102.6, 101.6, 102.3))
CALL_470 = bar_row(9, 30, (5.00, 5.20, 4.80, 5.10), (5.10, 5.30, 4.90, 5.20))
CALL_480 = bar_row(9, 30, (1.00, 1.10, 0.90, 1.05), (1.05, 1.15, 0.95, 1.10))


def _write_day(root: Path, day: date, spy: list[Row], calls: dict[float, list[Row]]) -> None:
    name = f"{lf.ymd(day)}_spy_minute_quote.csv"
    lf.write_zip(lf.equity_zip(root, "SPY", day, "quote"), [(name, lf.format_rows(spy, lf.QUOTE_PRICE_COLUMNS))])
    members = [
        (lf.option_member_name("SPY", day, "quote", "call", strike, EXPIRY), lf.format_rows(rows, lf.QUOTE_PRICE_COLUMNS))
        for strike, rows in calls.items()
    ]
    lf.write_zip(lf.option_zip(root, "SPY", day, "quote"), members)


@pytest.fixture
def market(tmp_path: Path) -> LeanDataFolder:
    _write_day(tmp_path, DAY, [SPY_930, SPY_1559], {470.0: [CALL_470], 480.0: [CALL_480]})
    _write_day(tmp_path, NEXT, [SPY_NEXT_930], {470.0: [CALL_470], 480.0: [CALL_480]})
    return LeanDataFolder(tmp_path)


def _call(strike: float) -> Symbol:
    return Symbol.create_option("SPY", "usa", OptionStyle.AMERICAN, OptionRight.CALL, strike, datetime(2024, 1, 19))


def _start(market: LeanDataFolder, at: datetime) -> tuple[Simulator, Recorder]:
    sim = Simulator(market, start=at)
    return sim, sim.start(Recorder)


# --- limit orders ------------------------------------------------------------------------------------------


def test_limit_buy_fills_on_the_ask_bars_low_at_the_limit_on_the_next_slice(market: LeanDataFolder) -> None:
    sim, algo = _start(market, ny(9, 45))
    ticket = algo.limit_order(algo.spy, 10, 99.05)  # ask closed at 99.20, its bar's low was 98.90
    sim.advance(59)
    assert ticket.status == OrderStatus.SUBMITTED  # never on the bar it was placed in
    sim.advance(1)
    assert ticket.status == OrderStatus.FILLED
    assert ticket.average_fill_price == pytest.approx(99.05)  # min(high 99.30, limit)
    assert ticket.order_events[-1].utc_time == ny(9, 46)


def test_limit_buy_below_the_bar_fills_at_the_bars_high(market: LeanDataFolder) -> None:
    sim, algo = _start(market, ny(9, 45))
    ticket = algo.limit_order(algo.spy, 10, 120.0)
    sim.advance(60)
    assert ticket.status == OrderStatus.FILLED and ticket.average_fill_price == pytest.approx(99.3)  # min(high, limit)


def test_limit_sell_fills_on_the_bid_bars_high_at_the_limit(market: LeanDataFolder) -> None:
    sim, algo = _start(market, ny(9, 45))
    ticket = algo.limit_order(algo.spy, -10, 99.15)  # bid closed at 99.10, its bar's high was 99.20
    sim.advance(60)
    assert ticket.status == OrderStatus.FILLED and ticket.average_fill_price == pytest.approx(99.15)  # max(low 98.80, limit)


def test_limit_that_the_bar_never_reached_stays_open(market: LeanDataFolder) -> None:
    sim, algo = _start(market, ny(9, 45))
    ticket = algo.limit_order(algo.spy, 10, 98.9)  # the ask bar's low is 98.90: not strictly below
    sim.advance(300)
    assert ticket.status == OrderStatus.SUBMITTED


# --- combo limit and combo leg limit ------------------------------------------------------------------------


def test_combo_limit_buy_compares_the_sum_of_lows_and_fills_every_leg_at_its_low(market: LeanDataFolder) -> None:
    sim, algo = _start(market, ny(9, 45))
    legs = [Leg.create(_call(470), 1), Leg.create(_call(480), -1)]
    tickets = algo.combo_limit_order(legs, 2, 4.05)  # lows: ask 4.90 - bid 0.90 = 4.00 < 4.05 (closes: 4.15)
    assert [t.status for t in tickets] == [OrderStatus.SUBMITTED] * 2  # not in the scan at submission time
    sim.advance(60)
    assert [t.status for t in tickets] == [OrderStatus.FILLED] * 2
    assert [t.average_fill_price for t in tickets] == pytest.approx([4.90, 0.90])
    assert [t.quantity_filled for t in tickets] == [2, -2]


def test_combo_limit_sell_compares_the_sum_of_highs_and_fills_every_leg_at_its_high(market: LeanDataFolder) -> None:
    sim, algo = _start(market, ny(9, 45))
    legs = [Leg.create(_call(470), 1), Leg.create(_call(480), -1)]
    # a negative quantity sells the spread: highs of the 470 bid bar (5.20) and the 480 ask bar
    # (1.15), 5.20 - 1.15 = 4.05 > 4.00 (closes: 5.10 - 1.10 = 4.00, not above)
    tickets = algo.combo_limit_order(legs, -1, 4.00)
    sim.advance(60)
    assert [t.status for t in tickets] == [OrderStatus.FILLED] * 2
    assert [t.average_fill_price for t in tickets] == pytest.approx([5.20, 1.15])
    assert [t.quantity_filled for t in tickets] == [-1, 1]


def test_combo_limit_fills_in_a_later_scan_at_its_own_bar_where_a_limit_order_does_not(market: LeanDataFolder) -> None:
    sim, algo = _start(market, ny(9, 45))
    combo = algo.combo_limit_order([Leg.create(_call(470), 1), Leg.create(_call(480), -1)], 1, 4.05)
    limit = algo.limit_order(algo.spy, 1, 99.05)
    sim.advance(30)
    algo.market_order(algo.spy, 1)  # a request scans the brokerage at 09:45:30, on the 09:45 data
    assert [t.status for t in combo] == [OrderStatus.FILLED] * 2  # skipped only when EndTime < order.Time
    assert limit.status == OrderStatus.SUBMITTED  # skipped when EndTime <= order.Time


def test_combo_leg_limit_fills_each_leg_as_a_limit_order(market: LeanDataFolder) -> None:
    sim, algo = _start(market, ny(9, 45))
    legs = [Leg.create(_call(470), 1, 5.0), Leg.create(_call(480), -1, 0.99)]
    tickets = algo.combo_leg_limit_order(legs, 1)
    sim.advance(60)
    assert [t.status for t in tickets] == [OrderStatus.FILLED] * 2
    assert [t.average_fill_price for t in tickets] == pytest.approx([5.0, 0.99])  # min(high, limit), max(low, limit)


def test_combo_leg_limit_with_one_leg_out_of_reach_fills_nothing(market: LeanDataFolder) -> None:
    sim, algo = _start(market, ny(9, 45))
    legs = [Leg.create(_call(470), 1, 5.0), Leg.create(_call(480), -1, 1.20)]  # the bid bar's high is 1.10
    tickets = algo.combo_leg_limit_order(legs, 1)
    sim.advance(300)
    assert [t.status for t in tickets] == [OrderStatus.SUBMITTED] * 2


# --- market orders on stale data ----------------------------------------------------------------------------


def test_market_order_before_the_first_bar_waits_for_fresh_data(market: LeanDataFolder) -> None:
    sim = Simulator(start=ny(9, 30, 20))  # a quote, but the latest bar ended at the previous close
    algo = sim.start(Recorder)
    sim.set_quote("SPY", 99.0, 99.2)
    ticket = algo.market_order(algo.spy, 1)
    assert ticket.order_type == OrderType.MARKET and ticket.status == OrderStatus.SUBMITTED
    sim.advance(39)
    assert ticket.status == OrderStatus.SUBMITTED
    sim.advance(1)  # the 09:31 slice brings the first bar of the session
    assert ticket.status == OrderStatus.FILLED and ticket.average_fill_price == 99.2
    assert ticket.order_events[-1].utc_time == ny(9, 31) and ticket.order_events[-1].message == ""


def test_market_fill_on_stale_data_within_one_bar_carries_the_stale_price_warning() -> None:
    sim = Simulator(start=ny(10, 0, 30))
    algo = sim.start(Recorder)
    security = algo.securities[algo.spy]
    order = MarketOrder(algo.spy, 1, sim.now)
    parameters = FillModelParameters(security, order, stale_price_time_span=timedelta(0))
    event = next(iter(FillModel().fill(parameters)))
    assert event.status == OrderStatus.FILLED
    assert event.message == "Warning: fill at stale price (01/05/2024 10:00:00 America/New_York)"


# --- market on open / market on close -----------------------------------------------------------------------


def test_market_on_open_is_refused_during_regular_hours(market: LeanDataFolder) -> None:
    _, algo = _start(market, ny(10, 0))
    ticket = algo.market_on_open_order(algo.spy, 1)
    assert ticket.status == OrderStatus.INVALID
    response = ticket.submit_request.response
    assert response.error_code == OrderResponseErrorCode.MARKET_ON_OPEN_NOT_ALLOWED_DURING_REGULAR_HOURS
    assert response.error_message == "Cannot submit a MarketOnOpen order while the market is open."


def test_market_on_open_fills_at_the_first_bars_open(market: LeanDataFolder) -> None:
    sim, algo = _start(market, ny(17, 0))
    ticket = algo.market_on_open_order(algo.spy, 5)
    sim.advance_to(ny(9, 30, day=NEXT), step=600)
    assert ticket.status == OrderStatus.SUBMITTED
    sim.advance(60)
    assert ticket.status == OrderStatus.FILLED and ticket.average_fill_price == pytest.approx(102.1)  # the ask bar's open
    assert ticket.order_events[-1].utc_time == ny(9, 31, day=NEXT)


def test_market_on_close_fills_at_the_close_at_the_last_bars_ask(market: LeanDataFolder) -> None:
    sim, algo = _start(market, ny(15, 0))
    buy = algo.market_on_close_order(algo.spy, 3)
    sell = algo.market_on_close_order(algo.spy, -3)
    sim.advance_to(ny(15, 59, 59), step=60)
    assert buy.status == OrderStatus.SUBMITTED
    sim.advance(1)
    assert buy.status == OrderStatus.FILLED and buy.average_fill_price == pytest.approx(101.3)
    assert sell.status == OrderStatus.FILLED and sell.average_fill_price == pytest.approx(101.1)
    assert buy.order_events[-1].utc_time == ny(16, 0)


def test_market_on_close_inside_the_submission_buffer_is_refused(market: LeanDataFolder) -> None:
    _, algo = _start(market, ny(15, 45))
    ticket = algo.market_on_close_order(algo.spy, 1)
    assert ticket.status == OrderStatus.INVALID
    assert ticket.submit_request.response.error_code == OrderResponseErrorCode.MARKET_ON_CLOSE_ORDER_TOO_LATE


# --- the close slice ----------------------------------------------------------------------------------------


class CloseTrader(Recorder):
    """Trades in the slice stamped at the close: a market order on SPY and a combo of two calls."""

    def initialize(self) -> None:
        super().initialize()
        self.slice_times: list[datetime] = []
        self.open_at_close: bool | None = None
        self.close_tickets: list = []  # type: ignore[type-arg]

    def on_data(self, data) -> None:  # type: ignore[no-untyped-def]
        self.slice_times.append(data.time)
        if data.time.hour == 16 and not self.close_tickets:
            self.open_at_close = self.securities[self.spy].exchange.exchange_open
            self.close_tickets.append(self.market_order(self.spy, 2))
            self.close_tickets.extend(self.combo_market_order([Leg.create(_call(470), 1), Leg.create(_call(480), -1)], 1))


def test_the_close_slice_is_delivered_and_a_market_order_there_becomes_market_on_open(market: LeanDataFolder) -> None:
    sim = Simulator(market, start=ny(15, 58))
    algo = sim.start(CloseTrader)
    sim.advance_to(ny(16, 5))
    assert algo.slice_times[-1] == datetime(2024, 1, 5, 16, 0)  # stamped at the close
    assert algo.open_at_close is False
    moo, *combo = algo.close_tickets
    assert moo.order_type == OrderType.MARKET_ON_OPEN and moo.status == OrderStatus.SUBMITTED
    # a combo market order is not converted, and fills on the 15:59 bar: the fill model treats the
    # exchange as open within the current bar (FillModel.IsExchangeOpen)
    assert [t.status for t in combo] == [OrderStatus.FILLED] * 2
    assert [t.average_fill_price for t in combo] == pytest.approx([5.20, 1.05])
    sim.advance_to(ny(9, 31, day=NEXT), step=600)
    assert moo.status == OrderStatus.FILLED and moo.average_fill_price == pytest.approx(102.1)


def test_slices_run_from_the_first_bar_to_the_close(market: LeanDataFolder) -> None:
    sim = Simulator(market, start=ny(9, 29))
    algo = sim.start(CloseTrader)
    sim.advance_to(ny(9, 33), step=60)
    assert algo.slice_times == [datetime(2024, 1, 5, 9, 31), datetime(2024, 1, 5, 9, 32), datetime(2024, 1, 5, 9, 33)]
