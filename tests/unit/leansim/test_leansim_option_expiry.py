"""LEAN's expiry, exercise and assignment in the double, on a static market.

Each scenario states the LEAN facts it mirrors: Common/Orders/OptionExercise/DefaultExerciseModel.cs
(the fills), Engine/TransactionHandlers/BrokerageTransactionHandler.cs (HandleOptionNotification,
EmitOptionNotificationEvents), Brokerages/Backtesting/BacktestingBrokerage.cs (ProcessDelistings,
ProcessAssignmentOrders) and Common/Securities/Option/DefaultOptionAssignmentModel.cs.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from leansim_kit import OPEN, Recorder

from leansim import Simulator
from leansim.enums import Market, OptionRight, OptionStyle, OrderDirection, OrderStatus, OrderType, SettlementType
from leansim.fees import InteractiveBrokersFeeModel
from leansim.option_exercise import (
    DefaultExerciseModel,
    DefaultOptionAssignmentModel,
    NullOptionAssignmentModel,
    OptionAssignmentParameters,
    OptionAssignmentResult,
)
from leansim.orders import OrderEvent, OrderFee
from leansim.symbols import Symbol

EXPIRY = datetime(2024, 1, 2)  # the Tuesday of OPEN
DELISTED = datetime(2024, 1, 3, 5, 0, tzinfo=timezone.utc)  # midnight in New York after the expiry date
SPOT = 105.0


def contract(right: OptionRight, strike: float, expiry: datetime = EXPIRY) -> Symbol:
    return Symbol.create_option("SPY", Market.USA, OptionStyle.AMERICAN, right, strike, expiry)


class Holder(Recorder):
    """Records assignment events too; options get LEAN's IB fee model (as the default brokerage does)."""

    assignments: list[OrderEvent]

    def initialize(self) -> None:
        super().initialize()
        self.assignments = []

    def on_assignment_order_event(self, assignment_event: OrderEvent) -> None:
        self.assignments.append(assignment_event)


def open_position(sim: Simulator, algo: Holder, symbol: Symbol, quantity: int, bid: float, ask: float) -> None:
    sim.set_quote(symbol, bid, ask)
    algo.add_option_contract(symbol)
    algo.securities[symbol].set_fee_model(InteractiveBrokersFeeModel())
    assert algo.market_order(symbol, quantity).status == OrderStatus.FILLED


def started(live: bool = False) -> tuple[Simulator, Holder]:
    sim = Simulator(start=OPEN, cash=100_000, mode="live" if live else "backtest")
    sim.set_quote("SPY", SPOT - 0.01, SPOT + 0.01)
    return sim, sim.start(Holder)


def exercise_events(algo: Holder) -> list[OrderEvent]:
    return [e for e in algo.events if algo.transactions.get_order_by_id(e.order_id).type == OrderType.OPTION_EXERCISE]


def test_a_long_itm_call_is_exercised_at_midnight_after_expiry_and_delivers_shares_at_the_strike() -> None:
    sim, algo = started()
    call = contract(OptionRight.CALL, 100)
    open_position(sim, algo, call, 1, 5.0, 5.2)
    cash_after_buy = sim.cash
    sim.advance_to(DELISTED - timedelta(minutes=1), step=60)
    assert exercise_events(algo) == [] and sim.position(call) == 1  # still held after the close
    sim.advance_to(DELISTED + timedelta(minutes=1), step=60)

    option_leg, underlying_leg = exercise_events(algo)
    order = algo.transactions.get_order_by_id(option_leg.order_id)
    assert order.type == OrderType.OPTION_EXERCISE and order.quantity == -1 and order.tag == ""
    assert order.status == OrderStatus.FILLED and option_leg.order_id == underlying_leg.order_id == 2
    assert (option_leg.symbol, option_leg.status, option_leg.fill_quantity, option_leg.fill_price) == (call, OrderStatus.FILLED, -1, 0.0)
    assert option_leg.message == "Automatic Exercise. Underlying: 105" and not option_leg.is_assignment
    assert (underlying_leg.symbol, underlying_leg.fill_quantity, underlying_leg.fill_price) == (algo.spy, 100, 100.0)
    assert underlying_leg.message == "Option Exercise" and underlying_leg.direction == OrderDirection.BUY
    assert option_leg.utc_time == underlying_leg.utc_time == DELISTED
    assert option_leg.order_fee.value.amount == underlying_leg.order_fee.value.amount == 0  # exercise is free
    assert algo.assignments == []
    assert sim.positions == {algo.spy: 100}
    assert sim.cash == pytest.approx(cash_after_buy - 100 * 100.0)
    assert algo.portfolio[algo.spy].quantity == 100 and algo.portfolio[algo.spy].average_price == 100.0
    assert algo.portfolio[call].quantity == 0 and algo.portfolio.cash == pytest.approx(sim.cash)


def test_a_short_itm_put_is_assigned_and_the_algorithm_hears_on_assignment_order_event() -> None:
    sim, algo = started()
    put = contract(OptionRight.PUT, 110)  # 4.8% in the money: not deep enough for early assignment
    open_position(sim, algo, put, -1, 5.0, 5.2)
    sim.advance_to(DELISTED + timedelta(minutes=1), step=60)

    option_leg, underlying_leg = exercise_events(algo)
    assert (option_leg.fill_quantity, option_leg.fill_price, option_leg.is_assignment) == (1, 0.0, True)
    assert option_leg.message == "Assigned. Underlying: 105"
    assert (underlying_leg.symbol, underlying_leg.fill_quantity, underlying_leg.fill_price) == (algo.spy, 100, 110.0)
    assert underlying_leg.message == "Option Assignment" and not underlying_leg.is_assignment
    [assigned] = algo.assignments
    assert assigned.order_id == option_leg.order_id and assigned.message == "Assigned. Underlying: 105"  # no tag at expiry
    assert sim.positions == {algo.spy: 100}
    assert algo.portfolio.cash == pytest.approx(sim.cash) == pytest.approx(100_000 + 500 - 1.0 - 110 * 100)


def test_an_otm_spread_expires_worthless_through_exercise_orders_without_shares() -> None:
    sim, algo = started()
    long_call, short_call = contract(OptionRight.CALL, 110), contract(OptionRight.CALL, 115)
    open_position(sim, algo, long_call, 1, 0.5, 0.6)
    open_position(sim, algo, short_call, -1, 0.2, 0.3)
    cash = sim.cash
    sim.advance_to(DELISTED + timedelta(minutes=1), step=60)

    events = exercise_events(algo)
    assert [(e.symbol, e.fill_quantity, e.fill_price, e.message, e.is_assignment) for e in events] == [
        (long_call, -1, 0.0, "OTM. Underlying: 105", False),
        (short_call, 1, 0.0, "OTM. Underlying: 105", False),
    ]
    assert len({e.order_id for e in events}) == 2 and algo.assignments == []
    assert sim.positions == {} and sim.cash == cash and algo.portfolio.cash == pytest.approx(cash)


def test_a_cash_settled_option_pays_its_intrinsic_value_and_delivers_nothing() -> None:
    # Index options (SettlementType.CASH, Common/Securities/IndexOption/IndexOption.cs): the option leg
    # alone, and OptionPortfolioModel pays intrinsic x 100 x contracts.
    sim, algo = started()
    call = contract(OptionRight.CALL, 100)
    open_position(sim, algo, call, 2, 5.0, 5.2)
    algo.securities[call].exercise_settlement = SettlementType.CASH
    cash = sim.cash
    sim.advance_to(DELISTED + timedelta(minutes=1), step=60)

    [option_leg] = exercise_events(algo)
    assert (option_leg.fill_quantity, option_leg.fill_price, option_leg.message) == (-2, 0.0, "Automatic Exercise. Underlying: 105")
    assert sim.positions == {}
    assert sim.cash == pytest.approx(cash + 2 * 5 * 100) and algo.portfolio.cash == pytest.approx(sim.cash)


def test_a_deep_itm_short_is_assigned_early_with_the_models_tag() -> None:
    # OptionAssignmentRegressionAlgorithm's mechanism: GOOG puts at 800 and calls at 600 are assigned
    # before expiry, then sold again (LEAN: 32 orders, $16.00 fees: only the 16 market orders pay).
    sim, algo = started()
    put = contract(OptionRight.PUT, 120, datetime(2024, 1, 4))  # 12.5% in the money, expires in 2 days
    open_position(sim, algo, put, -1, 14.0, 15.5)
    sim.advance(60 * 60, step=60)

    option_leg, underlying_leg = exercise_events(algo)
    assert option_leg.message == "Assigned. Underlying: 105" and option_leg.is_assignment
    assert algo.transactions.get_order_by_id(option_leg.order_id).tag == "Simulated option assignment before expiration"
    assert option_leg.utc_time == datetime(2024, 1, 2, 16, 0, tzinfo=timezone.utc)  # the next hourly check
    [assigned] = algo.assignments
    assert assigned.message == "Assigned. Underlying: 105. Simulated option assignment before expiration"
    assert sim.positions == {algo.spy: 100}
    assert algo.portfolio.total_fees == 1.0


def test_the_null_assignment_model_keeps_the_short_until_expiry() -> None:
    # NullOptionAssignmentRegressionAlgorithm: no early assignment (LEAN: 4 orders, the two sales and
    # the two expiry exercise orders).
    sim, algo = started()
    put = contract(OptionRight.PUT, 120)
    open_position(sim, algo, put, -1, 14.0, 15.5)
    algo.securities[put].set_option_assignment_model(NullOptionAssignmentModel())
    sim.advance_to(DELISTED - timedelta(minutes=1), step=60)
    assert exercise_events(algo) == [] and sim.position(put) == -1
    sim.advance_to(DELISTED + timedelta(minutes=1), step=60)
    assert [e.is_assignment for e in exercise_events(algo)] == [True, False]


class TaggedAssignments:
    """A model of the algorithm's own, wrapping LEAN's default one at 10% with its own tag."""

    def __init__(self) -> None:
        self._default = DefaultOptionAssignmentModel(0.1)

    def get_assignment(self, parameters: OptionAssignmentParameters) -> OptionAssignmentResult:
        result = self._default.get_assignment(parameters)
        return OptionAssignmentResult(result.quantity, "Custom Option Assignment")


def test_a_custom_assignment_model_decides_and_tags() -> None:
    sim, algo = started()
    shallow = contract(OptionRight.PUT, 113, datetime(2024, 1, 4))  # 7.6%: under the custom 10%
    deep = contract(OptionRight.PUT, 120, datetime(2024, 1, 4))
    open_position(sim, algo, shallow, -1, 7.0, 8.5)
    open_position(sim, algo, deep, -1, 14.0, 15.5)
    for symbol in (shallow, deep):
        algo.securities[symbol].set_option_assignment_model(TaggedAssignments())
    sim.advance(60 * 60, step=60)
    [option_leg, _] = exercise_events(algo)
    assert option_leg.symbol == deep
    assert algo.assignments[0].message.endswith(". Custom Option Assignment")
    assert sim.position(shallow) == -1


class OptionLegOnly(DefaultExerciseModel):
    """CustomOptionExerciseModelRegressionAlgorithm's model: one event, message "Tag", never an
    assignment, no underlying (LEAN: End Equity 257114, the premium of every short kept)."""

    def option_exercise(self, option, order):  # type: ignore[no-untyped-def]
        event = OrderEvent(order.id, option.symbol, DELISTED, OrderStatus.FILLED, OrderDirection.BUY, 0.0,
                           order.quantity, OrderFee.ZERO, "Tag")
        event.is_assignment = False
        return [event]


def test_a_custom_exercise_model_makes_the_fills() -> None:
    sim, algo = started()
    put = contract(OptionRight.PUT, 110)
    open_position(sim, algo, put, -1, 5.0, 5.2)
    algo.securities[put].set_option_exercise_model(OptionLegOnly())
    cash = sim.cash
    sim.advance_to(DELISTED + timedelta(minutes=1), step=60)
    [event] = exercise_events(algo)
    assert (event.message, event.fill_quantity, event.is_assignment) == ("Tag", 1, False)
    assert algo.assignments == [] and sim.positions == {} and sim.cash == cash


def test_with_no_process_alive_the_brokerage_still_exercises_and_a_restart_sees_the_shares() -> None:
    sim, algo = started()
    put = contract(OptionRight.PUT, 110)
    open_position(sim, algo, put, -1, 5.0, 5.2)
    sim.crash()
    sim.advance_to(DELISTED + timedelta(minutes=1), step=3600)
    assert sim.positions == {algo.spy: 100}
    restarted = sim.start(Holder)
    assert restarted.portfolio[restarted.spy].quantity == 100 and restarted.portfolio.cash == pytest.approx(sim.cash)
    assert restarted.transactions.get_open_orders() == []


def test_live_mode_delivers_the_same_events_from_the_queue() -> None:
    sim, algo = started(live=True)
    call = contract(OptionRight.CALL, 100)
    sim.set_quote(call, 5.0, 5.2)
    algo.add_option_contract(call)
    algo.market_order(call, 1, asynchronous=True)
    sim.advance(1)
    assert sim.position(call) == 1
    sim.advance_to(DELISTED - timedelta(seconds=1), step=3600)
    sim._now = DELISTED
    sim._expire_options()  # the brokerage reports; LEAN's threads have not delivered yet
    assert sim.pending_events == 2 and exercise_events(algo) == []
    sim.deliver_in_thread()
    assert [(e.symbol, e.fill_quantity) for e in exercise_events(algo)] == [(call, -1), (algo.spy, 100)]
    assert algo.threads[-1] == "leansim-brokerage"
    assert algo.portfolio[algo.spy].quantity == 100


def test_a_coarse_clock_still_stops_at_the_delisting() -> None:
    sim, algo = started()
    call = contract(OptionRight.CALL, 100)
    open_position(sim, algo, call, 1, 5.0, 5.2)
    sim.advance_to(datetime(2024, 1, 3, 14, 30, tzinfo=timezone.utc), step=24 * 3600)  # one step to the next open
    assert {e.utc_time for e in exercise_events(algo)} == {DELISTED}
