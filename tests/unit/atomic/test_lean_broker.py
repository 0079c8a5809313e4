"""The shell's contract keys (atomic/lean_broker.py, LeanSymbols) on the LEAN double: any stored key
resolves to its LEAN Symbol without the algorithm having subscribed it, and an order on such a key
subscribes the contract first, as LEAN itself does for what it finds at a live start."""

from __future__ import annotations

from datetime import datetime, timezone

import leansim

leansim.install()

import pytest
from AlgorithmImports import Market, OptionRight, OptionStyle, QCAlgorithm, SecurityType, Symbol

from atomic.errors import InvalidGroupError
from atomic.lean_broker import LeanMarketClock, LeanOrders, LeanSymbols
from leansim import Simulator
from leansim.securities import Equity, IndexOption, Option

OPEN = datetime(2024, 1, 2, 15, 0, tzinfo=timezone.utc)  # Tuesday, 10:00 in New York
EXPIRY = datetime(2024, 1, 5)
SPX = Symbol.create("SPX", SecurityType.INDEX, Market.USA)
CONTRACTS = {
    "equity option": (Symbol.create_option("SPY", Market.USA, OptionStyle.AMERICAN, OptionRight.PUT, 460, EXPIRY), Option),
    "index option SPXW": (Symbol.create_option(SPX, Market.USA, OptionStyle.EUROPEAN, OptionRight.CALL, 4800, EXPIRY,
                                               target_option="SPXW"), IndexOption),
    "equity": (Symbol.create("QQQ", SecurityType.EQUITY, Market.USA), Equity),
}


class Bare(QCAlgorithm):
    """Subscribes nothing: every contract is one the algorithm has not met (as after a restart)."""

    def initialize(self) -> None:
        pass


def bare() -> QCAlgorithm:
    return Simulator(start=OPEN).start(Bare)


@pytest.mark.parametrize("name", list(CONTRACTS))
def test_a_stored_key_resolves_to_its_symbol_without_a_subscription(name: str) -> None:
    symbol, _ = CONTRACTS[name]
    algorithm = bare()
    found = LeanSymbols(algorithm).find(str(symbol.id))
    assert found == symbol and found is not None and found.value == symbol.value
    assert found.underlying == symbol.underlying and found.security_type == symbol.security_type
    assert not algorithm.securities.contains_key(symbol)  # resolving subscribes nothing


@pytest.mark.parametrize("name", list(CONTRACTS))
def test_a_contract_to_trade_is_subscribed_with_its_underlying(name: str) -> None:
    symbol, security_type = CONTRACTS[name]
    algorithm = bare()
    assert LeanSymbols(algorithm).tradable(str(symbol.id)) == symbol
    assert isinstance(algorithm.securities[symbol], security_type)
    if symbol.underlying is not None:
        assert algorithm.securities.contains_key(symbol.underlying)


def test_a_described_symbol_keys_back_to_itself() -> None:
    symbol, _ = CONTRACTS["index option SPXW"]
    algorithm = bare()
    contract = LeanSymbols(algorithm).describe(symbol)
    assert LeanSymbols(algorithm).require(contract.key) == symbol  # a fresh instance: nothing cached
    assert contract.ticker == "SPXW  240105C04800000" and contract.underlying == "SPX"


def test_an_order_on_a_contract_never_subscribed_is_sent_and_fills() -> None:
    symbol, _ = CONTRACTS["equity option"]
    algorithm = bare()
    placed = LeanOrders(algorithm, LeanSymbols(algorithm)).place_market(str(symbol.id), -2, "atomic/g/rollback/0/0")
    assert placed.contract_key == str(symbol.id) and placed.order_id > 0
    assert algorithm.portfolio[symbol].quantity == -2  # a backtest fills inside the call


def test_a_key_that_is_no_identifier_is_refused_by_name() -> None:
    symbols = LeanSymbols(bare())
    key = "ZZZ OPTION usa 20240105 CALL 999 AMERICAN"  # an option's without its underlying
    assert symbols.find(key) is None
    with pytest.raises(InvalidGroupError, match="is not a LEAN security identifier"):
        symbols.require(key)


@pytest.mark.parametrize(("bid", "ask", "quoted"), [
    (0.95, 1.05, True),
    (None, 0.05, False),  # no bid: Security.BidPrice falls back to Price, the ask (bid == ask)
    (0.40, None, False),  # no ask: AskPrice falls back to Price, the bid
])
def test_the_market_port_quotes_a_leg_only_with_both_sides(bid: float | None, ask: float | None, quoted: bool) -> None:
    """A walk starts at each leg's mid: LEAN's fallback of a missing side to Price is no side."""
    symbol, _ = CONTRACTS["equity option"]
    sim = Simulator(start=OPEN)
    algorithm = sim.start(Bare)
    symbols = LeanSymbols(algorithm)
    key = str(symbols.tradable(str(symbol.id)).id)
    sim.set_quote(symbol, bid, ask)
    quote = LeanMarketClock(algorithm, symbols).quote(key)
    if quoted:
        assert quote is not None and (quote.bid, quote.ask, quote.tick) == (0.95, 1.05, 0.01)
    else:
        assert quote is None and algorithm.securities[symbol].bid_price == algorithm.securities[symbol].ask_price
