"""Fees as LEAN's default brokerage model charges them: Interactive Brokers' rule for options and
equities (Common/Orders/Fees/InteractiveBrokersFeeModel.cs), once per completed order."""

from __future__ import annotations

from datetime import datetime

import pytest
from leansim_kit import OPEN, Recorder

from leansim import Simulator
from leansim.enums import AccountType, BrokerageName, OptionRight, OptionStyle, OrderStatus
from leansim.fees import ConstantFeeModel
from leansim.orders import Leg
from leansim.symbols import Symbol


def _option(right: OptionRight, strike: float) -> Symbol:
    return Symbol.create_option("SPY", "usa", OptionStyle.AMERICAN, right, strike, datetime(2024, 1, 19))


@pytest.mark.parametrize(("contracts", "fee"), [(1, 1.00), (2, 1.30), (10, 6.50)])
def test_an_option_order_costs_65_cents_a_contract_and_at_least_a_dollar(contracts: int, fee: float) -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    cash = algo.portfolio.cash
    ticket = algo.market_order(_option(OptionRight.CALL, 105.0), contracts)
    filled = [e for e in algo.events if e.status == OrderStatus.FILLED]
    assert [e.order_fee.value.amount for e in filled] == pytest.approx([fee])
    assert algo.portfolio.total_fees == pytest.approx(fee)
    paid = contracts * ticket.average_fill_price * 100
    assert algo.portfolio.cash == pytest.approx(cash - paid - fee)
    assert sim.brokerage.cash == pytest.approx(cash - paid - fee)  # the brokerage's cash is what a restart reloads


def test_a_combo_pays_per_leg_order() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    legs = [Leg.create(_option(OptionRight.PUT, 90.0), 1), Leg.create(_option(OptionRight.PUT, 95.0), -1),
            Leg.create(_option(OptionRight.CALL, 105.0), -1), Leg.create(_option(OptionRight.CALL, 110.0), 1)]
    algo.combo_market_order(legs, 2)
    assert algo.portfolio.total_fees == pytest.approx(4 * 1.30)


def test_an_equity_order_pays_half_a_cent_a_share_with_a_dollar_minimum() -> None:
    algo = Simulator(start=OPEN).start(Recorder)
    algo.market_order(algo.spy, 10)
    algo.market_order(algo.spy, 400)
    assert algo.portfolio.total_fees == pytest.approx(1.00 + 2.00)


def test_a_security_takes_the_fee_model_it_is_given() -> None:
    algo = Simulator(start=OPEN).start(Recorder)
    algo.securities[algo.spy].set_fee_model(ConstantFeeModel(3.5))
    algo.market_order(algo.spy, 10)
    assert algo.portfolio.total_fees == pytest.approx(3.5)


class _WithBrokerage(Recorder):
    brokerage: BrokerageName = BrokerageName.DEFAULT

    def initialize(self) -> None:
        self.set_brokerage_model(self.brokerage, AccountType.MARGIN)  # before the securities, as in LEAN
        super().initialize()


@pytest.mark.parametrize(("brokerage", "fees"), [
    (BrokerageName.INTERACTIVE_BROKERS_BROKERAGE, [1.00, 1.30]),
    (BrokerageName.CHARLES_SCHWAB, [0.65, 1.30]),  # no minimum
    (BrokerageName.TRADE_STATION, [0.60, 1.20]),
    (BrokerageName.TASTYTRADE, [1.00, 0.00]),  # $1 a contract to open, closing is free
    (BrokerageName.TRADIER_BROKERAGE, [0.00, 0.00]),
])
def test_the_brokerage_model_chooses_the_fee_model(brokerage: BrokerageName, fees: list[float]) -> None:
    algorithm = type("Algorithm", (_WithBrokerage,), {"brokerage": brokerage})
    algo = Simulator(start=OPEN).start(algorithm)
    call = _option(OptionRight.CALL, 105.0)
    algo.market_order(call, 1)
    after_open = algo.portfolio.total_fees
    algo.market_order(call, -2)  # closes the long, opens a short: Tastytrade sees a long held: closing
    assert [after_open, algo.portfolio.total_fees - after_open] == pytest.approx(fees)
