"""QCAlgorithm's trading helpers as LEAN defines them (Algorithm/QCAlgorithm.Trading.cs): liquidate,
ticket.update with UpdateOrderFields, buy/sell of a strategy, set_benchmark, portfolio.positions."""

from __future__ import annotations


from datetime import datetime

import pytest

from leansim_kit import OPEN, Recorder

from leansim import Simulator
from leansim.buying_power import ConstantBuyingPowerModel
from leansim.data import OptionChain
from leansim.enums import OrderField, OrderRequestStatus, OrderResponseErrorCode, OrderStatus, SecurityType
from leansim.extensions import Extensions
from leansim.option_strategies import OptionStrategies
from leansim.orders import Leg
from leansim.positions import (
    OptionStrategyPositionGroupBuyingPowerModel,
    SecurityPositionGroupBuyingPowerModel,
    SecurityPositionGroupModel,
)
from leansim.symbols import Symbol
from leansim.tickets import UpdateOrderFields


def test_liquidate_cancels_resting_orders_and_closes_the_holding_with_a_market_order() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    algo.market_order(algo.spy, 10)
    resting = algo.limit_order(algo.spy, 5, 50.0)
    sim.advance(1)

    [ticket] = algo.liquidate()

    assert resting.status == OrderStatus.CANCELED and resting.cancel_request is not None
    assert ticket.quantity == -10 and ticket.status == OrderStatus.FILLED and ticket.tag == "Liquidated"
    assert not algo.portfolio.invested
    assert algo.liquidate(algo.spy) == []  # nothing left to close


def test_a_limit_order_update_moves_its_price_and_the_brokerage_reports_update_submitted() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    ticket = algo.limit_order(algo.spy, 5, 50.0)
    sim.advance(1)
    fields = UpdateOrderFields()
    fields.limit_price, fields.tag = 200.0, "moved"

    response = ticket.update(fields)

    assert response.is_success and ticket.get(OrderField.LIMIT_PRICE) == 200.0
    assert ticket.update_requests[-1].status == OrderRequestStatus.PROCESSED
    assert "UPDATE_SUBMITTED" in algo.statuses() and ticket.tag == "moved"
    sim.advance(60)  # the next time slice
    assert ticket.status == OrderStatus.FILLED  # marketable at its new limit


def test_a_closed_order_takes_a_new_tag_but_no_new_price() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    ticket = algo.market_order(algo.spy, 1)
    fields = UpdateOrderFields()
    fields.limit_price = 10.0
    refused = ticket.update(fields)
    assert refused.is_error and refused.error_code == OrderResponseErrorCode.INVALID_ORDER_STATUS
    assert ticket.update_tag("audit").is_success and ticket.tag == "audit"


def test_a_combo_limit_update_moves_the_group_price_every_leg_shares() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    chain = algo.option_chain(algo.spy)
    calls = sorted((c for c in chain if c.right.name == "CALL"), key=lambda c: (c.expiry, c.strike))[:2]
    tickets = algo.combo_limit_order([Leg.create(calls[0].symbol, 1), Leg.create(calls[1].symbol, -1)], 1, 0.01)
    sim.advance(1)
    fields = UpdateOrderFields()
    fields.limit_price = 0.02
    assert tickets[0].update(fields).is_success
    assert [t.get(OrderField.LIMIT_PRICE) for t in tickets] == [0.02, 0.02]


class StrategyHolder(Recorder):
    def initialize(self) -> None:
        super().initialize()
        self.set_benchmark("SPY")
        self.canonical = self.add_option("SPY").symbol


def test_a_strategy_is_one_combo_tagged_with_its_name_and_held_as_one_group() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(StrategyHolder)
    contract = next(c for c in algo.option_chain(algo.spy) if c.right.name == "CALL")
    algo.market_order(algo.spy, 1)

    tickets = algo.buy(OptionStrategies.covered_call(algo.canonical, contract.strike, contract.expiry), 2)

    assert [(t.quantity, t.tag) for t in tickets] == [(200, "Covered Call (2)"), (-2, "Covered Call (2)")]
    groups = algo.portfolio.positions.groups
    assert [(sorted(p.quantity for p in g.positions), type(g.buying_power_model)) for g in groups] == [
        ([-2, 201], OptionStrategyPositionGroupBuyingPowerModel)]
    algo.sell(OptionStrategies.covered_call(algo.canonical, contract.strike, contract.expiry), 2)
    assert [type(g.buying_power_model) for g in algo.portfolio.positions.groups] == [SecurityPositionGroupBuyingPowerModel]
    with pytest.raises(RuntimeError, match="Cannot change Benchmark after algorithm initialized"):
        algo.set_benchmark("SPY")


def test_a_chain_data_frame_has_a_row_per_contract_and_leans_column_names() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    chain = algo.option_chain(algo.spy)

    frame = chain.data_frame

    assert len(frame) == len(chain) and frame.index.name == "symbol"
    assert {"expiry", "strike", "right", "bidprice", "askprice", "impliedvolatility", "delta", "openinterest",
            "underlyinglastprice"} <= set(frame.columns)
    first = next(iter(chain))
    assert frame.loc[first.symbol, "strike"] == first.strike and frame.loc[first.symbol, "delta"] == first.greeks.delta
    calls = frame.loc[frame.right == first.right]
    assert set(calls.index) == {c.symbol for c in chain if c.right == first.right}
    empty = OptionChain(Symbol.create_canonical_option(algo.spy), first.time, chain.underlying, []).data_frame
    assert len(empty) == 0 and list(empty.columns) == list(frame.columns)  # filters on an empty chain still work


class ConstantMargin(Recorder):
    def initialize(self) -> None:
        self.set_security_initializer(lambda security: security.set_buying_power_model(ConstantBuyingPowerModel(1)))
        super().initialize()
        self.portfolio.set_positions(SecurityPositionGroupModel.NULL)


def test_a_constant_buying_power_model_charges_its_margin_per_unit_and_null_positions_never_group() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(ConstantMargin)
    call = next(c for c in algo.option_chain(algo.spy) if c.right.name == "CALL")
    shares = algo.market_order(algo.spy, 3000)  # $300,000 of SPY on $100,000: refused under the default rules
    algo.market_order(call.symbol, -10)

    assert shares.status.name == "FILLED"
    assert algo.portfolio.total_margin_used == 3010  # 1 per share and per contract
    assert [len(group.positions) for group in algo.portfolio.positions.groups] == [1, 1]


def test_extensions_convert_between_utc_and_an_exchange_zone_and_know_the_option_types() -> None:
    new_york = "America/New_York"
    assert Extensions.convert_from_utc(datetime(2015, 12, 24, 14, 31), new_york) == datetime(2015, 12, 24, 9, 31)
    assert Extensions.convert_to_utc(datetime(2015, 7, 1, 9, 30), new_york) == datetime(2015, 7, 1, 13, 30)  # EDT
    assert Extensions.is_option(SecurityType.INDEX_OPTION) and not Extensions.is_option(SecurityType.EQUITY)
