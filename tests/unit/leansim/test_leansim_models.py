"""Fill and brokerage models are honoured as LEAN extension points."""

from __future__ import annotations

from datetime import datetime

from leansim_kit import OPEN, Recorder

from leansim import Simulator
from leansim.brokerage_models import (
    BrokerageMessageEvent,
    CharlesSchwabBrokerageModel,
    DefaultBrokerageModel,
    InteractiveBrokersBrokerageModel,
    TastytradeBrokerageModel,
    TradierBrokerageModel,
)
from leansim.enums import (BrokerageMessageType, BrokerageName, OptionRight, OptionStyle, OrderField,
                           OrderResponseErrorCode, OrderStatus)
from leansim.fills import FillModelParameters, ImmediateFillModel
from leansim.orders import Leg, MarketOrder, Order, OrderEvent, OrderFee
from leansim.securities import Security
from leansim.symbols import Symbol
from leansim.tickets import OrderResponse, OrderTicket, UpdateOrderFields


class HalfThenNothing(ImmediateFillModel):
    """Fills half of a market order on the first scan, then nothing ever again."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def market_fill(self, asset: Security, order: MarketOrder) -> OrderEvent:
        self.calls += 1
        event = OrderEvent(order, asset.local_time, OrderFee.ZERO)
        if self.calls == 1:
            event.status = OrderStatus.PARTIALLY_FILLED
            event.fill_quantity = order.quantity / 2
            event.fill_price = asset.price
        return event


class HalfCombo(ImmediateFillModel):
    """LEAN's ComboOrdersFillModelAlgorithm idea: a partial combo fill."""

    def combo_market_fill(self, order: Order, parameters: FillModelParameters) -> list[OrderEvent]:
        fills = super().combo_market_fill(order, parameters)
        for fill in fills[:1]:
            fill.fill_quantity /= 2
            fill.status = OrderStatus.PARTIALLY_FILLED
        return fills[:1]


class RefuseBigOrders(DefaultBrokerageModel):
    def can_submit_order(self, security: Security, order: Order, message: BrokerageMessageEvent | None = None):  # type: ignore[no-untyped-def]
        if abs(order.quantity) > 5:
            return False, BrokerageMessageEvent(BrokerageMessageType.WARNING, "TooBig", "max 5")
        return True, None


class RefuseAllBool(DefaultBrokerageModel):
    def can_submit_order(self, security, order, message):  # type: ignore[no-untyped-def]
        return False


def _spread(legs: int = 2) -> list[Leg]:
    expiry = datetime(2024, 1, 19)
    specs = [(OptionRight.PUT, 90.0, 1), (OptionRight.PUT, 95.0, -1), (OptionRight.CALL, 105.0, -1), (OptionRight.CALL, 110.0, 1)]
    return [
        Leg.create(Symbol.create_option("SPY", "usa", OptionStyle.AMERICAN, right, strike, expiry), ratio)
        for right, strike, ratio in specs[:legs]
    ]


def test_user_fill_model_partial_then_no_fill_is_rescanned_at_every_time_slice() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    model = HalfThenNothing()
    algo.securities[algo.spy].set_fill_model(model)
    ticket = algo.market_order(algo.spy, 10)
    assert ticket.status == OrderStatus.PARTIALLY_FILLED and ticket.quantity_filled == 5
    sim.advance(180)  # BacktestingBrokerage.Scan once per slice: 10:00 (the start's, delivered at the
    # first step), 10:01, 10:02 and 10:03
    assert model.calls == 5 and ticket.quantity_filled == 5


def test_user_combo_fill_model_partial_fill() -> None:
    sim = Simulator(start=OPEN)
    algo = sim.start(Recorder)
    legs = _spread()
    for leg in legs:
        algo.add_option_contract(leg.symbol).set_fill_model(HalfCombo())
    tickets = algo.combo_market_order(legs, 4)
    assert [t.quantity_filled for t in tickets] == [2, 0]


def test_brokerage_model_subclass_refusing_orders() -> None:
    class Algo(Recorder):
        def initialize(self) -> None:
            super().initialize()
            self.set_brokerage_model(RefuseBigOrders())

    sim = Simulator(start=OPEN)
    algo = sim.start(Algo)
    assert algo.market_order(algo.spy, 5).status == OrderStatus.FILLED
    ticket = algo.market_order(algo.spy, 6)
    assert ticket.status == OrderStatus.INVALID
    assert "BrokerageModel declared unable to submit order: [2] WARNING - Code: TooBig - max 5" in algo.log[-1][4]


def test_brokerage_model_returning_a_bare_bool() -> None:
    class Algo(Recorder):
        def initialize(self) -> None:
            super().initialize()
            self.set_brokerage_model(RefuseAllBool())

    algo = Simulator(start=OPEN).start(Algo)
    assert algo.market_order(algo.spy, 1).status == OrderStatus.INVALID


def _combo_statuses(model: DefaultBrokerageModel, legs: int, limit: float | None = None, leg_limits: bool = False) -> list[OrderStatus]:
    class Algo(Recorder):
        def initialize(self) -> None:
            super().initialize()
            self.set_brokerage_model(model)

    algo = Simulator(start=OPEN).start(Algo)
    combo = _spread(legs)
    if leg_limits:
        combo = [Leg.create(leg.symbol, leg.quantity, 1.0) for leg in combo]
        return [t.status for t in algo.combo_leg_limit_order(combo, 1)]
    if limit is not None:
        return [t.status for t in algo.combo_limit_order(combo, 1, limit)]
    return [t.status for t in algo.combo_market_order(combo, 1)]


def test_interactive_brokers_accepts_combos_but_not_four_leg_leg_limits() -> None:
    assert _combo_statuses(InteractiveBrokersBrokerageModel(), 4) == [OrderStatus.FILLED] * 4
    assert _combo_statuses(InteractiveBrokersBrokerageModel(), 2, leg_limits=True) == [OrderStatus.SUBMITTED] * 2
    assert _combo_statuses(InteractiveBrokersBrokerageModel(), 4, leg_limits=True) == [OrderStatus.INVALID] * 4


def test_tradier_refuses_every_combo() -> None:
    assert _combo_statuses(TradierBrokerageModel(), 2) == [OrderStatus.INVALID] * 2
    assert _combo_statuses(TradierBrokerageModel(), 2, limit=1.0) == [OrderStatus.INVALID] * 2


def test_tastytrade_takes_combo_limit_only_and_schwab_both() -> None:
    assert _combo_statuses(TastytradeBrokerageModel(), 2) == [OrderStatus.INVALID] * 2
    assert _combo_statuses(TastytradeBrokerageModel(), 2, limit=1.0) == [OrderStatus.SUBMITTED] * 2
    assert _combo_statuses(CharlesSchwabBrokerageModel(), 2) == [OrderStatus.FILLED] * 2


def test_set_brokerage_model_by_name() -> None:
    class Algo(Recorder):
        def initialize(self) -> None:
            super().initialize()
            self.set_brokerage_model(BrokerageName.TRADIER_BROKERAGE)

    algo = Simulator(start=OPEN).start(Algo)
    assert isinstance(algo.brokerage_model, TradierBrokerageModel)


# --- CanUpdateOrder (BrokerageTransactionHandler.HandleUpdateOrderRequest) -------------------------


class RefuseUpdates(DefaultBrokerageModel):
    def can_update_order(self, security, order, request, message=None):  # type: ignore[no-untyped-def]
        return False, BrokerageMessageEvent(BrokerageMessageType.WARNING, "NoUpdates", "never")


def _resting_limit(model: DefaultBrokerageModel, mode: str = "backtest") -> tuple[Simulator, Recorder, OrderTicket]:
    class Algo(Recorder):
        def initialize(self) -> None:
            super().initialize()
            self.set_brokerage_model(model)

    sim = Simulator(start=OPEN, mode=mode)
    algo = sim.start(Algo)
    ticket = algo.limit_order(algo.spy, 5, 50.0)
    sim.advance(1)
    return sim, algo, ticket


def _moved(ticket: OrderTicket, limit: float | None = None, quantity: int | None = None) -> OrderResponse:
    fields = UpdateOrderFields()
    fields.limit_price, fields.quantity = limit, quantity
    return ticket.update(fields)


def test_a_backtest_update_the_brokerage_model_refuses_is_an_error_with_an_event_and_changes_nothing() -> None:
    _, algo, ticket = _resting_limit(RefuseUpdates())
    before = len(algo.log)

    response = _moved(ticket, 200.0)

    assert response.is_error and response.error_code == OrderResponseErrorCode.BROKERAGE_MODEL_REFUSED_TO_UPDATE_ORDER
    assert response.error_message == "OrderID: 1 WARNING - Code: NoUpdates - never"
    assert ticket.get(OrderField.LIMIT_PRICE) == 50.0 and ticket.status == OrderStatus.SUBMITTED
    # LEAN tells the algorithm with an event of the order as it stands, and no UPDATE_SUBMITTED.
    assert algo.log[before:] == [("SUBMITTED", 1, 0.0, "", "BrokerageModel declared unable to update order")]


def test_live_the_brokerage_model_is_not_asked_about_updates() -> None:
    sim, _, ticket = _resting_limit(RefuseUpdates(), mode="live")
    assert _moved(ticket, 200.0).is_success  # LEAN consults CanUpdateOrder in backtests only
    sim.advance(1)
    assert ticket.get(OrderField.LIMIT_PRICE) == 200.0


def test_tradier_refuses_a_quantity_update_but_moves_a_price() -> None:
    _, _, ticket = _resting_limit(TradierBrokerageModel())
    refused = _moved(ticket, quantity=7)
    assert refused.is_error and "Tradier does not support updating order quantities." in refused.error_message
    assert ticket.quantity == 5
    assert _moved(ticket, 51.0).is_success and ticket.get(OrderField.LIMIT_PRICE) == 51.0
