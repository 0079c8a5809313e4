"""A quote with one side, priced and filled as LEAN does.

LEAN prices a security on quote data at its QuoteBar.Close: the mid with both sides, else the close of
the side that exists (Common/Data/Market/QuoteBar.cs, Close; Common/Securities/SecurityCache.cs). It
refuses an order only on a price of 0 (Algorithm/QCAlgorithm.Trading.cs, PreOrderChecks), and a market
sale with no bid fills at `quoteBar.Bid?.Close ?? quoteBar.Close` (Common/Orders/Fills/FillModel.cs,
GetBidPrice): at the ask. So a long wing nobody bids for can be sold.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from leansim_kit import OPEN, Recorder

from leansim import Simulator
from leansim.enums import OptionRight, OptionStyle, OrderResponseErrorCode, OrderStatus
from leansim.market.base import Quote
from leansim.symbols import Symbol

WING = Symbol.create_option("SPY", "usa", OptionStyle.AMERICAN, OptionRight.CALL, 110.0, datetime(2024, 1, 19))


def _holding_the_wing() -> tuple[Simulator, Recorder]:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    sim.set_quote(WING, 0.05, 0.10)
    assert algo.market_order(WING, 2).status == OrderStatus.FILLED
    return sim, algo


@pytest.mark.parametrize(("bid", "ask", "close"), [
    (1.0, 1.2, 1.1),  # both sides: the mid
    (None, 0.05, 0.05),  # no bid: the ask
    (0.0, 0.05, 0.05),  # a bid of 0 is no bid
    (0.4, None, 0.4),  # no ask: the bid
    (None, None, None),  # nothing quoted
])
def test_quote_bar_close_is_the_mid_or_the_one_side_quoted(bid: float | None, ask: float | None, close: float | None) -> None:
    assert Quote(bid, ask).quote_bar_close == (pytest.approx(close) if close is not None else None)


def test_a_contract_with_no_bid_is_priced_at_its_ask_and_its_bid_price_falls_back_to_it() -> None:
    sim, algo = _holding_the_wing()
    sim.set_quote(WING, None, 0.05)
    security = algo.securities[WING]
    assert security.price == 0.05
    assert security.bid_price == 0.05  # Security.BidPrice: the cache's bid, else Price


def test_a_long_with_no_bid_is_sold_at_market_at_its_ask() -> None:
    sim, algo = _holding_the_wing()
    sim.set_quote(WING, None, 0.05)
    ticket = algo.market_order(WING, -2)
    assert ticket.status == OrderStatus.FILLED and ticket.average_fill_price == 0.05
    assert algo.portfolio[WING].quantity == 0


def test_a_contract_with_no_ask_is_bought_at_its_bid() -> None:
    sim, algo = _holding_the_wing()
    sim.set_quote(WING, 0.30, None)
    assert algo.securities[WING].price == 0.30
    ticket = algo.market_order(WING, 1)
    assert ticket.status == OrderStatus.FILLED and ticket.average_fill_price == 0.30


def test_a_contract_quoted_on_neither_side_is_priced_at_zero_and_its_orders_are_refused() -> None:
    sim, algo = _holding_the_wing()
    sim.set_quote(WING, None, None)
    assert algo.securities[WING].price == 0.0
    ticket = algo.market_order(WING, -2)
    assert ticket.status == OrderStatus.INVALID
    assert ticket.submit_request.response.error_code == OrderResponseErrorCode.SECURITY_PRICE_ZERO
    assert algo.portfolio[WING].quantity == 2
