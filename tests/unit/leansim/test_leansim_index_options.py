"""Index options in the double, as LEAN has them: `add_index` and `add_index_option` (SPX, SPXW),
European cash-settled contracts under their own ticker, ticks of 0.05 / 0.10, the brokerage models'
acceptance and fees (Common/Securities/IndexOption/, Common/Brokerages/, Common/Orders/Fees/)."""

from __future__ import annotations

from datetime import datetime

import pytest
from leansim_kit import OPEN, Recorder

from leansim import Simulator
from leansim.enums import (
    AccountType,
    BrokerageName,
    OptionRight,
    OptionStyle,
    OrderStatus,
    SecurityType,
    SettlementType,
)
from leansim.securities import Index, IndexOption
from leansim.symbols import Symbol

SPX = Symbol.create("SPX", SecurityType.INDEX, "usa")
EXPIRY = datetime(2024, 1, 5)


def spxw(right: OptionRight = OptionRight.CALL, strike: float = 4800.0) -> Symbol:
    return Symbol.create_option(SPX, "usa", OptionStyle.EUROPEAN, right, strike, EXPIRY, target_option="SPXW")


class IndexAlgorithm(Recorder):
    brokerage: BrokerageName = BrokerageName.DEFAULT

    def initialize(self) -> None:
        self.set_brokerage_model(self.brokerage, AccountType.MARGIN)
        super().initialize()
        self.index = self.add_index("SPX")
        self.weeklies = self.add_index_option(self.index.symbol, "SPXW")


def test_spxw_is_an_index_option_under_its_own_ticker() -> None:
    contract = spxw()
    assert contract.security_type == SecurityType.INDEX_OPTION and contract.id.symbol == "SPXW"
    assert contract.value == "SPXW  240105C04800000" and contract.underlying == SPX
    assert contract.id.option_style == OptionStyle.EUROPEAN
    canonical = contract.canonical
    assert canonical.value == "?SPXW" and canonical.is_canonical() and canonical.underlying == SPX
    assert canonical == Symbol.create_canonical_option(SPX, target_option="SPXW")
    monthly = Symbol.create_option(SPX, "usa", OptionStyle.EUROPEAN, OptionRight.CALL, 4800.0, EXPIRY)
    assert monthly.value == "SPX   240105C04800000" and monthly != contract  # SPX monthlies are another chain
    assert monthly.canonical.value == "?SPX"


def test_add_index_and_add_index_option_overloads() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(IndexAlgorithm)
    assert isinstance(algo.index, Index) and not algo.index.is_tradable
    assert isinstance(algo.weeklies, IndexOption) and algo.weeklies.symbol.value == "?SPXW"
    assert algo.add_index_option("SPX", "SPXW").symbol == algo.weeklies.symbol
    assert algo.add_index_option("SPX").symbol.value == "?SPX"
    # An option ticker given as the underlying is mapped to its index, with LEAN's warning.
    assert algo.add_index_option("SPXW").symbol == algo.weeklies.symbol
    assert any("'SPXW' is an index option ticker" in line for line in sim.logs_at("DEBUG"))
    with pytest.raises(ValueError, match="SecurityType.Index"):
        algo.add_index_option(algo.spy)
    contracts = list(algo.option_chain(algo.weeklies.symbol).contracts)
    assert contracts and all(c.security_type == SecurityType.INDEX_OPTION and c.id.symbol == "SPXW"
                             and c.underlying == SPX and c.canonical == algo.weeklies.symbol for c in contracts)


def test_index_option_contract_facts() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(IndexAlgorithm)
    call = algo.add_option_contract(spxw())
    assert isinstance(call, IndexOption) and call.style == OptionStyle.EUROPEAN
    assert call.exercise_settlement == SettlementType.CASH and call.contract_multiplier == 100
    assert call.symbol_properties.contract_multiplier == 100
    equity_call = algo.add_option_contract(
        Symbol.create_option("SPY", "usa", OptionStyle.AMERICAN, OptionRight.CALL, 470.0, EXPIRY))
    assert equity_call.exercise_settlement == SettlementType.PHYSICAL_DELIVERY
    assert equity_call.symbol_properties.minimum_price_variation == 0.01


@pytest.mark.parametrize(("bid", "ask", "tick"), [(2.80, 2.90, 0.05), (2.95, 3.05, 0.10), (12.0, 12.4, 0.10)])
def test_an_index_option_ticks_by_its_price(bid: float, ask: float, tick: float) -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(IndexAlgorithm)
    call = algo.add_option_contract(spxw())
    sim.set_quote(call.symbol, bid, ask)
    assert call.symbol_properties.minimum_price_variation == tick


@pytest.mark.parametrize(("brokerage", "fee"), [
    (BrokerageName.DEFAULT, 0.00),  # DefaultBrokerageModel.GetFeeModel: no fee model for index options
    (BrokerageName.INTERACTIVE_BROKERS_BROKERAGE, 1.30),  # IB's option rate on index options too
    (BrokerageName.CHARLES_SCHWAB, 2.00),
    (BrokerageName.TRADE_STATION, 2.00),
    (BrokerageName.TASTYTRADE, 2.00),  # $1 a contract to open
    (BrokerageName.TRADIER_BROKERAGE, 0.00),
])
def test_index_option_fees_by_brokerage(brokerage: BrokerageName, fee: float) -> None:
    algorithm = type("Algorithm", (IndexAlgorithm,), {"brokerage": brokerage})
    algo = Simulator(start=OPEN).start(algorithm)
    algo.market_order(spxw(), -2)
    filled = [e for e in algo.events if e.status == OrderStatus.FILLED]
    assert len(filled) == 1 and algo.portfolio.total_fees == pytest.approx(fee)


def test_alpaca_refuses_index_options_and_ib_takes_them() -> None:
    alpaca = type("Algorithm", (IndexAlgorithm,), {"brokerage": BrokerageName.ALPACA})
    algo = Simulator(start=OPEN).start(alpaca)
    algo.market_order(spxw(), 1)
    assert algo.statuses() == ["INVALID"] and "INDEX_OPTION security type" in algo.log[0][4]
    ib = type("Algorithm", (IndexAlgorithm,), {"brokerage": BrokerageName.INTERACTIVE_BROKERS_BROKERAGE})
    algo = Simulator(start=OPEN).start(ib)
    algo.market_order(spxw(), 1)
    assert algo.statuses()[-1] == "FILLED"


def test_a_position_is_100_times_the_index_and_expires_in_cash() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(IndexAlgorithm)
    put = spxw(OptionRight.PUT, 105.0)  # the static market prices SPX at 100: 5 in the money at expiry
    algo.market_order(put, 1)
    assert algo.portfolio[put].quantity == 1
    paid = algo.securities[put].holdings.average_price * 100
    cash = sim.cash
    sim.advance_to(datetime(2024, 1, 6, 6, 0, tzinfo=OPEN.tzinfo), step=3600)  # LEAN delists at the midnight after expiry
    assert sim.position(put) == 0 and sim.position("SPX") == 0  # nothing delivered: cash only
    assert sim.cash == pytest.approx(cash + 5.0 * 100) and paid > 0
